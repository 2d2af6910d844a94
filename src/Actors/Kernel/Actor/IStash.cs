namespace Runa.Kernel;

/// <summary>
/// Messages put aside for later. Unstashed messages go to the front of the mailbox in their
/// original order. On restart everything stashed returns to the mailbox; on stop it becomes dead letters.
/// </summary>
public interface IStash
{
    /// <summary>Stashes the message being processed (at most once per message).</summary>
    void Stash();

    /// <summary>Returns the oldest stashed message to the front of the mailbox.</summary>
    void Unstash();

    /// <summary>Returns all stashed messages to the front of the mailbox, in order.</summary>
    void UnstashAll();

    /// <summary>Returns the stashed messages matching <paramref name="predicate"/>, in order; the rest stay stashed.</summary>
    void UnstashAll(Func<Envelope, bool> predicate);

    /// <summary>Removes and returns all stashed messages.</summary>
    IEnumerable<Envelope> ClearStash();

    /// <summary>Number of stashed messages.</summary>
    int Count { get; }

    /// <summary>True if nothing is stashed.</summary>
    bool IsEmpty { get; }
}

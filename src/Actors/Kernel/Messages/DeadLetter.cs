namespace Runa.Kernel;

/// <summary>Published on the event stream for every message that could not be delivered.</summary>
/// <param name="Message">The message.</param>
/// <param name="Sender">Its sender, if any.</param>
/// <param name="Recipient">The ref it was sent to.</param>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient)
{
    /// <inheritdoc/>
    public override string ToString()
        => $"DeadLetter from {Sender?.ToString() ?? "NoSender"} to {Recipient}: <{Message}>";
}

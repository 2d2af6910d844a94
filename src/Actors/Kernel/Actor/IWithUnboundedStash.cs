namespace Runa.Kernel;

/// <summary>Implement on an actor to get an unbounded stash (set by the kernel before the constructor body runs).</summary>
public interface IWithUnboundedStash
{
    /// <summary>The actor's stash.</summary>
    IStash Stash { get; set; }
}

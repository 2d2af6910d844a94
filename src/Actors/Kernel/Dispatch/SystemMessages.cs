namespace Runa.Kernel.Internal;

/// <summary>
/// INTERNAL API. Messages of the actor kernel itself. They travel in a separate queue of the
/// mailbox that is drained before every user message, so watch/stop/failure handling never waits
/// behind user traffic. Each instance is sent once (it is linked into that queue by <see cref="Next"/>).
/// </summary>
internal abstract class SystemMessage
{
    /// <summary>Link in the mailbox's system queue; owned by the mailbox.</summary>
    internal SystemMessage? Next;
}

/// <summary>Create the actor instance and run PreStart.</summary>
internal sealed class Create : SystemMessage
{
}

/// <summary>Restart the actor (from its supervisor).</summary>
internal sealed class Recreate(Exception cause) : SystemMessage
{
    /// <summary>The failure that caused the restart.</summary>
    public Exception Cause { get; } = cause;
}

/// <summary>Stop processing user messages until a matching <see cref="Resume"/> (recursive to children).</summary>
internal sealed class Suspend : SystemMessage
{
}

/// <summary>Undo one <see cref="Suspend"/>; when caused by a failure, also clears the failed state.</summary>
internal sealed class Resume(Exception? causedByFailure) : SystemMessage
{
    /// <summary>The failure whose suspension this resolves, null for a plain resume.</summary>
    public Exception? CausedByFailure { get; } = causedByFailure;
}

/// <summary>Stop the actor: children first, then PostStop, then notify watchers and parent.</summary>
internal sealed class Terminate : SystemMessage
{
}

/// <summary>Register <see cref="Watcher"/> as a watcher of <see cref="Watchee"/>.</summary>
internal sealed class Watch(IInternalActorRef watchee, IInternalActorRef watcher) : SystemMessage
{
    /// <summary>The watched actor.</summary>
    public IInternalActorRef Watchee { get; } = watchee;

    /// <summary>The watching actor.</summary>
    public IInternalActorRef Watcher { get; } = watcher;
}

/// <summary>Remove a watch registration.</summary>
internal sealed class Unwatch(IInternalActorRef watchee, IInternalActorRef watcher) : SystemMessage
{
    /// <summary>The watched actor.</summary>
    public IInternalActorRef Watchee { get; } = watchee;

    /// <summary>The watching actor.</summary>
    public IInternalActorRef Watcher { get; } = watcher;
}

/// <summary>Tells a watcher (and the parent) that <see cref="Actor"/> has terminated.</summary>
internal sealed class DeathWatchNotification(IActorRef actor, bool existenceConfirmed, bool addressTerminated) : SystemMessage
{
    /// <summary>The terminated actor.</summary>
    public IActorRef Actor { get; } = actor;

    /// <summary>Whether the actor was known to exist.</summary>
    public bool ExistenceConfirmed { get; } = existenceConfirmed;

    /// <summary>Always false (no remoting).</summary>
    public bool AddressTerminated { get; } = addressTerminated;
}

/// <summary>A child failed and is suspended until its parent decides.</summary>
internal sealed class Failed(IActorRef child, Exception cause, int uid) : SystemMessage
{
    /// <summary>The failed child.</summary>
    public IActorRef Child { get; } = child;

    /// <summary>What it threw.</summary>
    public Exception Cause { get; } = cause;

    /// <summary>The child's incarnation uid, to ignore reports of a previous incarnation.</summary>
    public int Uid { get; } = uid;
}

/// <summary>A continuation of an async handler, posted through the actor's synchronization context.</summary>
internal sealed class AsyncContinuation(SendOrPostCallback callback, object? state, int incarnation) : SystemMessage
{
    /// <summary>The continuation.</summary>
    public SendOrPostCallback Callback { get; } = callback;

    /// <summary>Its state argument.</summary>
    public object? State { get; } = state;

    /// <summary>The actor incarnation that posted it; callbacks of a previous incarnation are dropped.</summary>
    public int Incarnation { get; } = incarnation;
}

/// <summary>The task returned by an async handler completed; the mailbox resumes (or the actor fails).</summary>
internal sealed class AsyncCompleted(Task task, int incarnation) : SystemMessage
{
    /// <summary>The completed task.</summary>
    public Task Task { get; } = task;

    /// <summary>The actor incarnation that started it.</summary>
    public int Incarnation { get; } = incarnation;
}

namespace Runa.Kernel.Internal;

/// <summary>INTERNAL API. One entry of the <see cref="HeapScheduler"/>: a send or an action, once or repeated.</summary>
internal sealed class ScheduledItem
{
    /// <summary>The scheduler holding this item.</summary>
    internal readonly HeapScheduler Owner;

    /// <summary>Period in Stopwatch ticks, 0 for a single shot.</summary>
    internal readonly long Interval;

    /// <summary>Receiver of a send (null for an action).</summary>
    internal readonly ICanTell? Receiver;

    /// <summary>Message of a send.</summary>
    internal readonly object? Message;

    /// <summary>Sender of a send.</summary>
    internal readonly IActorRef? Sender;

    /// <summary>The action (null for a send).</summary>
    internal readonly Action? Action;

    /// <summary>External cancellation handle, checked before each run.</summary>
    internal readonly ICancelable? Cancelable;

    /// <summary>Next due time (Stopwatch timestamp); guarded by the owner's lock.</summary>
    internal long Due;

    /// <summary>Tie-breaker keeping FIFO order among equal due times; guarded by the owner's lock.</summary>
    internal long Sequence;

    /// <summary>Position in the heap, -1 when not queued; guarded by the owner's lock.</summary>
    internal int HeapIndex = -1;

    /// <summary>Set by <see cref="Cancel"/>; never cleared.</summary>
    internal volatile bool Cancelled;

    internal ScheduledItem(HeapScheduler owner, long due, long interval, ICanTell? receiver, object? message, IActorRef? sender, Action? action, ICancelable? cancelable)
    {
        Owner = owner;
        Due = due;
        Interval = interval;
        Receiver = receiver;
        Message = message;
        Sender = sender;
        Action = action;
        Cancelable = cancelable;
    }

    /// <summary>Cancels the item and removes it from the queue.</summary>
    public void Cancel() => Owner.Cancel(this);
}

namespace Runa.Kernel.Internal;

/// <summary>INTERNAL API. A <see cref="Terminated"/> (or WatchWith message) queued to a watcher; dropped if it unwatched meanwhile.</summary>
internal sealed class TerminatedDelivery(IActorRef subject, object payload) : IAutoReceivedMessage, IDeadLetterSuppression
{
    /// <summary>The terminated actor.</summary>
    public IActorRef Subject { get; } = subject;

    /// <summary>What the watcher's behaviour receives.</summary>
    public object Payload { get; } = payload;
}

/// <summary>INTERNAL API. A receive-timeout tick; stale generations are ignored.</summary>
internal sealed class ReceiveTimeoutTick(int generation) : IAutoReceivedMessage, IDeadLetterSuppression, INotInfluenceReceiveTimeout
{
    /// <summary>Generation of the timeout that scheduled it.</summary>
    public int Generation { get; } = generation;
}

/// <summary>INTERNAL API. A keyed timer fired; stale generations are ignored.</summary>
internal sealed class TimerFired(object key, int generation) : IAutoReceivedMessage, IDeadLetterSuppression
{
    /// <summary>Timer key.</summary>
    public object Key { get; } = key;

    /// <summary>Generation of the timer that scheduled it.</summary>
    public int Generation { get; } = generation;
}

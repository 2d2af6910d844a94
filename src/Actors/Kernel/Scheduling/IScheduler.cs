namespace Runa.Kernel;

/// <summary>Scheduled message sends.</summary>
public interface ITellScheduler
{
    /// <summary>Sends <paramref name="message"/> to <paramref name="receiver"/> once after <paramref name="delay"/>.</summary>
    void ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender, ICancelable? cancelable = null);

    /// <summary>Sends <paramref name="message"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/> until cancelled.</summary>
    void ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender, ICancelable? cancelable = null);
}

/// <summary>Scheduled actions (they run on a pool thread, outside any actor: do not touch actor state from them).</summary>
public interface IActionScheduler
{
    /// <summary>Runs <paramref name="action"/> once after <paramref name="delay"/>.</summary>
    void ScheduleOnce(TimeSpan delay, Action action, ICancelable? cancelable = null);

    /// <summary>Runs <paramref name="action"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/> until cancelled.</summary>
    void ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action, ICancelable? cancelable = null);
}

/// <summary>The actor system's scheduler. Timing is best effort (about a millisecond of resolution).</summary>
public interface IScheduler : ITellScheduler
{
    /// <summary>Action scheduling.</summary>
    IActionScheduler Advanced { get; }

    /// <summary>Wall-clock now.</summary>
    DateTimeOffset Now { get; }

    /// <summary>Monotonic time since the scheduler started.</summary>
    TimeSpan MonotonicClock { get; }
}

namespace Runa.Kernel;

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

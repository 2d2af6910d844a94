namespace Runa.Kernel;

/// <summary>Implement on an actor to get keyed timers (set by the kernel before the constructor body runs).</summary>
public interface IWithTimers
{
    /// <summary>The actor's timers.</summary>
    ITimerScheduler Timers { get; set; }
}

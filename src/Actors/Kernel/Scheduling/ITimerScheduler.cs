namespace Runa.Kernel;

/// <summary>
/// Keyed timers that send to the actor itself. Starting a key again replaces its timer; a
/// cancelled timer's message is never received, even if it was already queued. All timers are
/// cancelled when the actor stops or restarts. Use only from within the actor.
/// </summary>
public interface ITimerScheduler
{
    /// <summary>Sends <paramref name="msg"/> once after <paramref name="timeout"/>.</summary>
    void StartSingleTimer(object key, object msg, TimeSpan timeout);

    /// <summary>Sends <paramref name="msg"/> every <paramref name="interval"/>.</summary>
    void StartPeriodicTimer(object key, object msg, TimeSpan interval);

    /// <summary>Sends <paramref name="msg"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    void StartPeriodicTimer(object key, object msg, TimeSpan initialDelay, TimeSpan interval);

    /// <summary>True if the timer <paramref name="key"/> is running (a single timer stops being active once its message is received).</summary>
    bool IsTimerActive(object key);

    /// <summary>Cancels the timer <paramref name="key"/>.</summary>
    void Cancel(object key);

    /// <summary>Cancels every timer.</summary>
    void CancelAll();
}

namespace Runa.Kernel.Internal;

/// <summary>INTERNAL API. The <see cref="ITimerScheduler"/> of one actor cell. Actor thread only.</summary>
internal sealed class TimerScheduler(ActorCell cell) : ITimerScheduler
{
    /// <summary>Active timers by key.</summary>
    private readonly Dictionary<object, Timer> _timers = new();

    /// <summary>Generation counter; a fired message of a replaced or cancelled timer carries an old generation.</summary>
    private int _generation;

    /// <inheritdoc/>
    public void StartSingleTimer(object key, object msg, TimeSpan timeout) => Start(key, msg, timeout, TimeSpan.Zero);

    /// <inheritdoc/>
    public void StartPeriodicTimer(object key, object msg, TimeSpan interval) => Start(key, msg, interval, interval);

    /// <inheritdoc/>
    public void StartPeriodicTimer(object key, object msg, TimeSpan initialDelay, TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "The interval of a periodic timer must be positive.");
        }

        Start(key, msg, initialDelay, interval);
    }

    /// <inheritdoc/>
    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    /// <inheritdoc/>
    public void Cancel(object key)
    {
        if (_timers.Remove(key, out Timer? timer))
        {
            timer.Item?.Cancel();
        }
    }

    /// <inheritdoc/>
    public void CancelAll()
    {
        foreach (Timer timer in _timers.Values)
        {
            timer.Item?.Cancel();
        }

        _timers.Clear();
    }

    /// <summary>A timer message arrived: the payload to deliver, or null if the timer is stale.</summary>
    internal object? OnFired(TimerFired fired)
    {
        if (!_timers.TryGetValue(fired.Key, out Timer? timer) || timer.Generation != fired.Generation)
        {
            return null;
        }

        if (!timer.Repeat)
        {
            _timers.Remove(fired.Key);
        }

        return timer.Message;
    }

    private void Start(object key, object msg, TimeSpan delay, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(msg);
        Cancel(key);
        int generation = ++_generation;
        ScheduledItem? item = cell.System.SchedulerImpl.Schedule(
            delay, interval, cell.Self, new TimerFired(key, generation), cell.Self, action: null, cancelable: null);
        _timers[key] = new Timer(msg, generation, interval > TimeSpan.Zero, item);
    }

    /// <summary>One running timer.</summary>
    private sealed record Timer(object Message, int Generation, bool Repeat, ScheduledItem? Item);
}

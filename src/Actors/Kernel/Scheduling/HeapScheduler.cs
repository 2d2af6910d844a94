using System.Diagnostics;

namespace Runa.Kernel.Internal;

/// <summary>
/// INTERNAL API. The actor system's scheduler: a binary min-heap of <see cref="ScheduledItem"/>s
/// ordered by due time, and one <see cref="System.Threading.Timer"/> armed for the earliest item.
/// No thread per timer, no thread of its own: due items run on a pool thread from the timer
/// callback. Cancelled items are removed from the heap at once, so frequently re-armed receive
/// timeouts do not pile up.
/// </summary>
internal sealed class HeapScheduler : IScheduler, IActionScheduler, IDisposable
{
    /// <summary>Guards the heap, <see cref="_armedDue"/> and <see cref="_disposed"/>.</summary>
    private readonly object _lock = new();

    /// <summary>The single timer, re-armed to the earliest due item.</summary>
    private readonly Timer _timer;

    /// <summary>Stopwatch timestamp at creation, for <see cref="MonotonicClock"/>.</summary>
    private readonly long _start = Stopwatch.GetTimestamp();

    /// <summary>Heap storage; [0, _count) is a min-heap by (Due, Sequence).</summary>
    private ScheduledItem[] _heap = new ScheduledItem[16];

    /// <summary>Items in the heap.</summary>
    private int _count;

    /// <summary>Next sequence number.</summary>
    private long _sequence;

    /// <summary>Due time the timer is armed for, long.MaxValue when disarmed.</summary>
    private long _armedDue = long.MaxValue;

    /// <summary>Set by <see cref="Dispose"/>; nothing is scheduled or run afterwards.</summary>
    private bool _disposed;

    /// <summary>Creates the scheduler.</summary>
    public HeapScheduler(Action<Exception>? onError = null)
    {
        OnError = onError;
        _timer = new Timer(static s => ((HeapScheduler)s!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Receives exceptions thrown by scheduled actions/sends.</summary>
    public Action<Exception>? OnError { get; set; }

    /// <inheritdoc/>
    public IActionScheduler Advanced => this;

    /// <inheritdoc/>
    public DateTimeOffset Now => DateTimeOffset.UtcNow;

    /// <inheritdoc/>
    public TimeSpan MonotonicClock => Stopwatch.GetElapsedTime(_start);

    /// <inheritdoc/>
    public void ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender, ICancelable? cancelable = null)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        Schedule(delay, TimeSpan.Zero, receiver, message, sender, null, cancelable);
    }

    /// <inheritdoc/>
    public void ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender, ICancelable? cancelable = null)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        CheckInterval(interval);
        Schedule(initialDelay, interval, receiver, message, sender, null, cancelable);
    }

    /// <inheritdoc/>
    public void ScheduleOnce(TimeSpan delay, Action action, ICancelable? cancelable = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        Schedule(delay, TimeSpan.Zero, null, null, null, action, cancelable);
    }

    /// <inheritdoc/>
    public void ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action, ICancelable? cancelable = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        CheckInterval(interval);
        Schedule(initialDelay, interval, null, null, null, action, cancelable);
    }

    /// <summary>Queues an item; <paramref name="interval"/> zero means once. Returns null if nothing was queued.</summary>
    internal ScheduledItem? Schedule(TimeSpan delay, TimeSpan interval, ICanTell? receiver, object? message, IActorRef? sender, Action? action, ICancelable? cancelable)
    {
        if (cancelable is { IsCancellationRequested: true })
        {
            return null;
        }

        long now = Stopwatch.GetTimestamp();
        var item = new ScheduledItem(this, now + ToTicks(delay), ToTicks(interval), receiver, message, sender, action, cancelable);
        lock (_lock)
        {
            if (_disposed)
            {
                return null;
            }

            Insert(item);
            ArmIfEarlier(item.Due, now);
        }

        if (cancelable is Cancelable known)
        {
            known.Register(item); // runs Cancel at once if it was cancelled meanwhile
        }

        return item;
    }

    /// <summary>Cancels <paramref name="item"/> and removes it from the heap.</summary>
    internal void Cancel(ScheduledItem item)
    {
        item.Cancelled = true;
        lock (_lock)
        {
            if (item.HeapIndex >= 0)
            {
                RemoveAt(item.HeapIndex);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Array.Clear(_heap, 0, _count);
            _count = 0;
        }

        _timer.Dispose();
    }

    private static void CheckInterval(TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "The interval of a repeated schedule must be positive.");
        }
    }

    private static long ToTicks(TimeSpan span)
        => span <= TimeSpan.Zero ? 0 : (long)(span.Ticks * ((double)Stopwatch.Frequency / TimeSpan.TicksPerSecond));

    /// <summary>Timer callback: pop every due item, re-arm, then run them outside the lock.</summary>
    private void OnTimer()
    {
        List<ScheduledItem>? due = null;
        long now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            while (_count > 0 && _heap[0].Due <= now)
            {
                ScheduledItem item = _heap[0];
                RemoveAt(0);
                (due ??= new List<ScheduledItem>()).Add(item);
            }

            _armedDue = long.MaxValue;
            if (_count > 0)
            {
                ArmIfEarlier(_heap[0].Due, now);
            }
        }

        if (due is null)
        {
            return;
        }

        foreach (ScheduledItem item in due)
        {
            Run(item, now);
        }
    }

    private void Run(ScheduledItem item, long now)
    {
        if (item.Cancelled || item.Cancelable is { IsCancellationRequested: true })
        {
            return;
        }

        try
        {
            if (item.Action is not null)
            {
                item.Action();
            }
            else
            {
                item.Receiver!.Tell(item.Message!, item.Sender);
            }
        }
        catch (Exception e)
        {
            OnError?.Invoke(e);
        }

        if (item.Interval > 0)
        {
            lock (_lock)
            {
                if (_disposed || item.Cancelled)
                {
                    return;
                }

                // Fixed rate; if we fell more than a period behind, continue from now instead of bursting.
                item.Due += item.Interval;
                if (item.Due < now)
                {
                    item.Due = now + item.Interval;
                }

                Insert(item);
                ArmIfEarlier(item.Due, Stopwatch.GetTimestamp());
            }
        }
    }

    /// <summary>Arms the timer for <paramref name="due"/> if it is earlier than what it is armed for. Under the lock.</summary>
    private void ArmIfEarlier(long due, long now)
    {
        if (due >= _armedDue)
        {
            return;
        }

        _armedDue = due;
        long ticks = due - now;
        long ms = ticks <= 0 ? 0 : (long)Math.Ceiling(ticks * 1000.0 / Stopwatch.Frequency);
        _timer.Change(Math.Min(ms, uint.MaxValue - 2L), Timeout.Infinite);
    }

    private bool Less(ScheduledItem a, ScheduledItem b)
        => a.Due < b.Due || (a.Due == b.Due && a.Sequence < b.Sequence);

    private void Insert(ScheduledItem item)
    {
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _count * 2);
        }

        item.Sequence = _sequence++;
        _heap[_count] = item;
        item.HeapIndex = _count;
        _count++;
        SiftUp(item.HeapIndex);
    }

    private void RemoveAt(int index)
    {
        ScheduledItem removed = _heap[index];
        _count--;
        if (index != _count)
        {
            ScheduledItem last = _heap[_count];
            _heap[index] = last;
            last.HeapIndex = index;
            SiftDown(index);
            SiftUp(last.HeapIndex);
        }

        _heap[_count] = null!;
        removed.HeapIndex = -1;
    }

    private void SiftUp(int index)
    {
        ScheduledItem item = _heap[index];
        while (index > 0)
        {
            int parent = (index - 1) / 2;
            if (!Less(item, _heap[parent]))
            {
                break;
            }

            _heap[index] = _heap[parent];
            _heap[index].HeapIndex = index;
            index = parent;
        }

        _heap[index] = item;
        item.HeapIndex = index;
    }

    private void SiftDown(int index)
    {
        ScheduledItem item = _heap[index];
        while (true)
        {
            int left = (2 * index) + 1;
            if (left >= _count)
            {
                break;
            }

            int smallest = left + 1 < _count && Less(_heap[left + 1], _heap[left]) ? left + 1 : left;
            if (!Less(_heap[smallest], item))
            {
                break;
            }

            _heap[index] = _heap[smallest];
            _heap[index].HeapIndex = index;
            index = smallest;
        }

        _heap[index] = item;
        item.HeapIndex = index;
    }
}

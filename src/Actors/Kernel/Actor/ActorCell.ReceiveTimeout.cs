using Runa.Kernel.Internal;

namespace Runa.Kernel;

internal sealed partial class ActorCell
{
    /// <summary>The inactivity timeout, null when off.</summary>
    private TimeSpan? _receiveTimeout;

    /// <summary>Generation of the scheduled tick; ticks of older generations are ignored (so cancelling is exact).</summary>
    private int _receiveTimeoutGeneration;

    /// <summary>The scheduled tick, if any.</summary>
    private ScheduledItem? _receiveTimeoutItem;

    /// <inheritdoc/>
    public TimeSpan? ReceiveTimeout => _receiveTimeout;

    /// <inheritdoc/>
    public void SetReceiveTimeout(TimeSpan? timeout)
    {
        _receiveTimeout = timeout is { } t && t > TimeSpan.Zero && t != Timeout.InfiniteTimeSpan ? t : null;

        // The new timeout starts counting once the current message is done (Invoke re-arms it).
        CancelReceiveTimeout();
        if (_currentMessage is null)
        {
            RescheduleReceiveTimeout(); // set from a lifecycle hook
        }
    }

    /// <summary>Restarts the inactivity clock (after a message that influences it).</summary>
    private void RescheduleReceiveTimeout()
    {
        CancelReceiveTimeout();
        if (_receiveTimeout is { } timeout && !_terminating)
        {
            _receiveTimeoutItem = _system.SchedulerImpl.Schedule(
                timeout, TimeSpan.Zero, _self, new ReceiveTimeoutTick(_receiveTimeoutGeneration), _self, action: null, cancelable: null);
        }
    }

    /// <summary>Drops the scheduled tick; one already queued is ignored by its stale generation.</summary>
    private void CancelReceiveTimeout()
    {
        _receiveTimeoutGeneration++;
        if (_receiveTimeoutItem is not null)
        {
            _receiveTimeoutItem.Cancel();
            _receiveTimeoutItem = null;
        }
    }
}

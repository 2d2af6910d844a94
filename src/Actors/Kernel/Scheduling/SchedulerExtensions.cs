namespace Runa.Kernel;

/// <summary>Schedule calls that return their own cancellation handle.</summary>
public static class SchedulerExtensions
{
    /// <summary>Schedules a single send and returns a handle that cancels it.</summary>
    public static ICancelable ScheduleTellOnceCancelable(this ITellScheduler scheduler, TimeSpan delay, ICanTell receiver, object message, IActorRef? sender)
    {
        var cancelable = new Cancelable();
        scheduler.ScheduleTellOnce(delay, receiver, message, sender, cancelable);
        return cancelable;
    }

    /// <summary>Schedules repeated sends and returns a handle that cancels them.</summary>
    public static ICancelable ScheduleTellRepeatedlyCancelable(this ITellScheduler scheduler, TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender)
    {
        var cancelable = new Cancelable();
        scheduler.ScheduleTellRepeatedly(initialDelay, interval, receiver, message, sender, cancelable);
        return cancelable;
    }
}

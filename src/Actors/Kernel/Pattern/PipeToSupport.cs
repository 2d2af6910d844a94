namespace Runa.Kernel;

/// <summary>Sends the outcome of a task to an actor (the non-blocking way to use async results in actors).</summary>
public static class PipeToSupport
{
    /// <summary>
    /// When <paramref name="taskToPipe"/> completes, sends its result (mapped by
    /// <paramref name="success"/>) or, if it failed, <see cref="Status.Failure"/> (or
    /// <paramref name="failure"/>'s message) to <paramref name="recipient"/>.
    /// </summary>
    public static async Task PipeTo<T>(this Task<T> taskToPipe, ICanTell recipient, IActorRef? sender = null, Func<T, object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(taskToPipe);
        ArgumentNullException.ThrowIfNull(recipient);
        T result;
        try
        {
            result = await taskToPipe.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            recipient.Tell(failure is null ? new Status.Failure(e) : failure(e), sender);
            return;
        }

        recipient.Tell(success is null ? result! : success(result), sender);
    }

    /// <summary>
    /// When <paramref name="taskToPipe"/> completes, sends <paramref name="success"/>'s message (nothing if
    /// it is null) or, if it failed, <see cref="Status.Failure"/> (or <paramref name="failure"/>'s message).
    /// </summary>
    public static async Task PipeTo(this Task taskToPipe, ICanTell recipient, IActorRef? sender = null, Func<object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(taskToPipe);
        ArgumentNullException.ThrowIfNull(recipient);
        try
        {
            await taskToPipe.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            recipient.Tell(failure is null ? new Status.Failure(e) : failure(e), sender);
            return;
        }

        if (success is not null)
        {
            recipient.Tell(success(), sender);
        }
    }
}

namespace Runa.Kernel.Internal;

/// <summary>
/// INTERNAL API. The temporary ref of one <c>Ask</c>: the first reply completes the task (typed
/// result, <see cref="Status.Failure"/> → fault, other type → <see cref="ArgumentException"/>);
/// replies after completion (late, after a timeout) become dead letters.
/// </summary>
internal sealed class PromiseActorRef<T> : MinimalActorRef
{
    /// <summary>The ask's task; continuations never run inline in the replying actor.</summary>
    private readonly TaskCompletionSource<T> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Describes the asked target for error messages.</summary>
    private readonly string _target;

    /// <summary>The timeout entry, if any.</summary>
    private ScheduledItem? _timeoutItem;

    /// <summary>Registration on the caller's token, if any.</summary>
    private CancellationTokenRegistration _cancellation;

    public PromiseActorRef(ActorSystem system, ActorPath path, string target)
        : base(path, 0, system)
    {
        _target = target;
    }

    /// <summary>The ask's result.</summary>
    public Task<T> Task => _promise.Task;

    /// <summary>Fails the ask with <see cref="AskTimeoutException"/> after <paramref name="timeout"/>.</summary>
    public void ArmTimeout(HeapScheduler scheduler, TimeSpan timeout, Type messageType)
    {
        _timeoutItem = scheduler.Schedule(timeout, TimeSpan.Zero, null, null, null, () =>
        {
            if (_promise.TrySetException(new AskTimeoutException(
                    $"Ask timed out on {_target} after {timeout.TotalMilliseconds:0.###} ms (message type {messageType.FullName})")))
            {
                Completed();
            }
        }, null);
    }

    /// <summary>Cancels the ask when <paramref name="token"/> is cancelled.</summary>
    public void RegisterCancellation(CancellationToken token)
    {
        _cancellation = token.UnsafeRegister(static (state, ct) =>
        {
            var self = (PromiseActorRef<T>)state!;
            if (self._promise.TrySetCanceled(ct))
            {
                self.Completed();
            }
        }, this);
    }

    public override void Tell(object message, IActorRef? sender)
    {
        bool completed = message switch
        {
            Status.Failure failure when typeof(T) != typeof(Status.Failure) => _promise.TrySetException(failure.Cause),
            T result => _promise.TrySetResult(result),
            null => _promise.TrySetResult(default!),
            _ => _promise.TrySetException(new ArgumentException(
                $"Ask of {_target} expected a reply of type {typeof(T).FullName} but received {message.GetType().FullName}: {message}")),
        };

        if (completed)
        {
            Completed();
        }
        else if (message is not null)
        {
            System!.PublishDeadLetter(message, sender, this);
        }
    }

    private void Completed()
    {
        _timeoutItem?.Cancel();
        _cancellation.Dispose();
        NotifyWatchersOfTermination();
    }
}

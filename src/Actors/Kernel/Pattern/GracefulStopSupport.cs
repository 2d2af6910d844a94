using Runa.Kernel.Internal;

namespace Runa.Kernel;

/// <summary>Stop an actor and learn when it is gone.</summary>
public static class GracefulStopSupport
{
    /// <summary>Sends <see cref="PoisonPill"/>; true once the actor terminated, false if it did not within <paramref name="timeout"/>.</summary>
    public static Task<bool> GracefulStop(this IActorRef target, TimeSpan timeout) => GracefulStop(target, timeout, PoisonPill.Instance);

    /// <summary>Sends <paramref name="stopMessage"/>; true once the actor terminated, false if it did not within <paramref name="timeout"/>.</summary>
    public static Task<bool> GracefulStop(this IActorRef target, TimeSpan timeout, object stopMessage)
    {
        IInternalActorRef internalTarget = target.AsInternal();
        if (internalTarget.IsTerminated || internalTarget.System is not { } system)
        {
            return Task.FromResult(true);
        }

        var watcher = new StopWatcher(system, system.NewTempPath("$stop"), internalTarget);
        internalTarget.SendSystemMessage(new Watch(internalTarget, watcher));
        system.SchedulerImpl.Schedule(timeout, TimeSpan.Zero, null, null, null, watcher.TimedOut, null);
        target.Tell(stopMessage, ActorRefs.NoSender);
        return watcher.Task;
    }

    private sealed class StopWatcher(ActorSystem system, ActorPath path, IInternalActorRef target) : MinimalActorRef(path, 0, system)
    {
        private readonly TaskCompletionSource<bool> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<bool> Task => _done.Task;

        public override void Tell(object message, IActorRef? sender)
        {
        }

        public void TimedOut()
        {
            if (_done.TrySetResult(false))
            {
                target.SendSystemMessage(new Unwatch(target, this));
            }
        }

        protected override void HandleTerminated(IActorRef actor, bool existenceConfirmed, bool addressTerminated)
        {
            if (actor.Equals(target))
            {
                _done.TrySetResult(true);
            }
        }
    }
}

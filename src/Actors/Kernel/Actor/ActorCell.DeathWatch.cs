using Runa.Kernel.Internal;

namespace Runa.Kernel;

internal sealed partial class ActorCell
{
    /// <summary>Actors this one watches, with the custom message of WatchWith (null: Terminated).</summary>
    private Dictionary<IActorRef, object?>? _watching;

    /// <summary>Actors watching this one; each gets one notification when it terminates.</summary>
    private HashSet<IInternalActorRef>? _watchedBy;

    /// <summary>Watched actors whose Terminated is queued but not yet received (Unwatch cancels delivery).</summary>
    private HashSet<IActorRef>? _terminatedQueued;

    /// <inheritdoc/>
    public IActorRef Watch(IActorRef subject) => WatchCore(subject, null);

    /// <inheritdoc/>
    public IActorRef WatchWith(IActorRef subject, object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return WatchCore(subject, message);
    }

    private IActorRef WatchCore(IActorRef subject, object? message)
    {
        IInternalActorRef target = AsInternal(subject);
        if (target.Equals(_self))
        {
            return subject;
        }

        _watching ??= new Dictionary<IActorRef, object?>();
        if (_watching.TryAdd(subject, message))
        {
            target.SendSystemMessage(new Watch(target, _self));
        }
        else
        {
            _watching[subject] = message;
        }

        return subject;
    }

    /// <inheritdoc/>
    public IActorRef Unwatch(IActorRef subject)
    {
        IInternalActorRef target = AsInternal(subject);
        if (_watching is not null && _watching.Remove(subject))
        {
            target.SendSystemMessage(new Unwatch(target, _self));
        }

        _terminatedQueued?.Remove(subject);
        return subject;
    }

    private void AddWatcher(Watch watch)
    {
        if (watch.Watchee.Equals(_self) && !watch.Watcher.Equals(_self))
        {
            (_watchedBy ??= new HashSet<IInternalActorRef>()).Add(watch.Watcher);
        }
    }

    private void RemoveWatcher(Unwatch unwatch)
    {
        if (unwatch.Watchee.Equals(_self))
        {
            _watchedBy?.Remove(unwatch.Watcher);
        }
    }

    /// <summary>A watched actor or a child terminated.</summary>
    private void WatchedActorTerminated(DeathWatchNotification notification)
    {
        IActorRef actor = notification.Actor;
        if (_watching is not null && _watching.Remove(actor, out object? custom) && !_terminating)
        {
            // Terminated is an ordinary message at the back of the queue; exactly one per watch.
            (_terminatedQueued ??= new HashSet<IActorRef>()).Add(actor);
            object payload = custom ?? new Terminated(actor, notification.ExistenceConfirmed, notification.AddressTerminated);
            Mailbox.Post(new Envelope(new TerminatedDelivery(actor, payload), actor));
        }

        if (IsChild(actor))
        {
            HandleChildTerminated(actor);
        }
    }

    /// <summary>A queued Terminated reached the head of the mailbox.</summary>
    private void ReceivedTerminated(TerminatedDelivery delivery)
    {
        if (_terminatedQueued is not null && _terminatedQueued.Remove(delivery.Subject))
        {
            _currentMessage = delivery.Payload;
            Deliver(delivery.Payload);
        }
    }

    /// <summary>Notifies every watcher and the parent (once) that this actor terminated.</summary>
    private void TellWatchersWeDied()
    {
        bool parentNotified = false;
        if (_watchedBy is not null)
        {
            foreach (IInternalActorRef watcher in _watchedBy)
            {
                watcher.SendSystemMessage(new DeathWatchNotification(_self, existenceConfirmed: true, addressTerminated: false));
                parentNotified |= watcher.Equals(_parent);
            }

            _watchedBy = null;
        }

        if (!parentNotified)
        {
            _parent.SendSystemMessage(new DeathWatchNotification(_self, existenceConfirmed: true, addressTerminated: false));
        }
    }

    /// <summary>Removes this actor from the watcher lists of everything it watched.</summary>
    private void UnwatchWatchedActors()
    {
        if (_watching is not null)
        {
            foreach (IActorRef subject in _watching.Keys)
            {
                AsInternal(subject).SendSystemMessage(new Unwatch(AsInternal(subject), _self));
            }

            _watching = null;
        }

        _terminatedQueued = null;
    }
}

namespace Runa.Kernel.Internal;

/// <summary>
/// INTERNAL API. A ref that is not backed by an actor cell (ask promises, test probes, dead
/// letters). It can watch other actors (<see cref="HandleTerminated"/>) and be watched: while it
/// is alive, watchers are remembered and notified by <see cref="NotifyWatchersOfTermination"/>.
/// </summary>
internal abstract class MinimalActorRef : ActorRefBase
{
    /// <summary>Guards <see cref="_watchers"/> and <see cref="_terminated"/>.</summary>
    private readonly object _lock = new();

    /// <summary>Refs watching this one; null until the first watch.</summary>
    private HashSet<IInternalActorRef>? _watchers;

    /// <summary>Set once <see cref="NotifyWatchersOfTermination"/> ran.</summary>
    private bool _terminated;

    /// <summary>Creates the ref.</summary>
    protected MinimalActorRef(ActorPath path, int uid, ActorSystem? system)
        : base(path, uid)
    {
        System = system;
    }

    /// <inheritdoc/>
    public override ActorSystem? System { get; }

    /// <inheritdoc/>
    public override bool IsTerminated
    {
        get
        {
            lock (_lock)
            {
                return _terminated;
            }
        }
    }

    /// <inheritdoc/>
    public override void SendSystemMessage(SystemMessage message)
    {
        switch (message)
        {
            case Watch w when w.Watchee.Equals(this):
                bool dead;
                lock (_lock)
                {
                    dead = _terminated;
                    if (!dead)
                    {
                        (_watchers ??= new HashSet<IInternalActorRef>()).Add(w.Watcher);
                    }
                }

                if (dead)
                {
                    w.Watcher.SendSystemMessage(new DeathWatchNotification(this, existenceConfirmed: false, addressTerminated: false));
                }

                break;
            case Unwatch u when u.Watchee.Equals(this):
                lock (_lock)
                {
                    _watchers?.Remove(u.Watcher);
                }

                break;
            case DeathWatchNotification n:
                HandleTerminated(n.Actor, n.ExistenceConfirmed, n.AddressTerminated);
                break;
        }
    }

    /// <summary>Called when an actor this ref watches terminated. Default: ignore.</summary>
    protected virtual void HandleTerminated(IActorRef actor, bool existenceConfirmed, bool addressTerminated)
    {
    }

    /// <summary>Marks this ref dead and sends one notification to each watcher.</summary>
    protected void NotifyWatchersOfTermination()
    {
        HashSet<IInternalActorRef>? watchers;
        lock (_lock)
        {
            if (_terminated)
            {
                return;
            }

            _terminated = true;
            watchers = _watchers;
            _watchers = null;
        }

        if (watchers is not null)
        {
            foreach (IInternalActorRef w in watchers)
            {
                w.SendSystemMessage(new DeathWatchNotification(this, existenceConfirmed: true, addressTerminated: false));
            }
        }
    }
}

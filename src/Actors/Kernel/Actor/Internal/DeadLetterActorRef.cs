namespace Runa.Kernel.Internal;

/// <summary>INTERNAL API. <c>/deadLetters</c>: every message sent here is published as a <see cref="DeadLetter"/>.</summary>
internal sealed class DeadLetterActorRef : ActorRefBase
{
    /// <summary>Creates the system's dead-letter ref.</summary>
    public DeadLetterActorRef(ActorSystem system)
        : base(system.RootPath / "deadLetters", 0)
    {
        System = system;
    }

    /// <inheritdoc/>
    public override ActorSystem System { get; }

    /// <inheritdoc/>
    public override bool IsTerminated => false;

    /// <inheritdoc/>
    public override void Tell(object message, IActorRef? sender)
    {
        if (message is DeadLetter d)
        {
            System.PublishDeadLetter(d.Message, d.Sender, d.Recipient);
        }
        else
        {
            System.PublishDeadLetter(message, sender, this);
        }
    }

    /// <inheritdoc/>
    public override void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch w && !w.Watcher.Equals(this))
        {
            w.Watcher.SendSystemMessage(new DeathWatchNotification(w.Watchee, existenceConfirmed: false, addressTerminated: false));
        }
    }
}

namespace Runa.Kernel.Internal;

/// <summary>INTERNAL API. The ref of an actor living in an <see cref="ActorCell"/>.</summary>
internal sealed class LocalActorRef : ActorRefBase
{
    /// <summary>Creates the ref; the cell is attached right after.</summary>
    public LocalActorRef(ActorPath path, int uid)
        : base(path, uid)
    {
    }

    /// <summary>The cell; set once, before the ref is published.</summary>
    public ActorCell Cell { get; internal set; } = null!;

    /// <inheritdoc/>
    public override bool IsTerminated => Cell.Mailbox.IsClosed;

    /// <inheritdoc/>
    public override ActorSystem System => Cell.System;

    /// <inheritdoc/>
    public override void Tell(object message, IActorRef? sender)
    {
        if (message is null)
        {
            ThrowHelper.ThrowMessageNull();
        }

        Cell.Mailbox.Post(new Envelope(message, sender));
    }

    /// <inheritdoc/>
    public override void SendSystemMessage(SystemMessage message) => Cell.Mailbox.PostSystem(message);
}

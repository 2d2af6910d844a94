namespace Runa.Kernel;

/// <summary>Death watch.</summary>
public interface ICanWatch
{
    /// <summary>Watch <paramref name="subject"/>: one <see cref="Terminated"/> arrives when it stops.</summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>Watch <paramref name="subject"/> and receive <paramref name="message"/> instead of <see cref="Terminated"/>.</summary>
    IActorRef WatchWith(IActorRef subject, object message);

    /// <summary>Stop watching; a Terminated not yet received is dropped.</summary>
    IActorRef Unwatch(IActorRef subject);
}

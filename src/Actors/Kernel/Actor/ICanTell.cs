namespace Runa.Kernel;

/// <summary>Anything a message can be sent to: an <see cref="IActorRef"/> or an <see cref="ActorSelection"/>.</summary>
public interface ICanTell
{
    /// <summary>Sends <paramref name="message"/> without waiting; <paramref name="sender"/> becomes the receiver's <c>Sender</c>.</summary>
    void Tell(object message, IActorRef? sender);
}

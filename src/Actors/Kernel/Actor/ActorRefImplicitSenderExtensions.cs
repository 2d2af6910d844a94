namespace Runa.Kernel;

/// <summary><c>Tell</c> with an implicit sender, and <c>Forward</c>.</summary>
public static class ActorRefImplicitSenderExtensions
{
    /// <summary>
    /// Sends <paramref name="message"/> with the current actor's <c>Self</c> as sender when called
    /// from inside an actor, otherwise with the ambient sender (the TestKit's <c>TestActor</c>) or no sender.
    /// </summary>
    public static void Tell(this IActorRef receiver, object message)
        => receiver.Tell(message, ImplicitSender.Current);

    /// <summary>Sends <paramref name="message"/> keeping the current message's sender (only inside an actor).</summary>
    public static void Forward(this IActorRef receiver, object message)
    {
        ActorCell? cell = ActorCell.Current;
        receiver.Tell(message, cell is null ? ImplicitSender.Current : cell.SenderOrNull);
    }
}

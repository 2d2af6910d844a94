namespace Runa.Kernel;

/// <summary>
/// INTERNAL API. Resolves the sender used by <see cref="ActorRefImplicitSenderExtensions.Tell"/>:
/// the running actor's <c>Self</c>, else an ambient ref set by non-actor code (the TestKit sets its
/// <c>TestActor</c> here so that <c>actor.Tell(msg)</c> in a test replies to the test).
/// </summary>
internal static class ImplicitSender
{
    /// <summary>Ambient sender of the current async flow; null outside test code.</summary>
    private static readonly AsyncLocal<IActorRef?> s_ambient = new();

    /// <summary>The sender to use for a Tell made on this thread/flow right now.</summary>
    internal static IActorRef? Current
    {
        get
        {
            ActorCell? cell = ActorCell.Current;
            return cell is not null ? cell.Self : s_ambient.Value;
        }
    }

    /// <summary>Sets the ambient sender for the current async flow (and flows started from it).</summary>
    internal static void SetAmbient(IActorRef? sender) => s_ambient.Value = sender;
}

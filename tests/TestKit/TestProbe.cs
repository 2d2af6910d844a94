using Runa.Kernel.Internal;

namespace Runa.Kernel.TestKit;

/// <summary>
/// An extra test actor with its own queue and expectations: use it as a sender, a watcher, or a
/// stand-in collaborator of the actor under test.
/// </summary>
public sealed class TestProbe : TestKitBase
{
    /// <summary>Counter for probe names.</summary>
    private static int s_probes;

    internal TestProbe(ActorSystem system, string? name)
        : base(system, new TestActorRef(system, system.SystemGuardianCell.Self.Path / (name ?? "testProbe" + Interlocked.Increment(ref s_probes))))
    {
    }

    /// <summary>The probe's ref.</summary>
    public IActorRef Ref => TestActor;

    /// <summary>Sends <paramref name="message"/> to <paramref name="actor"/> with the probe as sender.</summary>
    public void Send(IActorRef actor, object message) => actor.Tell(message, Ref);

    /// <summary>Forwards <paramref name="message"/> (default: the last received one) to <paramref name="actor"/>, keeping the last sender.</summary>
    public void Forward(IActorRef actor, object? message = null)
        => actor.Tell(message ?? LastMessage ?? throw new InvalidOperationException("Nothing received yet to forward."), LastSender);

    /// <summary>Replies to the sender of the last received message.</summary>
    public void Reply(object message) => LastSender.Tell(message, Ref);

    /// <summary>Tells the probe itself (so it can stand in for an actor).</summary>
    public void Tell(object message, IActorRef? sender = null) => Ref.Tell(message, sender);

    /// <inheritdoc/>
    public override string ToString() => $"TestProbe({Ref.Path})";
}

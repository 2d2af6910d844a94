using System.Collections.Concurrent;
using Runa.Kernel.Internal;

namespace Runa.Kernel.TestKit;

/// <summary>
/// The ref behind <see cref="TestKitBase.TestActor"/> and <see cref="TestProbe.Ref"/>: every message
/// sent to it lands in a blocking queue that the Expect* methods read. It can watch actors (their
/// Terminated lands in the same queue, once per watch).
/// </summary>
internal sealed class TestActorRef : MinimalActorRef
{
    /// <summary>Actors being watched.</summary>
    private readonly ConcurrentDictionary<IActorRef, byte> _watching = new();

    public TestActorRef(ActorSystem system, ActorPath path)
        : base(path, 0, system)
    {
    }

    /// <summary>Messages received, in arrival order.</summary>
    public BlockingCollection<Envelope> Queue { get; } = new(new ConcurrentQueue<Envelope>());

    public override void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        Queue.Add(new Envelope(message, sender));
    }

    public void Watch(IActorRef subject)
    {
        IInternalActorRef target = subject.AsInternal();
        if (_watching.TryAdd(subject, 0))
        {
            target.SendSystemMessage(new Watch(target, this));
        }
    }

    public void Unwatch(IActorRef subject)
    {
        IInternalActorRef target = subject.AsInternal();
        if (_watching.TryRemove(subject, out _))
        {
            target.SendSystemMessage(new Unwatch(target, this));
        }
    }

    protected override void HandleTerminated(IActorRef actor, bool existenceConfirmed, bool addressTerminated)
    {
        if (_watching.TryRemove(actor, out _))
        {
            Queue.Add(new Envelope(new Terminated(actor, existenceConfirmed, addressTerminated), actor));
        }
    }
}

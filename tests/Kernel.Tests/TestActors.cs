using Runa.Kernel;

namespace Runa.Kernel.Tests;

/// <summary>Replies with whatever it receives.</summary>
public sealed class EchoActor : ReceiveActor
{
    public EchoActor() => ReceiveAny(m => Sender.Tell(m));
}

/// <summary>Reports lifecycle hooks to a probe and throws on demand.</summary>
public sealed class LifecycleProbeActor : ReceiveActor
{
    private readonly IActorRef _probe;
    private readonly string _label;
    private int _count;

    public LifecycleProbeActor(IActorRef probe, string label)
    {
        _probe = probe;
        _label = label;
        _probe.Tell($"{_label}:ctor");
        Receive<string>(s => s == "throw", _ => throw new InvalidOperationException($"{_label} boom"));
        Receive<string>(s => s == "count", _ => Sender.Tell(++_count));
        Receive<string>(s => s == "state", _ => Sender.Tell(_count));
        Receive<Props>(p => Sender.Tell(Context.ActorOf(p)));
        Receive<(Props Props, string Name)>(p => Sender.Tell(Context.ActorOf(p.Props, p.Name)));
        ReceiveAny(m => _probe.Tell($"{_label}:got:{m}"));
    }

    protected override void PreStart() => _probe.Tell($"{_label}:PreStart");

    protected override void PostStop() => _probe.Tell($"{_label}:PostStop");

    protected override void PreRestart(Exception reason, object? message)
    {
        _probe.Tell($"{_label}:PreRestart:{reason.Message}:{message}");
        base.PreRestart(reason, message);
    }

    protected override void PostRestart(Exception reason)
    {
        _probe.Tell($"{_label}:PostRestart:{reason.Message}");
        base.PostRestart(reason);
    }
}

/// <summary>A parent with a configurable strategy that creates children on request.</summary>
public sealed class SupervisorActor : ReceiveActor
{
    private readonly SupervisorStrategy _strategy;

    public SupervisorActor(SupervisorStrategy strategy)
    {
        _strategy = strategy;
        Receive<Props>(p => Sender.Tell(Context.ActorOf(p)));
        Receive<(Props Props, string Name)>(p => Sender.Tell(Context.ActorOf(p.Props, p.Name)));
    }

    protected override SupervisorStrategy SupervisorStrategy() => _strategy;
}

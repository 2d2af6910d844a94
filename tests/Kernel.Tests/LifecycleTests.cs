using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

public sealed class LifecycleTests : TestKit.TestKit
{
    [Fact]
    public void PreStart_runs_before_the_first_message_and_PostStop_after_stop()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new LifecycleProbeActor(TestActor, "a")), "a");
        ExpectMsg("a:ctor");
        ExpectMsg("a:PreStart");
        actor.Tell("hello");
        ExpectMsg("a:got:hello");
        Sys.Stop(actor);
        ExpectMsg("a:PostStop");
    }

    [Fact]
    public void PoisonPill_waits_its_turn_and_later_messages_become_dead_letters()
    {
        TestKit.TestProbe dead = CreateTestProbe();
        Sys.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        IActorRef actor = Sys.ActorOf(Props.Create(() => new GatedActor(TestActor)), "pill");
        Watch(actor);
        var gate = new Gate();
        actor.Tell(gate);
        actor.Tell("a");
        actor.Tell("b");
        actor.Tell(PoisonPill.Instance);
        actor.Tell("c");
        gate.Open();
        ExpectMsg("gate passed");
        ExpectMsg("a");
        ExpectMsg("b");
        ExpectTerminated(actor);
        Assert.Equal("c", dead.ExpectMsg<DeadLetter>().Message);
    }

    [Fact]
    public void Context_Stop_Self_acts_at_once_before_queued_messages()
    {
        TestKit.TestProbe dead = CreateTestProbe();
        Sys.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        IActorRef actor = Sys.ActorOf(Props.Create(() => new GatedActor(TestActor)), "stopper");
        Watch(actor);
        var gate = new Gate();
        actor.Tell(gate);
        actor.Tell("a");
        actor.Tell("stop-self");
        actor.Tell("b");
        actor.Tell("c");
        gate.Open();
        ExpectMsg("gate passed");
        ExpectMsg("a");
        ExpectMsg("stopping");
        ExpectTerminated(actor);
        var lost = new[] { dead.ExpectMsg<DeadLetter>().Message, dead.ExpectMsg<DeadLetter>().Message };
        Assert.Equal(new object[] { "b", "c" }, lost);
    }

    [Fact]
    public void Context_Stop_of_a_child_acts_before_its_queued_messages()
    {
        IActorRef parent = Sys.ActorOf(Props.Create(() => new StopChildActor(TestActor)), "parent");
        parent.Tell("go");

        // The stop reaches the child while its async handler still awaits the gate: the child stops
        // at once, the awaited continuation is dropped and the queued "x" is never processed.
        ExpectMsg("child:PostStop");
        ExpectMsg<Terminated>();
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Kill_fails_the_actor_and_the_default_strategy_stops_it()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new LifecycleProbeActor(TestActor, "k")), "k");
        ExpectMsg("k:ctor");
        ExpectMsg("k:PreStart");
        Watch(actor);
        actor.Tell(Kill.Instance);
        ExpectMsg("k:PostStop");
        ExpectTerminated(actor);
    }

    [Fact]
    public void Kill_goes_through_supervision_and_can_restart()
    {
        var strategy = new OneForOneStrategy(e => e is ActorKilledException ? Directive.Restart : Directive.Stop);
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(strategy)), "sup");
        TestKit.TestProbe events = CreateTestProbe();
        parent.Tell((Props.Create(() => new LifecycleProbeActor(events.Ref, "c")), "c"));
        IActorRef child = ExpectMsg<IActorRef>();
        events.ExpectMsg("c:ctor");
        events.ExpectMsg("c:PreStart");
        child.Tell(Kill.Instance);
        events.ExpectMsg("c:PreRestart:Kill:<Kill>");
        events.ExpectMsg("c:PostStop");
        events.ExpectMsg("c:ctor");
        events.ExpectMsg("c:PostRestart:Kill");
        events.ExpectMsg("c:PreStart");
    }

    [Fact]
    public void Restart_keeps_the_mailbox_drops_the_failing_message_and_makes_a_fresh_instance()
    {
        int instances = 0;
        IActorRef actor = Sys.ActorOf(Props.Create(() =>
        {
            Interlocked.Increment(ref instances);
            return new GatedActor(TestActor);
        }), "restarting");
        var gate = new Gate();
        actor.Tell(gate);
        actor.Tell("count");
        actor.Tell("count");
        actor.Tell("throw");
        actor.Tell("count");
        actor.Tell("count");
        gate.Open();
        ExpectMsg("gate passed");
        ExpectMsg(1);
        ExpectMsg(2);
        ExpectMsg("PreRestart:boom:throw");
        ExpectMsg(1); // fresh state: the counter starts again, the queued messages were kept
        ExpectMsg(2);
        Assert.Equal(2, instances);
    }

    [Fact]
    public void Stopping_a_parent_stops_children_first()
    {
        TestKit.TestProbe events = CreateTestProbe();
        IActorRef parent = Sys.ActorOf(Props.Create(() => new LifecycleProbeActor(events.Ref, "p")), "p");
        parent.Tell((Props.Create(() => new LifecycleProbeActor(events.Ref, "c1")), "c1"));
        IActorRef c1 = ExpectMsg<IActorRef>();
        c1.Tell((Props.Create(() => new LifecycleProbeActor(events.Ref, "g")), "g"));
        ExpectMsg<IActorRef>();
        parent.Tell((Props.Create(() => new LifecycleProbeActor(events.Ref, "c2")), "c2"));
        ExpectMsg<IActorRef>();
        events.ReceiveN(8); // ctor + PreStart of the four actors

        Watch(parent);
        Sys.Stop(parent);
        var order = events.ReceiveN(4).Cast<string>().ToList();
        ExpectTerminated(parent);
        Assert.Equal("p:PostStop", order[^1]);
        Assert.True(order.IndexOf("g:PostStop") < order.IndexOf("c1:PostStop"), string.Join(",", order));
        Assert.Contains("c2:PostStop", order);
    }

    [Fact]
    public async Task Terminate_stops_everything_top_down_and_completes_WhenTerminated()
    {
        TestKit.TestProbe events = CreateTestProbe();
        IActorRef a = Sys.ActorOf(Props.Create(() => new LifecycleProbeActor(events.Ref, "a")), "a");
        Sys.ActorOf(Props.Create(() => new LifecycleProbeActor(events.Ref, "b")), "b");
        a.Tell((Props.Create(() => new LifecycleProbeActor(events.Ref, "a1")), "a1"));
        IActorRef a1 = ExpectMsg<IActorRef>();
        a1.Tell((Props.Create(() => new LifecycleProbeActor(events.Ref, "a11")), "a11"));
        ExpectMsg<IActorRef>();
        events.ReceiveN(8);

        Assert.False(Sys.WhenTerminated.IsCompleted);
        await Sys.Terminate().WaitAsync(TimeSpan.FromSeconds(5));
        var order = events.ReceiveN(4).Cast<string>().ToList();
        Assert.True(order.IndexOf("a11:PostStop") < order.IndexOf("a1:PostStop"), string.Join(",", order));
        Assert.True(order.IndexOf("a1:PostStop") < order.IndexOf("a:PostStop"), string.Join(",", order));
        Assert.Contains("b:PostStop", order);
        Assert.True(Sys.WhenTerminated.IsCompletedSuccessfully);
        Assert.Throws<InvalidOperationException>(() => Sys.ActorOf(Props.Create(() => new EchoActor())));
    }

    [Fact]
    public async Task Terminate_runs_PostStop_of_the_guardian_children_before_WhenTerminated_completes()
    {
        var stopped = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            string name = "n" + i;
            Sys.ActorOf(Props.Create(() => new PostStopRecorder(stopped, name)), name);
        }

        await Sys.Terminate().WaitAsync(TimeSpan.FromSeconds(5));
        lock (stopped)
        {
            Assert.Equal(20, stopped.Count);
        }
    }

    [Fact]
    public void A_failing_constructor_yields_ActorInitializationException_and_stops_the_actor()
    {
        TestKit.TestProbe failures = CreateTestProbe();
        var strategy = new OneForOneStrategy(e =>
        {
            failures.Ref.Tell(e);
            return SupervisorStrategy.DefaultDecider.Decide(e);
        });
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(strategy)), "sup");
        parent.Tell(Props.Create<FailingConstructorActor>());
        IActorRef child = ExpectMsg<IActorRef>();
        var failure = failures.ExpectMsg<ActorInitializationException>();
        Assert.Equal("ctor boom", failure.InnerException!.Message);
        Assert.Equal(child, failure.Actor);
        Watch(child);
        ExpectTerminated(child);
    }

    [Fact]
    public void A_failing_PreStart_yields_ActorInitializationException_and_no_PostStop()
    {
        TestKit.TestProbe failures = CreateTestProbe();
        var strategy = new OneForOneStrategy(e =>
        {
            failures.Ref.Tell(e);
            return SupervisorStrategy.DefaultDecider.Decide(e);
        });
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(strategy)), "sup");
        parent.Tell(Props.Create(() => new FailingPreStartActor(TestActor)));
        IActorRef child = ExpectMsg<IActorRef>();
        var failure = failures.ExpectMsg<ActorInitializationException>();
        Assert.Equal("PreStart boom", failure.InnerException!.Message);
        Watch(child);
        ExpectTerminated(child);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_failing_PostRestart_during_restart_stops_the_actor()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new FailingPostRestartActor()), "pr");
        Watch(actor);
        actor.Tell("throw");
        ExpectTerminated(actor);
    }

    [Fact]
    public void A_constructor_failing_on_restart_stops_the_actor()
    {
        int calls = 0;
        IActorRef actor = Sys.ActorOf(Props.Create(() =>
        {
            if (Interlocked.Increment(ref calls) > 1)
            {
                throw new InvalidOperationException("second construction fails");
            }

            return new LifecycleProbeActor(TestActor, "r");
        }), "r");
        ExpectMsg("r:ctor");
        ExpectMsg("r:PreStart");
        Watch(actor);
        actor.Tell("throw");
        ExpectMsg("r:PreRestart:r boom:throw");
        ExpectMsg("r:PostStop");
        ExpectTerminated(actor);
        Assert.Equal(2, calls);
    }

    [Fact]
    public void A_failure_in_PostStop_is_logged_and_the_actor_still_terminates()
    {
        TestKit.TestProbe logs = CreateTestProbe();
        Sys.EventStream.Subscribe(logs.Ref, typeof(LogEvent));
        IActorRef actor = Sys.ActorOf(Props.Create(() => new FailingPostStopActor()), "ps");
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
        LogEvent log = logs.ExpectMsg<LogEvent>(e => e.Level == LogLevel.Error);
        Assert.Equal("PostStop boom", log.Cause!.Message);
    }

    /// <summary>A gate whose actor reports "waiting" once it started waiting.</summary>
    public sealed record AnnouncedGate(Gate Gate);

    /// <summary>Awaits gates (suspending its mailbox), counts, throws and stops on request.</summary>
    public sealed class GatedActor : ReceiveActor
    {
        private readonly IActorRef _probe;
        private int _count;

        public GatedActor(IActorRef probe)
        {
            _probe = probe;
            ReceiveAsync<Gate>(async g =>
            {
                await g.Opened;
                _probe.Tell("gate passed");
            });
            ReceiveAsync<AnnouncedGate>(async g =>
            {
                _probe.Tell("waiting");
                await g.Gate.Opened;
                _probe.Tell("gate passed");
            });
            Receive<string>(s => s == "count", _ => _probe.Tell(++_count));
            Receive<string>(s => s == "throw", _ => throw new InvalidOperationException("boom"));
            Receive<string>(s => s == "stop-self", _ =>
            {
                Context.Stop(Self);
                _probe.Tell("stopping");
            });
            Receive<string>(s => _probe.Tell(s));
        }

        protected override void PreRestart(Exception reason, object? message)
        {
            _probe.Tell($"PreRestart:{reason.Message}:{message}");
            base.PreRestart(reason, message);
        }
    }

    private sealed class StopChildActor : ReceiveActor
    {
        public StopChildActor(IActorRef probe)
        {
            Receive<string>(s => s == "go", _ =>
            {
                IActorRef child = Context.ActorOf(Props.Create(() => new ChildToStop(probe)), "child");
                Context.Watch(child);
                var gate = new Gate();
                child.Tell(gate);
                child.Tell("x");
                Context.Stop(child);
                gate.Open();
            });
            Receive<Terminated>(t => probe.Tell(t));
        }
    }

    private sealed class ChildToStop : ReceiveActor
    {
        private readonly IActorRef _probe;

        public ChildToStop(IActorRef probe)
        {
            _probe = probe;
            ReceiveAsync<Gate>(async g =>
            {
                await g.Opened;
                probe.Tell("child gate passed");
            });
            ReceiveAny(m => probe.Tell("child got " + m));
        }

        protected override void PostStop() => _probe.Tell("child:PostStop");
    }

    private sealed class PostStopRecorder(List<string> stopped, string name) : ReceiveActor
    {
        protected override void PostStop()
        {
            lock (stopped)
            {
                stopped.Add(name);
            }
        }
    }

    private sealed class FailingConstructorActor : ReceiveActor
    {
        public FailingConstructorActor() => throw new InvalidOperationException("ctor boom");
    }

    private sealed class FailingPreStartActor(IActorRef probe) : ReceiveActor
    {
        protected override void PreStart() => throw new InvalidOperationException("PreStart boom");

        protected override void PostStop() => probe.Tell("PostStop must not run");
    }

    private sealed class FailingPostRestartActor : ReceiveActor
    {
        public FailingPostRestartActor() => Receive<string>(_ => throw new InvalidOperationException("handler boom"));

        protected override void PostRestart(Exception reason) => throw new InvalidOperationException("PostRestart boom");
    }

    private sealed class FailingPostStopActor : ReceiveActor
    {
        protected override void PostStop() => throw new InvalidOperationException("PostStop boom");
    }
}

using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

public sealed class SupervisionTests : TestKit.TestKit
{
    [Fact]
    public void Default_decider_restarts_on_ordinary_exceptions_and_stops_on_init_kill_and_death_pact()
    {
        IDecider d = SupervisorStrategy.DefaultDecider;
        Assert.Equal(Directive.Restart, d.Decide(new InvalidOperationException()));
        Assert.Equal(Directive.Stop, d.Decide(new ActorInitializationException("x")));
        Assert.Equal(Directive.Stop, d.Decide(new ActorKilledException()));
        Assert.Equal(Directive.Stop, d.Decide(new DeathPactException(ActorRefs.Nobody)));
    }

    [Fact]
    public void Default_strategy_restarts_a_failing_child_and_resets_its_state()
    {
        TestKit.TestProbe events = CreateTestProbe();
        IActorRef child = Sys.ActorOf(Props.Create(() => new LifecycleProbeActor(events.Ref, "c")), "c");
        child.Tell("count");
        child.Tell("count");
        ExpectMsg(1);
        ExpectMsg(2);
        child.Tell("throw");
        child.Tell("state");
        ExpectMsg(0);
        events.FishForMessage<string>(s => s == "c:PostRestart:c boom");
    }

    [Fact]
    public void Resume_keeps_the_instance_and_its_state()
    {
        var strategy = new OneForOneStrategy(_ => Directive.Resume);
        TestKit.TestProbe events = CreateTestProbe();
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(strategy)), "sup");
        parent.Tell(Props.Create(() => new LifecycleProbeActor(events.Ref, "c")));
        IActorRef child = ExpectMsg<IActorRef>();
        child.Tell("count");
        child.Tell("count");
        child.Tell("throw");
        child.Tell("count");
        ExpectMsg(1);
        ExpectMsg(2);
        ExpectMsg(3);
        events.ExpectMsg("c:ctor");
        events.ExpectMsg("c:PreStart");
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // no restart
    }

    [Fact]
    public void Stop_directive_stops_the_child()
    {
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(SupervisorStrategy.StoppingStrategy)), "sup");
        parent.Tell(Props.Create(() => new LifecycleProbeActor(TestActor, "c")));
        IActorRef child = FishForMessage<IActorRef>(_ => true);
        Watch(child);
        child.Tell("throw");
        FishForMessage<Terminated>(t => t.ActorRef.Equals(child));
    }

    [Fact]
    public void Escalate_fails_the_parent_with_the_childs_exception()
    {
        TestKit.TestProbe seen = CreateTestProbe();
        var top = new OneForOneStrategy(e =>
        {
            seen.Ref.Tell(e);
            return Directive.Stop;
        });
        IActorRef grandparent = Sys.ActorOf(Props.Create(() => new SupervisorActor(top)), "gp");
        grandparent.Tell((Props.Create(() => new SupervisorActor(new OneForOneStrategy(_ => Directive.Escalate))), "parent"));
        IActorRef parent = ExpectMsg<IActorRef>();
        parent.Tell((Props.Create(() => new LifecycleProbeActor(CreateTestProbe().Ref, "child")), "child"));
        IActorRef child = ExpectMsg<IActorRef>();
        Watch(parent);
        Watch(child);

        child.Tell("throw");
        var cause = seen.ExpectMsg<InvalidOperationException>();
        Assert.Equal("child boom", cause.Message);
        var terminated = new[] { ExpectMsg<Terminated>().ActorRef, ExpectMsg<Terminated>().ActorRef };
        Assert.Contains(parent, terminated);
        Assert.Contains(child, terminated);
    }

    [Fact]
    public void Escalated_failure_is_handled_by_the_grandparents_strategy_restart()
    {
        TestKit.TestProbe events = CreateTestProbe();
        IActorRef parent = Sys.ActorOf(Props.Create(() => new EscalatingParent(events.Ref)), "parent");
        parent.Tell("make-child");
        IActorRef child = ExpectMsg<IActorRef>();
        events.ExpectMsg("parent:PreStart");
        Watch(child);
        child.Tell("throw");

        // /user's default strategy restarts the parent; the parent's default PreRestart stops the child.
        events.ExpectMsg("parent:PreRestart:child boom");
        ExpectTerminated(child);
        events.ExpectMsg("parent:PreStart");
    }

    [Fact]
    public void Retries_exhausted_inside_the_window_stop_the_child()
    {
        var strategy = new OneForOneStrategy(2, TimeSpan.FromSeconds(30), _ => Directive.Restart);
        TestKit.TestProbe events = CreateTestProbe();
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(strategy)), "sup");
        parent.Tell(Props.Create(() => new LifecycleProbeActor(events.Ref, "c")));
        IActorRef child = ExpectMsg<IActorRef>();
        Watch(child);

        child.Tell("throw");
        events.FishForMessage<string>(s => s == "c:PostRestart:c boom");
        child.Tell("throw");
        events.FishForMessage<string>(s => s == "c:PostRestart:c boom");
        child.Tell("throw"); // third restart inside the window: denied
        ExpectTerminated(child);
        events.FishForMessage<string>(s => s == "c:PostStop");
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Retries_are_allowed_again_after_the_window_closed()
    {
        var strategy = new OneForOneStrategy(1, TimeSpan.FromMilliseconds(300), _ => Directive.Restart);
        TestKit.TestProbe events = CreateTestProbe();
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(strategy)), "sup");
        parent.Tell(Props.Create(() => new LifecycleProbeActor(events.Ref, "c")));
        IActorRef child = ExpectMsg<IActorRef>();
        Watch(child);

        child.Tell("throw"); // opens the window, restart 1/1
        events.FishForMessage<string>(s => s == "c:PostRestart:c boom");
        ExpectNoMsg(TimeSpan.FromMilliseconds(400)); // let the window close (and check the child lives)

        child.Tell("throw"); // new window, restart 1/1 allowed
        events.FishForMessage<string>(s => s == "c:PostRestart:c boom");
        child.Tell("throw"); // second inside the new window: denied
        ExpectTerminated(child);
    }

    [Fact]
    public void A_lifetime_retry_limit_without_window_counts_all_restarts()
    {
        var stats = new ChildRestartStats(ActorRefs.Nobody, 1);
        Assert.True(stats.RequestRestartPermission(2, -1));
        Assert.True(stats.RequestRestartPermission(2, -1));
        Assert.False(stats.RequestRestartPermission(2, -1));
        Assert.False(new ChildRestartStats(ActorRefs.Nobody, 1).RequestRestartPermission(0, 1000));
        var unlimited = new ChildRestartStats(ActorRefs.Nobody, 1);
        for (int i = 0; i < 100; i++)
        {
            Assert.True(unlimited.RequestRestartPermission(-1, -1));
        }

        var windowOnly = new ChildRestartStats(ActorRefs.Nobody, 1);
        Assert.True(windowOnly.RequestRestartPermission(-1, 60_000)); // undefined max with a window means 1
        Assert.False(windowOnly.RequestRestartPermission(-1, 60_000));
    }

    [Fact]
    public void AllForOne_restarts_the_siblings_of_a_failing_child()
    {
        var strategy = new AllForOneStrategy(_ => Directive.Restart);
        TestKit.TestProbe a = CreateTestProbe();
        TestKit.TestProbe b = CreateTestProbe();
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(strategy)), "sup");
        parent.Tell((Props.Create(() => new LifecycleProbeActor(a.Ref, "a")), "a"));
        IActorRef childA = ExpectMsg<IActorRef>();
        parent.Tell((Props.Create(() => new LifecycleProbeActor(b.Ref, "b")), "b"));
        IActorRef childB = ExpectMsg<IActorRef>();
        childB.Tell("count");
        childB.Tell("count");
        ExpectMsg(1);
        ExpectMsg(2);

        childA.Tell("throw");
        a.FishForMessage<string>(s => s == "a:PostRestart:a boom");
        b.FishForMessage<string>(s => s == "b:PreRestart:a boom:");
        b.FishForMessage<string>(s => s == "b:PostRestart:a boom");
        childB.Tell("state");
        ExpectMsg(0); // the sibling's state was reset too
    }

    [Fact]
    public void AllForOne_stop_stops_all_children()
    {
        var strategy = new AllForOneStrategy(_ => Directive.Stop);
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(strategy)), "sup");
        parent.Tell((Props.Create(() => new EchoActor()), "a"));
        IActorRef a = ExpectMsg<IActorRef>();
        parent.Tell((Props.Create(() => new EchoActor()), "b"));
        IActorRef b = ExpectMsg<IActorRef>();
        Watch(a);
        Watch(b);
        a.Tell(Kill.Instance);
        var stopped = new[] { ExpectMsg<Terminated>().ActorRef, ExpectMsg<Terminated>().ActorRef };
        Assert.Contains(a, stopped);
        Assert.Contains(b, stopped);
    }

    [Fact]
    public void AllForOne_retry_limit_needs_every_childs_permission()
    {
        var strategy = new AllForOneStrategy(1, TimeSpan.FromSeconds(30), _ => Directive.Restart);
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(strategy)), "sup");
        parent.Tell((Props.Create(() => new LifecycleProbeActor(CreateTestProbe().Ref, "a")), "a"));
        IActorRef a = ExpectMsg<IActorRef>();
        parent.Tell((Props.Create(() => new LifecycleProbeActor(CreateTestProbe().Ref, "b")), "b"));
        IActorRef b = ExpectMsg<IActorRef>();
        Watch(a);
        Watch(b);
        a.Tell("throw");
        a.Tell("count");
        ExpectMsg(1); // restarted once
        b.Tell("throw"); // b's second restart in the window (it was restarted with a): all stop
        var stopped = new[] { ExpectMsg<Terminated>().ActorRef, ExpectMsg<Terminated>().ActorRef };
        Assert.Contains(a, stopped);
        Assert.Contains(b, stopped);
    }

    [Fact]
    public void Supervisor_logs_child_failures_at_Error()
    {
        TestKit.TestProbe logs = CreateTestProbe();
        Sys.EventStream.Subscribe(logs.Ref, typeof(LogEvent));
        IActorRef child = Sys.ActorOf(Props.Create(() => new LifecycleProbeActor(CreateTestProbe().Ref, "c")), "c");
        child.Tell("throw");
        LogEvent log = logs.ExpectMsg<LogEvent>();
        Assert.Equal(LogLevel.Error, log.Level);
        Assert.Equal("c boom", log.Cause!.Message);
        Assert.Equal(child.Path.ToString(), log.LogSource);
    }

    [Fact]
    public void Props_supervisor_strategy_overrides_the_actors_own()
    {
        IActorRef parent = Sys.ActorOf(
            Props.Create(() => new SupervisorActor(SupervisorStrategy.DefaultStrategy)).WithSupervisorStrategy(SupervisorStrategy.StoppingStrategy),
            "sup");
        parent.Tell(Props.Create(() => new LifecycleProbeActor(CreateTestProbe().Ref, "c")));
        IActorRef child = ExpectMsg<IActorRef>();
        Watch(child);
        child.Tell("throw");
        ExpectTerminated(child);
    }

    [Fact]
    public void Decider_From_maps_exception_types_in_order()
    {
        IDecider decider = Decider.From(
            Directive.Escalate,
            Directive.Resume.When<ArgumentNullException>(),
            Directive.Stop.When<ArgumentException>());
        Assert.Equal(Directive.Resume, decider.Decide(new ArgumentNullException()));
        Assert.Equal(Directive.Stop, decider.Decide(new ArgumentOutOfRangeException()));
        Assert.Equal(Directive.Escalate, decider.Decide(new InvalidOperationException()));
    }

    [Fact]
    public void Messages_sent_to_a_failed_child_wait_for_the_supervisors_decision()
    {
        var strategy = new OneForOneStrategy(_ => Directive.Resume);
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(strategy)), "sup");
        parent.Tell(Props.Create(() => new LifecycleProbeActor(CreateTestProbe().Ref, "c")));
        IActorRef child = ExpectMsg<IActorRef>();
        for (int i = 0; i < 5; i++)
        {
            child.Tell("throw");
            child.Tell("count");
        }

        ExpectMsg(1);
        ExpectMsg(2);
        ExpectMsg(3);
        ExpectMsg(4);
        ExpectMsg(5);
    }

    private sealed class EscalatingParent : ReceiveActor
    {
        private readonly IActorRef _events;

        public EscalatingParent(IActorRef events)
        {
            _events = events;
            Receive<string>(s => s == "make-child", _ => Sender.Tell(Context.ActorOf(Props.Create(() => new LifecycleProbeActor(CreateDummy(), "child")), "child")));
        }

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Escalate);

        protected override void PreStart() => _events.Tell("parent:PreStart");

        protected override void PreRestart(Exception reason, object? message)
        {
            _events.Tell("parent:PreRestart:" + reason.Message);
            base.PreRestart(reason, message);
        }

        private static IActorRef CreateDummy() => ActorRefs.Nobody;
    }
}

using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

public sealed class SchedulerTests : TestKit.TestKit
{
    [Fact]
    public void ScheduleTellOnce_delivers_after_the_delay()
    {
        Within(TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(2), () =>
        {
            Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(150), TestActor, "tick", ActorRefs.NoSender);
            ExpectMsg("tick");
        });
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Scheduled_sends_arrive_in_due_order()
    {
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(120), TestActor, "late", ActorRefs.NoSender);
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(20), TestActor, "early", ActorRefs.NoSender);
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.Zero, TestActor, "now", ActorRefs.NoSender);
        ExpectMsg("now");
        ExpectMsg("early");
        ExpectMsg("late");
    }

    [Fact]
    public void ScheduleTellRepeatedly_repeats_until_cancelled()
    {
        ICancelable cancelable = Sys.Scheduler.ScheduleTellRepeatedlyCancelable(
            TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20), TestActor, "tick", ActorRefs.NoSender);
        ExpectMsg("tick");
        ExpectMsg("tick");
        ExpectMsg("tick");
        cancelable.Cancel();
        Assert.True(cancelable.IsCancellationRequested);
        while (ReceiveOne(TimeSpan.FromMilliseconds(60)) is not null)
        {
            // at most one tick may have been in flight while cancelling
        }

        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_cancelled_single_send_never_arrives()
    {
        ICancelable cancelable = Sys.Scheduler.ScheduleTellOnceCancelable(TimeSpan.FromMilliseconds(50), TestActor, "never", ActorRefs.NoSender);
        cancelable.Cancel();
        ExpectNoMsg(TimeSpan.FromMilliseconds(150));

        var shared = new Cancelable(Sys.Scheduler);
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(30), TestActor, "a", ActorRefs.NoSender, shared);
        Sys.Scheduler.ScheduleTellRepeatedly(TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(30), TestActor, "b", ActorRefs.NoSender, shared);
        shared.Cancel();
        ExpectNoMsg(TimeSpan.FromMilliseconds(120));

        Sys.Scheduler.ScheduleTellOnce(TimeSpan.Zero, TestActor, "x", ActorRefs.NoSender, Cancelable.CreateCanceled());
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Actions_can_be_scheduled()
    {
        var done = new TaskCompletionSource();
        Sys.Scheduler.Advanced.ScheduleOnce(TimeSpan.FromMilliseconds(20), () => done.SetResult());
        AwaitCondition(() => done.Task.IsCompleted, TimeSpan.FromSeconds(2));

        int count = 0;
        var cancelable = new Cancelable();
        Sys.Scheduler.Advanced.ScheduleRepeatedly(TimeSpan.Zero, TimeSpan.FromMilliseconds(10), () => Interlocked.Increment(ref count), cancelable);
        AwaitCondition(() => Volatile.Read(ref count) >= 3, TimeSpan.FromSeconds(2));
        cancelable.Cancel();
    }

    [Fact]
    public void Repeated_schedules_need_a_positive_interval()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Sys.Scheduler.ScheduleTellRepeatedly(TimeSpan.Zero, TimeSpan.Zero, TestActor, "x", ActorRefs.NoSender));
    }

    [Fact]
    public void Single_timer_fires_once_and_is_then_inactive()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");
        actor.Tell(("single", 50));
        ExpectMsg("active:True");
        ExpectMsg("fired:single");
        actor.Tell("active?single");
        ExpectMsg("active:False");
        ExpectNoMsg(TimeSpan.FromMilliseconds(120));
    }

    [Fact]
    public void Periodic_timer_fires_until_cancelled()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");
        actor.Tell(("periodic", 20));
        ExpectMsg("active:True");
        ExpectMsg("fired:periodic");
        ExpectMsg("fired:periodic");
        ExpectMsg("fired:periodic");
        actor.Tell("cancel:periodic");
        FishForMessage<string>(s => s == "cancelled");
        ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // a tick already queued is discarded too
    }

    [Fact]
    public void Starting_a_timer_with_the_same_key_replaces_it()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");
        actor.Tell(("single", 2000));
        ExpectMsg("active:True");
        actor.Tell(("single", 30));
        ExpectMsg("active:True");
        ExpectMsg("fired:single", TimeSpan.FromSeconds(1));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Timers_are_cancelled_when_the_actor_restarts_or_stops()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");
        actor.Tell(("periodic", 30));
        ExpectMsg("active:True");
        ExpectMsg("fired:periodic");
        actor.Tell("throw");
        FishForMessage<string>(s => s == "restarted");
        ExpectNoMsg(TimeSpan.FromMilliseconds(120));

        actor.Tell(("periodic", 30));
        ExpectMsg("active:True");
        ExpectMsg("fired:periodic");
        long deadBefore = Sys.DeadLetterCount;
        Watch(actor);
        Sys.Stop(actor);
        FishForMessage<Terminated>(_ => true);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(deadBefore, Sys.DeadLetterCount); // timer ticks are not dead letters
    }

    [Fact]
    public void ReceiveTimeout_fires_repeatedly_after_inactivity_and_is_reset_by_messages()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new IdleActor(TestActor, TimeSpan.FromMilliseconds(100))), "idle");
        ExpectMsg("timeout", TimeSpan.FromSeconds(2));
        ExpectMsg("timeout", TimeSpan.FromSeconds(2));
        Within(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), () =>
        {
            actor.Tell("poke");
            ExpectMsg("poked");
            ExpectMsg("timeout");
        });
    }

    [Fact]
    public void ReceiveTimeout_can_be_cancelled()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new IdleActor(TestActor, TimeSpan.FromMilliseconds(60))), "idle");
        ExpectMsg("timeout", TimeSpan.FromSeconds(2));
        actor.Tell("off");
        FishForMessage<string>(s => s == "off");
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        actor.Tell("timeout?");
        ExpectMsg("none");
    }

    [Fact]
    public void Messages_marked_NotInfluenceReceiveTimeout_do_not_reset_it()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new IdleActor(TestActor, TimeSpan.FromMilliseconds(200))), "idle");
        ExpectMsg("timeout", TimeSpan.FromSeconds(2));
        Within(TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(400), () =>
        {
            for (int i = 0; i < 3; i++)
            {
                actor.Tell(new Quiet());
                ExpectMsg("quiet");
            }

            ExpectMsg("timeout");
        });
    }

    private sealed record Quiet : INotInfluenceReceiveTimeout;

    private sealed class TimerActor : ReceiveActor, IWithTimers
    {
        private readonly IActorRef _probe;

        public TimerActor(IActorRef probe)
        {
            _probe = probe;
            Receive<(string Key, int Ms)>(t =>
            {
                if (t.Key == "single")
                {
                    Timers.StartSingleTimer(t.Key, "fired:" + t.Key, TimeSpan.FromMilliseconds(t.Ms));
                }
                else
                {
                    Timers.StartPeriodicTimer(t.Key, "fired:" + t.Key, TimeSpan.FromMilliseconds(t.Ms));
                }

                probe.Tell("active:" + Timers.IsTimerActive(t.Key));
            });
            Receive<string>(s => s.StartsWith("active?", StringComparison.Ordinal), s => probe.Tell("active:" + Timers.IsTimerActive(s[7..])));
            Receive<string>(s => s.StartsWith("cancel:", StringComparison.Ordinal), s =>
            {
                Timers.Cancel(s[7..]);
                probe.Tell("cancelled");
            });
            Receive<string>(s => s == "throw", _ => throw new InvalidOperationException("boom"));
            Receive<string>(s => probe.Tell(s));
        }

        public ITimerScheduler Timers { get; set; } = null!;

        protected override void PostRestart(Exception reason) => _probe.Tell("restarted");
    }

    private sealed class IdleActor : ReceiveActor
    {
        public IdleActor(IActorRef probe, TimeSpan timeout)
        {
            SetReceiveTimeout(timeout);
            Receive<ReceiveTimeout>(_ => probe.Tell("timeout"));
            Receive<Quiet>(_ => probe.Tell("quiet"));
            Receive<string>(s => s == "off", _ =>
            {
                SetReceiveTimeout(null);
                probe.Tell("off");
            });
            Receive<string>(s => s == "timeout?", _ => probe.Tell(Context.ReceiveTimeout?.ToString() ?? "none"));
            Receive<string>(_ => probe.Tell("poked"));
        }
    }
}

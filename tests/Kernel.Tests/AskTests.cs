using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

public sealed class AskTests : TestKit.TestKit
{
    public AskTests()
        : base(ActorSystemSettings.Default with { AskTimeout = TimeSpan.FromSeconds(5) })
    {
    }

    [Fact]
    public async Task Ask_completes_with_the_typed_reply()
    {
        IActorRef echo = Sys.ActorOf(Props.Create(() => new EchoActor()), "echo");
        Assert.Equal("hi", await echo.Ask<string>("hi"));
        Assert.Equal(42, await echo.Ask<int>(42, TimeSpan.FromSeconds(1)));
        Assert.Equal("untyped", await echo.Ask("untyped"));
    }

    [Fact]
    public async Task Ask_faults_with_the_cause_of_Status_Failure()
    {
        var cause = new InvalidOperationException("no can do");
        IActorRef replier = Sys.ActorOf(Props.Create(() => new ReplyActor(new Status.Failure(cause))), "failing");
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => replier.Ask<string>("q"));
        Assert.Same(cause, thrown);
        await Assert.ThrowsAsync<InvalidOperationException>(() => replier.Ask("q"));
        Assert.IsType<Status.Failure>(await replier.Ask<Status.Failure>("q"));
    }

    [Fact]
    public async Task Ask_faults_with_ArgumentException_on_a_reply_of_the_wrong_type()
    {
        IActorRef replier = Sys.ActorOf(Props.Create(() => new ReplyActor(123)), "wrong");
        var e = await Assert.ThrowsAsync<ArgumentException>(() => replier.Ask<string>("q"));
        Assert.Contains(typeof(string).FullName!, e.Message);
        Assert.Contains(typeof(int).FullName!, e.Message);
        Assert.Contains(replier.Path.ToString(), e.Message);
    }

    [Fact]
    public async Task Ask_times_out_with_a_message_naming_the_target_and_the_timeout()
    {
        IActorRef silent = Sys.ActorOf(Props.Create(() => new SilentActor()), "silent");
        var e = await Assert.ThrowsAsync<AskTimeoutException>(() => silent.Ask<string>("q", TimeSpan.FromMilliseconds(100)));
        Assert.Contains(silent.Path.ToString(), e.Message);
        Assert.Contains("100 ms", e.Message);
    }

    [Fact]
    public async Task Ask_uses_the_default_timeout_from_settings()
    {
        using var system = ActorSystem.Create("asktimeout", new ActorSystemSettings { AskTimeout = TimeSpan.FromMilliseconds(80) });
        IActorRef silent = system.ActorOf(Props.Create(() => new SilentActor()), "silent");
        var e = await Assert.ThrowsAsync<AskTimeoutException>(() => silent.Ask<string>("q"));
        Assert.Contains("80 ms", e.Message);
    }

    [Fact]
    public async Task A_late_reply_becomes_a_dead_letter()
    {
        TestKit.TestProbe dead = CreateTestProbe();
        Sys.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        IActorRef slow = Sys.ActorOf(Props.Create(() => new DelayedReplyActor()), "slow");
        await Assert.ThrowsAsync<AskTimeoutException>(() => slow.Ask<string>(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(50)));
        DeadLetter late = dead.ExpectMsg<DeadLetter>(TimeSpan.FromSeconds(2));
        Assert.Equal("late reply", late.Message);
        Assert.Equal(slow, late.Sender);
    }

    [Fact]
    public async Task Ask_can_be_cancelled()
    {
        IActorRef silent = Sys.ActorOf(Props.Create(() => new SilentActor()), "silent");
        using var cts = new CancellationTokenSource();
        Task<string> ask = silent.Ask<string>("q", TimeSpan.FromSeconds(30), cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ask);
    }

    [Fact]
    public async Task Ask_of_a_dead_actor_times_out_and_the_question_is_a_dead_letter()
    {
        IActorRef echo = Sys.ActorOf(Props.Create(() => new EchoActor()), "echo");
        Watch(echo);
        Sys.Stop(echo);
        ExpectTerminated(echo);
        long before = Sys.DeadLetterCount;
        await Assert.ThrowsAsync<AskTimeoutException>(() => echo.Ask<string>("anyone?", TimeSpan.FromMilliseconds(50)));
        Assert.True(Sys.DeadLetterCount > before);
    }

    [Fact]
    public async Task Ask_with_a_message_factory_passes_the_reply_to_ref()
    {
        IActorRef forwarder = Sys.ActorOf(Props.Create(() => new ReplyToActor()), "replyto");
        string answer = await forwarder.Ask<string>(replyTo => new ReplyTo(replyTo, "pong"), TimeSpan.FromSeconds(2));
        Assert.Equal("pong", answer);
    }

    [Fact]
    public async Task Ask_of_a_selection_and_of_Nobody()
    {
        Sys.ActorOf(Props.Create(() => new EchoActor()), "echo");
        Assert.Equal("sel", await Sys.ActorSelection("/user/echo").Ask<string>("sel", TimeSpan.FromSeconds(2)));
        await Assert.ThrowsAsync<AskTimeoutException>(() => ActorRefs.Nobody.Ask<string>("q", TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public async Task PipeTo_sends_results_and_failures()
    {
        await Task.FromResult(7).PipeTo(TestActor);
        ExpectMsg(7);
        await Task.FromResult(7).PipeTo(TestActor, success: i => $"mapped {i}");
        ExpectMsg("mapped 7");
        await Task.FromException<int>(new InvalidOperationException("piped")).PipeTo(TestActor);
        Assert.Equal("piped", ExpectMsg<Status.Failure>().Cause.Message);
        await Task.FromException<int>(new InvalidOperationException("piped")).PipeTo(TestActor, failure: e => "failed: " + e.Message);
        ExpectMsg("failed: piped");
        await Task.CompletedTask.PipeTo(TestActor, success: () => "done");
        ExpectMsg("done");
        await Task.CompletedTask.PipeTo(TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void PipeTo_inside_an_actor_delivers_to_Self_with_the_given_sender()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new PipingActor()), "piper");
        actor.Tell("compute");
        ExpectMsg("result 42");
        actor.Tell("compute-fail");
        ExpectMsg("failure compute failed");
    }

    [Fact]
    public async Task GracefulStop_completes_true_when_the_actor_stopped()
    {
        TestKit.TestProbe events = CreateTestProbe();
        IActorRef actor = Sys.ActorOf(Props.Create(() => new LifecycleProbeActor(events.Ref, "g")), "g");
        Assert.True(await actor.GracefulStop(TimeSpan.FromSeconds(3)));
        events.FishForMessage<string>(s => s == "g:PostStop");
        Assert.True(await actor.GracefulStop(TimeSpan.FromSeconds(1))); // already dead
    }

    [Fact]
    public async Task GracefulStop_completes_false_when_the_actor_does_not_stop_in_time()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new SilentActor()), "stubborn");
        Assert.False(await actor.GracefulStop(TimeSpan.FromMilliseconds(100), "please stop"));
    }

    private sealed record ReplyTo(IActorRef Target, string Text);

    private sealed class ReplyActor : ReceiveActor
    {
        public ReplyActor(object reply) => ReceiveAny(_ => Sender.Tell(reply));
    }

    private sealed class SilentActor : ReceiveActor
    {
        public SilentActor() => ReceiveAny(_ => { });
    }

    private sealed class DelayedReplyActor : ReceiveActor
    {
        public DelayedReplyActor()
        {
            ReceiveAsync<TimeSpan>(async delay =>
            {
                await Task.Delay(delay);
                Sender.Tell("late reply");
            });
        }
    }

    private sealed class ReplyToActor : ReceiveActor
    {
        public ReplyToActor() => Receive<ReplyTo>(r => r.Target.Tell(r.Text));
    }

    private sealed class PipingActor : ReceiveActor
    {
        private IActorRef? _client;

        public PipingActor()
        {
            Receive<string>(s => s == "compute", _ =>
            {
                _client = Sender;
                Task.Run(() => 42).PipeTo(Self, Self, success: n => $"result {n}");
            });
            Receive<string>(s => s == "compute-fail", _ =>
            {
                _client = Sender;
                Task.Run(new Func<int>(() => throw new InvalidOperationException("compute failed"))).PipeTo(Self);
            });
            Receive<Status.Failure>(f => _client!.Tell("failure " + f.Cause.Message));
            Receive<string>(s => _client!.Tell(s));
        }
    }
}

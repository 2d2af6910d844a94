using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

/// <summary>
/// A PreRestart that throws: as in Akka, the failure is logged at Error and the restart goes on
/// (the old instance is being discarded anyway; failing the restart would lose the actor).
/// </summary>
public sealed class PreRestartFailureTests : TestKit.TestKit
{
    [Fact]
    public void The_failure_is_logged_and_a_fresh_instance_processes_the_next_message()
    {
        TestKit.TestProbe logs = CreateTestProbe();
        Sys.EventStream.Subscribe(logs.Ref, typeof(LogEvent));
        int instances = 0;
        IActorRef actor = Sys.ActorOf(
            Props.Create(() => new FailingPreRestartActor(TestActor, Interlocked.Increment(ref instances))),
            "fragile");
        Watch(actor);

        actor.Tell("count");
        actor.Tell("count");
        Assert.Equal((1, 1), ExpectMsg<(int, int)>());
        Assert.Equal((1, 2), ExpectMsg<(int, int)>());

        actor.Tell("throw");
        actor.Tell("count");
        ExpectMsg("PostRestart:boom");
        Assert.Equal((2, 1), ExpectMsg<(int, int)>()); // instance 2, counter starts again
        Assert.Equal(2, instances);

        LogEvent log = logs.FishForMessage<LogEvent>(e => e.Cause?.Message == "PreRestart boom");
        Assert.Equal(LogLevel.Error, log.Level);
        Assert.Equal(actor.Path.ToString(), log.LogSource);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // in particular, no Terminated
    }

    private sealed class FailingPreRestartActor : ReceiveActor
    {
        private readonly IActorRef _probe;
        private int _count;

        public FailingPreRestartActor(IActorRef probe, int instance)
        {
            _probe = probe;
            Receive<string>(s => s == "throw", _ => throw new InvalidOperationException("boom"));
            Receive<string>(s => s == "count", _ => Sender.Tell((instance, ++_count)));
        }

        protected override void PreRestart(Exception reason, object? message)
            => throw new InvalidOperationException("PreRestart boom");

        protected override void PostRestart(Exception reason)
        {
            _probe.Tell("PostRestart:" + reason.Message);
            base.PostRestart(reason);
        }
    }
}

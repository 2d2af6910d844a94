using System.Collections.Concurrent;
using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

public sealed class DeadLetterTests : TestKit.TestKit
{
    private static readonly ConcurrentQueue<LogEvent> s_unused = new();

    private readonly ConcurrentQueue<LogEvent> _logs;

    public DeadLetterTests()
        : this(new ConcurrentQueue<LogEvent>())
    {
    }

    private DeadLetterTests(ConcurrentQueue<LogEvent> logs)
        : base(new ActorSystemSettings { LogLevel = LogLevel.Info, LogDeadLetters = 3, LogSink = logs.Enqueue })
    {
        _logs = logs;
    }

    [Fact]
    public void Messages_to_a_stopped_actor_are_published_counted_and_logged_a_limited_number_of_times()
    {
        TestKit.TestProbe dead = CreateTestProbe();
        Sys.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        IActorRef actor = Sys.ActorOf(Props.Create(() => new EchoActor()), "gone");
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);

        long before = Sys.DeadLetterCount;
        for (int i = 0; i < 5; i++)
        {
            actor.Tell(i);
        }

        for (int i = 0; i < 5; i++)
        {
            DeadLetter d = dead.ExpectMsg<DeadLetter>();
            Assert.Equal(i, d.Message);
            Assert.Equal(actor, d.Recipient);
            Assert.Equal(TestActor, d.Sender);
        }

        Assert.Equal(before + 5, Sys.DeadLetterCount);
        LogEvent[] deadLetterLogs = _logs.Where(l => l.LogClass == typeof(DeadLetter)).ToArray();
        Assert.Equal(3, deadLetterLogs.Length); // LogDeadLetters = 3
        Assert.All(deadLetterLogs, l => Assert.Equal(LogLevel.Info, l.Level));
        Assert.Contains("was not delivered", deadLetterLogs[0].Message);
        Assert.Contains("No more dead letters will be logged", deadLetterLogs[2].Message);
    }

    [Fact]
    public void Messages_sent_to_DeadLetters_and_to_unmatched_selections_are_dead_letters()
    {
        TestKit.TestProbe dead = CreateTestProbe();
        Sys.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        Sys.DeadLetters.Tell("direct");
        Assert.Equal("direct", dead.ExpectMsg<DeadLetter>().Message);
        Sys.ActorSelection("/user/nobody-here").Tell("selected");
        Assert.Equal("selected", dead.ExpectMsg<DeadLetter>().Message);
        Assert.True(Sys.DeadLetterCount >= 2);
    }

    [Fact]
    public void Messages_left_in_the_mailbox_of_a_stopping_actor_become_dead_letters()
    {
        TestKit.TestProbe dead = CreateTestProbe();
        Sys.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        IActorRef actor = Sys.ActorOf(Props.Create(() => new LifecycleTests.GatedActor(TestActor)), "busy");
        var gate = new Gate();
        actor.Tell(new LifecycleTests.AnnouncedGate(gate));
        ExpectMsg("waiting");
        actor.Tell("x");
        actor.Tell("y");
        Sys.Stop(actor);
        gate.Open();
        var lost = new[] { dead.ExpectMsg<DeadLetter>().Message, dead.ExpectMsg<DeadLetter>().Message };
        Assert.Equal(new object[] { "x", "y" }, lost);
    }

    [Fact]
    public void System_messages_bypass_the_user_queue()
    {
        TestKit.TestProbe dead = CreateTestProbe();
        Sys.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        IActorRef actor = Sys.ActorOf(Props.Create(() => new LifecycleTests.GatedActor(TestActor)), "flooded");
        var gate = new Gate();
        actor.Tell(new LifecycleTests.AnnouncedGate(gate));
        ExpectMsg("waiting");
        for (int i = 0; i < 1_000; i++)
        {
            actor.Tell("count");
        }

        Watch(actor); // Watch and Terminate overtake the 1,000 queued user messages
        Sys.Stop(actor);
        ExpectTerminated(actor);
        gate.Open();
        dead.ReceiveN(1_000);
        ExpectNoMsg(TimeSpan.FromMilliseconds(50)); // none of the "count" messages was processed
    }

    [Fact]
    public void Identify_to_a_dead_actor_answers_with_an_empty_identity()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new EchoActor()), "gone");
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
        actor.Tell(new Identify("who"));
        ActorIdentity identity = ExpectMsg<ActorIdentity>();
        Assert.Equal("who", identity.MessageId);
        Assert.Null(identity.Subject);
    }
}

using System.Collections.Concurrent;
using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

/// <summary>Dead-letter logging under the default settings (the other dead-letter tests set their own).</summary>
public sealed class DeadLetterLoggingTests : TestKit.TestKit
{
    [Fact]
    public void Dead_letters_are_logged_and_counted_under_default_settings()
    {
        Assert.Same(ActorSystemSettings.Default, Sys.Settings);
        Assert.Equal(LogLevel.Warning, Sys.Settings.LogLevel); // the level alone would hide Info
        TestKit.TestProbe logs = CreateTestProbe();
        Sys.EventStream.Subscribe(logs.Ref, typeof(LogEvent));
        IActorRef actor = Sys.ActorOf(Props.Create(() => new EchoActor()), "gone");
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);

        long before = Sys.DeadLetterCount;
        actor.Tell("lost");

        LogEvent log = logs.ExpectMsg<LogEvent>();
        Assert.Equal(LogLevel.Info, log.Level);
        Assert.Equal(typeof(DeadLetter), log.LogClass);
        Assert.Equal(actor.Path.ToString(), log.LogSource);
        Assert.Contains("Message [String]", log.Message);
        Assert.Contains("was not delivered", log.Message);
        Assert.Equal(before + 1, Sys.DeadLetterCount);
    }

    [Fact]
    public void The_default_logs_ten_dead_letters_then_a_notice_and_then_only_counts()
    {
        var sink = new ConcurrentQueue<LogEvent>();
        using var system = ActorSystem.Create("defaults", ActorSystemSettings.Default with { LogSink = sink.Enqueue });

        // Sending to DeadLetters publishes on the caller's thread, and the sink is synchronous.
        for (int i = 0; i < 15; i++)
        {
            system.DeadLetters.Tell(i, ActorRefs.NoSender);
        }

        Assert.Equal(15, system.DeadLetterCount);
        LogEvent[] logged = sink.Where(e => e.LogClass == typeof(DeadLetter)).ToArray();
        Assert.Equal(10, logged.Length);
        Assert.All(logged, e => Assert.Equal(LogLevel.Info, e.Level));
        Assert.Contains("[1] dead letters encountered", logged[0].Message);
        Assert.DoesNotContain("No more dead letters", logged[8].Message);
        Assert.Contains("No more dead letters will be logged", logged[9].Message);
        Assert.Contains(nameof(ActorSystemSettings.LogDeadLetters), logged[9].Message);
    }

    [Fact]
    public void LogDeadLetters_zero_turns_the_logging_off_but_not_the_counting()
    {
        var sink = new ConcurrentQueue<LogEvent>();
        using var system = ActorSystem.Create("quiet", new ActorSystemSettings { LogLevel = LogLevel.Debug, LogDeadLetters = 0, LogSink = sink.Enqueue });
        system.DeadLetters.Tell("lost", ActorRefs.NoSender);
        Assert.Equal(1, system.DeadLetterCount);
        Assert.DoesNotContain(sink, e => e.LogClass == typeof(DeadLetter));
    }
}

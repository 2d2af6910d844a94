using System.Collections.Concurrent;
using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

public sealed class EventStreamAndLoggingTests : TestKit.TestKit
{
    private readonly ConcurrentQueue<LogEvent> _sink;

    public EventStreamAndLoggingTests()
        : this(new ConcurrentQueue<LogEvent>())
    {
    }

    private EventStreamAndLoggingTests(ConcurrentQueue<LogEvent> sink)
        : base(new ActorSystemSettings { LogLevel = LogLevel.Info, LogSink = sink.Enqueue })
    {
        _sink = sink;
    }

    [Fact]
    public void Subscribers_get_events_of_their_channel_and_subtypes_once()
    {
        TestKit.TestProbe probe = CreateTestProbe();
        Assert.True(Sys.EventStream.Subscribe(probe.Ref, typeof(Animal)));
        Assert.True(Sys.EventStream.Subscribe(probe.Ref, typeof(Dog)));
        Assert.False(Sys.EventStream.Subscribe(probe.Ref, typeof(Dog)));
        Sys.EventStream.Publish(new Dog());
        probe.ExpectMsg<Dog>();
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(50)); // once, although two channels match
        Sys.EventStream.Publish("not an animal");
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(50));

        Assert.True(Sys.EventStream.Unsubscribe(probe.Ref, typeof(Animal)));
        Sys.EventStream.Publish(new Cat());
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.True(Sys.EventStream.Unsubscribe(probe.Ref));
        Sys.EventStream.Publish(new Dog());
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Actors_subscribe_and_are_unsubscribed_when_they_stop()
    {
        IActorRef listener = Sys.ActorOf(Props.Create(() => new ListenerActor(TestActor)), "listener");
        ExpectMsg("subscribed");
        Sys.EventStream.Publish(new Dog());
        ExpectMsg<Dog>();
        Watch(listener);
        Sys.Stop(listener);
        ExpectTerminated(listener);
        long before = Sys.DeadLetterCount;
        Sys.EventStream.Publish(new Dog());
        Assert.Equal(before, Sys.DeadLetterCount);
    }

    [Fact]
    public void Actor_loggers_publish_to_the_event_stream_and_the_sink_with_the_actor_path_as_source()
    {
        TestKit.TestProbe logs = CreateTestProbe();
        Sys.EventStream.Subscribe(logs.Ref, typeof(LogEvent));
        IActorRef actor = Sys.ActorOf(Props.Create(() => new LoggingActor()), "logger");
        actor.Tell("go");
        LogEvent info = logs.ExpectMsg<LogEvent>();
        Assert.Equal(LogLevel.Info, info.Level);
        Assert.Equal("positional 1 and named two", info.Message);
        Assert.Equal(actor.Path.ToString(), info.LogSource);
        Assert.Equal(typeof(LoggingActor), info.LogClass);
        LogEvent error = logs.ExpectMsg<LogEvent>();
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Equal("bad", error.Cause!.Message);
        logs.ExpectNoMsg(TimeSpan.FromMilliseconds(50)); // Debug is below the Info level
        AwaitAssert(() => Assert.Contains(_sink, e => e.Message == "positional 1 and named two"));
    }

    [Fact]
    public void System_log_and_formatting()
    {
        Sys.Log.Warning("{0:X} {{literal}} {Missing}", 255);
        AwaitAssert(() => Assert.Contains(_sink, e => e.Message == "FF {literal} {Missing}" && e.LogSource == $"ActorSystem({Sys.Name})"));
        Assert.False(Sys.Log.IsDebugEnabled);
        Assert.True(Sys.Log.IsInfoEnabled);
        Assert.Contains("[WARNING]", _sink.First(e => e.Level == LogLevel.Warning).ToString());
    }

    private class Animal
    {
    }

    private sealed class Dog : Animal
    {
    }

    private sealed class Cat : Animal
    {
    }

    private sealed class ListenerActor : ReceiveActor
    {
        public ListenerActor(IActorRef probe)
        {
            Context.System.EventStream.Subscribe(Self, typeof(Animal));
            probe.Tell("subscribed");
            Receive<Animal>(a => probe.Tell(a));
        }
    }

    private sealed class LoggingActor : ReceiveActor
    {
        public LoggingActor()
        {
            ILoggingAdapter log = Context.GetLogger();
            Receive<string>(_ =>
            {
                log.Debug("hidden");
                log.Info("positional {0} and named {Name}", 1, "two");
                log.Error(new InvalidOperationException("bad"), "failed {0}", "x");
            });
        }
    }
}

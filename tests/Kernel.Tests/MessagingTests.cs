using System.Collections.Concurrent;
using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

public sealed class MessagingTests : TestKit.TestKit
{
    [Fact]
    public void Tell_from_test_code_uses_the_test_actor_as_sender()
    {
        IActorRef echo = Sys.ActorOf(Props.Create(() => new EchoActor()), "echo");
        echo.Tell("hello");
        Assert.Equal("hello", ExpectMsg<string>());
        Assert.Equal(echo, LastSender);
    }

    [Fact]
    public async Task Implicit_sender_survives_awaits_in_async_tests()
    {
        IActorRef echo = Sys.ActorOf(Props.Create(() => new EchoActor()));
        await Task.Delay(5);
        echo.Tell("after-await");
        ExpectMsg("after-await");
    }

    [Fact]
    public void Tell_inside_an_actor_uses_Self_and_Forward_keeps_the_original_sender()
    {
        IActorRef echo = Sys.ActorOf(Props.Create(() => new EchoActor()), "echo");
        IActorRef relay = Sys.ActorOf(Props.Create(() => new RelayActor(echo)), "relay");
        relay.Tell("forward:x");
        ExpectMsg("forward:x");
        Assert.Equal(echo, LastSender); // echo replied straight to the test: Forward kept our sender

        relay.Tell("tell:y");
        ExpectMsg("relay saw echo:y");
        Assert.Equal(relay, LastSender); // echo replied to relay (implicit sender = relay's Self), relay passed it on
    }

    [Fact]
    public void Messages_from_one_sender_arrive_in_order_under_concurrent_senders()
    {
        const int senders = 4;
        const int perSender = 20_000;
        IActorRef checker = Sys.ActorOf(Props.Create(() => new OrderCheckingActor()), "checker");
        Parallel.For(0, senders, new ParallelOptions { MaxDegreeOfParallelism = senders }, s =>
        {
            for (int i = 0; i < perSender; i++)
            {
                checker.Tell(new Sequenced(s, i), ActorRefs.NoSender);
            }
        });

        checker.Tell("report");
        var report = ExpectMsg<(int Received, int Violations)>(TimeSpan.FromSeconds(10));
        Assert.Equal(senders * perSender, report.Received);
        Assert.Equal(0, report.Violations);
    }

    [Fact]
    public void An_actor_processes_one_message_at_a_time()
    {
        const int threads = 4;
        const int perThread = 5_000;
        var tracker = new ConcurrencyTracker();
        IActorRef actor = Sys.ActorOf(Props.Create(() => new ConcurrencyCheckingActor(tracker)), "serial");
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
        {
            for (int i = 0; i < perThread; i++)
            {
                actor.Tell(i, ActorRefs.NoSender);
            }
        });

        actor.Tell("report");
        ExpectMsg<int>(n => n == threads * perThread, TimeSpan.FromSeconds(10));
        Assert.Equal(1, tracker.MaxConcurrent);
    }

    [Fact]
    public void Many_actors_each_process_serially_while_running_in_parallel()
    {
        var tracker = new ConcurrencyTracker();
        IActorRef[] actors = Enumerable.Range(0, 8)
            .Select(i => Sys.ActorOf(Props.Create(() => new ConcurrencyCheckingActor(tracker, perActor: true)), "a" + i))
            .ToArray();
        Parallel.ForEach(actors, a =>
        {
            for (int i = 0; i < 2_000; i++)
            {
                a.Tell(i, ActorRefs.NoSender);
            }
        });

        foreach (IActorRef a in actors)
        {
            a.Tell("report");
            ExpectMsg(2_000, TimeSpan.FromSeconds(10));
        }

        Assert.Equal(1, tracker.MaxConcurrentPerActor);
    }

    [Fact]
    public void Sender_is_dead_letters_when_a_message_had_no_sender()
    {
        TestKit.TestProbe probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(DeadLetter));
        IActorRef echo = Sys.ActorOf(Props.Create(() => new EchoActor()));
        echo.Tell("orphan", ActorRefs.NoSender);
        DeadLetter dead = probe.ExpectMsg<DeadLetter>();
        Assert.Equal("orphan", dead.Message);
        Assert.Equal(echo, dead.Sender);
    }

    [Fact]
    public void Unhandled_messages_are_published_on_the_event_stream()
    {
        TestKit.TestProbe probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(UnhandledMessage));
        IActorRef actor = Sys.ActorOf(Props.Create(() => new OnlyStringsActor()), "picky");
        actor.Tell(42);
        UnhandledMessage unhandled = probe.ExpectMsg<UnhandledMessage>();
        Assert.Equal(42, unhandled.Message);
        Assert.Equal(actor, unhandled.Recipient);
        Assert.Equal(TestActor, unhandled.Sender);
    }

    [Fact]
    public void Telling_null_throws()
    {
        IActorRef echo = Sys.ActorOf(Props.Create(() => new EchoActor()));
        Assert.Throws<ArgumentNullException>(() => echo.Tell(null!, ActorRefs.NoSender));
    }

    [Fact]
    public void Paths_and_refs_have_Akka_shapes()
    {
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(SupervisorStrategy.DefaultStrategy)), "parent");
        parent.Tell((Props.Create(() => new EchoActor()), "child"));
        IActorRef child = ExpectMsg<IActorRef>();
        Assert.Equal($"akka://{Sys.Name}/user/parent/child", child.Path.ToString());
        Assert.Equal("/user/parent/child", child.Path.ToStringWithoutAddress());
        Assert.Equal("child", child.Path.Name);
        Assert.Equal(parent.Path, child.Path.Parent);
        Assert.Equal(new[] { "user", "parent", "child" }, child.Path.Elements);
        Assert.Equal(child.Path, ActorPath.Parse(child.Path.ToString()));
        Assert.NotEqual(parent, child);
        Assert.True(parent.CompareTo(child) < 0);
        Assert.Equal(ActorRefs.Nobody, ActorRefs.Nobody);
        Assert.Null(ActorRefs.NoSender);
    }

    [Fact]
    public void Generated_names_start_with_a_dollar_and_are_unique()
    {
        IActorRef a = Sys.ActorOf(Props.Create(() => new EchoActor()));
        IActorRef b = Sys.ActorOf(Props.Create(() => new EchoActor()));
        Assert.StartsWith("$", a.Path.Name);
        Assert.NotEqual(a.Path, b.Path);
    }

    [Fact]
    public void Duplicate_and_invalid_names_are_rejected()
    {
        Sys.ActorOf(Props.Create(() => new EchoActor()), "taken");
        var duplicate = Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create(() => new EchoActor()), "taken"));
        Assert.Equal("Actor name \"taken\" is not unique!", duplicate.Message);
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create(() => new EchoActor()), "$reserved"));
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create(() => new EchoActor()), "a/b"));
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create(() => new EchoActor()), ""));
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create(() => new EchoActor()), "spa ce"));
    }

    [Fact]
    public void Context_child_lookup_returns_Nobody_when_absent_and_lists_children()
    {
        IActorRef parent = Sys.ActorOf(Props.Create(() => new ChildrenActor()), "kids");
        parent.Tell("make:x");
        parent.Tell("make:y");
        parent.Tell("list");
        Assert.Equal("x,y", ExpectMsg<string>());
        parent.Tell("child:x");
        Assert.Equal("x", ExpectMsg<IActorRef>().Path.Name);
        parent.Tell("child:zzz");
        Assert.Equal(ActorRefs.Nobody, ExpectMsg<IActorRef>());
        parent.Tell("make:x");
        Assert.Equal("Actor name \"x\" is not unique!", ExpectMsg<string>());
    }

    [Fact]
    public void Creating_an_actor_with_new_outside_Props_throws()
    {
        Assert.Throws<ActorInitializationException>(() => new EchoActor());
    }

    [Fact]
    public void Context_outside_an_actor_throws()
    {
        Assert.Throws<NotSupportedException>(() => ContextPeeker.Peek());
    }

    [Fact]
    public void Context_is_valid_in_constructor_and_hooks()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new ContextReportingActor(TestActor)), "ctx");
        ExpectMsg($"ctor:{actor.Path}");
        ExpectMsg($"PreStart:{actor.Path}");
    }

    private sealed record Sequenced(int Sender, int Seq);

    private sealed class OrderCheckingActor : ReceiveActor
    {
        private readonly Dictionary<int, int> _last = new();
        private int _received;
        private int _violations;

        public OrderCheckingActor()
        {
            Receive<Sequenced>(m =>
            {
                _received++;
                if (_last.TryGetValue(m.Sender, out int last) && m.Seq != last + 1)
                {
                    _violations++;
                }

                _last[m.Sender] = m.Seq;
            });
            Receive<string>(_ => Sender.Tell((_received, _violations)));
        }
    }

    private sealed class ConcurrencyTracker
    {
        private int _active;
        private int _max;
        private readonly ConcurrentDictionary<object, int> _perActor = new();
        private int _maxPerActor;

        public int MaxConcurrent => Volatile.Read(ref _max);

        public int MaxConcurrentPerActor => Volatile.Read(ref _maxPerActor);

        public void Enter(object actor, bool perActor)
        {
            if (perActor)
            {
                int n = _perActor.AddOrUpdate(actor, 1, (_, v) => v + 1);
                InterlockedMax(ref _maxPerActor, n);
                return;
            }

            InterlockedMax(ref _max, Interlocked.Increment(ref _active));
        }

        public void Exit(object actor, bool perActor)
        {
            if (perActor)
            {
                _perActor.AddOrUpdate(actor, 0, (_, v) => v - 1);
                return;
            }

            Interlocked.Decrement(ref _active);
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int current;
            while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
            {
            }
        }
    }

    private sealed class ConcurrencyCheckingActor : ReceiveActor
    {
        private int _count;

        public ConcurrencyCheckingActor(ConcurrencyTracker tracker, bool perActor = false)
        {
            Receive<int>(_ =>
            {
                tracker.Enter(this, perActor);
                Thread.SpinWait(20);
                _count++;
                tracker.Exit(this, perActor);
            });
            Receive<string>(_ => Sender.Tell(_count));
        }
    }

    private sealed class RelayActor : ReceiveActor
    {
        private IActorRef? _client;

        public RelayActor(IActorRef echo)
        {
            Receive<string>(s => s.StartsWith("forward:", StringComparison.Ordinal), s => echo.Forward(s));
            Receive<string>(s => s.StartsWith("tell:", StringComparison.Ordinal), s =>
            {
                _client = Sender;
                echo.Tell("echo:" + s[5..]);
            });
            Receive<string>(s => _client!.Tell("relay saw " + s));
        }
    }

    private sealed class OnlyStringsActor : ReceiveActor
    {
        public OnlyStringsActor() => Receive<string>(_ => { });
    }

    private sealed class ChildrenActor : ReceiveActor
    {
        public ChildrenActor()
        {
            Receive<string>(s => s.StartsWith("make:", StringComparison.Ordinal), s =>
            {
                try
                {
                    Context.ActorOf(Props.Create(() => new EchoActor()), s[5..]);
                }
                catch (InvalidActorNameException e)
                {
                    Sender.Tell(e.Message);
                }
            });
            Receive<string>(s => s == "list", _ => Sender.Tell(string.Join(",", Context.GetChildren().Select(c => c.Path.Name).Order())));
            Receive<string>(s => s.StartsWith("child:", StringComparison.Ordinal), s => Sender.Tell(Context.Child(s[6..])));
        }
    }

    private sealed class ContextReportingActor : ReceiveActor
    {
        private readonly IActorRef _probe;

        public ContextReportingActor(IActorRef probe)
        {
            _probe = probe;
            probe.Tell($"ctor:{Context.Self.Path}");
        }

        protected override void PreStart() => _probe.Tell($"PreStart:{Context.Self.Path}");
    }

    private abstract class ContextPeeker : ActorBase
    {
        public static IActorContext Peek() => Context;
    }
}

using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

public sealed class DeathWatchTests : TestKit.TestKit
{
    [Fact]
    public void A_watcher_gets_exactly_one_Terminated()
    {
        IActorRef target = Sys.ActorOf(Props.Create(() => new EchoActor()), "target");
        Watch(target);
        Watch(target); // watching twice still yields one
        target.Tell(PoisonPill.Instance);
        Terminated t = ExpectTerminated(target);
        Assert.True(t.ExistenceConfirmed);
        Assert.False(t.AddressTerminated);
        ExpectNoMsg(TimeSpan.FromMilliseconds(150));
    }

    [Fact]
    public void Watching_an_already_dead_actor_yields_Terminated_at_once()
    {
        IActorRef target = Sys.ActorOf(Props.Create(() => new EchoActor()), "target");
        Watch(target);
        Sys.Stop(target);
        ExpectTerminated(target);

        Watch(target);
        ExpectTerminated(target);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        IActorRef watcher = Sys.ActorOf(Props.Create(() => new WatcherActor(TestActor)), "watcher");
        watcher.Tell(target);
        ExpectMsg("watching");
        Assert.Equal(target, ExpectMsg<Terminated>().ActorRef);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Watching_Nobody_yields_Terminated()
    {
        Watch(ActorRefs.Nobody);
        ExpectTerminated(ActorRefs.Nobody);
    }

    [Fact]
    public void Every_watcher_is_notified_once()
    {
        IActorRef target = Sys.ActorOf(Props.Create(() => new EchoActor()), "target");
        IActorRef[] watchers = Enumerable.Range(0, 5)
            .Select(i => Sys.ActorOf(Props.Create(() => new WatcherActor(TestActor)), "w" + i))
            .ToArray();
        foreach (IActorRef w in watchers)
        {
            w.Tell(target);
            ExpectMsg("watching");
        }

        Sys.Stop(target);
        for (int i = 0; i < watchers.Length; i++)
        {
            Assert.Equal(target, ExpectMsg<Terminated>().ActorRef);
        }

        ExpectNoMsg(TimeSpan.FromMilliseconds(150));
    }

    [Fact]
    public void Unwatch_prevents_Terminated()
    {
        IActorRef target = Sys.ActorOf(Props.Create(() => new EchoActor()), "target");
        IActorRef watcher = Sys.ActorOf(Props.Create(() => new WatcherActor(TestActor)), "watcher");
        watcher.Tell(target);
        ExpectMsg("watching");
        watcher.Tell("unwatch");
        ExpectMsg("unwatched");
        Watch(target);
        Sys.Stop(target);
        ExpectTerminated(target); // ours
        ExpectNoMsg(TimeSpan.FromMilliseconds(150)); // not the watcher's
    }

    [Fact]
    public void WatchWith_delivers_the_custom_message()
    {
        IActorRef target = Sys.ActorOf(Props.Create(() => new EchoActor()), "target");
        IActorRef watcher = Sys.ActorOf(Props.Create(() => new WatcherActor(TestActor)), "watcher");
        watcher.Tell(("with", target));
        ExpectMsg("watching");
        Sys.Stop(target);
        ExpectMsg("custom: target gone");
    }

    [Fact]
    public void An_unhandled_Terminated_is_a_DeathPactException_that_stops_the_watcher()
    {
        TestKit.TestProbe logs = CreateTestProbe();
        Sys.EventStream.Subscribe(logs.Ref, typeof(LogEvent));
        IActorRef target = Sys.ActorOf(Props.Create(() => new EchoActor()), "target");
        IActorRef watcher = Sys.ActorOf(Props.Create(() => new CarelessWatcher(target)), "careless");
        Watch(watcher);
        watcher.Tell("ready?");
        ExpectMsg("ready");
        Sys.Stop(target);
        ExpectTerminated(watcher);
        Assert.IsType<DeathPactException>(logs.ExpectMsg<LogEvent>().Cause);
    }

    [Fact]
    public void A_parent_can_reuse_a_childs_name_once_it_saw_the_childs_Terminated()
    {
        IActorRef parent = Sys.ActorOf(Props.Create(() => new ReplacingParent(TestActor)), "parent");
        parent.Tell("replace");
        IActorRef first = ExpectMsg<IActorRef>();
        IActorRef second = ExpectMsg<IActorRef>();
        Assert.Equal(first.Path, second.Path);
        Assert.NotEqual(first, second); // a new incarnation
    }

    [Fact]
    public void Children_are_removed_from_the_parent_when_they_stop()
    {
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(SupervisorStrategy.DefaultStrategy)), "p");
        parent.Tell((Props.Create(() => new EchoActor()), "kid"));
        IActorRef kid = ExpectMsg<IActorRef>();
        Watch(kid);
        kid.Tell(PoisonPill.Instance);
        ExpectTerminated(kid);
        AwaitAssert(() =>
        {
            parent.Tell((Props.Create(() => new EchoActor()), "kid"));
            Assert.IsAssignableFrom<IActorRef>(ReceiveOne(TimeSpan.FromMilliseconds(200)));
        });
    }

    private sealed class WatcherActor : ReceiveActor
    {
        private IActorRef? _watched;

        public WatcherActor(IActorRef probe)
        {
            Receive<IActorRef>(target =>
            {
                _watched = target;
                Context.Watch(target);
                Sender.Tell("watching");
            });
            Receive<(string, IActorRef)>(t =>
            {
                Context.WatchWith(t.Item2, $"custom: {t.Item2.Path.Name} gone");
                Sender.Tell("watching");
            });
            Receive<string>(s => s == "unwatch", _ =>
            {
                Context.Unwatch(_watched!);
                Sender.Tell("unwatched");
            });
            Receive<string>(s => probe.Tell(s));
            Receive<Terminated>(t => probe.Tell(t));
        }
    }

    private sealed class CarelessWatcher : ReceiveActor
    {
        public CarelessWatcher(IActorRef target)
        {
            Context.Watch(target);
            Receive<string>(_ => Sender.Tell("ready"));
        }
    }

    private sealed class ReplacingParent : ReceiveActor
    {
        public ReplacingParent(IActorRef probe)
        {
            Receive<string>(_ =>
            {
                IActorRef child = Context.ActorOf(Props.Create(() => new EchoActor()), "child");
                probe.Tell(child);
                Context.Watch(child);
                Context.Stop(child);
            });
            Receive<Terminated>(_ => probe.Tell(Context.ActorOf(Props.Create(() => new EchoActor()), "child")));
        }
    }
}

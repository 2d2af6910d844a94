using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

public sealed class SelectionTests : TestKit.TestKit
{
    [Fact]
    public async Task Absolute_paths_select_and_resolve_actors()
    {
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(SupervisorStrategy.DefaultStrategy)), "parent");
        parent.Tell((Props.Create(() => new EchoActor()), "child"));
        IActorRef child = ExpectMsg<IActorRef>();

        Sys.ActorSelection("/user/parent/child").Tell("via path", TestActor);
        ExpectMsg("via path");
        Assert.Equal(child, LastSender);

        Sys.ActorSelection($"akka://{Sys.Name}/user/parent/child").Tell("via address", TestActor);
        ExpectMsg("via address");

        Assert.Equal(child, await Sys.ActorSelection("/user/parent/child").ResolveOne(TimeSpan.FromSeconds(1)));
        await Assert.ThrowsAsync<ActorNotFoundException>(() => Sys.ActorSelection("/user/parent/missing").ResolveOne(TimeSpan.FromSeconds(1)));
        await Assert.ThrowsAsync<ActorNotFoundException>(() => Sys.ActorSelection("akka://other-system/user/parent").ResolveOne(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Identify_through_a_selection_returns_the_ref()
    {
        IActorRef echo = Sys.ActorOf(Props.Create(() => new EchoActor()), "echo");
        Sys.ActorSelection("/user/echo").Tell(new Identify(1), TestActor);
        Assert.Equal(new ActorIdentity(1, echo), ExpectMsg<ActorIdentity>());
        Sys.ActorSelection("/user/none").Tell(new Identify(2), TestActor);
        Assert.Equal(new ActorIdentity(2, null), ExpectMsg<ActorIdentity>());
    }

    [Fact]
    public void Wildcards_select_several_children()
    {
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(SupervisorStrategy.DefaultStrategy)), "parent");
        foreach (string name in new[] { "worker-1", "worker-2", "other" })
        {
            parent.Tell((Props.Create(() => new EchoActor()), name));
            ExpectMsg<IActorRef>();
        }

        Sys.ActorSelection("/user/parent/worker-*").Tell("hi", TestActor);
        ExpectMsg("hi");
        ExpectMsg("hi");
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Sys.ActorSelection("/user/parent/worker-?").Tell("q", TestActor);
        ReceiveN(2);
    }

    [Fact]
    public void Context_selection_resolves_relative_paths()
    {
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(SupervisorStrategy.DefaultStrategy)), "parent");
        parent.Tell((Props.Create(() => new EchoActor()), "sibling"));
        IActorRef sibling = ExpectMsg<IActorRef>();
        parent.Tell((Props.Create(() => new SelectingActor()), "selector"));
        IActorRef selector = ExpectMsg<IActorRef>();

        selector.Tell("../sibling");
        ExpectMsg("from ../sibling");
        Assert.Equal(sibling, LastSender);
        selector.Tell("/user/parent/sibling");
        ExpectMsg("from /user/parent/sibling");
    }

    [Fact]
    public void DeadLetters_can_be_selected()
    {
        TestKit.TestProbe dead = CreateTestProbe();
        Sys.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        Sys.ActorSelection("/deadLetters").Tell("to the void", TestActor);
        Assert.Equal("to the void", dead.ExpectMsg<DeadLetter>().Message);
    }

    private sealed class SelectingActor : ReceiveActor
    {
        public SelectingActor()
        {
            Receive<string>(path => path.Contains('/'), path =>
            {
                IActorRef client = Sender;
                Context.ActorSelection(path).Tell("from " + path, client);
            });
        }
    }
}

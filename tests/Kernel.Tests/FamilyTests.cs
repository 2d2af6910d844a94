using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

/// <summary>Context.Parent and Context.Children.</summary>
public sealed class FamilyTests : TestKit.TestKit
{
    [Fact]
    public void A_childs_Parent_is_the_Self_of_the_actor_that_created_it()
    {
        TestKit.TestProbe hooks = CreateTestProbe();
        IActorRef parent = Sys.ActorOf(Props.Create(() => new ParentActor(hooks.Ref)), "parent");
        parent.Tell("self");
        Assert.Equal(parent, ExpectMsg<IActorRef>());

        parent.Tell("make:kid");
        IActorRef child = ExpectMsg<IActorRef>();
        Assert.Equal(("ctor", parent), hooks.ExpectMsg<(string, IActorRef)>());
        Assert.Equal(("PreStart", parent), hooks.ExpectMsg<(string, IActorRef)>());
        child.Tell("parent");
        Assert.Equal(parent, ExpectMsg<IActorRef>());

        // A top-level actor's parent is the user guardian.
        parent.Tell("parent");
        Assert.Equal("/user", ExpectMsg<IActorRef>().Path.ToStringWithoutAddress());
    }

    [Fact]
    public void Children_lists_the_living_children_and_drops_a_stopped_one_once_it_terminated()
    {
        IActorRef parent = Sys.ActorOf(Props.Create(() => new ParentActor(CreateTestProbe().Ref)), "parent");
        parent.Tell("children");
        Assert.Empty(ExpectMsg<IActorRef[]>());

        parent.Tell("make:a");
        IActorRef a = ExpectMsg<IActorRef>();
        parent.Tell("make:b");
        IActorRef b = ExpectMsg<IActorRef>();
        parent.Tell("children");
        Assert.Equal(new[] { a, b }.ToHashSet(), ExpectMsg<IActorRef[]>().ToHashSet());

        parent.Tell(new StopChild(a));
        IActorRef[] afterStop = ExpectMsg<IActorRef[]>(); // sent when the parent got a's Terminated
        Assert.Equal(new[] { b }, afterStop);
    }

    private sealed record StopChild(IActorRef Child);

    private sealed class ParentActor : ReceiveActor
    {
        private IActorRef? _stopRequester;

        public ParentActor(IActorRef hooks)
        {
            Receive<string>(s => s == "self", _ => Sender.Tell(Self));
            Receive<string>(s => s == "parent", _ => Sender.Tell(Context.Parent));
            Receive<string>(s => s == "children", _ => Sender.Tell(Context.Children.ToArray()));
            Receive<string>(
                s => s.StartsWith("make:", StringComparison.Ordinal),
                s => Sender.Tell(Context.ActorOf(Props.Create(() => new ChildActor(hooks)), s[5..])));
            Receive<StopChild>(m =>
            {
                _stopRequester = Sender;
                Context.Watch(m.Child);
                Context.Stop(m.Child);
            });
            Receive<Terminated>(_ => _stopRequester!.Tell(Context.Children.ToArray()));
        }
    }

    private sealed class ChildActor : ReceiveActor
    {
        private readonly IActorRef _hooks;

        public ChildActor(IActorRef hooks)
        {
            _hooks = hooks;
            hooks.Tell(("ctor", Context.Parent));
            Receive<string>(s => s == "parent", _ => Sender.Tell(Context.Parent));
        }

        protected override void PreStart() => _hooks.Tell(("PreStart", Context.Parent));
    }
}

using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

public sealed class StashTests : TestKit.TestKit
{
    [Fact]
    public void UnstashAll_returns_messages_in_order_before_later_ones()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new StashingActor()), "stash");
        actor.Tell("a");
        actor.Tell("b");
        actor.Tell("c");
        actor.Tell("open");
        actor.Tell("d");
        ExpectMsg("a");
        ExpectMsg("b");
        ExpectMsg("c");
        ExpectMsg("d");
    }

    [Fact]
    public void Unstash_returns_the_oldest_message_only()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new StashingActor()), "stash");
        actor.Tell("a");
        actor.Tell("b");
        actor.Tell("one");
        ExpectMsg("a");
        actor.Tell("count");
        ExpectMsg(1); // "b" is still stashed
    }

    [Fact]
    public void Stashing_the_same_message_twice_throws()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new StashingActor()), "stash");
        actor.Tell("twice");
        Assert.Contains("twice", ExpectMsg<string>());
    }

    [Fact]
    public void Stashed_messages_return_to_the_mailbox_on_restart()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new StashingActor()), "stash");
        actor.Tell("a");
        actor.Tell("b");
        actor.Tell("throw");
        // The fresh instance starts closed again: it stashes a and b once more, so open it.
        actor.Tell("open");
        ExpectMsg("a");
        ExpectMsg("b");
    }

    [Fact]
    public void Stashed_messages_become_dead_letters_when_the_actor_stops()
    {
        TestKit.TestProbe dead = CreateTestProbe();
        Sys.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        IActorRef actor = Sys.ActorOf(Props.Create(() => new StashingActor()), "stash");
        actor.Tell("a");
        actor.Tell(PoisonPill.Instance);
        Assert.Equal("a", dead.ExpectMsg<DeadLetter>().Message);
    }

    private sealed class StashingActor : ReceiveActor, IWithUnboundedStash
    {
        private int _count;

        public StashingActor()
        {
            Receive<string>(s => s == "open", _ =>
            {
                Become(Open);
                Stash.UnstashAll();
            });
            Receive<string>(s => s == "one", _ =>
            {
                Become(Open);
                Stash.Unstash();
            });
            Receive<string>(s => s == "twice", _ =>
            {
                Stash.Stash();
                try
                {
                    Stash.Stash();
                }
                catch (IllegalActorStateException e)
                {
                    Sender.Tell(e.Message);
                }
            });
            Receive<string>(s => s == "throw", _ => throw new InvalidOperationException("boom"));
            ReceiveAny(_ => Stash.Stash());
        }

        public IStash Stash { get; set; } = null!;

        private void Open()
        {
            Receive<string>(s => s == "count", _ => Sender.Tell(++_count));
            ReceiveAny(m => Sender.Tell(m));
        }
    }
}

using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

public sealed class ReceiveActorTests : TestKit.TestKit
{
    [Fact]
    public void The_first_matching_handler_wins_in_registration_order()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new HandlersActor()), "h");
        actor.Tell("special");
        ExpectMsg("predicate:special");
        actor.Tell("plain");
        ExpectMsg("string:plain");
        actor.Tell(7);
        ExpectMsg("func:7");
        actor.Tell(-7); // Func<int,bool> returned false: falls through to the next handler
        ExpectMsg("any:-7");
        actor.Tell(3.5);
        ExpectMsg("type:3.5");
    }

    [Fact]
    public void Registering_handlers_outside_the_constructor_throws()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new LateRegistrationActor()), "late");
        actor.Tell("register");
        Assert.Contains("constructor", ExpectMsg<string>());
    }

    [Fact]
    public void Become_replaces_and_BecomeStacked_pushes_behaviour()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new MoodActor()), "mood");
        actor.Tell("how");
        ExpectMsg("calm");
        actor.Tell("anger");
        actor.Tell("how");
        ExpectMsg("angry");
        actor.Tell("push-happy");
        actor.Tell("how");
        ExpectMsg("happy");
        actor.Tell("pop");
        actor.Tell("how");
        ExpectMsg("angry");
        actor.Tell("calm");
        actor.Tell("how");
        ExpectMsg("calm");
        actor.Tell(42); // unhandled in every behaviour: goes to Unhandled
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void UntypedActor_Become_and_Unhandled()
    {
        TestKit.TestProbe unhandled = CreateTestProbe();
        Sys.EventStream.Subscribe(unhandled.Ref, typeof(UnhandledMessage));
        IActorRef actor = Sys.ActorOf(Props.Create(() => new ToggleActor()), "toggle");
        actor.Tell("ping");
        ExpectMsg("off:ping");
        actor.Tell("toggle");
        actor.Tell("ping");
        ExpectMsg("on:ping");
        actor.Tell(1);
        Assert.Equal(1, unhandled.ExpectMsg<UnhandledMessage>().Message);
        actor.Tell("toggle");
        actor.Tell("ping");
        ExpectMsg("off:ping");
    }

    [Fact]
    public void ReceiveAsync_suspends_the_mailbox_until_its_task_completes()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new AsyncActor()), "async");
        var gate = new Gate();
        actor.Tell(gate);
        actor.Tell("after");
        ExpectMsg("started");
        ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // "after" waits behind the pending task
        gate.Open();
        ExpectMsg("finished");
        ExpectMsg("after");
    }

    [Fact]
    public void ReceiveAsync_continuations_see_the_actor_context_and_sender()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new AsyncActor()), "async");
        actor.Tell(5);
        ExpectMsg($"delayed 5 self={actor.Path.Name} sync={true}");
        Assert.Equal(actor, LastSender);
    }

    [Fact]
    public void ReceiveAsync_never_runs_handlers_concurrently()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new AsyncActor()), "async");
        for (int i = 0; i < 200; i++)
        {
            actor.Tell((long)i);
        }

        actor.Tell("report");
        ExpectMsg("max 1 count 200", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_faulted_async_handler_is_an_actor_failure()
    {
        TestKit.TestProbe seen = CreateTestProbe();
        var strategy = new OneForOneStrategy(e =>
        {
            seen.Ref.Tell(e);
            return Directive.Restart;
        });
        IActorRef parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(strategy)), "sup");
        parent.Tell(Props.Create(() => new AsyncActor()));
        IActorRef child = ExpectMsg<IActorRef>();
        child.Tell("fail-async");
        child.Tell("after");
        Assert.Equal("async boom", seen.ExpectMsg<InvalidOperationException>().Message);
        ExpectMsg("after"); // the mailbox resumed after the restart
    }

    [Fact]
    public void Stopping_an_actor_while_its_async_handler_waits_stops_it()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new AsyncActor()), "async");
        Watch(actor);
        var gate = new Gate();
        actor.Tell(gate);
        ExpectMsg("started");
        Sys.Stop(actor);
        ExpectTerminated(actor);
        gate.Open();
        ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // the continuation was dropped
    }

    [Fact]
    public void UntypedActor_RunTask_suspends_like_ReceiveAsync()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new RunTaskActor()), "rt");
        var gate = new Gate();
        actor.Tell(gate);
        actor.Tell("next");
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        gate.Open();
        ExpectMsg("gate done");
        ExpectMsg("next");
    }

    private sealed class HandlersActor : ReceiveActor
    {
        public HandlersActor()
        {
            Receive<string>(s => s == "special", s => Sender.Tell("predicate:" + s));
            Receive<string>(s => Sender.Tell("string:" + s));
            Receive<int>(i =>
            {
                if (i < 0)
                {
                    return false;
                }

                Sender.Tell("func:" + i);
                return true;
            });
            Receive(typeof(double), d => Sender.Tell("type:" + ((double)d).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            ReceiveAny(m => Sender.Tell("any:" + m));
        }
    }

    private sealed class LateRegistrationActor : ReceiveActor
    {
        public LateRegistrationActor()
        {
            Receive<string>(_ =>
            {
                try
                {
                    Receive<int>(_ => { });
                    Sender.Tell("no exception");
                }
                catch (InvalidOperationException e)
                {
                    Sender.Tell(e.Message);
                }
            });
        }
    }

    private sealed class MoodActor : ReceiveActor
    {
        public MoodActor() => Calm();

        private void Calm()
        {
            Receive<string>(s => s == "how", _ => Sender.Tell("calm"));
            Receive<string>(s => s == "anger", _ => Become(Angry));
        }

        private void Angry()
        {
            Receive<string>(s => s == "how", _ => Sender.Tell("angry"));
            Receive<string>(s => s == "calm", _ => Become(Calm));
            Receive<string>(s => s == "push-happy", _ => BecomeStacked(() =>
            {
                Receive<string>(s => s == "how", _ => Sender.Tell("happy"));
                Receive<string>(s => s == "pop", _ => UnbecomeStacked());
            }));
        }
    }

    private sealed class ToggleActor : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is "toggle")
            {
                Become(On);
            }
            else if (message is string s)
            {
                Sender.Tell("off:" + s);
            }
            else
            {
                Unhandled(message);
            }
        }

        private void On(object message)
        {
            if (message is "toggle")
            {
                Context.Become((UntypedReceive)OnReceive);
            }
            else if (message is string s)
            {
                Sender.Tell("on:" + s);
            }
            else
            {
                Unhandled(message);
            }
        }
    }

    private sealed class AsyncActor : ReceiveActor
    {
        private int _active;
        private int _max;
        private int _count;

        public AsyncActor()
        {
            ReceiveAsync<Gate>(async g =>
            {
                Sender.Tell("started");
                await g.Opened;
                Sender.Tell("finished");
            });
            ReceiveAsync<int>(async n =>
            {
                await Task.Delay(n);
                await Task.Yield();
                Sender.Tell($"delayed {n} self={Context.Self.Path.Name} sync={SynchronizationContext.Current is not null}");
            });
            ReceiveAsync<long>(async _ =>
            {
                _max = Math.Max(_max, Interlocked.Increment(ref _active));
                await Task.Yield();
                _count++;
                Interlocked.Decrement(ref _active);
            });
            Receive<string>(s => s == "report", _ => Sender.Tell($"max {_max} count {_count}"));
            ReceiveAsync<string>(s => s == "fail-async", async _ =>
            {
                await Task.Yield();
                throw new InvalidOperationException("async boom");
            });
            Receive<string>(s => Sender.Tell(s));
        }
    }

    private sealed class RunTaskActor : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is Gate gate)
            {
                IActorRef sender = Sender;
                RunTask(async () =>
                {
                    await gate.Opened;
                    sender.Tell("gate done");
                });
            }
            else
            {
                Sender.Tell(message);
            }
        }
    }
}

using Runa.Kernel;
using Xunit;
using Xunit.Sdk;

namespace Runa.Kernel.Tests;

public sealed class TestKitTests : TestKit.TestKit
{
    [Fact]
    public void ExpectMsg_failures_say_what_was_expected_and_what_arrived()
    {
        TestActor.Tell("actual");
        var wrongType = Assert.ThrowsAny<XunitException>(() => ExpectMsg<int>(TimeSpan.FromSeconds(1)));
        Assert.Contains("System.Int32", wrongType.Message);
        Assert.Contains("\"actual\"", wrongType.Message);

        TestActor.Tell("actual");
        var wrongValue = Assert.ThrowsAny<XunitException>(() => ExpectMsg("expected", TimeSpan.FromSeconds(1)));
        Assert.Contains("\"expected\"", wrongValue.Message);
        Assert.Contains("\"actual\"", wrongValue.Message);

        var timeout = Assert.ThrowsAny<XunitException>(() => ExpectMsg<string>(TimeSpan.FromMilliseconds(30), "the hint"));
        Assert.Contains("Timeout", timeout.Message);
        Assert.Contains("the hint", timeout.Message);
    }

    [Fact]
    public void ExpectMsg_overloads_with_predicate_and_assertion()
    {
        TestActor.Tell(5);
        Assert.Equal(5, ExpectMsg<int>(i => i > 3));
        TestActor.Tell(5);
        ExpectMsg<int>(i => Assert.Equal(5, i));
        TestActor.Tell(1);
        Assert.ThrowsAny<XunitException>(() => ExpectMsg<int>(i => i > 3));
    }

    [Fact]
    public void ExpectNoMsg_fails_when_something_arrives()
    {
        TestActor.Tell("surprise");
        var e = Assert.ThrowsAny<XunitException>(() => ExpectNoMsg(TimeSpan.FromMilliseconds(50)));
        Assert.Contains("surprise", e.Message);
    }

    [Fact]
    public void Within_bounds_nested_expectations_by_Remaining()
    {
        Assert.Throws<InvalidOperationException>(() => Remaining);
        Assert.Equal(SingleExpectDefault, RemainingOrDefault);
        Within(TimeSpan.FromSeconds(1), () =>
        {
            Assert.True(Remaining <= TimeSpan.FromSeconds(1));
            var e = Assert.ThrowsAny<XunitException>(() => Within(TimeSpan.FromMilliseconds(100), () => ExpectMsg<string>()));
            Assert.Contains("Timeout (", e.Message);
        });
        string result = Within(TimeSpan.FromSeconds(1), () => "value");
        Assert.Equal("value", result);
        Assert.ThrowsAny<XunitException>(() => Within(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), () => { }));
    }

    [Fact]
    public void Within_fails_when_the_block_takes_longer_than_max()
    {
        var e = Assert.ThrowsAny<XunitException>(
            () => Within(TimeSpan.FromMilliseconds(100), () => ExpectNoMsg(TimeSpan.FromMilliseconds(400))));
        Assert.Contains("longer than its maximum 100 ms", e.Message);

        // Waiting out the rest of the block ends at its deadline: late only by wake-up latency, not too slow.
        Within(TimeSpan.FromMilliseconds(100), () => ExpectNoMsg());
    }

    [Fact]
    public void FishForMessage_ReceiveN_and_ExpectMsgAllOf()
    {
        foreach (int i in new[] { 1, 2, 3, 4 })
        {
            TestActor.Tell(i);
        }

        Assert.Equal(3, FishForMessage<int>(i => i == 3));
        Assert.Equal(4, ReceiveOne());
        Assert.Null(ReceiveOne(TimeSpan.FromMilliseconds(20)));

        TestActor.Tell("b");
        TestActor.Tell("a");
        ExpectMsgAllOf("a", "b");
        TestActor.Tell("c");
        Assert.ThrowsAny<XunitException>(() => ExpectMsgAllOf(TimeSpan.FromMilliseconds(100), "a"));

        TestActor.Tell(1);
        TestActor.Tell(2);
        Assert.Equal(new object[] { 1, 2 }, ReceiveN(2));
        Assert.ThrowsAny<XunitException>(() => ReceiveN(1, TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public void AwaitAssert_and_AwaitCondition_poll_until_true_or_fail()
    {
        int calls = 0;
        AwaitAssert(() => Assert.True(++calls >= 3), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(5));
        Assert.Throws<Xunit.Sdk.TrueException>(() => AwaitAssert(() => Assert.True(false), TimeSpan.FromMilliseconds(50)));

        int polls = 0;
        AwaitCondition(() => ++polls >= 3, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(5));
        var e = Assert.ThrowsAny<XunitException>(() => AwaitCondition(() => false, TimeSpan.FromMilliseconds(50), message: "never"));
        Assert.Contains("never", e.Message);
    }

    [Fact]
    public void Probes_send_reply_and_forward()
    {
        TestKit.TestProbe probe = CreateTestProbe("helper");
        Assert.Equal("helper", probe.Ref.Path.Name);
        IActorRef echo = Sys.ActorOf(Props.Create(() => new EchoActor()), "echo");
        probe.Send(echo, "ping");
        probe.ExpectMsg("ping");
        Assert.Equal(echo, probe.LastSender);

        probe.Ref.Tell("question"); // from the test: sender = TestActor
        probe.ExpectMsg("question");
        probe.Reply("answer");
        ExpectMsg("answer");
        Assert.Equal(probe.Ref, LastSender);

        probe.Ref.Tell("to forward");
        probe.ExpectMsg("to forward");
        probe.Forward(echo);
        ExpectMsg("to forward"); // echo replied to the original sender
        probe.Send(echo, "from echo");
        Assert.Equal("from echo", probe.ExpectMsgFrom<string>(echo));
    }

    [Fact]
    public void ExpectTerminated_checks_the_actor()
    {
        IActorRef a = Sys.ActorOf(Props.Create(() => new EchoActor()), "a");
        IActorRef b = Sys.ActorOf(Props.Create(() => new EchoActor()), "b");
        Watch(a);
        Sys.Stop(a);
        var e = Assert.ThrowsAny<XunitException>(() => ExpectTerminated(b));
        Assert.Contains(b.Path.ToString(), e.Message);
        Unwatch(b);
    }
}

using System.Diagnostics;
using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

/// <summary>How mailboxes are scheduled: on the .NET thread pool, a bounded number of messages per run.</summary>
public sealed class DispatchTests : TestKit.TestKit
{
    private const int Throughput = 3;

    public DispatchTests()
        : base(new ActorSystemSettings { Throughput = Throughput })
    {
    }

    [Fact]
    public void Actors_run_on_thread_pool_threads_not_on_the_senders_thread()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new ThreadReportingActor(TestActor)), "where");
        (string Hook, bool Pool) ctor = ExpectMsg<(string, bool)>();
        (string Hook, bool Pool) preStart = ExpectMsg<(string, bool)>();
        Assert.Equal(("ctor", true), ctor);
        Assert.Equal(("PreStart", true), preStart);

        // A sender that is not a pool thread: a kernel running handlers inline would report false.
        int senderThread = 0;
        var sender = new Thread(() =>
        {
            senderThread = Environment.CurrentManagedThreadId;
            actor.Tell("where", TestActor);
        });
        sender.Start();
        sender.Join();
        (bool Pool, int ThreadId) handled = ExpectMsg<(bool, int)>();
        Assert.True(handled.Pool);
        Assert.NotEqual(senderThread, handled.ThreadId);
    }

    [Fact]
    public void A_run_processes_at_most_Throughput_messages_then_gives_its_thread_back()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new RunRecordingActor()), "busy");

        // Everything is queued while the actor awaits the gate, so the runs after it see the whole
        // backlog. The gate message itself counts towards its run, so that run must end first.
        var gate = new Gate();
        actor.Tell(new LifecycleTests.AnnouncedGate(gate));
        ExpectMsg("waiting");
        for (int i = 0; i < 9; i++)
        {
            actor.Tell(i);
        }

        actor.Tell("report");
        gate.Open();
        int[] runs = ExpectMsg<int[]>();
        Assert.Equal(new[] { 3, 3, 3, 1 }, runs); // 9 ints and the report, 3 per run
    }

    [Fact]
    public void Ten_thousand_actors_share_a_few_pool_threads()
    {
        const int actors = 10_000;
        IActorRef[] refs = Enumerable.Range(0, actors)
            .Select(i => Sys.ActorOf(Props.Create(() => new EchoActor()), "e" + i))
            .ToArray();
        for (int i = 0; i < actors; i++)
        {
            refs[i].Tell(i);
        }

        IReadOnlyList<object> replies = ReceiveN(actors, TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, actors), replies.Cast<int>().Order());

        // Every actor exists and has run; a thread per actor would mean more than 10,000 threads.
        using var process = Process.GetCurrentProcess();
        int threads = process.Threads.Count;
        Assert.True(threads < 1_000, $"{threads} threads for {actors} actors");
    }

    private sealed class ThreadReportingActor : ReceiveActor
    {
        private readonly IActorRef _probe;

        public ThreadReportingActor(IActorRef probe)
        {
            _probe = probe;
            probe.Tell(("ctor", Thread.CurrentThread.IsThreadPoolThread));
            Receive<string>(_ => Sender.Tell((Thread.CurrentThread.IsThreadPoolThread, Environment.CurrentManagedThreadId)));
        }

        protected override void PreStart() => _probe.Tell(("PreStart", Thread.CurrentThread.IsThreadPoolThread));
    }

    /// <summary>Counts the messages of each mailbox run.</summary>
    private sealed class RunRecordingActor : ReceiveActor
    {
        /// <summary>
        /// The thread pool restores a clean ExecutionContext after each work item, and a mailbox run
        /// is one work item: a value set by a synchronous handler is seen by the next message only if
        /// it is processed in the same run, on a thread that has not gone back to the pool.
        /// </summary>
        private static readonly AsyncLocal<object?> s_currentRun = new();

        private readonly List<int> _runs = [];

        public RunRecordingActor()
        {
            ReceiveAsync<LifecycleTests.AnnouncedGate>(g =>
            {
                Sender.Tell("waiting");
                return g.Gate.Opened;
            });
            Receive<int>(_ => Count());
            Receive<string>(_ =>
            {
                Count();
                Sender.Tell(_runs.ToArray());
            });
        }

        private void Count()
        {
            if (s_currentRun.Value != this)
            {
                s_currentRun.Value = this;
                _runs.Add(0);
            }

            _runs[^1]++;
        }
    }
}

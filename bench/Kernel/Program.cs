// Kernel benchmark: ping-pong throughput (1 and 4 pairs) and Ask round-trip latency.
// Run: dotnet run -c Release --project bench/Kernel [-- --quick]
using System.Diagnostics;
using System.Runtime;
using Runa.Kernel;

namespace Runa.Bench.Kernel;

internal static class Program
{
    /// <summary>Messages in flight per pair (the pinger starts with this many pings outstanding).</summary>
    private const int Burst = 100;

    private static async Task<int> Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        int throughput = ArgValue(args, "--throughput") ?? ActorSystemSettings.Default.Throughput;
        long roundTripsPerPair = quick ? 500_000 : 5_000_000;
        int runs = quick ? 2 : 5;
        int asks = quick ? 50_000 : 200_000;

        Console.WriteLine($"Runa kernel benchmark  ({Environment.ProcessorCount} cores, .NET {Environment.Version}, GC {(GCSettings.IsServerGC ? "server" : "workstation")}, throughput {throughput})");
        Console.WriteLine($"Ping-pong: {Burst} messages in flight per pair, {roundTripsPerPair:N0} round trips per pair per run, median of {runs} runs after a warm-up run.");
        Console.WriteLine();

        var settings = new ActorSystemSettings { Throughput = throughput };
        foreach (int pairs in new[] { 1, 4 })
        {
            using ActorSystem system = ActorSystem.Create("bench", settings);
            await PingPong(system, pairs, Math.Min(roundTripsPerPair, 200_000)); // warm-up
            var rates = new List<double>();
            double bytesPerMessage = 0;
            for (int r = 0; r < runs; r++)
            {
                (double rate, double bytes) = await PingPong(system, pairs, roundTripsPerPair);
                rates.Add(rate);
                bytesPerMessage = bytes;
            }

            rates.Sort();
            Console.WriteLine($"ping-pong {pairs} pair(s): median {rates[rates.Count / 2] / 1e6,6:F2} M msgs/s   (min {rates[0] / 1e6:F2}, max {rates[^1] / 1e6:F2}; {bytesPerMessage:F1} bytes allocated per message)");
        }

        Console.WriteLine();
        using (ActorSystem system = ActorSystem.Create("bench", settings))
        {
            IActorRef echo = system.ActorOf(Props.Create(() => new Echo()), "echo");
            await AskLatency(echo, asks / 4, null, report: false); // warm-up
            await AskLatency(echo, asks, null, report: true);
            await AskLatency(echo, asks / 4, TimeSpan.FromSeconds(5), report: false);
            await AskLatency(echo, asks, TimeSpan.FromSeconds(5), report: true);

            // The same from a dedicated (non-pool) thread that blocks on each reply: every ask
            // then crosses threads twice (wake a pool worker, wake the blocked thread).
            var thread = new Thread(() =>
            {
                BlockingAskLatency(echo, asks / 8, report: false);
                BlockingAskLatency(echo, asks / 2, report: true);
            });
            thread.Start();
            thread.Join();
        }

        return 0;
    }

    private static int? ArgValue(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) ? v : null;
    }

    private static async Task<(double Rate, double BytesPerMessage)> PingPong(ActorSystem system, int pairs, long roundTrips)
    {
        var done = new CountdownEvent(pairs);
        var pingers = new IActorRef[pairs];
        for (int i = 0; i < pairs; i++)
        {
            IActorRef ponger = system.ActorOf(Props.Create(() => new Ponger()));
            pingers[i] = system.ActorOf(Props.Create(() => new Pinger(ponger, roundTrips, done)));
        }

        GC.Collect();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp();
        foreach (IActorRef pinger in pingers)
        {
            pinger.Tell(Start.Instance, ActorRefs.NoSender);
        }

        await Task.Run(() => done.Wait());
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        foreach (IActorRef pinger in pingers)
        {
            system.Stop(pinger);
        }

        long messages = 2 * roundTrips * pairs;
        return (messages / elapsed.TotalSeconds, (double)allocated / messages);
    }

    private static async Task AskLatency(IActorRef echo, int count, TimeSpan? timeout, bool report)
    {
        var samples = new long[count];
        object question = "q";
        for (int i = 0; i < count; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            await echo.Ask<object>(question, timeout);
            samples[i] = Stopwatch.GetTimestamp() - t0;
        }

        if (!report)
        {
            return;
        }

        Report($"ask round trip (async caller on the thread pool, {(timeout is null ? "no timeout" : "5 s timeout armed")})", samples);
    }

    private static void BlockingAskLatency(IActorRef echo, int count, bool report)
    {
        var samples = new long[count];
        object question = "q";
        for (int i = 0; i < count; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            echo.Ask<object>(question).GetAwaiter().GetResult();
            samples[i] = Stopwatch.GetTimestamp() - t0;
        }

        if (report)
        {
            Report("ask round trip (dedicated thread blocking on each reply)", samples);
        }
    }

    private static void Report(string what, long[] samples)
    {
        Array.Sort(samples);
        int count = samples.Length;
        double Us(double quantile) => samples[(int)Math.Min(count - 1, quantile * count)] * 1e6 / Stopwatch.Frequency;
        Console.WriteLine($"{what}, {count:N0} sequential asks: p50 {Us(0.50):F1} µs   p90 {Us(0.90):F1} µs   p99 {Us(0.99):F1} µs");
    }

    private sealed class Start
    {
        public static readonly Start Instance = new();
    }

    private sealed class Ball
    {
        public static readonly Ball Instance = new();
    }

    private sealed class Pinger(IActorRef ponger, long roundTrips, CountdownEvent done) : ActorBase
    {
        private long _sent;
        private long _received;

        protected override bool Receive(object message)
        {
            if (message is Ball)
            {
                _received++;
                if (_sent < roundTrips)
                {
                    _sent++;
                    ponger.Tell(Ball.Instance, Self);
                }
                else if (_received == roundTrips)
                {
                    done.Signal();
                }

                return true;
            }

            if (message is Start)
            {
                long initial = Math.Min(Burst, roundTrips);
                for (long i = 0; i < initial; i++)
                {
                    _sent++;
                    ponger.Tell(Ball.Instance, Self);
                }

                return true;
            }

            return false;
        }
    }

    private sealed class Ponger : ActorBase
    {
        protected override bool Receive(object message)
        {
            Sender.Tell(message, Self);
            return true;
        }
    }

    private sealed class Echo : ActorBase
    {
        protected override bool Receive(object message)
        {
            Sender.Tell(message, Self);
            return true;
        }
    }
}

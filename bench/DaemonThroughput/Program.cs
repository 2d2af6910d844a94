using System.Diagnostics;
using Runa.Actors.Containers;
using Runa.Host.Cli;
using Runa.Runtime.Interop;

// Runs N containers of one bundle through a runa daemon, C at a time, each on its own client
// connection: create, start, wait for the exit, delete — what `runa run` does, without paying a
// CLI process per container. Prints "<count> <seconds> <containers/s>".
// Usage: Runa.Bench.DaemonThroughput unix:///path/runa.sock BUNDLE COUNT CONCURRENCY [ID-PREFIX]
if (args.Length < 4)
{
    Console.Error.WriteLine("usage: Runa.Bench.DaemonThroughput ADDRESS BUNDLE COUNT CONCURRENCY [ID-PREFIX]");
    return 2;
}
var (address, bundle, count, concurrency) = (args[0], Path.GetFullPath(args[1]), int.Parse(args[2]), int.Parse(args[3]));
var prefix = args.Length > 4 ? args[4] : $"dt-{Environment.ProcessId}";
var timeout = TimeSpan.FromSeconds(60);
var clients = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => RemoteRuntime.ConnectAsync(address)));
var next = -1;
var failures = 0;
var clock = Stopwatch.StartNew();
await Task.WhenAll(clients.Select(client => Task.Run(async () =>
{
    while (true)
    {
        var i = Interlocked.Increment(ref next);
        if (i >= count)
        {
            return;
        }
        var id = $"{prefix}-{i}";
        try
        {
            using var devnull = Sys.Open("/dev/null", 2 /* O_RDWR */);
            await client.Ask<ContainerCreatedReply>(new CreateContainer(id, bundle) { Stdio = [devnull, devnull, devnull] }, timeout);
            await client.Ask<Done>(new StartContainer(id), timeout);
            var exit = await client.Ask<ContainerExitedReply>(new WaitContainer(id), timeout);
            await client.Ask<Done>(new DeleteContainer(id, Force: true), timeout);
            if (exit.Status?.ShellCode != 0)
            {
                Interlocked.Increment(ref failures);
            }
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref failures);
            Console.Error.WriteLine($"{id}: {e.Message}");
        }
    }
})));
var seconds = clock.Elapsed.TotalSeconds;
foreach (var c in clients)
{
    await c.DisposeAsync();
}
Console.WriteLine($"{count} {seconds:F3} {count / seconds:F1}");
return failures == 0 ? 0 : 1;

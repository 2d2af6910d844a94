using Runa.Actors.Containers;
using Runa.Host.Cli;
using Runa.IntegrationTests.Harness;
using Runa.Runtime.Interop;
using Runa.Tests;
using Xunit;
using Xunit.Abstractions;

namespace Runa.IntegrationTests;

/// <summary>
/// Many containers under one daemon, many clients at once, and a daemon killed with SIGKILL in
/// the middle of it all. The clients are real: RemoteRuntime connections on the daemon's socket,
/// the same code the CLI uses with --host.
/// </summary>
public sealed class DaemonLoadTests(ITestOutputHelper output) : IDisposable
{
    private readonly RunaHost _runa = new(RunaMode.Daemon);

    public void Dispose() => _runa.Dispose();

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    private BusyboxBundle SleepBundle() => _runa.Track(new BusyboxBundle(s => s.Process!.Args = ["sleep", "3000"]));

    /// <summary>create + start through one client; the container's stdio is /dev/null, not the daemon's.</summary>
    private static async Task CreateAndStart(RemoteRuntime client, string bundle, string id)
    {
        using var devnull = Sys.Open("/dev/null", Libc_O_RDWR);
        await client.Ask<ContainerCreatedReply>(new CreateContainer(id, bundle) { Stdio = [devnull, devnull, devnull] }, s_timeout);
        await client.Ask<Done>(new StartContainer(id), s_timeout);
    }

    private const int Libc_O_RDWR = 2;

    private async Task<RemoteRuntime[]> Clients(int n) =>
        await Task.WhenAll(Enumerable.Range(0, n).Select(_ => RemoteRuntime.ConnectAsync(_runa.Daemon!.Address)));

    [IntegrationFact]
    public async Task Two_hundred_containers_under_one_daemon_and_nothing_is_kept_after_they_go()
    {
        Integration.Require();
        using var bundle = SleepBundle();
        var daemon = _runa.Daemon!;
        var before = daemon.Usage();
        var ids = Enumerable.Range(0, 200).Select(_ => _runa.NewId("load")).ToList();
        var clients = await Clients(10);
        try
        {
            // Ten clients, twenty containers each, all at once.
            var started = System.Diagnostics.Stopwatch.StartNew();
            await Task.WhenAll(clients.Select((c, i) => Task.Run(async () =>
            {
                foreach (var id in ids.Skip(i * 20).Take(20))
                {
                    await CreateAndStart(c, bundle.Dir, id);
                }
            })));
            var elapsed = started.Elapsed;
            var list = (await clients[0].Ask<ContainerList>(new ListContainers(), s_timeout)).Containers;
            Assert.Equal(200, list.Count(c => c.Status == "running" && ids.Contains(c.Id)));
            var at200 = daemon.Usage();

            await Task.WhenAll(clients.Select((c, i) => Task.Run(async () =>
            {
                foreach (var id in ids.Skip(i * 20).Take(20))
                {
                    await c.Ask<Done>(new DeleteContainer(id, Force: true), s_timeout);
                }
            })));
            Assert.Empty((await clients[0].Ask<ContainerList>(new ListContainers(), s_timeout)).Containers);
            var after = daemon.Usage();

            output.WriteLine($"200 containers created and started by 10 clients in {elapsed.TotalSeconds:F1} s ({200 / elapsed.TotalSeconds:F1}/s)");
            output.WriteLine($"daemon before: RSS {before.RssKiB} KiB, {before.Threads} threads, {before.Fds} fds");
            output.WriteLine($"daemon at 200: RSS {at200.RssKiB} KiB, {at200.Threads} threads, {at200.Fds} fds");
            output.WriteLine($"daemon after:  RSS {after.RssKiB} KiB, {after.Threads} threads, {after.Fds} fds");
            // No thread per container; a handful of fds per live container, all given back.
            Assert.True(at200.Threads < 64, $"{at200.Threads} threads at 200 containers");
            Assert.True(after.Fds <= before.Fds + 10 + clients.Length * 2, $"fds: {before.Fds} before, {after.Fds} after");
        }
        finally
        {
            foreach (var c in clients)
            {
                await c.DisposeAsync();
            }
        }
    }

    [IntegrationFact]
    public async Task A_daemon_killed_mid_load_and_restarted_accounts_for_every_container()
    {
        Integration.Require();
        using var bundle = SleepBundle();
        var ids = Enumerable.Range(0, 100).Select(_ => _runa.NewId("crash")).ToList();
        var confirmed = new System.Collections.Concurrent.ConcurrentBag<string>();
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clients = await Clients(10);
        var work = clients.Select((c, i) => Task.Run(async () =>
        {
            foreach (var id in ids.Skip(i * 10).Take(10))
            {
                try
                {
                    await CreateAndStart(c, bundle.Dir, id);
                    confirmed.Add(id);
                    if (confirmed.Count >= 40)
                    {
                        halfway.TrySetResult();
                    }
                }
                catch (Exception)
                {
                    return; // the daemon died under this client: its connection is gone
                }
            }
        })).ToArray();
        Assert.True(await Task.WhenAny(halfway.Task, Task.Delay(s_timeout)) == halfway.Task, "40 containers never came up");
        _runa.Daemon!.Kill9();
        await Task.WhenAll(work);
        foreach (var c in clients)
        {
            await c.DisposeAsync();
        }
        output.WriteLine($"{confirmed.Count} creates confirmed before the SIGKILL");

        // A new daemon recovers from the journal.
        _runa.StartDaemon();
        await using var client = await RemoteRuntime.ConnectAsync(_runa.Daemon!.Address);
        var list = (await client.Ask<ContainerList>(new ListContainers(), s_timeout)).Containers.ToDictionary(c => c.Id);
        // None is lost: every confirmed container is there and running.
        foreach (var id in confirmed)
        {
            Assert.True(list.TryGetValue(id, out var c), $"confirmed container {id} was lost");
            Assert.Equal("running", c!.Status);
        }
        // None is half there: a container the journal kept is whole, and any create cut short left
        // no cgroup and no process behind (the restarted daemon cleaned it up).
        foreach (var (id, c) in list)
        {
            Assert.Contains(c.Status, new[] { "created", "running" });
        }
        // The restarted daemon's recovery (done before it accepted us) cleaned every create the
        // SIGKILL cut short: no cgroup, no process, no state directory remain of those.
        foreach (var id in ids.Where(i => !list.ContainsKey(i)))
        {
            Assert.Empty(Leftovers.Of(id, _runa.Root));
        }
        output.WriteLine($"{list.Count} containers recovered, {ids.Count - list.Count} interrupted creates cleaned");

        foreach (var id in list.Keys)
        {
            await client.Ask<Done>(new DeleteContainer(id, Force: true), s_timeout);
        }
        Assert.Empty((await client.Ask<ContainerList>(new ListContainers(), s_timeout)).Containers);
    }
}

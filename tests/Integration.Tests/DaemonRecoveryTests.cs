using Runa.Actors.Containers;
using Runa.Actors.Persistence;
using Runa.Host.Cli;
using Runa.IntegrationTests.Harness;
using Runa.Runtime.Interop;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>What a daemon restarted after SIGKILL makes of the containers it journaled.</summary>
public sealed class DaemonRecoveryTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private readonly RunaHost _runa = new(RunaMode.Daemon);

    public void Dispose() => _runa.Dispose();

    /// <summary>A container that says it is up (in its bind-mounted /out) and exits 3 on SIGTERM.</summary>
    private (BusyboxBundle Bundle, string Out) TrappingBundle()
    {
        var bundle = _runa.Track(new BusyboxBundle(s =>
        {
            s.Process!.Args = ["sh", "-c", "trap 'exit 3' TERM; echo up > /out/up; while true; do sleep 0.05; done"];
            s.Mounts!.Add(new Runtime.Oci.Mount { Destination = "/out", Type = "bind", Source = "out", Options = ["rbind", "rw"] });
        }));
        return (bundle, Directory.CreateDirectory(Path.Combine(bundle.Dir, "out")).FullName);
    }

    private string StartDetached(BusyboxBundle bundle, string outDir)
    {
        var id = _runa.NewId("rec");
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        Processes.WaitForFile(Path.Combine(outDir, "up"));
        return id;
    }

    private IReadOnlyList<string> Journaled(string id)
    {
        using var journal = SqliteJournal.Open(Path.Combine(_runa.Root, "runa.db"));
        return [.. journal.ReadAsync(ContainerRecord.PersistenceIdOf(id)).Result.Select(e => e.Manifest)];
    }

    [IntegrationFact]
    public async Task A_live_container_is_reattached_by_a_restarted_daemon_which_observes_its_exit()
    {
        Integration.Require();
        var (bundle, outDir) = TrappingBundle();
        using var _ = bundle;
        var id = StartDetached(bundle, outDir);
        var pid = _runa.State(id).GetProperty("pid").GetInt32();
        using var init = Processes.Open(pid);

        _runa.Daemon!.Kill9();
        Assert.False(Sys.PollReadable(init, 0), "the SIGKILL of the daemon killed its container");
        _runa.StartDaemon();
        var state = _runa.State(id);
        Assert.Equal("running", state.GetProperty("status").GetString());
        Assert.Equal(pid, state.GetProperty("pid").GetInt32());

        await using var client = await RemoteRuntime.ConnectAsync(_runa.Daemon!.Address);
        var wait = client.Ask<ContainerExitedReply>(new WaitContainer(id), s_timeout);
        _runa.Run("kill", id, "TERM").Ok();
        var exit = await wait;
        Processes.WaitForExit(init, "the container's exit after SIGTERM");

        // The restarted daemon is not the init's parent (that was the killed one), so the kernel
        // tells it that the init exited but not how: the exit is recorded with its status unknown.
        Assert.Null(exit.Status);
        Assert.Null(exit.ExecError);
        Assert.Equal("stopped", _runa.Status(id));
        Assert.Equal(["ContainerCreating", "ContainerCreated", "ContainerStarted", "ContainerExited"], Journaled(id));
        _runa.Run("delete", id).Ok();
        Assert.Empty(Leftovers.Of(id, _runa.Root));
    }

    [IntegrationFact]
    public void A_container_that_died_while_the_daemon_was_down_is_recorded_stopped_and_deletes_clean()
    {
        Integration.Require();
        var (bundle, outDir) = TrappingBundle();
        using var _ = bundle;
        var id = StartDetached(bundle, outDir);
        var pid = _runa.State(id).GetProperty("pid").GetInt32();
        using var init = Processes.Open(pid);

        _runa.Daemon!.Kill9();
        Sys.Kill(pid, 9);
        Processes.WaitForExit(init, "the container init after SIGKILL");
        _runa.StartDaemon();

        // The state command is served after the exit that recovery found is journaled.
        Assert.Equal("stopped", _runa.Status(id));
        Assert.Contains(_runa.Run("list").Ok().Stdout.Split('\n'), l => l.StartsWith(id + " ", StringComparison.Ordinal) && l.Contains(" stopped "));
        Assert.Equal(["ContainerCreating", "ContainerCreated", "ContainerStarted", "ContainerExited"], Journaled(id));
        _runa.Run("delete", id).Ok();
        Assert.Empty(Leftovers.Of(id, _runa.Root));
        Assert.DoesNotContain(id, _runa.Run("list", "-q").Ok().Stdout);
    }
}

using System.Text.RegularExpressions;
using Runa.Actors.Containers;
using Runa.Host.Cli;
using Runa.Host.Transport;
using Runa.IntegrationTests.Harness;
using Runa.Runtime.Interop;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>`runa daemon` itself: its lifetime, its peers, its protocol, its children.</summary>
public sealed class DaemonTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private readonly RunaHost _runa = new(RunaMode.Daemon);

    public void Dispose() => _runa.Dispose();

    private RunaDaemon Daemon => _runa.Daemon!;

    private BusyboxBundle Bundle(params string[] args) => _runa.Track(new BusyboxBundle(s => s.Process!.Args = [.. args]));

    [IntegrationFact]
    public void A_container_created_through_the_daemon_survives_its_SIGTERM_and_is_found_afterwards()
    {
        Integration.Require();
        using var bundle = Bundle("sleep", "300");
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        var pid = _runa.State(id).GetProperty("pid").GetInt32();
        using var init = Processes.Open(pid);

        _runa.StopDaemon();
        Assert.False(Sys.PollReadable(init, 0), "stopping the daemon killed its container");
        // The embedded CLI on the same --root sees it running ...
        Assert.Equal("running", _runa.Status(id));
        // ... and so does a restarted daemon, which can delete it.
        _runa.StartDaemon();
        Assert.Contains(_runa.Run("list").Ok().Stdout.Split('\n'), l => l.StartsWith(id) && l.Contains(" running "));
        Assert.Equal("running", _runa.Status(id));
        _runa.Run("delete", "--force", id).Ok();
        Processes.WaitForExit(init, "delete --force through the restarted daemon", timeoutMs: 0);
    }

    [IntegrationFact]
    public void Errors_read_the_same_through_the_daemon_as_embedded()
    {
        Integration.Require();
        using var missing = Bundle("no-such-command");
        var id = _runa.NewId();
        foreach (var args in new[]
                 {
                     ["state", id], ["start", id], ["kill", id], ["delete", id], ["kill", id, "NOPE"], ["list"], ["list", "-q"],
                     ["run", "-b", missing.Dir, id], ["create", "-b", "/nonexistent-bundle", id], ["run", "-b", missing.Dir, "bad/id"],
                     new[] { "--log-format", "json", "state", id },
                 })
        {
            var remote = _runa.Run(args);
            var embedded = _runa.RunEmbedded(args);
            Assert.True(embedded.ExitCode == remote.ExitCode, $"runa {string.Join(' ', args)}: exit {embedded.ExitCode} embedded, {remote.ExitCode} through the daemon\n{remote.Stderr}");
            Assert.Equal(embedded.Stdout, remote.Stdout);
            Assert.True(WithoutTimes(embedded.Stderr) == WithoutTimes(remote.Stderr), $"runa {string.Join(' ', args)}:\nembedded: {embedded.Stderr}\ndaemon:   {remote.Stderr}");
        }
        Assert.Equal(127, _runa.Run("run", "-b", missing.Dir, id).ExitCode);
    }

    private static string WithoutTimes(string log) => Regex.Replace(log, "time=\"[^\"]*\"|\"time\":\"[^\"]*\"", "TIME");

    [IntegrationFact]
    public void A_peer_that_is_neither_root_nor_in_the_group_is_refused_with_a_message_and_a_log_line()
    {
        Integration.Require();
        // Mode 0600 already keeps it out (connect fails) ...
        var blocked = _runa.RunAs(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"], s_timeout, null, "list");
        blocked.Fails("cannot connect to the runa daemon", exitCode: 1);
        Assert.Contains("permission denied", blocked.Stderr);
        // ... and the peer check holds when the mode is loosened.
        File.SetUnixFileMode(Daemon.Socket, (UnixFileMode)0x1B6);
        var refused = _runa.RunAs(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"], s_timeout, null, "list");
        refused.Fails("permission denied: uid 65534 is not root (the daemon admits no group)", exitCode: 1);
        Assert.Equal("", refused.Stdout);
        Assert.Contains("uid 65534 gid 65534", Daemon.WaitForLine("refused a connection", s_timeout));
        _runa.Run("list").Ok();
    }

    [IntegrationFact]
    public void Members_of_the_daemon_group_are_admitted_by_primary_or_supplementary_membership()
    {
        Integration.Require();
        // The daemon runs in a mount namespace of its own with a user database made for the
        // test bind-mounted over /etc/passwd and /etc/group: the host's is not touched.
        var db = Directory.CreateTempSubdirectory("runa-users-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(db, "passwd"),
                "root:x:0:0:root:/root:/bin/sh\nalice:x:4001:4001::/:/bin/false\nbob:x:4002:4002::/:/bin/false\ncarol:x:4003:4003::/:/bin/false\n");
            File.WriteAllText(Path.Combine(db, "group"), "root:x:0:\nrunatest:x:4100:alice\nalice:x:4001:\nbob:x:4002:\ncarol:x:4003:\n");
            _runa.StartDaemon(["--group", "runatest"],
                ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                    "mount --bind \"$1\" /etc/passwd && mount --bind \"$2\" /etc/group && shift 2 && exec \"$@\"",
                    "sh", Path.Combine(db, "passwd"), Path.Combine(db, "group")]);
            Assert.Equal("660 0 4100", Stat(Daemon.Socket));

            // alice: runatest is a supplementary group of hers in /etc/group.
            _runa.RunAs(["setpriv", "--reuid=4001", "--regid=4001", "--groups=4100"], s_timeout, null, "list", "-q").Ok();
            // carol: runatest is the gid she connects with.
            _runa.RunAs(["setpriv", "--reuid=4003", "--regid=4100", "--clear-groups"], s_timeout, null, "list", "-q").Ok();
            // bob holds the group in his process (so the socket's mode lets him connect) but the user database does not list him.
            _runa.RunAs(["setpriv", "--reuid=4002", "--regid=4002", "--groups=4100"], s_timeout, null, "list")
                .Fails("permission denied: uid 4002 is not root and not in group runatest", exitCode: 1);
            Assert.Contains("uid 4002", Daemon.WaitForLine("not in group runatest", s_timeout));
            // Someone outside the group does not get through the socket's mode at all.
            _runa.RunAs(["setpriv", "--reuid=4004", "--regid=4004", "--clear-groups"], s_timeout, null, "list")
                .Fails("cannot connect to the runa daemon", exitCode: 1);
        }
        finally
        {
            Directory.Delete(db, recursive: true);
        }
    }

    /// <summary>Mode (octal), owner and group of a file, as stat(1) prints them.</summary>
    private static string Stat(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%a %u %g", path]) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return text;
    }

    [IntegrationFact]
    public void The_socket_is_root_only_without_a_group()
    {
        Integration.Require();
        Assert.Equal("600 0 0", Stat(Daemon.Socket));
    }

    [IntegrationFact]
    public void A_client_of_another_protocol_version_is_refused_naming_both()
    {
        Integration.Require();
        using var raw = new RawDaemonClient(Daemon.Socket);
        raw.Hello(protocol: 2);
        using var refused = raw.Receive()!;
        Assert.Equal(FrameType.Refused, refused.Type);
        Assert.Equal("runa daemon speaks protocol 1, this client speaks 2", WireMessages.Decode(refused, WireJson.Default.Refusal).Message);
        Assert.Null(raw.Receive());
        Daemon.WaitForLine("this client speaks 2", s_timeout);
    }

    [IntegrationFact]
    public void Garbage_and_oversized_frames_drop_that_connection_and_the_daemon_serves_on()
    {
        Integration.Require();
        using (var raw = new RawDaemonClient(Daemon.Socket))
        {
            raw.SendPacket("\x16\x03\x01 definitely not a runa frame"u8.ToArray());
            Assert.Null(raw.Receive());
        }
        Assert.Contains("the frame header says", Daemon.WaitForLine("dropped the connection", s_timeout));
        using (var raw = new RawDaemonClient(Daemon.Socket))
        {
            raw.Hello();
            Assert.Equal(FrameType.Welcome, raw.Receive()!.Type);
            raw.SendPacket(new byte[Wire.MaxFrameSize + 4096]);
            Assert.Null(raw.Receive());
        }
        Daemon.WaitForLine("a frame larger than 1048576 bytes", s_timeout);
        _runa.Run("list").Ok();
    }

    [IntegrationFact]
    public void A_client_that_leaves_mid_create_does_not_disturb_the_daemon()
    {
        Integration.Require();
        using var bundle = Bundle("sleep", "300");
        var id = _runa.NewId();
        using (var raw = new RawDaemonClient(Daemon.Socket))
        {
            raw.Hello();
            Assert.Equal(FrameType.Welcome, raw.Receive()!.Type);
            using var devNull = Sys.Open("/dev/null", 2);
            raw.Request(1, new CreateContainer(id, bundle.Dir) { Stdio = [devNull, devNull, devNull] });
            // Gone as soon as the create is under way (it has made the container's state directory).
            Processes.WaitForFile(Path.Combine(_runa.Root, id));
        }
        // The create ran to its end without anyone to tell; commands for the container wait for it.
        Assert.Equal("created", _runa.Status(id));
        _runa.Run("delete", id).Ok();
        _runa.Run("list").Ok();
        Assert.DoesNotContain(" fail:", Daemon.Output);
    }

    [IntegrationFact]
    public async Task Two_requests_in_flight_on_one_connection_are_answered_each_by_id()
    {
        Integration.Require();
        using var bundle = Bundle("sleep", "300");
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        await using var client = await RemoteRuntime.ConnectAsync(Daemon.Address);
        // The wait is answered only after the kill, sent after it on the same connection, was.
        var wait = client.Ask<ContainerExitedReply>(new WaitContainer(id), Timeout.InfiniteTimeSpan);
        var state = await client.Ask<ContainerStateView>(new GetContainerState(id), s_timeout);
        Assert.Equal("running", state.Status);
        Assert.False(wait.IsCompleted);
        await client.Ask<Done>(new KillContainer(id, 9), s_timeout);
        var exited = await wait.WaitAsync(s_timeout);
        Assert.Equal(137, exited.Status!.Value.ShellCode);
        await client.Ask<Done>(new DeleteContainer(id), s_timeout);
    }

    [IntegrationFact]
    public void An_orphan_adopted_by_the_daemon_is_reaped_and_the_container_init_keeps_its_exit_status()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s =>
        {
            // No pid namespace: the background cat outlives the init and is orphaned to the
            // daemon (a subreaper); it blocks on a fifo, and delete's cgroup cleanup kills it.
            s.Linux!.Namespaces!.RemoveAll(n => n.Type == "pid");
            s.Process!.Args = ["sh", "-c", "cat /out/fifo > /dev/null & echo $! > /out/pid.tmp; mv /out/pid.tmp /out/pid; exit 7"];
            s.Mounts!.Add(new Runtime.Oci.Mount { Destination = "/out", Type = "bind", Source = "out", Options = ["rbind", "rw"] });
        }));
        var outDir = Directory.CreateDirectory(Path.Combine(bundle.Dir, "out")).FullName;
        Sys.MakeFifo(Path.Combine(outDir, "fifo"), 0x180);
        var id = _runa.NewId();
        // The init's status reaches `run` (the reaper did not take it), and the orphan died with the container's cgroup.
        var run = _runa.Run("run", "-b", bundle.Dir, id);
        Assert.True(run.ExitCode == 7, $"run exited {run.ExitCode}: {run.Stderr}");
        var orphan = int.Parse(File.ReadAllText(Path.Combine(outDir, "pid")).Trim());
        Assert.Contains($"reaped orphan pid {orphan} (killed by signal 9)", Daemon.WaitForLine($"reaped orphan pid {orphan}", s_timeout));
        Assert.False(Directory.Exists($"/proc/{orphan}"), $"pid {orphan} is still in the process table");
    }

    [IntegrationFact]
    public void A_second_daemon_refuses_a_live_socket_and_replaces_a_stale_one()
    {
        Integration.Require();
        var second = _runa.RunEmbedded("daemon", "--socket", Daemon.Socket);
        second.Fails($"another runa daemon is already listening on {Daemon.Socket}", exitCode: 1);

        // A daemon that died without cleaning up leaves its socket file behind.
        Sys.Kill(Daemon.Pid, 9);
        Daemon.WaitForExit();
        Assert.True(File.Exists(Daemon.Socket));
        _runa.StartDaemon();
        Daemon.WaitForLine("removing the stale socket", s_timeout);
        _runa.Run("list").Ok();
    }

    [IntegrationFact]
    public void Signals_to_a_foreground_run_reach_the_container_through_the_daemon_as_embedded()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s =>
        {
            s.Process!.Args = ["sh", "-c", "trap 'echo got $(cat /out/signal); exit 42' TERM INT HUP; echo up > /out/up.$(hostname); while true; do sleep 0.05; done"];
            s.Mounts!.Add(new Runtime.Oci.Mount { Destination = "/out", Type = "bind", Source = "out", Options = ["rbind", "rw"] });
        }));
        var outDir = Directory.CreateDirectory(Path.Combine(bundle.Dir, "out")).FullName;
        foreach (var (viaDaemon, signal) in new[] { (false, 15), (true, 15), (true, 2), (true, 1) })
        {
            var id = _runa.NewId();
            bundle.Spec.Hostname = id;
            bundle.Save();
            File.WriteAllText(Path.Combine(outDir, "signal"), $"signal {signal}");
            using var run = viaDaemon ? _runa.Start("run", "-b", bundle.Dir, id) : _runa.StartEmbedded("run", "-b", bundle.Dir, id);
            Processes.WaitForFile(Path.Combine(outDir, "up." + id));
            Sys.Kill(run.Pid, signal);
            var result = run.Wait(s_timeout);
            Assert.True(result.ExitCode == 42, $"{(viaDaemon ? "through the daemon" : "embedded")}, signal {signal}: exit {result.ExitCode}\n{result.Stderr}");
            Assert.Equal($"got signal {signal}\n", result.Stdout);
        }
    }

    [IntegrationFact]
    public void A_foreground_run_with_a_terminal_gets_the_pty_master_back_from_the_daemon()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s =>
        {
            s.Process!.Terminal = true;
            s.Process.Args = ["sh", "-c", "echo on $(tty); exit 5"];
        }));
        var embedded = _runa.RunEmbedded("run", "-b", bundle.Dir, _runa.NewId());
        var remote = _runa.Run("run", "-b", bundle.Dir, _runa.NewId());
        foreach (var r in new[] { embedded, remote })
        {
            Assert.True(r.ExitCode == 5, $"exit {r.ExitCode}: {r.Stderr}");
            Assert.Equal("on /dev/pts/0\r\n", r.Stdout); // written through the pty, relayed by the client
        }
    }
}

using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Runa.IntegrationTests.Harness;
using Runa.Runtime.Interop;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>
/// `runa exec` against real containers: the process joins every namespace and the cgroup of the
/// container, gets runc's flags, and the caller gets its output and status. Every failure exits
/// 255 with "exec failed: …" and leaves only the container's own init behind.
/// </summary>
public class ExecTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly RunaHost _runa;

    public ExecTests()
        : this(RunaMode.Embedded)
    {
    }

    protected ExecTests(RunaMode mode)
    {
        _runa = new RunaHost(mode);
    }

    public void Dispose()
    {
        _runa.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A detached `sleep 300` container with a bind-mounted /out; returns its id and init pid.</summary>
    private (string Id, int Pid) RunSleeper(BusyboxBundle bundle, bool start = true)
    {
        OutDir(bundle);
        var id = _runa.NewId();
        bundle.Spec.Hostname = id;
        bundle.Save();
        _runa.Run(start ? ["run", "-d", "-b", bundle.Dir, id] : ["create", "-b", bundle.Dir, id]).Ok();
        return (id, _runa.State(id).GetProperty("pid").GetInt32());
    }

    private static BusyboxBundle SleeperBundle(Action<Runtime.Oci.Spec>? configure = null) => new(s =>
    {
        s.Process!.Args = ["sleep", "300"];
        s.Mounts!.Add(new Runtime.Oci.Mount { Destination = "/out", Type = "bind", Source = "out", Options = ["rbind", "rw"] });
        configure?.Invoke(s);
    });

    private static string OutDir(BusyboxBundle bundle) => Directory.CreateDirectory(Path.Combine(bundle.Dir, "out")).FullName;

    [IntegrationFact]
    public void Exec_joins_the_containers_namespaces_and_exits_with_the_process_status()
    {
        Integration.Require();
        using var bundle = _runa.Track(SleeperBundle());
        OutDir(bundle);
        var (id, pid) = RunSleeper(bundle);
        try
        {
            // Flags after the container id belong to the command (`sh -c`), as with runc.
            var r = _runa.Run("exec", id, "sh", "-c",
                "hostname; for n in mnt pid uts ipc net cgroup; do [ \"$(readlink /proc/self/ns/$n)\" = \"$(readlink /proc/1/ns/$n)\" ] || echo differs: $n; done; " +
                "readlink /proc/1/exe; echo \"$TERM\"; exit 7");
            Assert.True(r.ExitCode == 7, $"exit {r.ExitCode}: {r.Stderr}");
            Assert.Equal($"{id}\n/bin/busybox\nxterm\n", r.Stdout);

            // The container itself is untouched: same init, still running, nothing else left in it.
            Assert.Equal("running", _runa.Status(id));
            Assert.Equal(pid, _runa.State(id).GetProperty("pid").GetInt32());
            Assert.Equal(new[] { pid }, Leftovers.Processes(id));
        }
        finally
        {
            _runa.Run("delete", "--force", id);
        }
    }

    [IntegrationFact]
    public void A_detached_exec_writes_its_pid_file_and_runs_in_the_containers_cgroup()
    {
        Integration.Require();
        using var bundle = _runa.Track(SleeperBundle());
        var (id, pid) = RunSleeper(bundle);
        try
        {
            var pidFile = Path.Combine(bundle.Dir, "exec.pid");
            var r = _runa.Run("exec", "--detach", "--pid-file", pidFile, id, "sleep", "301").Ok();
            Assert.Equal("", r.Stdout);
            var execPid = int.Parse(File.ReadAllText(pidFile));
            Assert.NotEqual(pid, execPid);
            Assert.Equal("sleep\0" + "301\0", File.ReadAllText($"/proc/{execPid}/cmdline"));
            Assert.Equal(File.ReadAllText($"/proc/{pid}/cgroup"), File.ReadAllText($"/proc/{execPid}/cgroup"));
            foreach (var ns in new[] { "mnt", "pid", "uts", "ipc", "net" })
            {
                Assert.Equal(new FileInfo($"/proc/{pid}/ns/{ns}").LinkTarget, new FileInfo($"/proc/{execPid}/ns/{ns}").LinkTarget);
            }
            var ps = JsonSerializer.Deserialize<int[]>(_runa.Run("ps", "--format", "json", id).Ok().Stdout)!;
            Assert.Equal(new[] { pid, execPid }.Order(), ps.Order());

            // Killing the container's init takes the exec'd process with it (one pid namespace).
            using var exec = Processes.Open(execPid);
            _runa.Run("kill", id, "KILL").Ok();
            Processes.WaitForExit(exec, "the exec'd process to die with the container");
        }
        finally
        {
            _runa.Run("delete", "--force", id);
        }
        Assert.Empty(Leftovers.Of(id, _runa.Root));
    }

    [IntegrationFact]
    public void Exec_flags_set_cwd_env_user_groups_and_no_new_privileges()
    {
        Integration.Require();
        using var bundle = _runa.Track(SleeperBundle(s => s.Process!.NoNewPrivileges = false));
        var (id, _) = RunSleeper(bundle);
        try
        {
            var r = _runa.Run("exec", "--cwd", "/bin", "-e", "FOO=bar", "--env", "BAZ=qux", "-u", "1000:1001", "-g", "5", "--additional-gids", "6,7",
                "--no-new-privs", id, "sh", "-c", "pwd; echo $FOO $BAZ ${PATH%%:*}; id -u; id -g; id -G; grep NoNewPrivs /proc/self/status").Ok();
            Assert.Equal("/bin\nbar qux /usr/local/sbin\n1000\n1001\n1001 5 6 7\nNoNewPrivs:\t1\n", r.Stdout);

            // Without flags the process is the container's (its user, cwd, env) with the new args.
            r = _runa.Run("exec", id, "sh", "-c", "pwd; id -u; grep NoNewPrivs /proc/self/status; echo $HOME").Ok();
            Assert.Equal("/\n0\nNoNewPrivs:\t0\n/root\n", r.Stdout);

            // --cap adds to the bounding, effective and permitted sets.
            var without = _runa.Run("exec", id, "grep", "CapEff", "/proc/self/status").Ok().Stdout;
            var with = _runa.Run("exec", "--cap", "CAP_SYS_ADMIN", id, "grep", "CapEff", "/proc/self/status").Ok().Stdout;
            var bit = 1UL << 21;
            Assert.Equal(0UL, Convert.ToUInt64(without.Split('\t')[1].Trim(), 16) & bit);
            Assert.Equal(bit, Convert.ToUInt64(with.Split('\t')[1].Trim(), 16) & bit);
        }
        finally
        {
            _runa.Run("delete", "--force", id);
        }
    }

    [IntegrationFact]
    public void Exec_with_a_process_file_as_engines_call_it()
    {
        Integration.Require();
        using var bundle = _runa.Track(SleeperBundle());
        var outDir = OutDir(bundle);
        var (id, _) = RunSleeper(bundle);
        try
        {
            var processFile = Path.Combine(bundle.Dir, "process.json");
            // The --process file is the whole process: the container's env and user do not apply.
            File.WriteAllText(processFile, """
                {"args":["sh","-c","echo $WHO $(id -u):$(id -g) $(pwd) > /out/result.tmp; mv /out/result.tmp /out/result; exec sleep 300"],
                 "env":["WHO=engine","PATH=/bin"],"cwd":"/out","user":{"uid":2000,"gid":2001},"terminal":false}
                """);
            File.SetUnixFileMode(outDir, (UnixFileMode)0x1ff);
            var pidFile = Path.Combine(bundle.Dir, "exec.pid");
            // As podman and containerd's shim call it.
            _runa.Run("exec", "--process", processFile, "--detach", "--pid-file", pidFile, id).Ok();
            Processes.WaitForFile(Path.Combine(outDir, "result"));
            Assert.Equal("engine 2000:2001 /out\n", File.ReadAllText(Path.Combine(outDir, "result")));
            Assert.True(int.TryParse(File.ReadAllText(pidFile), out var execPid) && execPid > 0);
            Assert.Contains(execPid, Leftovers.Processes(id));
        }
        finally
        {
            _runa.Run("delete", "--force", id);
        }
        Assert.Empty(Leftovers.Of(id, _runa.Root));
    }

    [IntegrationFact]
    public void Exec_reads_the_callers_stdin_and_works_in_a_created_container()
    {
        Integration.Require();
        using var bundle = _runa.Track(SleeperBundle());
        var (id, pid) = RunSleeper(bundle, start: false);
        try
        {
            var input = Path.Combine(bundle.Dir, "input");
            File.WriteAllText(input, "line one\nline two\n");
            var r = _runa.RunWithStdin(input, "exec", id, "sh", "-c", "wc -l; exit 3");
            Assert.True(r.ExitCode == 3, $"exit {r.ExitCode}: {r.Stderr}");
            Assert.Equal("2", r.Stdout.Trim());
            // As runc allows: exec into a created container; its init still waits for start.
            Assert.Equal("created", _runa.Status(id));
            _runa.Run("start", id).Ok();
            Assert.Equal("running", _runa.Status(id));
            Assert.Equal(pid, _runa.State(id).GetProperty("pid").GetInt32());
        }
        finally
        {
            _runa.Run("delete", "--force", id);
        }
    }

    [IntegrationFact]
    public void A_foreground_exec_with_a_tty_relays_its_pty_to_the_caller()
    {
        Integration.Require();
        using var bundle = _runa.Track(SleeperBundle());
        var (id, _) = RunSleeper(bundle);
        try
        {
            var r = _runa.Run("exec", "-t", id, "sh", "-c", "echo on $(tty); exit 4");
            Assert.True(r.ExitCode == 4, $"exit {r.ExitCode}: {r.Stderr}");
            Assert.Matches("^on /dev/pts/[0-9]+\r\n$", r.Stdout); // written through the pty, relayed by runa
        }
        finally
        {
            _runa.Run("delete", "--force", id);
        }
    }

    [IntegrationFact]
    public void A_detached_exec_with_a_tty_hands_its_pty_master_to_the_console_socket()
    {
        Integration.Require();
        using var bundle = _runa.Track(SleeperBundle());
        var (id, _) = RunSleeper(bundle);
        var socketPath = Path.Combine(bundle.Dir, "console.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);
        try
        {
            var accepted = listener.AcceptAsync();
            var pidFile = Path.Combine(bundle.Dir, "exec.pid");
            _runa.Run("exec", "-d", "-t", "--console-socket", socketPath, "--pid-file", pidFile, id,
                "sh", "-c", "echo on $(tty); read line; echo got $line").Ok();
            Assert.True(accepted.Wait(TimeSpan.FromSeconds(10)), "runa never connected to the console socket");
            using var connection = accepted.Result;
            var fds = new List<SafeFd>();
            using (var handle = new SafeFd((int)connection.Handle, ownsHandle: false))
            {
                Assert.True(Sys.PollReadable(handle, 10_000), "nothing arrived on the console socket");
                Sys.ReceivePacket(handle, new byte[256], fds);
            }
            Assert.Single(fds);
            using var master = fds[0];
            using var exec = Processes.Open(int.Parse(File.ReadAllText(pidFile)));
            Assert.Contains("on /dev/pts/", Pty.ReadUntil(master, "\n"));
            Sys.WriteAll(master, Encoding.ASCII.GetBytes("hi-there\n"));
            Assert.Contains("got hi-there", Pty.ReadUntil(master, "got hi-there"));
            Processes.WaitForExit(exec, "the exec'd process to finish");
        }
        finally
        {
            _runa.Run("delete", "--force", id);
        }
    }

    [IntegrationFact]
    public void Signals_to_a_foreground_exec_reach_its_process()
    {
        Integration.Require();
        using var bundle = _runa.Track(SleeperBundle());
        var outDir = OutDir(bundle);
        var (id, _) = RunSleeper(bundle);
        try
        {
            foreach (var signal in new[] { 15, 2, 1 })
            {
                var up = Path.Combine(outDir, $"up.{signal}");
                using var exec = _runa.Start("exec", id, "sh", "-c",
                    $"trap 'echo got signal; exit 42' TERM INT HUP; touch /out/up.{signal}; while true; do sleep 0.05; done");
                Processes.WaitForFile(up);
                Sys.Kill(exec.Pid, signal);
                var result = exec.Wait(s_timeout);
                Assert.True(result.ExitCode == 42, $"signal {signal}: exit {result.ExitCode}\n{result.Stderr}");
                Assert.Equal("got signal\n", result.Stdout);
            }
            Assert.Equal("running", _runa.Status(id));
        }
        finally
        {
            _runa.Run("delete", "--force", id);
        }
    }

    /// <summary>
    /// A wrapper that runs runa the way an engine (or socket activation) does, with fd 3 open on an
    /// input file holding "from the caller" and fd 4 appending to the output file it returns.
    /// </summary>
    private static (string[] Wrapper, string Output) CallerWithFds3And4(BusyboxBundle bundle)
    {
        var input = Path.Combine(bundle.Dir, "input");
        var output = Path.Combine(bundle.Dir, "output");
        File.WriteAllText(input, "from the caller\n");
        File.WriteAllText(output, "");
        return (["/bin/sh", "-c", $"exec 3< {input} 4>> {output}; exec \"$@\"", "sh"], output);
    }

    [IntegrationFact]
    public void Preserve_fds_passes_the_callers_fds_3_and_up_to_run_and_exec()
    {
        Integration.Require();
        using var bundle = _runa.Track(SleeperBundle());
        var (wrapper, output) = CallerWithFds3And4(bundle);
        // Nothing past 4: runa's own fds stay out (checked with the shell's builtin test, which opens none).
        const string script = "for f in 5 6 7 8 9 10; do [ -e /proc/$$/fd/$f ] && echo leaked $f >&4; done; read line <&3; echo \"$0 read: $line\" >&4; : > /out/done.$0";

        var (id, _) = RunSleeper(bundle);
        try
        {
            var r = _runa.RunAs(wrapper, s_timeout, null, "exec", "--preserve-fds", "2", id, "sh", "-c", script, "exec");
            Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
            // Detached too: the fds go with the request, not with the caller's life.
            var pidFile = Path.Combine(bundle.Dir, "exec.pid");
            _runa.RunAs(wrapper, s_timeout, null, "exec", "-d", "--pid-file", pidFile, "--preserve-fds", "2", id, "sh", "-c", script, "detached").Ok();
            Assert.True(int.Parse(File.ReadAllText(pidFile)) > 0);
            Processes.WaitForFile(Path.Combine(OutDir(bundle), "done.detached"));
        }
        finally
        {
            _runa.Run("delete", "--force", id);
        }
        var lines = File.ReadAllLines(output);
        Assert.Equal(["exec read: from the caller", "detached read: from the caller"], lines);
    }

    [IntegrationFact]
    public void Preserve_fds_passes_the_callers_fds_to_a_run_and_they_survive_until_start()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s => s.Process!.Args = ["sh", "-c",
            "for f in 5 6 7 8 9 10; do [ -e /proc/$$/fd/$f ] && echo leaked $f >&4; done; read line <&3; echo \"init read: $line\" >&4"]));
        var (wrapper, output) = CallerWithFds3And4(bundle);

        var r = _runa.RunAs(wrapper, s_timeout, null, "run", "--preserve-fds", "2", "-b", bundle.Dir, _runa.NewId());
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
        // create holds them in the init until a later start (another runa, without them) lets it exec.
        var id = _runa.NewId();
        _runa.RunAs(wrapper, s_timeout, null, "create", "--preserve-fds", "2", "-b", bundle.Dir, id).Ok();
        using (var init = Processes.Open(_runa.State(id).GetProperty("pid").GetInt32()))
        {
            _runa.Run("start", id).Ok();
            Processes.WaitForExit(init, "the container to finish");
        }
        _runa.Run("delete", id).Ok();
        Assert.Equal(["init read: from the caller", "init read: from the caller"], File.ReadAllLines(output));
    }

    [IntegrationFact]
    public void Socket_activated_fds_go_first_with_LISTEN_FDS_as_runc_passes_them()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s => s.Process!.Args = ["sh", "-c",
            "read a <&3; read b <&4; echo \"$LISTEN_FDS $LISTEN_PID $a $b\" >&4"]));
        var activated = Path.Combine(bundle.Dir, "activated");
        var preserved = Path.Combine(bundle.Dir, "preserved");
        File.WriteAllText(activated, "activated\n");
        File.WriteAllText(preserved, "preserved\n");
        // As systemd starts a socket-activated service: LISTEN_PID is the pid that execs runa.
        string[] wrapper = ["/bin/sh", "-c", $"exec 3< {activated} 4<> {preserved}; LISTEN_FDS=1 LISTEN_PID=$$ exec \"$@\"", "sh"];

        var r = _runa.RunAs(wrapper, s_timeout, null, "run", "--preserve-fds", "1", "-b", bundle.Dir, _runa.NewId());
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
        Assert.Equal(["preserved", "1 1 activated preserved"], File.ReadAllLines(preserved));
    }

    [IntegrationFact]
    public void A_foreground_exec_ends_when_its_container_is_deleted()
    {
        Integration.Require();
        using var bundle = _runa.Track(SleeperBundle());
        var outDir = OutDir(bundle);
        var (id, _) = RunSleeper(bundle);
        using var exec = _runa.Start("exec", id, "sh", "-c", "touch /out/up; exec sleep 300");
        Processes.WaitForFile(Path.Combine(outDir, "up"));
        _runa.Run("delete", "--force", id).Ok();
        // The pid namespace went with the init: the exec'd process was killed, and its caller says so.
        var result = exec.Wait(s_timeout);
        Assert.True(result.ExitCode == 137, $"exit {result.ExitCode}\n{result.Stderr}");
        Assert.Empty(Leftovers.Of(id, _runa.Root));
    }

    [IntegrationFact]
    public void Bad_exec_requests_fail_with_255_naming_the_problem_and_leave_nothing_behind()
    {
        Integration.Require();
        using var bundle = _runa.Track(SleeperBundle());
        var (id, pid) = RunSleeper(bundle);
        try
        {
            var processFile = Path.Combine(bundle.Dir, "bad-process.json");
            File.WriteAllText(processFile, "{ not json");
            var relativeCwd = Path.Combine(bundle.Dir, "relative-cwd.json");
            File.WriteAllText(relativeCwd, """{"args":["true"],"cwd":"tmp","user":{"uid":0,"gid":0}}""");
            var pidFile = Path.Combine(bundle.Dir, "never.pid");
            var cases = new (string[] Args, string Expected)[]
            {
                (["exec", id, "no-such-command"], "executable file not found in $PATH"),
                (["exec", "-d", "--pid-file", pidFile, id, "/bin/no-such"], "/bin/no-such"),
                (["exec", id, "/etc/passwd"], "Permission denied"),
                (["exec", "--cwd", "/no/such/dir", id, "true"], "/no/such/dir"),
                (["exec", id], "exec needs a command"),
                (["exec", "--user", "nobody", id, "true"], "--user"),
                (["exec", "-g", "x", id, "true"], "--additional-gids"),
                (["exec", "--cap", "CAP_NO_SUCH", id, "true"], "--cap"),
                (["exec", "-e", "NOEQUALS", id, "true"], "process.env[2]"),
                (["exec", "-d", "-t", id, "true"], "--tty"),
                (["exec", "--process", processFile, id], "--process"),
                (["exec", "--process", Path.Combine(bundle.Dir, "missing.json"), id], "missing.json"),
                (["exec", "--process", relativeCwd, id], "process.cwd"),
                (["exec", "--preserve-fds", "65", id, "true"], "--preserve-fds: 65 is not between 0 and 64"),
                (["exec", "no-such-container", "true"], "does not exist"),
            };
            foreach (var (args, expected) in cases)
            {
                var r = _runa.Run(args);
                Assert.True(r.ExitCode == 255, $"{string.Join(' ', args)}: exit {r.ExitCode}, stderr {r.Stderr}");
                Assert.Contains("exec failed", r.Stderr);
                Assert.Contains(expected, r.Stderr);
                // Nothing started is left: no runa-init, no half-made process; the container is as it was.
                Assert.Equal(new[] { pid }, Leftovers.Processes(id));
            }
            Assert.False(File.Exists(pidFile));
            Assert.Equal("running", _runa.Status(id));
            Assert.Equal(pid, _runa.State(id).GetProperty("pid").GetInt32());

            _runa.Run("pause", id).Ok();
            _runa.Run("exec", id, "true").Fails("cannot exec in a paused container", exitCode: 255);
            _runa.Run("resume", id).Ok();
            using (var init = Processes.Open(pid))
            {
                _runa.Run("kill", id, "KILL").Ok();
                Processes.WaitForExit(init, "the container to stop");
            }
            _runa.Run("exec", id, "true").Fails("cannot exec in a stopped container", exitCode: 255);
        }
        finally
        {
            _runa.Run("delete", "--force", id);
        }
        Assert.Empty(Leftovers.Of(id, _runa.Root));
    }
}

/// <summary>Every exec test again through a `runa daemon`: the same output, statuses and errors.</summary>
public sealed class DaemonExecTests : ExecTests
{
    public DaemonExecTests()
        : base(RunaMode.Daemon)
    {
    }
}

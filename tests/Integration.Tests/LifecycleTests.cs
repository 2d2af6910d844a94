using System.Text.Json;
using Runa.IntegrationTests.Harness;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>The runc-compatible lifecycle with real busybox containers (embedded; <see cref="DaemonLifecycleTests"/> runs it all again through a daemon).</summary>
public class LifecycleTests : IDisposable
{
    private readonly RunaHost _runa;

    public LifecycleTests()
        : this(RunaMode.Embedded)
    {
    }

    protected LifecycleTests(RunaMode mode)
    {
        _runa = new RunaHost(mode);
    }

    public void Dispose() => _runa.Dispose();

    private BusyboxBundle Bundle(params string[] args) =>
        _runa.Track(new BusyboxBundle(s => s.Process!.Args = [.. args]));

    [IntegrationFact]
    public void Run_prints_from_inside_and_exits_with_the_container_status()
    {
        Integration.Require();
        using var bundle = Bundle("sh", "-c", "echo hello from $(hostname); exit 3");
        var r = _runa.Run("run", "--bundle", bundle.Dir, _runa.NewId());
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("hello from runa\n", r.Stdout);
    }

    [IntegrationFact]
    public void A_container_killed_by_a_signal_exits_128_plus_the_signal()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s =>
        {
            s.Process!.Args = ["sh", "-c", "echo up > /out/up; exec sleep 300"];
            s.Mounts!.Add(new Runtime.Oci.Mount { Destination = "/out", Type = "bind", Source = "out", Options = ["rbind", "rw"] });
        }));
        var outDir = Directory.CreateDirectory(Path.Combine(bundle.Dir, "out")).FullName;
        var id = _runa.NewId();
        var run = Task.Run(() => _runa.Run("run", "-b", bundle.Dir, id));
        // The pid namespace's init ignores signals from inside it: this one comes from the host.
        Processes.WaitForFile(Path.Combine(outDir, "up"));
        var pid = _runa.State(id).GetProperty("pid").GetInt32();
        using (var init = Processes.Open(pid))
        {
            _runa.Run("kill", id, "KILL").Ok();
            Processes.WaitForExit(init, "the container to die of SIGKILL");
        }
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), "runa run did not return after its container died");
        Assert.Equal(137, run.Result.ExitCode);
    }

    [IntegrationFact]
    public void Create_state_start_state_kill_delete()
    {
        Integration.Require();
        using var bundle = Bundle("sleep", "300");
        var id = _runa.NewId();
        var pidFile = Path.Combine(bundle.Dir, "init.pid");
        _runa.Run("create", "--bundle", bundle.Dir, "--pid-file", pidFile, id).Ok();

        var created = _runa.State(id);
        Assert.Equal("created", created.GetProperty("status").GetString());
        Assert.Equal(id, created.GetProperty("id").GetString());
        Assert.Equal(bundle.Dir, created.GetProperty("bundle").GetString());
        var pid = created.GetProperty("pid").GetInt32();
        Assert.Equal(pid.ToString(), File.ReadAllText(pidFile));
        Assert.True(Directory.Exists($"/proc/{pid}"));
        // Before start the init is still runa-init, waiting on the exec fifo.
        Assert.Equal("runa:[1:INIT]", File.ReadAllText($"/proc/{pid}/comm").Trim());

        _runa.Run("start", id).Ok();
        Assert.Equal("running", _runa.Status(id));
        Assert.Equal("sleep", File.ReadAllText($"/proc/{pid}/comm").Trim());
        _runa.Run("start", id).Fails("cannot start an already running container");

        using (var init = Processes.Open(pid))
        {
            _runa.Run("kill", id, "KILL").Ok();
            Processes.WaitForExit(init, "the container to stop after SIGKILL");
        }
        Assert.Equal("stopped", _runa.Status(id));
        Assert.Equal(0, _runa.State(id).GetProperty("pid").GetInt32());
        _runa.Run("kill", id).Fails("container not running");
        _runa.Run("start", id).Fails("cannot start a container that has stopped");

        _runa.Run("delete", id).Ok();
        _runa.Run("state", id).Fails($"container {id} does not exist");
    }

    [IntegrationFact]
    public void Kill_takes_signal_names_and_numbers_and_the_default_is_TERM()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s =>
        {
            // Traps record which signal arrived in a directory shared with the host.
            s.Process!.Args = ["sh", "-c", "trap 'echo USR1 > /out/$(hostname); exit 0' USR1; trap 'echo TERM > /out/$(hostname); exit 0' TERM; echo up > /out/ready.$(hostname); while true; do sleep 0.05; done"];
            s.Mounts!.Add(new Runtime.Oci.Mount { Destination = "/out", Type = "bind", Source = "out", Options = ["rbind", "rw"] });
        }));
        var outDir = Directory.CreateDirectory(Path.Combine(bundle.Dir, "out")).FullName;
        foreach (var (signal, expected) in new[] { ("USR1", "USR1"), ("10", "USR1"), ("SIGUSR1", "USR1"), ("", "TERM") })
        {
            var id = _runa.NewId();
            bundle.Spec.Hostname = id;
            bundle.Save();
            _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
            var pid = _runa.State(id).GetProperty("pid").GetInt32();
            using var init = Processes.Open(pid);
            Processes.WaitForFile(Path.Combine(outDir, "ready." + id));
            _runa.Run(signal == "" ? ["kill", id] : ["kill", id, signal]).Ok();
            Processes.WaitForExit(init, $"the container to exit after kill {signal}");
            Assert.Equal(expected, File.ReadAllText(Path.Combine(outDir, id)).Trim());
            Assert.Equal("stopped", _runa.Status(id));
            _runa.Run("delete", id).Ok();
        }
        _runa.Run("kill", _runa.NewId(), "NOSUCHSIGNAL").Fails("unknown signal");
    }

    [IntegrationFact]
    public void Delete_refuses_a_running_container_without_force_and_kills_it_with_force()
    {
        Integration.Require();
        using var bundle = Bundle("sleep", "300");
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        using var init = Processes.Open(_runa.State(id).GetProperty("pid").GetInt32());
        _runa.Run("delete", id).Fails($"cannot delete container {id} that is not stopped: running");
        Assert.Equal("running", _runa.Status(id));
        _runa.Run("delete", "--force", id).Ok();
        Processes.WaitForExit(init, "delete --force to kill the container", timeoutMs: 0);
        Assert.Empty(Leftovers.CgroupDirs(id));
    }

    [IntegrationFact]
    public void Delete_of_a_created_container_kills_its_waiting_init()
    {
        Integration.Require();
        using var bundle = Bundle("true");
        var id = _runa.NewId();
        _runa.Run("create", "-b", bundle.Dir, id).Ok();
        using var init = Processes.Open(_runa.State(id).GetProperty("pid").GetInt32());
        _runa.Run("delete", id).Ok();
        // delete returns only once the init is gone: its pidfd must already be readable.
        Processes.WaitForExit(init, "delete to kill the waiting init", timeoutMs: 0);
    }

    [IntegrationFact]
    public void List_shows_containers_as_a_table_as_json_and_as_ids()
    {
        Integration.Require();
        using var bundle = Bundle("sleep", "300");
        var a = _runa.NewId("a");
        var b = _runa.NewId("b");
        _runa.Run("create", "-b", bundle.Dir, a).Ok();
        _runa.Run("run", "-d", "-b", bundle.Dir, b).Ok();

        var table = _runa.Run("list").Ok().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("ID", table[0]);
        Assert.Contains(table, l => l.StartsWith(a) && l.Contains(" created "));
        Assert.Contains(table, l => l.StartsWith(b) && l.Contains(" running "));
        var json = JsonDocument.Parse(_runa.Run("list", "--format", "json").Ok().Stdout).RootElement;
        Assert.Equal(2, json.GetArrayLength());
        Assert.Equal(new[] { a, b }.Order(), _runa.Run("list", "-q").Ok().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());

        _runa.Run("delete", "-f", a).Ok();
        _runa.Run("delete", "-f", b).Ok();
        Assert.Equal("", _runa.Run("list", "-q").Ok().Stdout);
    }

    [IntegrationFact]
    public void Spec_writes_a_config_that_runs_and_refuses_to_overwrite()
    {
        Integration.Require();
        using var bundle = Bundle("true");
        File.Delete(Path.Combine(bundle.Dir, "config.json"));
        _runa.Run("spec", "--bundle", bundle.Dir).Ok();
        var spec = JsonDocument.Parse(File.ReadAllText(Path.Combine(bundle.Dir, "config.json"))).RootElement;
        Assert.Equal("sh", spec.GetProperty("process").GetProperty("args")[0].GetString());
        Assert.True(spec.GetProperty("process").GetProperty("terminal").GetBoolean());
        _runa.Run("spec", "--bundle", bundle.Dir).Fails("exists. Remove it first");

        // The default spec asks for a terminal: detached it needs a console socket, as with runc.
        _runa.Run("create", "-b", bundle.Dir, _runa.NewId()).Fails("--console-socket");
    }

    [IntegrationFact]
    public void Engine_style_invocation_logs_errors_as_json_lines()
    {
        Integration.Require();
        using var bundle = Bundle("sleep", "300");
        var id = _runa.NewId();
        var log = Path.Combine(bundle.Dir, "runa.log");
        var pidFile = Path.Combine(bundle.Dir, "pid");
        // As podman and containerd call an OCI runtime.
        _runa.Run("--log", log, "--log-format", "json", "create", "--bundle", bundle.Dir, "--pid-file", pidFile, id).Ok();
        _runa.Run("--log", log, "--log-format", "json", "start", id).Ok();
        using (var init = Processes.Open(int.Parse(File.ReadAllText(pidFile))))
        {
            _runa.Run("--log", log, "--log-format", "json", "kill", id, "9").Ok();
            Processes.WaitForExit(init, "SIGKILL to stop sleep");
        }
        _runa.Run("--log", log, "--log-format", "json", "delete", "--force", id).Ok();
        var failed = _runa.Run("--log", log, "--log-format", "json", "state", id);
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("does not exist", failed.Stderr);
        var last = File.ReadAllLines(log).Last();
        var entry = JsonDocument.Parse(last).RootElement;
        Assert.Equal("error", entry.GetProperty("level").GetString());
        Assert.Equal($"container {id} does not exist", entry.GetProperty("msg").GetString());
        Assert.True(DateTimeOffset.TryParse(entry.GetProperty("time").GetString(), out _));
        _runa.Run("--systemd-cgroup", "list").Fails("--systemd-cgroup is not supported");
    }
}

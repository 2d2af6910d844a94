using System.Text.Json;
using Runa.IntegrationTests.Harness;
using Runa.Runtime.Oci;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>Cgroup limits, OOM supervision, pause/resume, update, ps and events on real containers (cgroup v1 here).</summary>
public class ResourceTests : IDisposable
{
    private readonly RunaHost _runa;

    public ResourceTests()
        : this(RunaMode.Embedded)
    {
    }

    protected ResourceTests(RunaMode mode)
    {
        _runa = new RunaHost(mode);
    }

    public void Dispose()
    {
        _runa.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A bundle whose container can write to /out, a directory the test reads on the host.</summary>
    private (BusyboxBundle Bundle, string Out) Bundle(string script, Action<LinuxResources>? resources = null)
    {
        var bundle = _runa.Track(new BusyboxBundle(s =>
        {
            s.Process!.Args = ["sh", "-c", script];
            s.Mounts!.Add(new Mount { Destination = "/out", Type = "bind", Source = "out", Options = ["rbind", "rw"] });
            var r = s.Linux!.Resources ??= new LinuxResources();
            resources?.Invoke(r);
        }));
        return (bundle, Directory.CreateDirectory(Path.Combine(bundle.Dir, "out")).FullName);
    }

    private static string Cgroup(string controller, string id, string file) =>
        File.ReadAllText($"/sys/fs/cgroup/{controller}/runa/{id}/{file}").Trim();

    [IntegrationFact]
    public void Limits_from_config_json_reach_the_kernel_files()
    {
        Integration.Require();
        var (bundle, _) = Bundle("exec sleep 300", r =>
        {
            r.Memory = new MemoryResources { Limit = 64 << 20, Reservation = 32 << 20, Swappiness = 10 };
            r.Cpu = new CpuResources { Shares = 512, Quota = 50000, Period = 100000, Cpus = "0", Mems = "0" };
            r.Pids = new PidsResources { Limit = 42 };
        });
        using var _b = bundle;
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        Assert.Equal((64 << 20).ToString(), Cgroup("memory", id, "memory.limit_in_bytes"));
        Assert.Equal((32 << 20).ToString(), Cgroup("memory", id, "memory.soft_limit_in_bytes"));
        Assert.Equal("10", Cgroup("memory", id, "memory.swappiness"));
        Assert.Equal("512", Cgroup("cpu", id, "cpu.shares"));
        Assert.Equal("50000", Cgroup("cpu", id, "cpu.cfs_quota_us"));
        Assert.Equal("100000", Cgroup("cpu", id, "cpu.cfs_period_us"));
        Assert.Equal("0", Cgroup("cpuset", id, "cpuset.cpus"));
        Assert.Equal("42", Cgroup("pids", id, "pids.max"));
        // The init runs inside the cgroup from the start, in every hierarchy.
        var pid = _runa.State(id).GetProperty("pid").GetInt32();
        foreach (var controller in new[] { "memory", "cpu", "pids", "cpuset", "devices", "freezer" })
        {
            Assert.Contains(pid.ToString(), Cgroup(controller, id, "cgroup.procs").Split('\n'));
        }
        // The devices cgroup denies what config.json denies, and allows runc's defaults.
        var devices = Cgroup("devices", id, "devices.list");
        Assert.Contains("c 1:3 rwm", devices);
        Assert.DoesNotContain("a *:* rwm", devices);
        _runa.Run("delete", "-f", id).Ok();
        Assert.Empty(Leftovers.CgroupDirs(id));
    }

    [IntegrationFact]
    public void An_init_killed_by_the_OOM_killer_during_create_is_reported_as_such_and_leaves_nothing()
    {
        Integration.Require();
        var (bundle, _) = Bundle("true", r => r.Memory = new MemoryResources { Limit = 64 << 10 });
        using var _b = bundle;
        var id = _runa.NewId();
        _runa.Run("create", "-b", bundle.Dir, id).Fails("container init was OOM-killed (memory limit too low?)");
        Assert.Equal("", _runa.Run("list", "-q").Ok().Stdout);
        Assert.Empty(Leftovers.CgroupDirs(id));
    }

    [IntegrationFact]
    public void An_OOM_kill_after_start_is_an_oom_event()
    {
        Integration.Require();
        // dd allocates a 64 MiB buffer in a 32 MiB cgroup; it starts once the test watches events.
        var (bundle, outDir) = Bundle("while [ ! -e /out/go ]; do sleep 0.05; done; dd if=/dev/zero of=/dev/null bs=64M count=1; echo $? > /out/dd.tmp; mv /out/dd.tmp /out/dd; exec sleep 300",
            r => r.Memory = new MemoryResources { Limit = 32 << 20, Swap = 32 << 20 });
        using var _b = bundle;
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        using var events = _runa.Start("events", "--interval", "30s", id);
        // The first stats line means the subscription (and its OOM watch) is in place.
        events.WaitForOutput("\"type\":\"stats\"");
        File.WriteAllText(Path.Combine(outDir, "go"), "");
        Processes.WaitForFile(Path.Combine(outDir, "dd"));
        Assert.Equal("137", File.ReadAllText(Path.Combine(outDir, "dd")).Trim());
        _runa.Run("kill", id, "KILL").Ok();
        var result = events.Wait(TimeSpan.FromSeconds(30));
        var lines = result.Ok().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(lines, l => l.GetProperty("type").GetString() == "oom" && l.GetProperty("id").GetString() == id);
        Assert.Contains(lines, l => l.GetProperty("type").GetString() == "stats");
        _runa.Run("delete", id).Ok();
    }

    [IntegrationFact]
    public void The_pids_limit_stops_a_fork_bomb()
    {
        Integration.Require();
        // 30 background sleeps against a limit of 10: forks fail, the count never passes 10. The
        // bomb runs in a child shell because busybox sh exits on a failed fork.
        var (bundle, outDir) = Bundle("sh -c 'for i in $(seq 1 30); do sleep 300 & done' 2>/out/forks; echo done > /out/done; exec sleep 300",
            r => r.Pids = new PidsResources { Limit = 10 });
        using var _b = bundle;
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        Processes.WaitForFile(Path.Combine(outDir, "done"));
        Assert.Contains("can't fork", File.ReadAllText(Path.Combine(outDir, "forks")));
        Assert.InRange(int.Parse(Cgroup("pids", id, "pids.current")), 2, 10);
        Assert.True(int.Parse(Cgroup("pids", id, "pids.events").Split(' ')[1]) > 0, "pids.events counts no refused fork");
        var stats = JsonDocument.Parse(_runa.Run("events", "--stats", id).Ok().Stdout).RootElement;
        Assert.InRange(stats.GetProperty("data").GetProperty("pids").GetProperty("current").GetInt32(), 2, 10);
        Assert.Equal(10, stats.GetProperty("data").GetProperty("pids").GetProperty("limit").GetInt32());
        _runa.Run("delete", "-f", id).Ok();
    }

    [IntegrationFact]
    public void Pause_freezes_the_container_and_resume_thaws_it()
    {
        Integration.Require();
        var (bundle, outDir) = Bundle("i=0; while true; do i=$((i+1)); echo $i > /out/counter.tmp; mv /out/counter.tmp /out/counter; done");
        using var _b = bundle;
        var id = _runa.NewId();
        var counter = Path.Combine(outDir, "counter");
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        Processes.WaitForFile(counter);

        _runa.Run("pause", id).Ok();
        Assert.Equal("paused", _runa.Status(id));
        Assert.Equal("FROZEN", Cgroup("freezer", id, "freezer.state"));
        var frozenAt = File.ReadAllText(counter);
        // The one observation window of this test: a frozen counter must not move in it.
        Thread.Sleep(300);
        Assert.Equal(frozenAt, File.ReadAllText(counter));
        _runa.Run("pause", id).Fails("container already paused");
        _runa.Run("delete", id).Fails("that is not stopped: paused");

        _runa.Run("resume", id).Ok();
        Assert.Equal("running", _runa.Status(id));
        using (var watcher = new FileSystemWatcher(outDir, "counter"))
        {
            var moved = new ManualResetEventSlim();
            watcher.Renamed += (_, _) => moved.Set();
            watcher.EnableRaisingEvents = true;
            Assert.True(moved.Wait(10_000) || File.ReadAllText(counter) != frozenAt, "the counter did not advance after resume");
        }
        Assert.NotEqual(frozenAt, File.ReadAllText(counter));
        _runa.Run("resume", id).Fails("container not paused");
        _runa.Run("delete", "-f", id).Ok();
    }

    [IntegrationFact]
    public void Update_changes_live_limits_and_a_rejected_update_changes_nothing()
    {
        Integration.Require();
        var (bundle, _) = Bundle("exec sleep 300", r => r.Memory = new MemoryResources { Limit = 64 << 20 });
        using var _b = bundle;
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();

        _runa.Run("update", "--memory", "128m", "--pids-limit", "20", "--cpu-share", "256", id).Ok();
        Assert.Equal((128 << 20).ToString(), Cgroup("memory", id, "memory.limit_in_bytes"));
        Assert.Equal("20", Cgroup("pids", id, "pids.max"));
        Assert.Equal("256", Cgroup("cpu", id, "cpu.shares"));

        var resources = Path.Combine(bundle.Dir, "resources.json");
        File.WriteAllText(resources, "{\"memory\": {\"limit\": 100663296}, \"pids\": {\"limit\": 30}}");
        _runa.Run("update", "-r", resources, id).Ok();
        Assert.Equal("100663296", Cgroup("memory", id, "memory.limit_in_bytes"));
        Assert.Equal("30", Cgroup("pids", id, "pids.max"));

        _runa.Run("update", "--memory", "lots", id).Fails("invalid value for --memory");
        _runa.Run("update", "--pids-limit", "-5", id).Fails("invalid value for --pids-limit");
        _runa.Run("update", "--memory", "4k", id).Fails("linux.resources.memory.limit");
        _runa.Run("update", "--cpuset-cpus", "0-99", id).Fails("linux.resources.cpu.cpus");
        File.WriteAllText(resources, "{\"memory\": {\"limit\": \"big\"}}");
        _runa.Run("update", "-r", resources, id).Fails("memory.limit");
        // Nothing of the rejected updates reached the kernel.
        Assert.Equal("100663296", Cgroup("memory", id, "memory.limit_in_bytes"));
        Assert.Equal("30", Cgroup("pids", id, "pids.max"));
        Assert.Equal("0-1", Cgroup("cpuset", id, "cpuset.cpus"));
        _runa.Run("delete", "-f", id).Ok();
        _runa.Run("update", "--memory", "64m", id).Fails("does not exist");
    }

    [IntegrationFact]
    public void Ps_lists_the_container_processes_as_a_table_and_as_json()
    {
        Integration.Require();
        var (bundle, outDir) = Bundle("sleep 301 & echo $! > /out/child; exec sleep 302");
        using var _b = bundle;
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        Processes.WaitForFile(Path.Combine(outDir, "child"));
        var init = _runa.State(id).GetProperty("pid").GetInt32();
        var pids = JsonDocument.Parse(_runa.Run("ps", "--format", "json", id).Ok().Stdout).RootElement.EnumerateArray().Select(e => e.GetInt32()).ToList();
        Assert.Equal(2, pids.Count);
        Assert.Contains(init, pids);
        var table = _runa.Run("ps", id).Ok().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("PID", table[0]);
        Assert.Equal(3, table.Length);
        Assert.Contains(table, l => l.Contains("sleep 301"));
        Assert.Contains(table, l => l.Contains("sleep 302"));
        _runa.Run("delete", "-f", id).Ok();
    }

    [IntegrationFact]
    public void Bad_cgroup_input_is_refused_before_anything_exists()
    {
        Integration.Require();
        var (bundle, _) = Bundle("true");
        using var _b = bundle;
        bundle.Spec.Linux!.CgroupsPath = "/runa/../../escape";
        bundle.Save();
        _runa.Run("create", "-b", bundle.Dir, _runa.NewId()).Fails("linux.cgroupsPath");
        bundle.Spec.Linux.CgroupsPath = null;
        bundle.Spec.Linux.Resources = new LinuxResources { Memory = new MemoryResources { Limit = -5 } };
        bundle.Save();
        _runa.Run("create", "-b", bundle.Dir, _runa.NewId()).Fails("linux.resources.memory.limit");
        bundle.Spec.Linux.Resources = new LinuxResources { Devices = [new DeviceCgroupRule { Allow = true, Type = "x", Access = "rwm" }] };
        bundle.Save();
        _runa.Run("create", "-b", bundle.Dir, _runa.NewId()).Fails("linux.resources.devices[0].type");
        Assert.Equal("", _runa.Run("list", "-q").Ok().Stdout);
    }

    [IntegrationFact]
    public void Pause_and_events_of_a_stopped_container_fail_clearly()
    {
        Integration.Require();
        var (bundle, _) = Bundle("true");
        using var _b = bundle;
        var id = _runa.NewId();
        _runa.Run("run", "--keep", "-b", bundle.Dir, id).Ok();
        Assert.Equal("stopped", _runa.Status(id));
        _runa.Run("pause", id).Fails("container not running");
        _runa.Run("events", "--stats", id).Fails("container not running");
        _runa.Run("update", "--memory", "64m", id).Fails("container not running");
        _runa.Run("delete", id).Ok();
        Assert.Empty(Leftovers.CgroupDirs(id));
    }
}

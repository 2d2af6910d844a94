using System.Text.Json;
using Runa.Runtime.Cgroups;
using Runa.Tests;
using Xunit;

namespace Runa.Native.Tests.Cgroups;

/// <summary>Create, Apply, GetPids, Destroy and state on the real v1 (hybrid) hierarchies of this machine.</summary>
public sealed class V1LifecycleTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [IntegrationFact]
    public void Probe_finds_this_machines_hybrid_layout()
    {
        Integration.Require();
        var layout = CgroupLayout.Probe();
        Assert.NotEqual(CgroupMode.Unified, layout.Mode);
        foreach (var controller in new[] { "memory", "cpu", "cpuset", "pids", "devices", "freezer", "blkio" })
        {
            Assert.NotNull(layout.V1(controller));
        }
        if (layout.Mode == CgroupMode.Hybrid)
        {
            Assert.Equal("/sys/fs/cgroup/unified", layout.Unified!.MountPoint);
        }
    }

    [IntegrationFact]
    public async Task Create_makes_the_cgroup_in_every_hierarchy_with_cpuset_filled()
    {
        await using var sb = new CgroupSandbox();
        var manager = sb.Manager("c1");
        Assert.Equal($"/{sb.Name}/c1", manager.Path);
        Assert.False(manager.Exists());

        manager.Create();

        Assert.True(manager.Exists());
        foreach (var h in sb.Layout.Hierarchies)
        {
            Assert.True(Directory.Exists($"{h.MountPoint}/{sb.Name}/c1"), h.MountPoint);
        }
        Assert.Equal(manager.Paths["memory"], $"/sys/fs/cgroup/memory/{sb.Name}/c1");
        Assert.Contains("name=systemd", manager.Paths.Keys);
        // A new cpuset cgroup is empty; the parent chain was filled from the root.
        var rootCpus = File.ReadAllText("/sys/fs/cgroup/cpuset/cpuset.cpus").Trim();
        Assert.Equal(rootCpus, File.ReadAllText(sb.Dir("cpuset", "cpuset.cpus")).Trim());
        Assert.Equal(rootCpus, File.ReadAllText(sb.Dir("cpuset", "c1/cpuset.cpus")).Trim());
        Assert.NotEmpty(File.ReadAllText(sb.Dir("cpuset", "c1/cpuset.mems")).Trim());

        await manager.DestroyAsync();
        Assert.Empty(sb.Leftovers());
    }

    [IntegrationFact]
    public async Task A_create_cut_short_after_some_hierarchies_is_still_found_and_destroyed()
    {
        await using var sb = new CgroupSandbox();
        var manager = sb.Manager("c1");
        // As if the creator was SIGKILLed between its mkdirs: the cpu directory is there, the
        // devices one (where the processes are listed) is not.
        Directory.CreateDirectory(sb.Dir("cpu", "c1"));
        Assert.False(manager.Exists());
        Assert.True(manager.ExistsAnywhere());

        await manager.DestroyAsync();

        Assert.False(manager.ExistsAnywhere());
        Assert.False(Directory.Exists(sb.Dir("cpu", "c1")));
    }

    [IntegrationFact]
    public async Task Apply_moves_a_real_process_into_every_hierarchy()
    {
        await using var sb = new CgroupSandbox();
        var manager = sb.Manager();
        using var shell = sb.Shell("read _");

        manager.Apply(shell.Pid);

        foreach (var (controller, dir) in manager.Paths)
        {
            var procs = File.ReadAllLines(Path.Combine(dir, "cgroup.procs"));
            Assert.Contains(shell.Pid.ToString(), procs);
        }
        var own = File.ReadAllLines($"/proc/{shell.Pid}/cgroup");
        Assert.Contains(own, l => l.EndsWith($":memory:/{sb.Name}/c", StringComparison.Ordinal));
        Assert.Contains(own, l => l.EndsWith($":name=systemd:/{sb.Name}/c", StringComparison.Ordinal));
        Assert.Equal([shell.Pid], manager.GetPids());

        await manager.DestroyAsync();
        Assert.True(shell.WaitForExit(s_timeout), "Destroy kills what is left in the cgroup");
        Assert.Empty(sb.Leftovers());
    }

    [IntegrationFact]
    public async Task GetPids_is_direct_members_and_GetAllPids_includes_sub_cgroups()
    {
        await using var sb = new CgroupSandbox();
        var manager = sb.Manager();
        using var first = sb.Shell("read _");
        using var second = sb.Shell("read _");
        manager.Apply(first.Pid);
        manager.Apply(second.Pid);
        // A sub-cgroup in the devices hierarchy (the one pids are listed from), as a nested
        // runtime inside the container would make.
        var sub = Path.Combine(manager.Paths["devices"], "sub");
        Directory.CreateDirectory(sub);
        File.WriteAllText(Path.Combine(sub, "cgroup.procs"), second.Pid.ToString());

        Assert.Equal([first.Pid], manager.GetPids());
        Assert.Equal(new[] { first.Pid, second.Pid }.Order(), manager.GetAllPids().Order());

        await manager.DestroyAsync();
        Assert.True(first.WaitForExit(s_timeout));
        Assert.True(second.WaitForExit(s_timeout));
        Assert.Empty(sb.Leftovers());
    }

    [IntegrationFact]
    public async Task Destroy_removes_everything_even_with_live_processes_and_sub_cgroups()
    {
        await using var sb = new CgroupSandbox();
        var manager = sb.Manager("c", $"/{sb.Name}/a/b/leaf");
        using var shell = sb.Shell("sleep 1000 & sleep 1000 & wait");
        manager.Apply(shell.Pid);
        shell.Release();
        Wait.Assert(() => manager.GetAllPids().Count == 3, s_timeout, "the shell and its two sleeps in the cgroup");
        Directory.CreateDirectory(Path.Combine(manager.Paths["memory"], "nested", "deeper"));

        await manager.DestroyAsync();

        Assert.False(manager.Exists());
        Assert.True(shell.WaitForExit(s_timeout));
        // Everything it created, from the leaf up to and including /<name>, is gone.
        Assert.Empty(sb.Leftovers());
        // Idempotent.
        await manager.DestroyAsync();
    }

    [IntegrationFact]
    public async Task Destroy_never_removes_a_parent_that_pre_existed()
    {
        await using var sb = new CgroupSandbox();
        foreach (var h in sb.Layout.Hierarchies)
        {
            Directory.CreateDirectory($"{h.MountPoint}/{sb.Name}");
        }
        var manager = sb.Manager("c1");
        manager.Create();
        Assert.All(manager.State.Hierarchies, h => Assert.Equal(1, h.OwnedDepth));

        await manager.DestroyAsync();

        Assert.False(manager.Exists());
        Assert.All(sb.Layout.Hierarchies, h => Assert.True(Directory.Exists($"{h.MountPoint}/{sb.Name}"), h.MountPoint));
        Assert.All(sb.Layout.Hierarchies, h => Assert.False(Directory.Exists($"{h.MountPoint}/{sb.Name}/c1"), h.MountPoint));
    }

    [IntegrationFact]
    public async Task A_created_parent_shared_with_another_container_survives_the_first_destroy()
    {
        await using var sb = new CgroupSandbox();
        var a = sb.Manager("a");
        var b = sb.Manager("b");
        a.Create();
        b.Create();
        Assert.Equal(2, a.State.Hierarchies[0].OwnedDepth);
        Assert.Equal(1, b.State.Hierarchies[0].OwnedDepth);

        await a.DestroyAsync();
        Assert.True(b.Exists(), "b's cgroup (and so the shared parent) is untouched");

        await b.DestroyAsync();
        Assert.False(b.Exists());
    }

    [IntegrationFact]
    public async Task Create_refuses_an_existing_cgroup_that_holds_processes()
    {
        await using var sb = new CgroupSandbox();
        var first = sb.Manager();
        using var shell = sb.Shell("read _");
        first.Apply(shell.Pid);

        var second = CgroupManagerFactory.New("c", null, sb.Options);
        var error = Assert.Throws<Runa.Runtime.Interop.RunaSystemException>(second.Create);
        Assert.Contains("already holds 1 process", error.Message);
        Assert.Contains(shell.Pid.ToString(), error.Message);
    }

    [IntegrationFact]
    public async Task State_round_trips_through_json_and_a_new_manager_destroys_what_the_first_created()
    {
        await using var sb = new CgroupSandbox();
        var manager = sb.Manager();
        using var shell = sb.Shell("read _");
        manager.Apply(shell.Pid);

        var json = JsonSerializer.Serialize(manager.State, CgroupJson.Default.CgroupState);
        var state = JsonSerializer.Deserialize(json, CgroupJson.Default.CgroupState)!;
        var loaded = sb.Track(CgroupManagerFactory.FromState(state));

        Assert.Equal(manager.Paths, loaded.Paths);
        Assert.Equal([shell.Pid], loaded.GetPids());
        await loaded.DestroyAsync();
        Assert.True(shell.WaitForExit(s_timeout));
        Assert.Empty(sb.Leftovers());
    }
}

using Runa.Runtime.Cgroups;
using Runa.Runtime.Oci;
using Runa.Tests;
using Xunit;

namespace Runa.Native.Tests.Cgroups;

/// <summary>
/// The v2 manager on the real cgroup2 mount of this hybrid machine (/sys/fs/cgroup/unified). It
/// has no controllers, but the core of cgroup v2 is there: cgroup.procs, cgroup.freeze with
/// cgroup.events, cgroup.kill. So the v2 kernel protocols are tested against the kernel, not
/// only against the fake tree.
/// </summary>
public sealed class UnifiedHierarchyTests
{
    private const string Unified = "/sys/fs/cgroup/unified";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(15);

    private static CgroupSandbox Sandbox()
    {
        Integration.Require();
        // Mount hugetlb as v1 first: otherwise creating cgroups here would enable it in the
        // unified subtree_control, and a later v1 hugetlb mount would fail with EBUSY.
        HugetlbMount.Ensure();
        return new CgroupSandbox(CgroupLayout.ForUnified(Unified));
    }

    [IntegrationFact]
    public async Task Apply_pids_and_destroy_through_cgroup_kill()
    {
        await using var sb = Sandbox();
        var m = sb.Manager();
        Assert.Equal(CgroupMode.Unified, m.Mode);
        using var shell = sb.Shell("sleep 1000 & sleep 1000 & wait");

        m.Apply(shell.Pid);
        shell.Release();

        Assert.Contains($"0::/{sb.Name}/c", File.ReadAllLines($"/proc/{shell.Pid}/cgroup"));
        Wait.Assert(() => m.GetAllPids().Count == 3, s_timeout, "the shell and two sleeps");
        Assert.Equal(3, m.GetPids().Count);
        Assert.Equal(3ul, m.GetStats().Pids.Current);

        await m.DestroyAsync();

        Assert.True(shell.WaitForExit(s_timeout));
        Assert.Empty(sb.Leftovers());
    }

    [IntegrationFact]
    public async Task Freeze_and_thaw_through_cgroup_freeze_and_cgroup_events()
    {
        await using var sb = Sandbox();
        var m = sb.Manager();
        var counter = Path.Combine(Path.GetTempPath(), $"runa-freeze2-{Guid.NewGuid():N}");
        try
        {
            using var shell = sb.Shell($"i=0; while :; do i=$((i+1)); echo $i > {counter}; done");
            m.Apply(shell.Pid);
            shell.Release();
            Wait.Assert(() => File.Exists(counter) && File.ReadAllText(counter).Trim().Length > 2, s_timeout, "the counter to advance");

            await m.FreezeAsync();

            Assert.Equal(FreezerState.Frozen, m.GetFreezerState());
            Assert.Contains("frozen 1", File.ReadAllText(Path.Combine(m.Paths["unified"], "cgroup.events")));
            var frozenAt = File.ReadAllText(counter);
            // 300 ms without a change (a bounded wait expected to time out) shows the loop stopped.
            Assert.False(Wait.Until(() => File.ReadAllText(counter) != frozenAt, TimeSpan.FromMilliseconds(300)));

            m.Thaw();

            Assert.Equal(FreezerState.Thawed, m.GetFreezerState());
            Wait.Assert(() => File.ReadAllText(counter) != frozenAt, s_timeout, "the counter to advance after thaw");
        }
        finally
        {
            await m.DestroyAsync();
            File.Delete(counter);
        }
        Assert.Empty(sb.Leftovers());
    }

    [IntegrationFact]
    public async Task Missing_controllers_are_named_and_the_clone_into_descriptor_works()
    {
        await using var sb = Sandbox();
        var m = sb.Manager();
        m.Create();

        var e = Assert.Throws<InvalidCgroupConfigException>(() => m.Set(new LinuxResources { Pids = new PidsResources { Limit = 10 } }));
        Assert.Contains("linux.resources.pids.limit: controller pids not available", e.Message);

        using var fd = m.OpenCloneIntoCgroupFd();
        Assert.NotNull(fd);
        Assert.Equal(m.Paths["unified"], new FileInfo($"/proc/self/fd/{fd.Fd}").LinkTarget);
    }
}

using Runa.Runtime.Cgroups;
using Runa.Runtime.Interop;
using Xunit;

namespace Runa.Native.Tests.Cgroups;

/// <summary>v1 / hybrid / v2 detection from statfs results and mount tables, without touching the machine.</summary>
public sealed class CgroupLayoutTests
{
    private const long Tmpfs = 0x01021994, Cgroup2 = 0x63677270;

    /// <summary>This machine's table (hybrid: v1 controllers + an empty cgroup2 at unified).</summary>
    private const string Hybrid = """
        23 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
        37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
        38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """;

    [Fact]
    public void Hybrid_machine_uses_v1_controllers_and_joins_the_unified_mount()
    {
        var layout = CgroupLayout.Detect("/sys/fs/cgroup", Tmpfs, Hybrid);

        Assert.Equal(CgroupMode.Hybrid, layout.Mode);
        Assert.Equal("/sys/fs/cgroup/memory", layout.V1("memory")!.MountPoint);
        Assert.Equal(["name=systemd"], layout.V1("name=systemd")!.Controllers);
        Assert.Equal("/sys/fs/cgroup/unified", layout.Unified!.MountPoint);
        Assert.Null(layout.V1("hugetlb"));
        Assert.Equal(10, layout.Hierarchies.Count);
        Assert.True(layout.Hierarchies[^1].IsUnified);
    }

    [Fact]
    public void Pure_v1_with_co_mounted_controllers()
    {
        const string table = """
            31 23 0:28 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:10 - cgroup cgroup rw,cpu,cpuacct
            33 31 0:30 / /sys/fs/cgroup/net_cls,net_prio rw shared:11 - cgroup cgroup rw,net_cls,net_prio
            34 31 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
            35 31 0:32 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices,clone_children
            """;

        var layout = CgroupLayout.Detect("/sys/fs/cgroup", Tmpfs, table);

        Assert.Equal(CgroupMode.Legacy, layout.Mode);
        Assert.Null(layout.Unified);
        Assert.Same(layout.V1("cpu"), layout.V1("cpuacct"));
        Assert.Equal("cpu,cpuacct", layout.V1("cpu")!.Key);
        Assert.Equal(["devices"], layout.V1("devices")!.Controllers); // "clone_children" is an option, not a controller
    }

    [Fact]
    public void Root_that_is_a_cgroup2_mount_is_v2()
    {
        var layout = CgroupLayout.Detect("/sys/fs/cgroup/", Cgroup2, "");

        Assert.Equal(CgroupMode.Unified, layout.Mode);
        Assert.Equal("/sys/fs/cgroup", layout.Root);
        Assert.True(Assert.Single(layout.Hierarchies).IsUnified);
    }

    [Fact]
    public void Mount_table_saying_cgroup2_at_the_root_is_v2_too()
    {
        var layout = CgroupLayout.Detect("/sys/fs/cgroup", Tmpfs, "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n");
        Assert.Equal(CgroupMode.Unified, layout.Mode);
    }

    [Fact]
    public void Mounts_outside_the_root_and_hidden_mounts_are_ignored()
    {
        const string table = """
            31 23 0:28 / /tmp/cg rw - tmpfs tmpfs rw
            32 31 0:29 / /tmp/cg/memory rw - cgroup cgroup rw,memory
            33 31 0:30 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
            34 31 0:31 / /tmp/cg/devices rw - cgroup cgroup rw,devices
            35 31 0:32 / /tmp/cg/devices rw - tmpfs tmpfs rw
            36 31 0:33 / /tmp/cg/with\040space rw - cgroup cgroup rw,freezer
            """;

        var layout = CgroupLayout.Detect("/tmp/cg", Tmpfs, table);

        Assert.NotNull(layout.V1("memory"));
        Assert.Null(layout.V1("pids"));
        Assert.Null(layout.V1("devices")); // over-mounted by a tmpfs
        Assert.Equal("/tmp/cg/with space", layout.V1("freezer")!.MountPoint);
    }

    [Fact]
    public void No_hierarchy_is_a_clear_error()
    {
        var e = Assert.Throws<RunaSystemException>(() => CgroupLayout.Detect("/sys/fs/cgroup", Tmpfs, "1 0 0:1 / / rw - ext4 /dev/vda rw\n"));
        Assert.Contains("no cgroup hierarchy is mounted", e.Message);
        var onlyUnified = Assert.Throws<RunaSystemException>(() =>
            CgroupLayout.Detect("/sys/fs/cgroup", Tmpfs, "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"));
        Assert.Contains("only an empty cgroup2", onlyUnified.Message);
    }

    [Fact]
    public void Factory_chooses_the_manager_by_mode()
    {
        var v2 = CgroupManagerFactory.New("x", null, new CgroupOptions { Layout = CgroupLayout.ForUnified("/nonexistent") });
        Assert.Equal(CgroupMode.Unified, v2.Mode);
        Assert.Equal(new Dictionary<string, string> { ["unified"] = "/nonexistent/runa/x" }, v2.Paths);

        var hybrid = CgroupManagerFactory.New("x", "/a/b", new CgroupOptions { Layout = CgroupLayout.Detect("/sys/fs/cgroup", Tmpfs, Hybrid) });
        Assert.Equal(CgroupMode.Hybrid, hybrid.Mode);
        Assert.Equal("/sys/fs/cgroup/memory/a/b", hybrid.Paths["memory"]);
        Assert.Equal("/sys/fs/cgroup/unified/a/b", hybrid.Paths["unified"]);
        Assert.Equal("/sys/fs/cgroup/systemd/a/b", hybrid.Paths["name=systemd"]);
    }

    [Fact]
    public void V1_without_the_devices_controller_is_refused()
    {
        var layout = CgroupLayout.ForLegacy("/fake", [new CgroupHierarchy("/fake/memory", ["memory"], false)]);
        var e = Assert.Throws<RunaSystemException>(() => CgroupManagerFactory.New("x", null, new CgroupOptions { Layout = layout }));
        Assert.Contains("devices controller is not mounted", e.Message);
    }
}

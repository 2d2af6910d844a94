using System.Text.Json;
using Runa.Runtime.Cgroups;
using Xunit;

namespace Runa.Native.Tests.Cgroups;

/// <summary>The stats record serializes like the data of `runc events --stats` (runc types/events.go).</summary>
public sealed class CgroupStatsJsonTests
{
    [Fact]
    public void Names_nesting_and_omitted_zeros_follow_runc()
    {
        var stats = new CgroupStats();
        stats.Cpu.Usage.Total = 5;
        stats.Cpu.Usage.Percpu = [3, 2];
        stats.Cpu.Throttling.ThrottledPeriods = 1;
        stats.Memory.Usage = new MemoryEntry { Usage = 10, Limit = 20 };
        stats.Memory.Raw = new() { ["rss"] = 7 };
        stats.Pids.Current = 2;
        stats.Blkio.IoServiceBytesRecursive = [new BlkioEntry { Major = 254, Op = "Read", Value = 9 }];
        stats.Hugetlb["2MB"] = new HugetlbStats { Usage = 0, Failcnt = 0 };

        var json = JsonSerializer.Serialize(stats, CgroupJson.Default.CgroupStats);

        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(["cpu", "cpuset", "memory", "pids", "blkio", "hugetlb"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("""{"total":5,"percpu":[3,2],"kernel":0,"user":0}""", root.GetProperty("cpu").GetProperty("usage").GetRawText());
        Assert.Equal("""{"throttledPeriods":1}""", root.GetProperty("cpu").GetProperty("throttling").GetRawText());
        Assert.Equal("""{"limit":20,"usage":10,"failcnt":0}""", root.GetProperty("memory").GetProperty("usage").GetRawText());
        Assert.Equal("""{"limit":0,"failcnt":0}""", root.GetProperty("memory").GetProperty("swap").GetRawText());
        Assert.Equal(7, root.GetProperty("memory").GetProperty("raw").GetProperty("rss").GetInt32());
        Assert.False(root.GetProperty("memory").TryGetProperty("cache", out _));
        Assert.Equal("""{"current":2}""", root.GetProperty("pids").GetRawText());
        Assert.Equal("""{"ioServiceBytesRecursive":[{"major":254,"op":"Read","value":9}]}""", root.GetProperty("blkio").GetRawText());
        Assert.Equal("""{"2MB":{"failcnt":0}}""", root.GetProperty("hugetlb").GetRawText());
    }

    [Fact]
    public void State_round_trips_with_the_mode_as_a_name()
    {
        var state = new CgroupState
        {
            Mode = CgroupMode.Hybrid,
            Root = "/sys/fs/cgroup",
            Path = "/runa/x",
            Hierarchies = [new CgroupHierarchyState { MountPoint = "/sys/fs/cgroup/memory", Controllers = ["memory"], Directory = "/sys/fs/cgroup/memory/runa/x", OwnedDepth = 1 }],
        };

        var json = JsonSerializer.Serialize(state, CgroupJson.Default.CgroupState);
        var back = JsonSerializer.Deserialize(json, CgroupJson.Default.CgroupState)!;

        Assert.Contains("\"mode\":\"Hybrid\"", json);
        Assert.Equal("/sys/fs/cgroup/memory/runa/x", back.Hierarchies.Single().Directory);
        Assert.Equal(1, back.Hierarchies.Single().OwnedDepth);
    }
}

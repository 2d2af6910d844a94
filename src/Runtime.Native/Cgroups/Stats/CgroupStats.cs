using System.Text.Json.Serialization;

namespace Runa.Runtime.Cgroups;

/// <summary>
/// A snapshot of a container's cgroup counters, shaped (names, nesting, omitted zeros) like the
/// "data" of runc's `runc events --stats` (runc types/events.go) so tools that parse runc's
/// output parse Runa's: {"cpu":{"usage":{...},"throttling":{...}},"memory":{"usage":{...}},
/// "pids":{...},"blkio":{...},"hugetlb":{...}}. Serialize with <see cref="CgroupJson"/>.
/// Intel RDT and network interface data, which runc adds to the same object, come from
/// their own managers.
/// </summary>
public sealed class CgroupStats
{
    /// <summary>CPU time and CFS throttling.</summary>
    [JsonPropertyName("cpu")] public CpuStats Cpu { get; set; } = new();

    /// <summary>The cpuset in force (v1 files; v2 effective cpus/mems).</summary>
    [JsonPropertyName("cpuset")] public CpusetStats CpuSet { get; set; } = new();

    /// <summary>Memory usage and limits.</summary>
    [JsonPropertyName("memory")] public MemoryStats Memory { get; set; } = new();

    /// <summary>Number of tasks and their limit.</summary>
    [JsonPropertyName("pids")] public PidsStats Pids { get; set; } = new();

    /// <summary>Block I/O counters per device.</summary>
    [JsonPropertyName("blkio")] public BlkioStats Blkio { get; set; } = new();

    /// <summary>Huge page usage per page size ("2MB").</summary>
    [JsonPropertyName("hugetlb")] public Dictionary<string, HugetlbStats> Hugetlb { get; set; } = new();
}

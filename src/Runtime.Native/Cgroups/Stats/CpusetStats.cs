using System.Text.Json.Serialization;

namespace Runa.Runtime.Cgroups;

/// <summary>The cpuset in force.</summary>
public sealed class CpusetStats
{
    /// <summary>CPUs the tasks may run on.</summary>
    [JsonPropertyName("cpus")] public List<ushort>? Cpus { get; set; }

    /// <summary>cpuset.cpu_exclusive (v1).</summary>
    [JsonPropertyName("cpu_exclusive")] public ulong CpuExclusive { get; set; }

    /// <summary>Memory nodes the tasks may allocate from.</summary>
    [JsonPropertyName("mems")] public List<ushort>? Mems { get; set; }

    /// <summary>cpuset.mem_hardwall (v1).</summary>
    [JsonPropertyName("mem_hardwall")] public ulong MemHardwall { get; set; }

    /// <summary>cpuset.mem_exclusive (v1).</summary>
    [JsonPropertyName("mem_exclusive")] public ulong MemExclusive { get; set; }

    /// <summary>cpuset.memory_migrate (v1).</summary>
    [JsonPropertyName("memory_migrate")] public ulong MemoryMigrate { get; set; }

    /// <summary>cpuset.memory_spread_page (v1).</summary>
    [JsonPropertyName("memory_spread_page")] public ulong MemorySpreadPage { get; set; }

    /// <summary>cpuset.memory_spread_slab (v1).</summary>
    [JsonPropertyName("memory_spread_slab")] public ulong MemorySpreadSlab { get; set; }

    /// <summary>cpuset.memory_pressure (v1).</summary>
    [JsonPropertyName("memory_pressure")] public ulong MemoryPressure { get; set; }

    /// <summary>cpuset.sched_load_balance (v1).</summary>
    [JsonPropertyName("sched_load_balance")] public ulong SchedLoadBalance { get; set; }

    /// <summary>cpuset.sched_relax_domain_level (v1).</summary>
    [JsonPropertyName("sched_relax_domain_level")] public long SchedRelaxDomainLevel { get; set; }
}

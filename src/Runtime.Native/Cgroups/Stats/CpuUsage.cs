using System.Text.Json.Serialization;

namespace Runa.Runtime.Cgroups;

/// <summary>CPU time in nanoseconds (v1 cpuacct.*; v2 cpu.stat, which has no per-CPU breakdown).</summary>
public sealed class CpuUsage
{
    /// <summary>Total CPU time (cpuacct.usage / usage_usec).</summary>
    [JsonPropertyName("total")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Total { get; set; }

    /// <summary>Total per CPU (cpuacct.usage_percpu); null on v2.</summary>
    [JsonPropertyName("percpu")] public List<ulong>? Percpu { get; set; }

    /// <summary>Kernel-mode time per CPU (cpuacct.usage_percpu_sys); null on v2.</summary>
    [JsonPropertyName("percpu_kernel")] public List<ulong>? PercpuKernel { get; set; }

    /// <summary>User-mode time per CPU (cpuacct.usage_percpu_user); null on v2.</summary>
    [JsonPropertyName("percpu_user")] public List<ulong>? PercpuUser { get; set; }

    /// <summary>Kernel-mode time (cpuacct.stat system, in USER_HZ ticks converted; system_usec).</summary>
    [JsonPropertyName("kernel")] public ulong Kernel { get; set; }

    /// <summary>User-mode time (cpuacct.stat user; user_usec).</summary>
    [JsonPropertyName("user")] public ulong User { get; set; }
}

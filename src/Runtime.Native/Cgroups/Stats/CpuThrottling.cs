using System.Text.Json.Serialization;

namespace Runa.Runtime.Cgroups;

/// <summary>CFS bandwidth throttling (cpu.stat).</summary>
public sealed class CpuThrottling
{
    /// <summary>Enforcement periods elapsed (nr_periods).</summary>
    [JsonPropertyName("periods")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Periods { get; set; }

    /// <summary>Periods in which the group was throttled (nr_throttled).</summary>
    [JsonPropertyName("throttledPeriods")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong ThrottledPeriods { get; set; }

    /// <summary>Total time throttled, nanoseconds (throttled_time; throttled_usec × 1000).</summary>
    [JsonPropertyName("throttledTime")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong ThrottledTime { get; set; }
}

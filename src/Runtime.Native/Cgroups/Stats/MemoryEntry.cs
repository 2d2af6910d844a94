using System.Text.Json.Serialization;

namespace Runa.Runtime.Cgroups;

/// <summary>One memory counter family: limit, usage, peak, failure count. An unlimited limit
/// reads as the kernel's "no limit" value (v1: 9223372036854771712; v2 "max": ulong.MaxValue).</summary>
public sealed class MemoryEntry
{
    /// <summary>Limit in bytes.</summary>
    [JsonPropertyName("limit")] public ulong Limit { get; set; }

    /// <summary>Current usage in bytes.</summary>
    [JsonPropertyName("usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Usage { get; set; }

    /// <summary>Peak usage in bytes (max_usage_in_bytes; memory.peak on v2 ≥ 5.19).</summary>
    [JsonPropertyName("max")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Max { get; set; }

    /// <summary>Times the limit was hit (failcnt; the "max" event count on v2).</summary>
    [JsonPropertyName("failcnt")] public ulong Failcnt { get; set; }
}

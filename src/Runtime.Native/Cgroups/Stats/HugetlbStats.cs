using System.Text.Json.Serialization;

namespace Runa.Runtime.Cgroups;

/// <summary>Huge page usage of one page size.</summary>
public sealed class HugetlbStats
{
    /// <summary>Bytes in use (hugetlb.&lt;size&gt;.usage_in_bytes / .current).</summary>
    [JsonPropertyName("usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Usage { get; set; }

    /// <summary>Peak bytes (v1 max_usage_in_bytes).</summary>
    [JsonPropertyName("max")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Max { get; set; }

    /// <summary>Allocation failures at the limit (failcnt; v2 "max" events).</summary>
    [JsonPropertyName("failcnt")] public ulong Failcnt { get; set; }
}

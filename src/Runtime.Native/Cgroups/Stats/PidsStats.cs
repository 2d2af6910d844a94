using System.Text.Json.Serialization;

namespace Runa.Runtime.Cgroups;

/// <summary>pids controller statistics.</summary>
public sealed class PidsStats
{
    /// <summary>Tasks in the cgroup (pids.current).</summary>
    [JsonPropertyName("current")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Current { get; set; }

    /// <summary>pids.max; 0 when unlimited ("max"), as runc reports it.</summary>
    [JsonPropertyName("limit")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Limit { get; set; }
}

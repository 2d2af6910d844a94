using System.Text.Json.Serialization;

namespace Runa.Runtime.Cgroups;

/// <summary>CPU statistics.</summary>
public sealed class CpuStats
{
    /// <summary>CPU time consumed.</summary>
    [JsonPropertyName("usage")] public CpuUsage Usage { get; set; } = new();

    /// <summary>CFS bandwidth throttling.</summary>
    [JsonPropertyName("throttling")] public CpuThrottling Throttling { get; set; } = new();
}

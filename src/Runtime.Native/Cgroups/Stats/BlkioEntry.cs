using System.Text.Json.Serialization;

namespace Runa.Runtime.Cgroups;

/// <summary>One block I/O counter: device, operation ("Read", "Write", "Sync", "Async", "Discard", "Total"), value.</summary>
public sealed class BlkioEntry
{
    /// <summary>Device major number.</summary>
    [JsonPropertyName("major")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Major { get; set; }

    /// <summary>Device minor number.</summary>
    [JsonPropertyName("minor")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Minor { get; set; }

    /// <summary>Operation.</summary>
    [JsonPropertyName("op")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public string? Op { get; set; }

    /// <summary>Counter value.</summary>
    [JsonPropertyName("value")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Value { get; set; }
}

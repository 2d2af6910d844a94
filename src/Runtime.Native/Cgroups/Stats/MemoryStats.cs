using System.Text.Json.Serialization;

namespace Runa.Runtime.Cgroups;

/// <summary>Memory statistics.</summary>
public sealed class MemoryStats
{
    /// <summary>Page cache bytes (memory.stat "cache" on v1, "file" on v2).</summary>
    [JsonPropertyName("cache")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Cache { get; set; }

    /// <summary>Memory usage (memory.usage_in_bytes, memory.current).</summary>
    [JsonPropertyName("usage")] public MemoryEntry Usage { get; set; } = new();

    /// <summary>Memory+swap usage, as v1 reports it (memory.memsw.*; v2 swap + memory).</summary>
    [JsonPropertyName("swap")] public MemoryEntry Swap { get; set; } = new();

    /// <summary>Kernel memory (memory.kmem.*, v1 only).</summary>
    [JsonPropertyName("kernel")] public MemoryEntry Kernel { get; set; } = new();

    /// <summary>TCP buffer memory (memory.kmem.tcp.*, v1 only).</summary>
    [JsonPropertyName("kernelTCP")] public MemoryEntry KernelTcp { get; set; } = new();

    /// <summary>Every counter of memory.stat, by its kernel name.</summary>
    [JsonPropertyName("raw")] public Dictionary<string, ulong>? Raw { get; set; }
}

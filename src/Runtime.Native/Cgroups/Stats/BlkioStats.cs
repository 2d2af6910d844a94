using System.Text.Json.Serialization;

namespace Runa.Runtime.Cgroups;

/// <summary>Block I/O counters (v1 blkio.*_recursive / throttle files; v2 io.stat).</summary>
public sealed class BlkioStats
{
    /// <summary>Bytes transferred per device and operation.</summary>
    [JsonPropertyName("ioServiceBytesRecursive")] public List<BlkioEntry>? IoServiceBytesRecursive { get; set; }

    /// <summary>I/O operations per device and operation.</summary>
    [JsonPropertyName("ioServicedRecursive")] public List<BlkioEntry>? IoServicedRecursive { get; set; }

    /// <summary>Queued operations (CFQ/BFQ debug).</summary>
    [JsonPropertyName("ioQueueRecursive")] public List<BlkioEntry>? IoQueuedRecursive { get; set; }

    /// <summary>Service time (CFQ/BFQ debug).</summary>
    [JsonPropertyName("ioServiceTimeRecursive")] public List<BlkioEntry>? IoServiceTimeRecursive { get; set; }

    /// <summary>Wait time (CFQ/BFQ debug).</summary>
    [JsonPropertyName("ioWaitTimeRecursive")] public List<BlkioEntry>? IoWaitTimeRecursive { get; set; }

    /// <summary>Merged requests (CFQ/BFQ debug).</summary>
    [JsonPropertyName("ioMergedRecursive")] public List<BlkioEntry>? IoMergedRecursive { get; set; }

    /// <summary>Disk time (CFQ/BFQ debug).</summary>
    [JsonPropertyName("ioTimeRecursive")] public List<BlkioEntry>? IoTimeRecursive { get; set; }

    /// <summary>Sectors transferred (CFQ/BFQ debug).</summary>
    [JsonPropertyName("sectorsRecursive")] public List<BlkioEntry>? SectorsRecursive { get; set; }
}

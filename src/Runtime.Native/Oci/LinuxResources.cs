using System.Text.Json.Serialization;

namespace Runa.Runtime.Oci;

/// <summary>
/// linux.resources: cgroup limits. Every field is optional; null means "leave as is",
/// which is what makes the same type usable for `runa update`.
/// </summary>
public sealed class LinuxResources
{
    [JsonPropertyName("devices")] public List<DeviceCgroupRule>? Devices { get; set; }
    [JsonPropertyName("memory")] public MemoryResources? Memory { get; set; }
    [JsonPropertyName("cpu")] public CpuResources? Cpu { get; set; }
    [JsonPropertyName("pids")] public PidsResources? Pids { get; set; }
    [JsonPropertyName("blockIO")] public BlockIoResources? BlockIO { get; set; }
    [JsonPropertyName("hugepageLimits")] public List<HugepageLimit>? HugepageLimits { get; set; }
    [JsonPropertyName("network")] public NetworkResources? Network { get; set; }
    [JsonPropertyName("unified")] public Dictionary<string, string>? Unified { get; set; }
}

/// <summary>One devices-cgroup rule; a null major/minor is the wildcard (*).</summary>
public sealed class DeviceCgroupRule
{
    [JsonPropertyName("allow")] public bool Allow { get; set; }
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("major")] public long? Major { get; set; }
    [JsonPropertyName("minor")] public long? Minor { get; set; }
    [JsonPropertyName("access")] public string? Access { get; set; }
}

public sealed class MemoryResources
{
    [JsonPropertyName("limit")] public long? Limit { get; set; }
    [JsonPropertyName("reservation")] public long? Reservation { get; set; }
    [JsonPropertyName("swap")] public long? Swap { get; set; }
    [JsonPropertyName("kernel")] public long? Kernel { get; set; }
    [JsonPropertyName("kernelTCP")] public long? KernelTcp { get; set; }
    [JsonPropertyName("swappiness")] public ulong? Swappiness { get; set; }
    [JsonPropertyName("disableOOMKiller")] public bool? DisableOomKiller { get; set; }
    [JsonPropertyName("useHierarchy")] public bool? UseHierarchy { get; set; }
    [JsonPropertyName("checkBeforeUpdate")] public bool? CheckBeforeUpdate { get; set; }
}

public sealed class CpuResources
{
    [JsonPropertyName("shares")] public ulong? Shares { get; set; }
    [JsonPropertyName("quota")] public long? Quota { get; set; }
    [JsonPropertyName("burst")] public ulong? Burst { get; set; }
    [JsonPropertyName("period")] public ulong? Period { get; set; }
    [JsonPropertyName("realtimeRuntime")] public long? RealtimeRuntime { get; set; }
    [JsonPropertyName("realtimePeriod")] public ulong? RealtimePeriod { get; set; }
    [JsonPropertyName("cpus")] public string? Cpus { get; set; }
    [JsonPropertyName("mems")] public string? Mems { get; set; }
    [JsonPropertyName("idle")] public long? Idle { get; set; }
}

public sealed class PidsResources
{
    [JsonPropertyName("limit")] public long Limit { get; set; }
}

public sealed class BlockIoResources
{
    [JsonPropertyName("weight")] public ushort? Weight { get; set; }
    [JsonPropertyName("leafWeight")] public ushort? LeafWeight { get; set; }
    [JsonPropertyName("weightDevice")] public List<WeightDevice>? WeightDevice { get; set; }
    [JsonPropertyName("throttleReadBpsDevice")] public List<ThrottleDevice>? ThrottleReadBpsDevice { get; set; }
    [JsonPropertyName("throttleWriteBpsDevice")] public List<ThrottleDevice>? ThrottleWriteBpsDevice { get; set; }
    [JsonPropertyName("throttleReadIOPSDevice")] public List<ThrottleDevice>? ThrottleReadIopsDevice { get; set; }
    [JsonPropertyName("throttleWriteIOPSDevice")] public List<ThrottleDevice>? ThrottleWriteIopsDevice { get; set; }
}

public sealed class WeightDevice
{
    [JsonPropertyName("major")] public long Major { get; set; }
    [JsonPropertyName("minor")] public long Minor { get; set; }
    [JsonPropertyName("weight")] public ushort? Weight { get; set; }
    [JsonPropertyName("leafWeight")] public ushort? LeafWeight { get; set; }
}

public sealed class ThrottleDevice
{
    [JsonPropertyName("major")] public long Major { get; set; }
    [JsonPropertyName("minor")] public long Minor { get; set; }
    [JsonPropertyName("rate")] public ulong Rate { get; set; }
}

public sealed class HugepageLimit
{
    [JsonPropertyName("pageSize")] public string PageSize { get; set; } = "";
    [JsonPropertyName("limit")] public ulong Limit { get; set; }
}

public sealed class NetworkResources
{
    [JsonPropertyName("classID")] public uint? ClassId { get; set; }
}

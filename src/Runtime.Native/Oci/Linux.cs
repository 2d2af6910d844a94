using System.Text.Json.Serialization;

namespace Runa.Runtime.Oci;

/// <summary>The Linux-specific part of config.json.</summary>
public sealed class Linux
{
    [JsonPropertyName("namespaces")] public List<Namespace>? Namespaces { get; set; }
    [JsonPropertyName("uidMappings")] public List<IdMapping>? UidMappings { get; set; }
    [JsonPropertyName("gidMappings")] public List<IdMapping>? GidMappings { get; set; }
    [JsonPropertyName("devices")] public List<Device>? Devices { get; set; }
    [JsonPropertyName("cgroupsPath")] public string? CgroupsPath { get; set; }
    [JsonPropertyName("resources")] public LinuxResources? Resources { get; set; }
    [JsonPropertyName("rootfsPropagation")] public string? RootfsPropagation { get; set; }
    [JsonPropertyName("sysctl")] public Dictionary<string, string>? Sysctl { get; set; }
    [JsonPropertyName("maskedPaths")] public List<string>? MaskedPaths { get; set; }
    [JsonPropertyName("readonlyPaths")] public List<string>? ReadonlyPaths { get; set; }
    [JsonPropertyName("mountLabel")] public string? MountLabel { get; set; }
    [JsonPropertyName("intelRdt")] public IntelRdt? IntelRdt { get; set; }
    [JsonPropertyName("seccomp")] public System.Text.Json.JsonElement? Seccomp { get; set; }
}

public sealed class Namespace
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("path")] public string? Path { get; set; }
}

public sealed class IdMapping
{
    [JsonPropertyName("containerID")] public uint ContainerId { get; set; }
    [JsonPropertyName("hostID")] public uint HostId { get; set; }
    [JsonPropertyName("size")] public uint Size { get; set; }
}

/// <summary>A device node to create in the container (linux.devices).</summary>
public sealed class Device
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("path")] public string Path { get; set; } = "";
    [JsonPropertyName("major")] public long Major { get; set; }
    [JsonPropertyName("minor")] public long Minor { get; set; }
    [JsonPropertyName("fileMode")] public uint? FileMode { get; set; }
    [JsonPropertyName("uid")] public uint? Uid { get; set; }
    [JsonPropertyName("gid")] public uint? Gid { get; set; }
}

public sealed class IntelRdt
{
    [JsonPropertyName("closID")] public string? ClosId { get; set; }
    [JsonPropertyName("l3CacheSchema")] public string? L3CacheSchema { get; set; }
    [JsonPropertyName("memBwSchema")] public string? MemBwSchema { get; set; }
}

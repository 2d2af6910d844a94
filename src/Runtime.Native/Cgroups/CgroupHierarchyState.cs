using System.Text.Json.Serialization;

namespace Runa.Runtime.Cgroups;

/// <summary>One hierarchy of a <see cref="CgroupState"/>.</summary>
public sealed class CgroupHierarchyState
{
    /// <summary>Mount point of the hierarchy.</summary>
    [JsonPropertyName("mountPoint")] public string MountPoint { get; set; } = "";

    /// <summary>v1 controllers bound to it (empty for cgroup2).</summary>
    [JsonPropertyName("controllers")] public List<string> Controllers { get; set; } = [];

    /// <summary>True for the cgroup2 hierarchy.</summary>
    [JsonPropertyName("unified")] public bool Unified { get; set; }

    /// <summary>The container's directory in it.</summary>
    [JsonPropertyName("directory")] public string Directory { get; set; } = "";

    /// <summary>How many trailing components of the cgroup path this container created (the
    /// directories Destroy may remove); the leaf is removed in any case.</summary>
    [JsonPropertyName("ownedDepth")] public int OwnedDepth { get; set; }
}

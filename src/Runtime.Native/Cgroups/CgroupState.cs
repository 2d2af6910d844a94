using System.Text.Json.Serialization;

namespace Runa.Runtime.Cgroups;

/// <summary>
/// What a manager must remember across processes (runc keeps CgroupPaths in state.json): saved
/// after create, given to <see cref="CgroupManagerFactory.FromState"/> by `runa delete`, so the
/// directories found at create time — and which of them the container created — are the ones
/// cleaned up, even if mounts changed since.
/// </summary>
public sealed class CgroupState
{
    /// <summary>Layout mode at create time.</summary>
    [JsonPropertyName("mode")] public CgroupMode Mode { get; set; }

    /// <summary>The cgroup root.</summary>
    [JsonPropertyName("root")] public string Root { get; set; } = "";

    /// <summary>The container's cgroup path ("/runa/abc").</summary>
    [JsonPropertyName("path")] public string Path { get; set; } = "";

    /// <summary>Every hierarchy the container was placed in.</summary>
    [JsonPropertyName("hierarchies")] public List<CgroupHierarchyState> Hierarchies { get; set; } = [];
}

namespace Runa.Runtime.Cgroups;

/// <summary>The freezer state of a container's cgroup.</summary>
public enum FreezerState
{
    /// <summary>No freezer is available for this cgroup (v1 freezer not mounted, or v2 kernel before 5.2).</summary>
    Undefined,

    /// <summary>Processes run.</summary>
    Thawed,

    /// <summary>A freeze was requested and the kernel has not finished it (v1 FREEZING, v2 cgroup.freeze 1 but not yet frozen).</summary>
    Freezing,

    /// <summary>Every process in the cgroup is frozen.</summary>
    Frozen,
}

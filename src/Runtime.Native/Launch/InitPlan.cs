using Runa.Runtime.Sync;

namespace Runa.Runtime.Launch;

/// <summary>What runa-init will do: the bootstrap for stage 0 and the plan for the container init.</summary>
public sealed record InitPlan(OpList Bootstrap, OpList Plan, ulong CloneFlags, bool Terminal, int ConsoleRows, int ConsoleCols);

/// <summary>Facts the planner needs from outside config.json.</summary>
public sealed record PlanOptions
{
    /// <summary>Controller (e.g. "memory", "cpu,cpuacct") → the container's cgroup directory on the host.</summary>
    public IReadOnlyDictionary<string, string> CgroupMounts { get; init; } = new Dictionary<string, string>();

    /// <summary>Use MS_MOVE + chroot instead of pivot_root (a rootfs on ramfs cannot be pivoted).</summary>
    public bool NoPivot { get; init; }
}

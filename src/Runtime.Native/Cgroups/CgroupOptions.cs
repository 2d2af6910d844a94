namespace Runa.Runtime.Cgroups;

/// <summary>Settings of the cgroup managers (config/ defaults live with the host).</summary>
public sealed record CgroupOptions
{
    /// <summary>Where the hierarchies are mounted (probed when <see cref="Layout"/> is null).</summary>
    public string Root { get; init; } = CgroupLayout.DefaultRoot;

    /// <summary>An explicit layout (tests: a fake cgroupfs tree); null probes <see cref="Root"/>.</summary>
    public CgroupLayout? Layout { get; init; }

    /// <summary>Parent of relative (or absent) linux.cgroupsPath values.</summary>
    public string Parent { get; init; } = CgroupPathResolver.DefaultParent;

    /// <summary>
    /// Whether destroying a container also removes <see cref="Parent"/> once it is empty, whoever
    /// created it. Null: only for Runa's own default parent (/runa); a parent an administrator
    /// configured (a slice with its own limits, say) is never removed.
    /// </summary>
    public bool? RemoveEmptyParent { get; init; }

    /// <summary>Machine facts for validation; null reads this machine's (<see cref="CgroupMachine.Current"/>).</summary>
    public CgroupMachine? Machine { get; init; }

    /// <summary>What restrictive device rules do on cgroup v2 (see <see cref="Cgroups.DeviceRulesOnV2"/>).</summary>
    public DeviceRulesOnV2 DeviceRulesOnV2 { get; init; } = DeviceRulesOnV2.Reject;

    /// <summary>How long a freeze may take before it is undone and reported.</summary>
    public TimeSpan FreezeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long Destroy waits for killed processes to leave the cgroup.</summary>
    public TimeSpan DestroyTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

namespace Runa.Runtime.Cgroups;

/// <summary>
/// What to do with restrictive linux.resources.devices rules on cgroup v2. There, device access
/// is controlled by an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) attached to the cgroup, not by
/// files, and Runa does not load one yet.
/// </summary>
public enum DeviceRulesOnV2
{
    /// <summary>Refuse the configuration (the default): a container that can mknod and open any
    /// block device is not what the config asked for.</summary>
    Reject,

    /// <summary>Accept it and return a <see cref="CgroupWarning"/> saying the rules are NOT enforced.</summary>
    WarnUnenforced,
}

namespace Runa.Runtime.Cgroups;

/// <summary>How the machine mounts its cgroup hierarchies.</summary>
public enum CgroupMode
{
    /// <summary>Only v1 hierarchies, one per controller (or co-mounted group) under the root.</summary>
    Legacy,

    /// <summary>v1 controller hierarchies plus a cgroup2 mount (usually root/unified) that holds no
    /// controllers v1 binds. Runa uses v1 for the controllers and also places the container in
    /// the unified hierarchy, as runc does.</summary>
    Hybrid,

    /// <summary>A single cgroup2 hierarchy at the root.</summary>
    Unified,
}

namespace Runa.Runtime.Cgroups;

/// <summary>
/// One mounted cgroup hierarchy: a v1 mount with its controllers (several when co-mounted, e.g.
/// "cpu,cpuacct"; "name=systemd" for a named hierarchy without controllers), or a cgroup2 mount.
/// </summary>
/// <param name="MountPoint">Absolute mount point, e.g. /sys/fs/cgroup/memory.</param>
/// <param name="Controllers">v1 controllers bound to it; empty for cgroup2.</param>
/// <param name="IsUnified">True for a cgroup2 mount.</param>
public sealed record CgroupHierarchy(string MountPoint, IReadOnlyList<string> Controllers, bool IsUnified)
{
    /// <summary>The key in <see cref="ICgroupManager.Paths"/>: "unified", or the controllers joined by ','.</summary>
    public string Key => IsUnified ? "unified" : string.Join(',', Controllers);

    /// <summary>True if this v1 hierarchy binds <paramref name="controller"/>.</summary>
    public bool Has(string controller) => Controllers.Contains(controller, StringComparer.Ordinal);
}

namespace Runa.Runtime.Oci;

/// <summary>
/// The devices cgroup rules a container actually gets: config.json's, then what every
/// container needs (the default device nodes, ptys, tun, and mknod of anything: creating a
/// node is harmless when using it is denied), then its linux.devices — as runc's specconv does.
/// </summary>
public static class DefaultDeviceRules
{
    private static readonly (string Type, long? Major, long? Minor, string Access)[] s_allowed =
    [
        ("c", null, null, "m"), ("b", null, null, "m"),
        ("c", 1, 3, "rwm"), ("c", 1, 8, "rwm"), ("c", 1, 7, "rwm"), ("c", 5, 0, "rwm"), ("c", 1, 5, "rwm"), ("c", 1, 9, "rwm"),
        ("c", 5, 1, "rwm"), ("c", 136, null, "rwm"), ("c", 5, 2, "rwm"), ("c", 10, 200, "rwm"),
    ];

    /// <summary>The resources to apply: a copy of <paramref name="spec"/>'s with the full device rule list.</summary>
    public static LinuxResources Effective(Spec spec)
    {
        var given = spec.Linux?.Resources;
        var rules = new List<DeviceCgroupRule>(given?.Devices ?? []);
        rules.AddRange(s_allowed.Select(d => new DeviceCgroupRule { Allow = true, Type = d.Type, Major = d.Major, Minor = d.Minor, Access = d.Access }));
        foreach (var d in spec.Linux?.Devices ?? [])
        {
            if (d.Type is "c" or "b")
            {
                rules.Add(new DeviceCgroupRule { Allow = true, Type = d.Type, Major = d.Major, Minor = d.Minor, Access = "rwm" });
            }
        }
        return new LinuxResources
        {
            Devices = rules,
            Memory = given?.Memory,
            Cpu = given?.Cpu,
            Pids = given?.Pids,
            BlockIO = given?.BlockIO,
            HugepageLimits = given?.HugepageLimits,
            Network = given?.Network,
            Unified = given?.Unified,
        };
    }
}

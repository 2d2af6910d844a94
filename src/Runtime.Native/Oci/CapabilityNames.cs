namespace Runa.Runtime.Oci;

/// <summary>Linux capability names (as config.json spells them) and their numbers.</summary>
public static class CapabilityNames
{
    private static readonly string[] s_names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    private static readonly Dictionary<string, int> s_numbers =
        s_names.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i, StringComparer.Ordinal);

    /// <summary>The highest capability this table knows (CAP_CHECKPOINT_RESTORE, 40).</summary>
    public static int Last => s_names.Length - 1;

    public static IReadOnlyList<string> All => s_names;

    public static bool TryGet(string name, out int number) => s_numbers.TryGetValue(name, out number);

    /// <summary>The bit mask of a capability list; an unknown name is an error naming the field.</summary>
    public static ulong Mask(IEnumerable<string>? names, string field)
    {
        ulong mask = 0;
        var i = 0;
        foreach (var name in names ?? [])
        {
            if (!TryGet(name, out var n))
            {
                throw new SpecException($"{field}[{i}]", $"unknown capability \"{name}\"");
            }
            mask |= 1UL << n;
            i++;
        }
        return mask;
    }
}

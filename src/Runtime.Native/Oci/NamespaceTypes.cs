namespace Runa.Runtime.Oci;

/// <summary>OCI namespace types and their CLONE_NEW* flags, in the order runc joins them.</summary>
public static class NamespaceTypes
{
    public const ulong CLONE_NEWTIME = 0x80, CLONE_NEWNS = 0x20000, CLONE_NEWCGROUP = 0x02000000,
        CLONE_NEWUTS = 0x04000000, CLONE_NEWIPC = 0x08000000, CLONE_NEWUSER = 0x10000000,
        CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000;

    /// <summary>User first: joining it first gives the rights to join the others.</summary>
    public static readonly IReadOnlyList<(string Type, ulong Flag)> Ordered =
    [
        ("user", CLONE_NEWUSER), ("ipc", CLONE_NEWIPC), ("uts", CLONE_NEWUTS), ("network", CLONE_NEWNET),
        ("pid", CLONE_NEWPID), ("mount", CLONE_NEWNS), ("cgroup", CLONE_NEWCGROUP), ("time", CLONE_NEWTIME),
    ];

    /// <summary>The namespace's file under /proc/PID/ns.</summary>
    public static string ProcFile(string type) => type switch
    {
        "network" => "net",
        "mount" => "mnt",
        _ => type,
    };

    public static ulong? Flag(string type)
    {
        foreach (var (t, f) in Ordered)
        {
            if (t == type)
            {
                return f;
            }
        }
        return null;
    }
}

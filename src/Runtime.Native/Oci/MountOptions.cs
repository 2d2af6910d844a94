namespace Runa.Runtime.Oci;

/// <summary>
/// mounts[].options parsed the way runc reads them: flags to set, flags to clear, propagation
/// changes (each a separate mount call), and the rest as filesystem data ("mode=755,size=65536k").
/// </summary>
public sealed record MountOptions(ulong Flags, ulong Clear, IReadOnlyList<ulong> Propagation, string Data, bool Bind, bool Recursive)
{
    public const ulong MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16,
        MS_REMOUNT = 32, MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOSYMFOLLOW = 256, MS_NOATIME = 1024,
        MS_NODIRATIME = 2048, MS_BIND = 4096, MS_MOVE = 8192, MS_REC = 16384, MS_SILENT = 32768,
        MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20,
        MS_RELATIME = 1 << 21, MS_STRICTATIME = 1 << 24, MS_LAZYTIME = 1 << 25;

    private static readonly Dictionary<string, (bool Clear, ulong Flag)> s_flags = new(StringComparer.Ordinal)
    {
        ["async"] = (true, MS_SYNCHRONOUS), ["atime"] = (true, MS_NOATIME), ["bind"] = (false, MS_BIND),
        ["defaults"] = (false, 0), ["dev"] = (true, MS_NODEV), ["diratime"] = (true, MS_NODIRATIME),
        ["dirsync"] = (false, MS_DIRSYNC), ["exec"] = (true, MS_NOEXEC), ["mand"] = (false, MS_MANDLOCK),
        ["noatime"] = (false, MS_NOATIME), ["nodev"] = (false, MS_NODEV), ["nodiratime"] = (false, MS_NODIRATIME),
        ["noexec"] = (false, MS_NOEXEC), ["nomand"] = (true, MS_MANDLOCK), ["norelatime"] = (true, MS_RELATIME),
        ["nostrictatime"] = (true, MS_STRICTATIME), ["nosuid"] = (false, MS_NOSUID), ["rbind"] = (false, MS_BIND | MS_REC),
        ["relatime"] = (false, MS_RELATIME), ["remount"] = (false, MS_REMOUNT), ["ro"] = (false, MS_RDONLY),
        ["rw"] = (true, MS_RDONLY), ["strictatime"] = (false, MS_STRICTATIME), ["suid"] = (true, MS_NOSUID),
        ["sync"] = (false, MS_SYNCHRONOUS), ["lazytime"] = (false, MS_LAZYTIME), ["nolazytime"] = (true, MS_LAZYTIME),
        ["nosymfollow"] = (false, MS_NOSYMFOLLOW), ["symfollow"] = (true, MS_NOSYMFOLLOW),
    };

    private static readonly Dictionary<string, ulong> s_propagation = new(StringComparer.Ordinal)
    {
        ["private"] = MS_PRIVATE, ["rprivate"] = MS_PRIVATE | MS_REC, ["shared"] = MS_SHARED,
        ["rshared"] = MS_SHARED | MS_REC, ["slave"] = MS_SLAVE, ["rslave"] = MS_SLAVE | MS_REC,
        ["unbindable"] = MS_UNBINDABLE, ["runbindable"] = MS_UNBINDABLE | MS_REC,
    };

    /// <summary>Options runc accepts that change nothing at mount time here.</summary>
    private static readonly HashSet<string> s_ignored = new(StringComparer.Ordinal) { "tmpcopyup", "idmap", "ridmap", "copy-symlink" };

    public static MountOptions Parse(IReadOnlyList<string>? options)
    {
        ulong flags = 0, clear = 0;
        var propagation = new List<ulong>();
        var data = new List<string>();
        foreach (var o in options ?? [])
        {
            if (s_flags.TryGetValue(o, out var f))
            {
                if (f.Clear)
                {
                    flags &= ~f.Flag;
                    clear |= f.Flag;
                }
                else
                {
                    flags |= f.Flag;
                    clear &= ~f.Flag;
                }
            }
            else if (s_propagation.TryGetValue(o, out var p))
            {
                propagation.Add(p);
            }
            else if (!s_ignored.Contains(o))
            {
                data.Add(o);
            }
        }
        return new MountOptions(flags & ~(MS_BIND | MS_REC), clear, propagation, string.Join(',', data),
            (flags & MS_BIND) != 0, (flags & MS_REC) != 0);
    }

    /// <summary>Parses an rootfsPropagation value; null when it is not one.</summary>
    public static ulong? ParsePropagation(string value) =>
        s_propagation.TryGetValue(value, out var p) ? p : null;
}

namespace Runa.Runtime.Cgroups;

/// <summary>
/// Turns linux.cgroupsPath into the container's cgroup path relative to every hierarchy root,
/// refusing anything that could leave the cgroup root. An absolute path is taken beneath the
/// root as is; a relative path is taken beneath the configured parent (default /runa); no path
/// means parent/&lt;container id&gt;.
/// </summary>
/// <remarks>
/// ".." components are rejected outright (runc cleans them lexically; Runa prefers an error the
/// user can see). Symlinks cannot be judged lexically: they are refused when the directories are
/// opened (<see cref="CgroupDirectory"/>, RESOLVE_NO_SYMLINKS).
/// </remarks>
public static class CgroupPathResolver
{
    /// <summary>The OCI field that errors name.</summary>
    public const string Field = "linux.cgroupsPath";

    /// <summary>The default parent of relative or absent cgroup paths.</summary>
    public const string DefaultParent = "/runa";

    /// <summary>
    /// The normalized absolute cgroup path ("/runa/abc"), or an <see cref="InvalidCgroupConfigException"/>
    /// naming linux.cgroupsPath.
    /// </summary>
    public static string Resolve(string containerId, string? cgroupsPath, string parent = DefaultParent)
    {
        var parentComponents = Components(parent, " (the configured cgroup parent)", allowEmpty: true);
        if (string.IsNullOrEmpty(cgroupsPath))
        {
            var id = Components(containerId, " (the container id)", allowEmpty: false);
            if (id.Count != 1)
            {
                throw new InvalidCgroupConfigException(Field, $"container id {CgroupErrors.Quote(containerId)} cannot name a cgroup (it contains '/')");
            }
            return Join([.. parentComponents, .. id]);
        }
        if (LooksLikeSystemdPath(cgroupsPath))
        {
            throw new InvalidCgroupConfigException(Field,
                $"{CgroupErrors.Quote(cgroupsPath)} is a systemd cgroup path (slice:prefix:name); Runa manages cgroupfs directly and has no systemd driver");
        }
        var components = Components(cgroupsPath, "", allowEmpty: false);
        return cgroupsPath.StartsWith('/') ? Join(components) : Join([.. parentComponents, .. components]);
    }

    /// <summary>
    /// "/a/b" → ["a", "b"], rejecting ".." and NUL; "." and empty components are dropped.
    /// <paramref name="origin"/> says where the text came from when it is not linux.cgroupsPath itself.
    /// </summary>
    internal static List<string> Components(string path, string origin, bool allowEmpty)
    {
        var result = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                throw new InvalidCgroupConfigException(Field,
                    $"{CgroupErrors.Quote(path)}{origin} contains \"..\"; a cgroup path must stay beneath the cgroup root");
            }
            if (part.Contains('\0'))
            {
                throw new InvalidCgroupConfigException(Field, $"{CgroupErrors.Quote(path)}{origin} contains a NUL character");
            }
            result.Add(part);
        }
        if (result.Count == 0 && !allowEmpty)
        {
            throw new InvalidCgroupConfigException(Field,
                $"{CgroupErrors.Quote(path)}{origin} resolves to the root cgroup; a container needs a cgroup of its own");
        }
        return result;
    }

    private static string Join(List<string> components) => "/" + string.Join('/', components);

    private static bool LooksLikeSystemdPath(string path)
    {
        var parts = path.Split(':');
        return parts.Length == 3 && !path.Contains('/') && (parts[0].EndsWith(".slice", StringComparison.Ordinal) || parts[0].Length == 0);
    }
}

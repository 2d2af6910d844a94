namespace Runa.Runtime.Oci;

/// <summary>
/// Checks a config.json before anything is created, so that bad input fails with a message
/// naming the field and leaves nothing behind. Checks follow runc's configs/validate.
/// </summary>
public static class SpecValidator
{
    /// <summary>Throws a <see cref="SpecException"/> for the first problem found.</summary>
    public static void Validate(Spec spec, string bundle)
    {
        if (string.IsNullOrEmpty(spec.OciVersion))
        {
            throw new SpecException("ociVersion", "missing (runa supports 1.0.0 to 1.2.x)");
        }
        if (!IsSupportedVersion(spec.OciVersion))
        {
            throw new SpecException("ociVersion", $"unsupported version \"{spec.OciVersion}\" (runa supports 1.0.0 to 1.2.x)");
        }
        ValidateRoot(spec, bundle);
        ValidateProcess(spec.Process ?? throw new SpecException("process", "missing: a container needs a process to run"));
        var linux = spec.Linux ?? throw new SpecException("linux", "missing: runa runs Linux containers only");
        var ns = ValidateNamespaces(linux);
        if (!ns.ContainsKey("mount"))
        {
            throw new SpecException("linux.namespaces", "a mount namespace is required (runa sets up the rootfs in it)");
        }
        if (!string.IsNullOrEmpty(spec.Hostname) && !IsNew(ns, "uts"))
        {
            throw new SpecException("hostname", "setting the hostname needs a new uts namespace");
        }
        if (!string.IsNullOrEmpty(spec.Domainname) && !IsNew(ns, "uts"))
        {
            throw new SpecException("domainname", "setting the domainname needs a new uts namespace");
        }
        ValidateMounts(spec.Mounts);
        ValidateIdMappings(linux, ns);
        ValidateSysctl(linux, ns);
        ValidateDevices(linux);
        if (linux.RootfsPropagation is { Length: > 0 } prop && MountOptions.ParsePropagation(prop) is null)
        {
            throw new SpecException("linux.rootfsPropagation", $"unknown propagation \"{prop}\"");
        }
        foreach (var (list, field) in new[] { (linux.MaskedPaths, "linux.maskedPaths"), (linux.ReadonlyPaths, "linux.readonlyPaths") })
        {
            for (var i = 0; i < (list?.Count ?? 0); i++)
            {
                if (!list![i].StartsWith('/'))
                {
                    throw new SpecException($"{field}[{i}]", $"\"{list[i]}\" is not an absolute path");
                }
            }
        }
    }

    public static bool IsSupportedVersion(string version)
    {
        var parts = version.Split('-', 2)[0].Split('.');
        return parts.Length >= 2 && parts[0] == "1" && int.TryParse(parts[1], out var minor) && minor is >= 0 and <= 2;
    }

    public static string RootfsPath(Spec spec, string bundle)
    {
        var root = spec.Root?.Path ?? "";
        return Path.GetFullPath(Path.IsPathRooted(root) ? root : Path.Combine(bundle, root));
    }

    private static void ValidateRoot(Spec spec, string bundle)
    {
        if (spec.Root is null || string.IsNullOrEmpty(spec.Root.Path))
        {
            throw new SpecException("root.path", "missing");
        }
        var rootfs = RootfsPath(spec, bundle);
        if (!Directory.Exists(rootfs))
        {
            throw new SpecException("root.path", File.Exists(rootfs) ? $"rootfs {rootfs} is not a directory" : $"rootfs {rootfs} does not exist");
        }
    }

    /// <summary>The process of a container, or of `runa exec` (its --process file uses the same fields).</summary>
    public static void ValidateProcess(Process p)
    {
        if (p.Args is null || p.Args.Count == 0 || string.IsNullOrEmpty(p.Args[0]))
        {
            throw new SpecException("process.args", "missing: the container needs a command (args[0])");
        }
        if (string.IsNullOrEmpty(p.Cwd) || !p.Cwd.StartsWith('/'))
        {
            throw new SpecException("process.cwd", $"\"{p.Cwd}\" is not an absolute path");
        }
        for (var i = 0; i < (p.Env?.Count ?? 0); i++)
        {
            var e = p.Env![i];
            if (!e.Contains('=') || e.StartsWith('='))
            {
                throw new SpecException($"process.env[{i}]", $"\"{e}\" is not of the form NAME=value");
            }
        }
        if (p.Capabilities is { } caps)
        {
            CapabilityNames.Mask(caps.Bounding, "process.capabilities.bounding");
            CapabilityNames.Mask(caps.Effective, "process.capabilities.effective");
            CapabilityNames.Mask(caps.Inheritable, "process.capabilities.inheritable");
            CapabilityNames.Mask(caps.Permitted, "process.capabilities.permitted");
            CapabilityNames.Mask(caps.Ambient, "process.capabilities.ambient");
        }
        var seen = new HashSet<string>();
        for (var i = 0; i < (p.Rlimits?.Count ?? 0); i++)
        {
            var r = p.Rlimits![i];
            if (!RlimitNames.TryGet(r.Type, out _))
            {
                throw new SpecException($"process.rlimits[{i}].type", $"unknown rlimit \"{r.Type}\"");
            }
            if (!seen.Add(r.Type))
            {
                throw new SpecException($"process.rlimits[{i}].type", $"{r.Type} is given twice");
            }
            if (r.Soft > r.Hard)
            {
                throw new SpecException($"process.rlimits[{i}]", $"soft limit {r.Soft} is above hard limit {r.Hard}");
            }
        }
        if (p.OomScoreAdj is < -1000 or > 1000)
        {
            throw new SpecException("process.oomScoreAdj", $"{p.OomScoreAdj} is outside -1000..1000");
        }
        if (p.User.Umask is > 0777)
        {
            throw new SpecException("process.user.umask", $"{p.User.Umask} is not a file mode mask (0..0777)");
        }
        if (p.ConsoleSize is not null && !p.Terminal)
        {
            throw new SpecException("process.consoleSize", "set without process.terminal");
        }
    }

    private static Dictionary<string, string?> ValidateNamespaces(Linux linux)
    {
        var result = new Dictionary<string, string?>();
        for (var i = 0; i < (linux.Namespaces?.Count ?? 0); i++)
        {
            var n = linux.Namespaces![i];
            if (NamespaceTypes.Flag(n.Type) is null)
            {
                throw new SpecException($"linux.namespaces[{i}].type", $"unknown namespace type \"{n.Type}\"");
            }
            if (!result.TryAdd(n.Type, string.IsNullOrEmpty(n.Path) ? null : n.Path))
            {
                throw new SpecException($"linux.namespaces[{i}].type", $"namespace \"{n.Type}\" is given twice");
            }
            if (!string.IsNullOrEmpty(n.Path) && !File.Exists(n.Path))
            {
                throw new SpecException($"linux.namespaces[{i}].path", $"{n.Path} does not exist");
            }
        }
        return result;
    }

    private static bool IsNew(Dictionary<string, string?> ns, string type) => ns.TryGetValue(type, out var path) && path is null;

    private static void ValidateMounts(List<Mount>? mounts)
    {
        for (var i = 0; i < (mounts?.Count ?? 0); i++)
        {
            var m = mounts![i];
            if (string.IsNullOrEmpty(m.Destination) || !m.Destination.StartsWith('/'))
            {
                throw new SpecException($"mounts[{i}].destination", $"\"{m.Destination}\" is not an absolute path");
            }
            if (m.Destination.Split('/').Contains(".."))
            {
                throw new SpecException($"mounts[{i}].destination", $"\"{m.Destination}\" contains \"..\"");
            }
            var opts = MountOptions.Parse(m.Options);
            if (!opts.Bind && string.IsNullOrEmpty(m.Type))
            {
                throw new SpecException($"mounts[{i}].type", $"missing for {m.Destination} (and the options do not say bind)");
            }
            if ((opts.Bind || m.Type == "bind") && string.IsNullOrEmpty(m.Source))
            {
                throw new SpecException($"mounts[{i}].source", $"a bind mount on {m.Destination} needs a source");
            }
        }
    }

    private static void ValidateIdMappings(Linux linux, Dictionary<string, string?> ns)
    {
        var hasMaps = (linux.UidMappings?.Count ?? 0) > 0 || (linux.GidMappings?.Count ?? 0) > 0;
        if (IsNew(ns, "user"))
        {
            if ((linux.UidMappings?.Count ?? 0) == 0 || (linux.GidMappings?.Count ?? 0) == 0)
            {
                throw new SpecException("linux.uidMappings", "a new user namespace needs uidMappings and gidMappings");
            }
        }
        else if (hasMaps)
        {
            throw new SpecException("linux.uidMappings", "id mappings are given but there is no new user namespace");
        }
        foreach (var (maps, field) in new[] { (linux.UidMappings, "linux.uidMappings"), (linux.GidMappings, "linux.gidMappings") })
        {
            for (var i = 0; i < (maps?.Count ?? 0); i++)
            {
                if (maps![i].Size == 0)
                {
                    throw new SpecException($"{field}[{i}].size", "must be at least 1");
                }
            }
        }
    }

    private static void ValidateSysctl(Linux linux, Dictionary<string, string?> ns)
    {
        foreach (var key in linux.Sysctl?.Keys ?? Enumerable.Empty<string>())
        {
            var field = $"linux.sysctl.{key}";
            if (key.Length == 0 || key.Contains("..") || key.Contains("/..") || key.StartsWith('/') || key.Contains('\0'))
            {
                throw new SpecException(field, "not a valid sysctl name");
            }
            var isIpc = key.StartsWith("fs.mqueue.", StringComparison.Ordinal) ||
                        key is "kernel.msgmax" or "kernel.msgmnb" or "kernel.msgmni" or "kernel.sem" or "kernel.shmall" or "kernel.shmmax" or "kernel.shmmni" or "kernel.shm_rmid_forced";
            if (isIpc && !IsNew(ns, "ipc"))
            {
                throw new SpecException(field, "an IPC sysctl needs a new ipc namespace");
            }
            if (key.StartsWith("net.", StringComparison.Ordinal) && !ns.ContainsKey("network"))
            {
                throw new SpecException(field, "a net sysctl needs a network namespace");
            }
            if (key is "kernel.hostname" or "kernel.domainname")
            {
                throw new SpecException(field, "use the hostname/domainname fields");
            }
            if (!isIpc && !key.StartsWith("net.", StringComparison.Ordinal))
            {
                throw new SpecException(field, "not namespaced: it would change the host (only ipc and net sysctls are allowed)");
            }
        }
    }

    private static void ValidateDevices(Linux linux)
    {
        for (var i = 0; i < (linux.Devices?.Count ?? 0); i++)
        {
            var d = linux.Devices![i];
            if (d.Type is not ("c" or "b" or "u" or "p"))
            {
                throw new SpecException($"linux.devices[{i}].type", $"unknown device type \"{d.Type}\" (c, b, u or p)");
            }
            if (!d.Path.StartsWith("/dev/", StringComparison.Ordinal) || d.Path.Split('/').Contains(".."))
            {
                throw new SpecException($"linux.devices[{i}].path", $"\"{d.Path}\" is not a path under /dev");
            }
        }
    }
}

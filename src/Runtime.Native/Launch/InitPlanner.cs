using Runa.Runtime.Oci;
using Runa.Runtime.Sync;
using static Runa.Runtime.Oci.MountOptions;

namespace Runa.Runtime.Launch;

/// <summary>
/// Turns a validated config.json into runa-init's ops. All policy lives here (the order of
/// setup, which device nodes, how a read-only bind is done); runa-init only executes.
/// </summary>
public static class InitPlanner
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static readonly (string Path, uint Major, uint Minor)[] s_defaultDevices =
    [
        ("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7),
        ("/dev/random", 1, 8), ("/dev/urandom", 1, 9), ("/dev/tty", 5, 0),
    ];

    public static InitPlan Build(Spec spec, string bundle, PlanOptions options)
    {
        var linux = spec.Linux!;
        var process = spec.Process!;
        var rootfs = SpecValidator.RootfsPath(spec, bundle);
        var namespaces = linux.Namespaces ?? [];
        var userns = namespaces.Any(n => n.Type == "user" && string.IsNullOrEmpty(n.Path));
        var newNet = namespaces.Any(n => n.Type == "network");

        var bootstrap = BuildBootstrap(linux, out var cloneFlags);
        var plan = new OpList();

        var propagation = MountOptions.ParsePropagation(linux.RootfsPropagation ?? "") ?? (MS_SLAVE | MS_REC);
        Mount(plan, "make / private to the container", "", "/", "", propagation, "", MountHow.None);
        Mount(plan, $"bind the rootfs {rootfs} onto itself", rootfs, rootfs, "", MS_BIND | MS_REC, "", MountHow.None);
        // Opened after the self-bind: in-root paths must resolve in the mount that will become /.
        plan.Op(PlanOp.Rootfs, $"open the rootfs {rootfs}").Str(rootfs);

        var devIsBind = false;
        foreach (var (m, i) in (spec.Mounts ?? []).Select((m, i) => (m, i)))
        {
            if (m.Destination == "/dev" && MountOptions.Parse(m.Options).Bind)
            {
                devIsBind = true;
            }
            PlanMount(plan, m, i, bundle, newNet, options);
        }
        if (!devIsBind)
        {
            PlanDevices(plan, linux, userns);
        }

        // A missing working directory is created, as runc does (before a read-only root forbids it).
        plan.Op(PlanOp.Mkdir, $"create the working directory {process.Cwd} (process.cwd)").Str(process.Cwd).U64(0x1ed);
        plan.Op(PlanOp.PivotRoot, options.NoPivot ? "move the rootfs to / and chroot" : "pivot_root into the rootfs")
            .U64(options.NoPivot ? 1UL : 0UL);

        // Before the masked and read-only paths: the default spec makes /proc/sys read-only.
        foreach (var (key, value) in linux.Sysctl ?? [])
        {
            var file = "/proc/sys/" + key.Replace('.', '/');
            plan.Op(PlanOp.WriteFile, $"set sysctl {key}={value}").Str(file).Str(value);
        }
        if (process.OomScoreAdj is { } adj)
        {
            plan.Op(PlanOp.WriteFile, $"set oom_score_adj to {adj} (process.oomScoreAdj)").Str("/proc/self/oom_score_adj").Str(adj.ToString());
        }
        foreach (var path in linux.MaskedPaths ?? [])
        {
            plan.Op(PlanOp.Mask, $"mask {path} (linux.maskedPaths)").Str(path);
        }
        foreach (var path in linux.ReadonlyPaths ?? [])
        {
            plan.Op(PlanOp.Readonly, $"make {path} read-only (linux.readonlyPaths)").Str(path);
        }
        if (spec.Root!.Readonly)
        {
            Mount(plan, "remount the root read-only (root.readonly)", "", "/", "", MS_BIND | MS_REMOUNT | MS_RDONLY, "",
                MountHow.KeepLocked);
        }
        if (!string.IsNullOrEmpty(spec.Hostname))
        {
            plan.Op(PlanOp.SetHostname, $"set the hostname to {spec.Hostname}").Str(spec.Hostname);
        }
        if (!string.IsNullOrEmpty(spec.Domainname))
        {
            plan.Op(PlanOp.SetDomainname, $"set the domainname to {spec.Domainname}").Str(spec.Domainname);
        }
        var (rows, cols) = PlanProcess(plan, process, rootfs, PlanOp.Exec);
        return new InitPlan(bootstrap, plan, cloneFlags, process.Terminal, rows, cols);
    }

    /// <summary>
    /// `runa exec`: a process that joins every namespace of the running container's init
    /// (<paramref name="initPid"/>, as the host sees it) and runs at once. The cgroup is joined
    /// by runa-init's stage 0, which the host moves into the container's cgroup before the bootstrap.
    /// </summary>
    public static InitPlan BuildExec(Spec container, string rootfs, Oci.Process process, int initPid, ulong initStartTime)
    {
        var bootstrap = new OpList();
        var namespaces = container.Linux?.Namespaces ?? [];
        // The user namespace last: as host root we may join the others from where we stand, and
        // one the container joined by path may belong to an ancestor user namespace we would
        // have no rights in from inside the container's.
        foreach (var (type, flag) in NamespaceTypes.Ordered.Where(t => t.Type != "user").Append(NamespaceTypes.Ordered[0]))
        {
            if (namespaces.Any(n => n.Type == type))
            {
                var path = $"/proc/{initPid}/ns/{NamespaceTypes.ProcFile(type)}";
                bootstrap.Op(BootstrapOp.JoinNamespace, $"join the container's {type} namespace ({path})").U64(flag).Str(path);
            }
        }
        // Checked once the paths are open (joining waits until then): they were the init's.
        bootstrap.Op(BootstrapOp.SameProcess, $"check that the container's init (pid {initPid}) still runs").U64((ulong)initPid).U64(initStartTime);
        bootstrap.Op(BootstrapOp.CloneFlags, "start the process in the container").U64(0);
        var plan = new OpList();
        var (rows, cols) = PlanProcess(plan, process, rootfs, PlanOp.ExecNow);
        return new InitPlan(bootstrap, plan, 0, process.Terminal, rows, cols);
    }

    /// <summary>The process itself: limits, console, credentials, working directory, and the exec.</summary>
    private static (int Rows, int Cols) PlanProcess(OpList plan, Oci.Process process, string rootfs, PlanOp execOp)
    {
        foreach (var r in process.Rlimits ?? [])
        {
            RlimitNames.TryGet(r.Type, out var resource);
            plan.Op(PlanOp.SetRlimit, $"set {r.Type} to soft {r.Soft}, hard {r.Hard} (process.rlimits)")
                .U64((ulong)resource).U64(r.Soft).U64(r.Hard);
        }
        var rows = (int)(process.ConsoleSize?.Height ?? 0);
        var cols = (int)(process.ConsoleSize?.Width ?? 0);
        if (process.Terminal)
        {
            plan.Op(PlanOp.Console, "set up the console (process.terminal)").U64((ulong)rows).U64((ulong)cols);
        }

        var caps = process.Capabilities;
        plan.Op(PlanOp.CapsBounding, "drop capabilities from the bounding set (process.capabilities.bounding)")
            .U64(CapabilityNames.Mask(caps?.Bounding, "process.capabilities.bounding"));
        var user = process.User;
        var userOp = plan.Op(PlanOp.User, $"switch to uid {user.Uid} gid {user.Gid} (process.user)").U64(user.Uid).U64(user.Gid);
        foreach (var g in user.AdditionalGids ?? [])
        {
            userOp.U64(g);
        }
        plan.Op(PlanOp.Umask, "set the umask (process.user.umask)").U64(user.Umask ?? 0x12 /* 0022 */);
        plan.Op(PlanOp.Chdir, $"change to the working directory {process.Cwd} (process.cwd)").Str(process.Cwd);

        var env = BuildEnv(process, rootfs);
        var pathVar = env.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? DefaultPath;
        plan.Op(PlanOp.Resolve, $"find the executable {process.Args![0]} (process.args[0])").Str(process.Args[0]).Str(pathVar);
        plan.Op(PlanOp.Caps, "set the capabilities (process.capabilities)")
            .U64(CapabilityNames.Mask(caps?.Effective, "process.capabilities.effective"))
            .U64(CapabilityNames.Mask(caps?.Permitted, "process.capabilities.permitted"))
            .U64(CapabilityNames.Mask(caps?.Inheritable, "process.capabilities.inheritable"))
            .U64(CapabilityNames.Mask(caps?.Ambient, "process.capabilities.ambient"));
        if (process.NoNewPrivileges)
        {
            plan.Op(PlanOp.NoNewPrivs, "set no_new_privs (process.noNewPrivileges)");
        }
        plan.Op(PlanOp.Ready, "report ready");
        plan.Op(PlanOp.CloseLog, "close the log pipe");
        var exec = plan.Op(execOp, $"exec {process.Args[0]}").U64((ulong)process.Args.Count);
        foreach (var a in process.Args)
        {
            exec.Str(a);
        }
        foreach (var e in env)
        {
            exec.Str(e);
        }
        return (rows, cols);
    }

    private static OpList BuildBootstrap(Linux linux, out ulong cloneFlags)
    {
        var ops = new OpList();
        cloneFlags = 0;
        var namespaces = linux.Namespaces ?? [];
        foreach (var (type, flag) in NamespaceTypes.Ordered)
        {
            var n = namespaces.FirstOrDefault(x => x.Type == type);
            if (n is null)
            {
                continue;
            }
            if (string.IsNullOrEmpty(n.Path))
            {
                cloneFlags |= flag;
            }
            else
            {
                ops.Op(BootstrapOp.JoinNamespace, $"join the {type} namespace {n.Path}").U64(flag).Str(n.Path);
            }
        }
        ops.Op(BootstrapOp.CloneFlags, "clone the container init").U64(cloneFlags);
        if ((cloneFlags & NamespaceTypes.CLONE_NEWUSER) != 0)
        {
            ops.Op(BootstrapOp.UidMap, "write the uid map (linux.uidMappings)").Str(FormatMap(linux.UidMappings));
            ops.Op(BootstrapOp.GidMap, "write the gid map (linux.gidMappings)").Str(FormatMap(linux.GidMappings));
        }
        return ops;
    }

    private static string FormatMap(List<IdMapping>? maps) =>
        string.Concat((maps ?? []).Select(m => $"{m.ContainerId} {m.HostId} {m.Size}\n"));

    private static void Mount(OpList plan, string description, string source, string target, string fstype, ulong flags, string data, MountHow how) =>
        plan.Op(PlanOp.Mount, description).Str(source).Str(target).Str(fstype).U64(flags).Str(data).U64((ulong)how);

    private static void PlanMount(OpList plan, Oci.Mount m, int index, string bundle, bool newNet, PlanOptions options)
    {
        var field = $"mounts[{index}]";
        var o = MountOptions.Parse(m.Options);
        var dest = m.Destination;
        var type = m.Type ?? "";

        if (type == "sysfs" && !newNet)
        {
            // sysfs cannot be mounted outside a new network namespace: bind the host's, as runc does.
            o = o with { Bind = true, Recursive = true };
            m = new Oci.Mount { Destination = dest, Source = "/sys", Type = "bind", Options = m.Options };
        }
        if (o.Bind || type == "bind")
        {
            var source = m.Source!;
            source = Path.GetFullPath(Path.IsPathRooted(source) ? source : Path.Combine(bundle, source));
            if (Directory.Exists(source))
            {
                plan.Op(PlanOp.Mkdir, $"create the mount point {dest} ({field})").Str(dest).U64(0x1ed /* 0755 */);
            }
            else if (File.Exists(source))
            {
                plan.Op(PlanOp.Mkfile, $"create the mount point {dest} ({field})").Str(dest).U64(0x1a4 /* 0644 */);
            }
            else
            {
                throw new SpecException($"{field}.source", $"bind source {source} does not exist");
            }
            Mount(plan, $"bind {source} on {dest} ({field})", source, dest, "", MS_BIND | (o.Recursive ? MS_REC : 0), "", MountHow.TargetInRoot);
            if ((o.Flags & ~MS_REMOUNT) != 0)
            {
                // A bind mount ignores other flags: they take a remount (keeping what the kernel locks).
                Mount(plan, $"apply the options of {dest} ({field}.options)", "", dest, "", MS_BIND | MS_REMOUNT | o.Flags, "",
                    MountHow.TargetInRoot | MountHow.KeepLocked);
            }
        }
        else if (type == "cgroup")
        {
            PlanCgroupMount(plan, dest, field, o, options);
        }
        else
        {
            plan.Op(PlanOp.Mkdir, $"create the mount point {dest} ({field})").Str(dest).U64(0x1ed);
            Mount(plan, $"mount {type} on {dest} ({field})", m.Source ?? type, dest, type, o.Flags, o.Data, MountHow.TargetInRoot);
        }
        foreach (var p in o.Propagation)
        {
            Mount(plan, $"set the propagation of {dest} ({field}.options)", "", dest, "", p, "", MountHow.TargetInRoot);
        }
    }

    /// <summary>
    /// A v1 "cgroup" mount as runc makes it: a tmpfs with one read-only bind per controller of
    /// the container's own cgroup, so the container sees its limits and nothing of the host's tree.
    /// </summary>
    private static void PlanCgroupMount(OpList plan, string dest, string field, MountOptions o, PlanOptions options)
    {
        plan.Op(PlanOp.Mkdir, $"create the mount point {dest} ({field})").Str(dest).U64(0x1ed);
        Mount(plan, $"mount a tmpfs for cgroups on {dest} ({field})", "tmpfs", dest, "tmpfs",
            (o.Flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755", MountHow.TargetInRoot);
        foreach (var (controller, hostDir) in options.CgroupMounts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var sub = $"{dest.TrimEnd('/')}/{controller}";
            plan.Op(PlanOp.Mkdir, $"create {sub}").Str(sub).U64(0x1ed);
            Mount(plan, $"bind the container's {controller} cgroup on {sub}", hostDir, sub, "", MS_BIND | MS_REC, "", MountHow.TargetInRoot);
            Mount(plan, $"remount {sub} with its options", "", sub, "", MS_BIND | MS_REMOUNT | o.Flags | MS_NOSUID | MS_NODEV | MS_NOEXEC, "",
                MountHow.TargetInRoot | MountHow.KeepLocked);
        }
        if ((o.Flags & MS_RDONLY) != 0)
        {
            Mount(plan, $"remount {dest} read-only", "", dest, "tmpfs", MS_REMOUNT | o.Flags | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755",
                MountHow.TargetInRoot);
        }
    }

    private static void PlanDevices(OpList plan, Linux linux, bool userns)
    {
        var devices = s_defaultDevices
            .Select(d => new Device { Path = d.Path, Type = "c", Major = d.Major, Minor = d.Minor, FileMode = 0x1b6 /* 0666 */, Uid = 0, Gid = 0 })
            .ToList();
        foreach (var d in linux.Devices ?? [])
        {
            devices.RemoveAll(x => x.Path == d.Path);
            devices.Add(d);
        }
        plan.Op(PlanOp.Mkdir, "create /dev").Str("/dev").U64(0x1ed);
        foreach (var d in devices)
        {
            if (userns)
            {
                // mknod is not allowed in a user namespace: bind the host's node instead.
                plan.Op(PlanOp.Mkfile, $"create {d.Path}").Str(d.Path).U64(0x1a4);
                Mount(plan, $"bind the host's {d.Path}", d.Path, d.Path, "", MS_BIND, "", MountHow.TargetInRoot);
                continue;
            }
            var kind = d.Type switch { "b" => 0x6000u, "p" => 0x1000u, _ => 0x2000u };
            var mode = kind | (d.FileMode ?? 0x1b6) & 0xfff;
            var dev = MakeDev((ulong)d.Major, (ulong)d.Minor);
            plan.Op(PlanOp.Mknod, $"create the device {d.Path} ({d.Type} {d.Major}:{d.Minor})")
                .Str(d.Path).U64(mode).U64(dev).U64(d.Uid ?? 0).U64(d.Gid ?? 0);
        }
        foreach (var (target, link) in new[] { ("/proc/self/fd", "/dev/fd"), ("/proc/self/fd/0", "/dev/stdin"), ("/proc/self/fd/1", "/dev/stdout"), ("/proc/self/fd/2", "/dev/stderr"), ("pts/ptmx", "/dev/ptmx") })
        {
            plan.Op(PlanOp.Symlink, $"link {link} to {target}").Str(target).Str(link);
        }
    }

    /// <summary>glibc's makedev: the 64-bit dev_t layout.</summary>
    public static ulong MakeDev(ulong major, ulong minor) =>
        ((major & 0xfffff000UL) << 32) | ((major & 0xfffUL) << 8) | ((minor & 0xffffff00UL) << 12) | (minor & 0xffUL);

    /// <summary>process.env, plus HOME from the rootfs's /etc/passwd when unset (as runc does).</summary>
    private static List<string> BuildEnv(Oci.Process process, string rootfs)
    {
        var env = new List<string>(process.Env ?? []);
        if (!env.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal)))
        {
            env.Add("HOME=" + (HomeOf(rootfs, process.User.Uid) ?? "/"));
        }
        return env;
    }

    private static string? HomeOf(string rootfs, uint uid)
    {
        // The rootfs is untrusted: never follow a symlink out of it to read a host file.
        var etc = new DirectoryInfo(Path.Combine(rootfs, "etc"));
        var passwd = new FileInfo(Path.Combine(rootfs, "etc", "passwd"));
        if (!etc.Exists || etc.LinkTarget is not null || !passwd.Exists || passwd.LinkTarget is not null || passwd.Length > 1 << 20)
        {
            return null;
        }
        foreach (var line in File.ReadLines(passwd.FullName))
        {
            var f = line.Split(':');
            if (f.Length >= 6 && uint.TryParse(f[2], out var u) && u == uid)
            {
                return string.IsNullOrEmpty(f[5]) ? null : f[5];
            }
        }
        return null;
    }
}

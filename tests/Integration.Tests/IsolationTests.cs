using Runa.IntegrationTests.Harness;
using Runa.Runtime.Interop;
using Runa.Runtime.Oci;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>
/// What a container sees from the inside: each test runs a real busybox container with one
/// part of config.json set and checks, from within, that the kernel state matches it.
/// </summary>
public sealed class IsolationTests : IDisposable
{
    private readonly RunaHost _runa = new();

    public void Dispose() => _runa.Dispose();

    // ---- hostname, namespaces, the root -------------------------------------------------

    [IntegrationFact]
    public void Hostname_and_domainname_are_the_configured_ones_and_the_host_keeps_its_own()
    {
        Integration.Require();
        var hostBefore = File.ReadAllText("/proc/sys/kernel/hostname");
        var domainBefore = File.ReadAllText("/proc/sys/kernel/domainname");
        var r = RunScript("hostname; uname -n; cat /proc/sys/kernel/hostname /proc/sys/kernel/domainname", s =>
        {
            s.Hostname = "iso-box";
            s.Domainname = "example.test";
        });
        AssertOk(r);
        Assert.Equal("iso-box\niso-box\niso-box\nexample.test\n", r.Stdout);
        Assert.Equal(hostBefore, File.ReadAllText("/proc/sys/kernel/hostname"));
        Assert.Equal(domainBefore, File.ReadAllText("/proc/sys/kernel/domainname"));
    }

    [IntegrationFact]
    public void Pid_1_is_the_user_process_and_ps_shows_only_the_containers_processes()
    {
        Integration.Require();
        // The glob is expanded by pid 1 itself before anything else runs.
        const string script = "ps -o pid,comm; echo ---; echo /proc/[0-9]*; echo ---; cat /proc/1/cmdline; exit 0";
        var r = RunScript(script);
        AssertOk(r);
        var parts = r.Stdout.Split("---\n");
        Assert.Equal(3, parts.Length);
        var ps = parts[0].Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => l.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries))
            .Select(f => (Pid: int.Parse(f[0]), Comm: f[1].Trim()))
            .ToList();
        // sh as pid 1 and ps, its child: nothing of the host, nothing of runa.
        Assert.Equal(2, ps.Count);
        Assert.Contains((1, "sh"), ps);
        Assert.Contains(ps, p => p.Comm == "ps");
        Assert.Equal("/proc/1\n", parts[1]);
        Assert.Equal(string.Join('\0', new[] { "sh", "-c", script }) + "\0", parts[2]);
    }

    [IntegrationFact]
    public void The_container_init_is_pid_1_inside_and_another_pid_on_the_host()
    {
        Integration.Require();
        using var bundle = Bundle("touch /out/ready; exec sleep 300", WithOut);
        var outDir = OutDir(bundle);
        using var c = RunDetached(bundle, Path.Combine(outDir, "ready"));
        Assert.NotEqual(1, c.Pid);
        var nspid = Processes.StatusLine(c.Pid, "NSpid:");
        Assert.Equal(new[] { c.Pid.ToString(), "1" }, nspid["NSpid:".Length..].Split('\t', StringSplitOptions.RemoveEmptyEntries));
        foreach (var ns in new[] { "pid", "mnt", "uts", "ipc", "net", "cgroup" })
        {
            Assert.NotEqual(new FileInfo($"/proc/self/ns/{ns}").LinkTarget, new FileInfo($"/proc/{c.Pid}/ns/{ns}").LinkTarget);
        }
    }

    [IntegrationFact]
    public void A_mount_made_inside_the_container_is_not_visible_on_the_host()
    {
        Integration.Require();
        var marker = "marker-" + Guid.NewGuid().ToString("N")[..10];
        using var bundle = Bundle($"mount -t tmpfs {marker} /mnt && echo inside > /mnt/file && touch /out/ready; exec sleep 300", s =>
        {
            WithOut(s);
            AddCaps(s, "CAP_SYS_ADMIN");
        });
        Directory.CreateDirectory(Path.Combine(bundle.Rootfs, "mnt"));
        var outDir = OutDir(bundle);
        using var c = RunDetached(bundle, Path.Combine(outDir, "ready"));
        // The mount exists in the container's namespace ...
        Assert.Contains(marker, File.ReadAllText($"/proc/{c.Pid}/mountinfo"));
        Assert.Equal("inside\n", File.ReadAllText($"/proc/{c.Pid}/root/mnt/file"));
        // ... and nowhere on the host: not in its mount table, not over the rootfs directory.
        Assert.DoesNotContain(marker, File.ReadAllText("/proc/self/mountinfo"));
        Assert.DoesNotContain(marker, File.ReadAllText("/proc/1/mountinfo"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(bundle.Rootfs, "mnt")));
    }

    [IntegrationFact]
    public void The_containers_root_is_the_rootfs_and_host_paths_are_not_visible()
    {
        Integration.Require();
        using var bundle = Bundle("", _ => { });
        File.WriteAllText(Path.Combine(bundle.Rootfs, "marker"), "in the rootfs\n");
        // Paths that exist on the host but not in the rootfs.
        var hostOnly = new[] { bundle.Dir, Path.Combine(bundle.Dir, "config.json"), AppContext.BaseDirectory, "/etc/os-release" };
        Assert.All(hostOnly, p => Assert.True(Path.Exists(p), $"{p} should exist on the host"));
        SetScript(bundle, "cat /marker; " + string.Join("; ", hostOnly.Select(p => $"test -e '{p}' && echo 'visible {p}'")) + "; exit 0");
        var r = _runa.Run("run", "-b", bundle.Dir, _runa.NewId());
        AssertOk(r);
        Assert.Equal("in the rootfs\n", r.Stdout);
    }

    // ---- process: env, user, umask, cwd -------------------------------------------------

    [IntegrationFact]
    public void The_environment_is_exactly_process_env_plus_HOME_from_etc_passwd()
    {
        Integration.Require();
        // /proc/1/environ is what pid 1 was exec'd with: nothing of runa's own environment
        // (the harness gives runa RUNA_OUT and RUNA_ERR) may leak into it. (`exit 0` keeps the
        // shell from exec'ing cat as its last command: pid 1 stays the shell.)
        var r = RunScript("cat /proc/1/environ; exit 0", s => s.Process!.Env = ["PATH=/bin:/sbin", "FOO=bar baz", "EMPTY="]);
        AssertOk(r);
        Assert.Equal(new[] { "EMPTY=", "FOO=bar baz", "HOME=/root", "PATH=/bin:/sbin" },
            r.Stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

        var own = RunScript("cat /proc/1/environ; exit 0", s => s.Process!.Env = ["PATH=/bin", "HOME=/elsewhere"]);
        AssertOk(own);
        Assert.Equal(new[] { "HOME=/elsewhere", "PATH=/bin" },
            own.Stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    [IntegrationFact]
    public void Args0_is_resolved_through_the_PATH_of_process_env()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s => s.Process!.Args = ["which-one"]));
        foreach (var dir in new[] { "a", "b" })
        {
            var path = Path.Combine(bundle.Rootfs, "opt", dir, "which-one");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, $"#!/bin/sh\necho from {dir}\n");
            File.SetUnixFileMode(path, (UnixFileMode)0x1ed /* 0755 */);
        }
        foreach (var (pathVar, expected) in new[] { ("/opt/b:/opt/a:/bin", "from b\n"), ("/opt/a:/opt/b:/bin", "from a\n"), ("/nonexistent:/opt/a:/bin", "from a\n") })
        {
            bundle.Spec.Process!.Env = ["PATH=" + pathVar];
            bundle.Save();
            var r = _runa.Run("run", "-b", bundle.Dir, _runa.NewId());
            AssertOk(r);
            Assert.Equal(expected, r.Stdout);
        }
        bundle.Spec.Process!.Env = ["PATH=/bin"];
        bundle.Save();
        var missing = _runa.Run("run", "-b", bundle.Dir, _runa.NewId());
        Assert.Equal(127, missing.ExitCode);
        // The text log quotes the message (msg="..."), escaping its quotes, as runc's does.
        Assert.Contains("exec: \"which-one\": executable file not found in $PATH", missing.Stderr.Replace("\\\"", "\""));
    }

    [IntegrationFact]
    public void Process_user_sets_uid_gid_additional_groups_HOME_and_the_owner_of_created_files()
    {
        Integration.Require();
        _runa.Umask = "022"; // an engine's usual umask, whatever the test runner's
        using var bundle = Bundle("id; echo $HOME; grep -E '^(Uid|Gid|Groups):' /proc/1/status; echo hi > /out/by-user; stat -c %u:%g /out/by-user", s =>
        {
            WithOut(s);
            s.Process!.User = new User { Uid = 1000, Gid = 1000, AdditionalGids = [2000] };
        });
        var outDir = OutDir(bundle, worldWritable: true);
        var r = _runa.Run("run", "-b", bundle.Dir, _runa.NewId());
        AssertOk(r);
        Assert.Equal(
            "uid=1000(user) gid=1000(user) groups=2000(extra)\n" +
            "/home/user\n" +
            "Uid:\t1000\t1000\t1000\t1000\n" +
            "Gid:\t1000\t1000\t1000\t1000\n" +
            "Groups:\t2000 \n" +
            "1000:1000\n",
            r.Stdout);
        Assert.Equal("1000:1000", HostStat("%u:%g", Path.Combine(outDir, "by-user")));
    }

    [IntegrationTheory]
    [InlineData("000")]
    [InlineData("022")]
    [InlineData("077")]
    public void A_non_root_user_container_runs_whatever_the_umask_of_runas_caller(string umask)
    {
        Integration.Require();
        // runa's own files (the exec fifo the init opens after switching user) must not depend on
        // the caller's umask: runc creates its fifo under umask 0.
        _runa.Umask = umask;
        var r = RunScript("id -u; umask", s => s.Process!.User = new User { Uid = 1000, Gid = 1000 });
        AssertOk(r);
        Assert.Equal("1000\n0022\n", r.Stdout);
    }

    [IntegrationFact]
    public void The_umask_is_process_user_umask_and_0022_by_default()
    {
        Integration.Require();
        // /dev/shm is a tmpfs: writable although the root is read-only.
        const string script = "umask; touch /dev/shm/f; stat -c %a /dev/shm/f";
        var given = RunScript(script, s => s.Process!.User.Umask = 0x3f /* 0077 */);
        AssertOk(given);
        Assert.Equal("0077\n600\n", given.Stdout);
        var byDefault = RunScript(script);
        AssertOk(byDefault);
        Assert.Equal("0022\n644\n", byDefault.Stdout);
    }

    [IntegrationFact]
    public void The_working_directory_is_process_cwd_inside_the_rootfs()
    {
        Integration.Require();
        using var bundle = Bundle("pwd > /out/cwd; readlink /proc/self/cwd >> /out/cwd; cat marker >> /out/cwd; touch /out/ready; exec sleep 300", s =>
        {
            WithOut(s);
            s.Process!.Cwd = "/home/user";
        });
        File.WriteAllText(Path.Combine(bundle.Rootfs, "home", "user", "marker"), "the rootfs's home/user\n");
        var outDir = OutDir(bundle);
        using var c = RunDetached(bundle, Path.Combine(outDir, "ready"));
        Assert.Equal("/home/user\n/home/user\nthe rootfs's home/user\n", File.ReadAllText(Path.Combine(outDir, "cwd")));
        // Seen from the host, the init's cwd is the rootfs's directory (its root is the rootfs).
        Assert.Equal("the rootfs's home/user\n", File.ReadAllText($"/proc/{c.Pid}/cwd/marker"));
        Assert.Equal("the rootfs's home/user\n", File.ReadAllText($"/proc/{c.Pid}/root/home/user/marker"));
    }

    [IntegrationFact]
    public void A_missing_cwd_is_created_in_the_rootfs_as_runc_does()
    {
        Integration.Require();
        // runc (libcontainer's createCwd) makes a missing process.cwd, even under a read-only root.
        using var bundle = Bundle("pwd", s => s.Process!.Cwd = "/work/dir");
        var r = _runa.Run("run", "-b", bundle.Dir, _runa.NewId());
        AssertOk(r);
        Assert.Equal("/work/dir\n", r.Stdout);
        Assert.True(Directory.Exists(Path.Combine(bundle.Rootfs, "work", "dir")));
    }

    // ---- the filesystem: read-only root, masked and read-only paths ---------------------

    [IntegrationFact]
    public void A_read_only_root_refuses_writes_while_a_tmpfs_mount_stays_writable()
    {
        Integration.Require();
        using var bundle = Bundle("touch /written 2>&1; echo status=$?; echo ok > /tmp/f && cat /tmp/f", s =>
        {
            s.Root!.Readonly = true;
            s.Mounts!.Add(new Mount { Destination = "/tmp", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "nodev"] });
        });
        var r = _runa.Run("run", "-b", bundle.Dir, _runa.NewId());
        AssertOk(r);
        Assert.Equal("touch: /written: Read-only file system\nstatus=1\nok\n", r.Stdout);
        Assert.False(File.Exists(Path.Combine(bundle.Rootfs, "written")));
    }

    [IntegrationFact]
    public void A_writable_root_accepts_writes_that_land_in_the_rootfs()
    {
        Integration.Require();
        using var bundle = Bundle("echo data > /written && cat /written", s => s.Root!.Readonly = false);
        var r = _runa.Run("run", "-b", bundle.Dir, _runa.NewId());
        AssertOk(r);
        Assert.Equal("data\n", r.Stdout);
        Assert.Equal("data\n", File.ReadAllText(Path.Combine(bundle.Rootfs, "written")));
    }

    [IntegrationFact]
    public void Masked_files_read_as_dev_null_and_masked_directories_are_empty_and_read_only()
    {
        Integration.Require();
        // /proc/kcore (runc's classic example) does not exist on this kernel: /proc/keys and
        // /proc/acpi, masked by the default spec too, do; plus a file and a directory of the rootfs.
        Assert.True(File.Exists("/proc/keys") && Directory.Exists("/proc/acpi"), "this test needs /proc/keys and /proc/acpi on the host");
        using var bundle = Bundle(
            "for f in /etc/secret /proc/keys; do stat -c '%n %F %t:%T' $f; wc -c < $f; done; " +
            "for d in /secrets /proc/acpi; do echo $d $(ls -A $d | wc -l); touch $d/new 2>&1; done; " +
            "echo x > /etc/secret 2>&1 && wc -c < /etc/secret",
            s => s.Linux!.MaskedPaths!.AddRange(["/etc/secret", "/secrets"]));
        File.WriteAllText(Path.Combine(bundle.Rootfs, "etc", "secret"), "s3cret\n");
        Directory.CreateDirectory(Path.Combine(bundle.Rootfs, "secrets"));
        File.WriteAllText(Path.Combine(bundle.Rootfs, "secrets", "key"), "k3y\n");
        var r = _runa.Run("run", "-b", bundle.Dir, _runa.NewId());
        AssertOk(r);
        Assert.Equal(
            "/etc/secret character special file 1:3\n0\n" +
            "/proc/keys character special file 1:3\n0\n" +
            "/secrets 0\ntouch: /secrets/new: Read-only file system\n" +
            "/proc/acpi 0\ntouch: /proc/acpi/new: Read-only file system\n" +
            "0\n", // writing to the masked file goes to /dev/null
            r.Stdout);
        Assert.Equal("s3cret\n", File.ReadAllText(Path.Combine(bundle.Rootfs, "etc", "secret")));
    }

    [IntegrationFact]
    public void Readonly_paths_refuse_writes()
    {
        Integration.Require();
        using var bundle = Bundle(
            "{ echo other > /proc/sys/kernel/hostname; } 2>&1; touch /data/f 2>&1; touch /elsewhere && echo elsewhere-ok",
            s =>
            {
                s.Root!.Readonly = false;
                s.Linux!.ReadonlyPaths!.Add("/data");
            });
        Directory.CreateDirectory(Path.Combine(bundle.Rootfs, "data"));
        var r = _runa.Run("run", "-b", bundle.Dir, _runa.NewId());
        AssertOk(r);
        Assert.Equal(
            "sh: can't create /proc/sys/kernel/hostname: Read-only file system\n" +
            "touch: /data/f: Read-only file system\n" +
            "elsewhere-ok\n",
            r.Stdout);
        Assert.False(File.Exists(Path.Combine(bundle.Rootfs, "data", "f")));
    }

    // ---- privileges: capabilities, no_new_privs, rlimits, oom_score_adj ------------------

    [IntegrationFact]
    public void The_default_capabilities_are_the_three_of_runa_spec_and_no_more()
    {
        Integration.Require();
        // CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29).
        var r = RunScript("grep ^Cap /proc/1/status; ip link set lo up 2>&1; exit 0");
        AssertOk(r);
        Assert.Equal(
            "CapInh:\t0000000000000000\n" +
            "CapPrm:\t0000000020000420\n" +
            "CapEff:\t0000000020000420\n" +
            "CapBnd:\t0000000020000420\n" +
            "CapAmb:\t0000000000000000\n" +
            "ip: SIOCSIFFLAGS: Operation not permitted\n",
            r.Stdout);
    }

    [IntegrationFact]
    public void Adding_CAP_NET_ADMIN_sets_its_bit_and_grants_it()
    {
        Integration.Require();
        var r = RunScript("grep ^Cap /proc/1/status; ip link set lo up && echo lo-up", s => AddCaps(s, "CAP_NET_ADMIN"));
        AssertOk(r);
        Assert.Equal(
            "CapInh:\t0000000000000000\n" +
            "CapPrm:\t0000000020001420\n" +
            "CapEff:\t0000000020001420\n" +
            "CapBnd:\t0000000020001420\n" +
            "CapAmb:\t0000000000000000\n" +
            "lo-up\n",
            r.Stdout);
    }

    [IntegrationFact]
    public void A_non_root_user_keeps_exactly_its_inheritable_and_ambient_capabilities()
    {
        Integration.Require();
        _runa.Umask = "022"; // an engine's usual umask, whatever the test runner's
        // For a non-root user exec keeps only the ambient set: all five sets show distinct values.
        var r = RunScript("grep ^Cap /proc/1/status", s =>
        {
            s.Process!.User = new User { Uid = 1000, Gid = 1000 };
            var caps = s.Process.Capabilities!;
            caps.Bounding!.Add("CAP_NET_ADMIN");
            caps.Effective = ["CAP_NET_ADMIN"];
            caps.Permitted = ["CAP_NET_ADMIN"];
            caps.Inheritable = ["CAP_NET_ADMIN"];
            caps.Ambient = ["CAP_NET_ADMIN"];
        });
        AssertOk(r);
        Assert.Equal(
            "CapInh:\t0000000000001000\n" +
            "CapPrm:\t0000000000001000\n" +
            "CapEff:\t0000000000001000\n" +
            "CapBnd:\t0000000020001420\n" +
            "CapAmb:\t0000000000001000\n",
            r.Stdout);
    }

    [IntegrationFact]
    public void No_new_privileges_is_set_as_configured()
    {
        Integration.Require();
        var on = RunScript("grep ^NoNewPrivs /proc/1/status", s => s.Process!.NoNewPrivileges = true);
        AssertOk(on);
        Assert.Equal("NoNewPrivs:\t1\n", on.Stdout);
        var off = RunScript("grep ^NoNewPrivs /proc/1/status", s => s.Process!.NoNewPrivileges = false);
        AssertOk(off);
        Assert.Equal("NoNewPrivs:\t0\n", off.Stdout);
    }

    [IntegrationFact]
    public void Rlimits_set_the_soft_and_hard_limits()
    {
        Integration.Require();
        var r = RunScript("ulimit -n; ulimit -Hn; grep 'Max open files' /proc/1/limits", s =>
            s.Process!.Rlimits = [new Rlimit { Type = "RLIMIT_NOFILE", Soft = 1000, Hard = 2000 }]);
        AssertOk(r);
        var lines = r.Stdout.Split('\n');
        Assert.Equal("1000", lines[0]);
        Assert.Equal("2000", lines[1]);
        Assert.Matches(@"^Max open files\s+1000\s+2000\s+files\s*$", lines[2]);
    }

    [IntegrationFact]
    public void An_rlimit_above_what_runa_may_grant_fails_clearly_and_leaves_nothing()
    {
        Integration.Require();
        // Root here lacks CAP_SYS_RESOURCE: the hard RLIMIT_NOFILE cannot be raised past 20000.
        var hostHard = File.ReadAllLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        using var bundle = Bundle("true", s => s.Process!.Rlimits = [new Rlimit { Type = "RLIMIT_NOFILE", Soft = 1024, Hard = 30000 }]);
        foreach (var command in new[] { "create", "run" })
        {
            var id = _runa.NewId();
            var r = _runa.Run(command, "-b", bundle.Dir, id);
            Assert.True(r.ExitCode != 0, $"runa {command} with a hard RLIMIT_NOFILE of 30000 should fail ({hostHard})\nstdout: {r.Stdout}\nstderr: {r.Stderr}");
            Assert.Contains("process.rlimits", r.Stderr);
            Assert.Contains("RLIMIT_NOFILE", r.Stderr);
            Assert.Contains("Operation not permitted", r.Stderr);
            AssertNothingLeft(id);
        }
    }

    [IntegrationFact]
    public void A_positive_oom_score_adj_is_applied()
    {
        Integration.Require();
        var r = RunScript("cat /proc/1/oom_score_adj", s => s.Process!.OomScoreAdj = 500);
        AssertOk(r);
        Assert.Equal("500\n", r.Stdout);
    }

    // ---- sysctl -------------------------------------------------------------------------

    [IntegrationFact]
    public void Sysctls_are_applied_although_the_default_spec_makes_proc_sys_read_only()
    {
        Integration.Require();
        // runc writes linux.sysctl before it makes the readonlyPaths (/proc/sys) read-only.
        var hostBefore = File.ReadAllText("/proc/sys/net/ipv4/ip_forward");
        var r = RunScript("cat /proc/sys/net/ipv4/ip_forward", s =>
        {
            Assert.Contains("/proc/sys", s.Linux!.ReadonlyPaths!);
            s.Linux.Sysctl = new Dictionary<string, string> { ["net.ipv4.ip_forward"] = "1" };
        });
        AssertOk(r);
        Assert.Equal("1\n", r.Stdout);
        Assert.Equal(hostBefore, File.ReadAllText("/proc/sys/net/ipv4/ip_forward"));
    }

    [IntegrationFact]
    public void Net_and_ipc_sysctls_are_applied_in_the_containers_namespaces()
    {
        Integration.Require();
        var hostForward = File.ReadAllText("/proc/sys/net/ipv4/ip_forward");
        var hostMsgmax = File.ReadAllText("/proc/sys/kernel/msgmax");
        var r = RunScript("cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax", s =>
        {
            s.Linux!.ReadonlyPaths!.Remove("/proc/sys");
            s.Linux.Sysctl = new Dictionary<string, string> { ["net.ipv4.ip_forward"] = "1", ["kernel.msgmax"] = "4096" };
        });
        AssertOk(r);
        Assert.Equal("1\n4096\n", r.Stdout);
        Assert.Equal(hostForward, File.ReadAllText("/proc/sys/net/ipv4/ip_forward"));
        Assert.Equal(hostMsgmax, File.ReadAllText("/proc/sys/kernel/msgmax"));
    }

    [IntegrationFact]
    public void A_sysctl_that_is_not_namespaced_is_rejected_at_create()
    {
        Integration.Require();
        var hostPanic = File.ReadAllText("/proc/sys/kernel/panic");
        using var bundle = Bundle("true", s => s.Linux!.Sysctl = new Dictionary<string, string> { ["kernel.panic"] = "7" });
        var id = _runa.NewId();
        _runa.Run("create", "-b", bundle.Dir, id).Fails("linux.sysctl.kernel.panic");
        AssertNothingLeft(id);
        Assert.Equal(hostPanic, File.ReadAllText("/proc/sys/kernel/panic"));
    }

    // ---- devices and cgroups ------------------------------------------------------------

    [IntegrationFact]
    public void The_default_devices_exist_with_their_numbers_and_the_standard_links()
    {
        Integration.Require();
        var r = RunScript(
            "for d in null zero full random urandom tty; do stat -c '%n %F %t:%T %a' /dev/$d; done; " +
            "for l in ptmx fd stdin stdout stderr; do echo /dev/$l $(readlink /dev/$l); done; " +
            "echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | od -An -tx1; head -c 16 /dev/urandom | wc -c; " +
            "{ echo x > /dev/full; } 2>&1; echo status=$?");
        Assert.Equal(
            "/dev/null character special file 1:3 666\n" +
            "/dev/zero character special file 1:5 666\n" +
            "/dev/full character special file 1:7 666\n" +
            "/dev/random character special file 1:8 666\n" +
            "/dev/urandom character special file 1:9 666\n" +
            "/dev/tty character special file 5:0 666\n" +
            "/dev/ptmx pts/ptmx\n" +
            "/dev/fd /proc/self/fd\n" +
            "/dev/stdin /proc/self/fd/0\n" +
            "/dev/stdout /proc/self/fd/1\n" +
            "/dev/stderr /proc/self/fd/2\n" +
            "null-ok\n" +
            " 00 00 00 00\n" +
            "16\n" +
            "sh: write error: No space left on device\n" +
            "status=1\n",
            r.Stdout);
        AssertOk(r);
    }

    [IntegrationFact]
    public void A_block_device_the_devices_cgroup_does_not_allow_cannot_be_opened()
    {
        Integration.Require();
        var (major, minor) = HostBlockDevice();
        // mknod of any node is allowed (as with runc): only using one that is not allowed is denied.
        var r = RunScript($"mknod /dev/blk b {major} {minor} && echo made; head -c 1 /dev/blk > /dev/null 2>/dev/shm/err; echo status=$?; cat /dev/shm/err",
            s => AddCaps(s, "CAP_MKNOD"));
        AssertOk(r);
        Assert.Equal("made\nstatus=1\nhead: /dev/blk: Operation not permitted\n", r.Stdout);
    }

    [IntegrationFact]
    public void A_device_in_linux_devices_is_created_and_allowed()
    {
        Integration.Require();
        var (major, minor) = HostBlockDevice();
        var r = RunScript("stat -c '%F %t:%T %a %u:%g' /dev/blk; head -c 1 /dev/blk > /dev/null; echo status=$?", s =>
            s.Linux!.Devices = [new Device { Path = "/dev/blk", Type = "b", Major = major, Minor = minor, FileMode = 0x180 /* 0600 */, Uid = 0, Gid = 5 }]);
        AssertOk(r);
        Assert.Equal($"block special file {major:x}:{minor:x} 600 0:5\nstatus=0\n", r.Stdout);
    }

    [IntegrationFact]
    public void The_cgroup_mount_shows_the_containers_own_cgroups_read_only()
    {
        Integration.Require();
        var r = RunScript(
            "cat /sys/fs/cgroup/pids/pids.max; grep -x 1 /sys/fs/cgroup/pids/cgroup.procs; " +
            "find /sys/fs/cgroup/pids -mindepth 1 -type d | wc -l; " +
            "{ echo 5 > /sys/fs/cgroup/pids/pids.max; } 2>&1; mkdir /sys/fs/cgroup/pids/sub 2>&1; touch /sys/fs/cgroup/x 2>&1; " +
            "grep :pids: /proc/self/cgroup | cut -d: -f3; cat /sys/fs/cgroup/pids/pids.max",
            s => s.Linux!.Resources!.Pids = new PidsResources { Limit = 42 });
        AssertOk(r);
        Assert.Equal(
            "42\n" +          // the container's own limit, not the host's root cgroup ("max")
            "1\n" +           // its init, in its own pid numbering
            "0\n" +           // no child cgroups: none of the host's tree is visible
            "sh: can't create /sys/fs/cgroup/pids/pids.max: Read-only file system\n" +
            "mkdir: can't create directory '/sys/fs/cgroup/pids/sub': Read-only file system\n" +
            "touch: /sys/fs/cgroup/x: Read-only file system\n" +
            "/\n" +           // the cgroup namespace roots the container at its own cgroup
            "42\n",
            r.Stdout);
    }

    // ---- hygiene ------------------------------------------------------------------------

    [IntegrationFact]
    public void Pid_1_has_only_stdin_stdout_and_stderr_open()
    {
        Integration.Require();
        // $$ is the shell, pid 1: ls lists the shell's fds, not its own.
        var r = RunScript("echo $$; ls /proc/$$/fd; exit 0");
        AssertOk(r);
        Assert.Equal("1\n0\n1\n2\n", r.Stdout);
    }

    [IntegrationFact]
    public void Pid_1_has_only_stdio_open_after_create_and_start()
    {
        Integration.Require();
        // The waiting init holds the sync socket, the exec fifo and the rootfs: none may survive start.
        using var bundle = Bundle("exec > /out/fds 2>&1; ls /proc/$$/fd; touch /out/ready; exec sleep 300", WithOut);
        var outDir = OutDir(bundle);
        var id = _runa.NewId();
        _runa.Run("create", "-b", bundle.Dir, id).Ok();
        var pid = _runa.State(id).GetProperty("pid").GetInt32();
        using var init = Processes.Open(pid);
        Assert.Contains(Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"), f => int.Parse(Path.GetFileName(f)) > 2);
        _runa.Run("start", id).Ok();
        Processes.WaitForFile(Path.Combine(outDir, "ready"));
        Assert.Equal("0\n1\n2\n", File.ReadAllText(Path.Combine(outDir, "fds")));
        Assert.Equal(new[] { "0", "1", "2" }, Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Select(Path.GetFileName).Order());
        _runa.Run("delete", "--force", id).Ok();
        Processes.WaitForExit(init, "delete --force to kill the container", timeoutMs: 0);
    }

    [IntegrationFact]
    public void A_created_containers_init_runs_from_a_sealed_memfd_that_cannot_be_opened_for_writing()
    {
        Integration.Require();
        var hostInit = Path.Combine(AppContext.BaseDirectory, "runa-init");
        Assert.True(File.Exists(hostInit), $"runa-init should be next to runa at {hostInit}");
        var before = File.ReadAllBytes(hostInit);
        using var bundle = Bundle("exec sleep 300", _ => { });
        var id = _runa.NewId();
        _runa.Run("create", "-b", bundle.Dir, id).Ok();
        var pid = _runa.State(id).GetProperty("pid").GetInt32();
        using var init = Processes.Open(pid);

        // CVE-2019-5736: a container that could write its init's executable would overwrite the host binary.
        Assert.Equal("/memfd:runa-init (deleted)", new FileInfo($"/proc/{pid}/exe").LinkTarget);
        var write = Assert.ThrowsAny<IOException>(() => new FileStream($"/proc/{pid}/exe", FileMode.Open, FileAccess.Write).Dispose());
        Assert.Contains("busy", write.Message, StringComparison.OrdinalIgnoreCase);
        Assert.ThrowsAny<IOException>(() => new FileStream($"/proc/{pid}/exe", FileMode.Open, FileAccess.ReadWrite).Dispose());
        // The host's runa-init is not reachable from the container's root.
        Assert.False(Path.Exists($"/proc/{pid}/root{hostInit}"));
        Assert.False(Path.Exists($"/proc/{pid}/root{AppContext.BaseDirectory}"));

        _runa.Run("start", id).Ok();
        Assert.Equal("/bin/busybox", new FileInfo($"/proc/{pid}/exe").LinkTarget);
        _runa.Run("delete", "--force", id).Ok();
        Processes.WaitForExit(init, "delete --force to kill the container", timeoutMs: 0);
        Assert.Equal(before, File.ReadAllBytes(hostInit));
    }

    [IntegrationFact]
    public void The_host_path_of_runa_init_is_not_visible_inside()
    {
        Integration.Require();
        var hostInit = Path.Combine(AppContext.BaseDirectory, "runa-init");
        var r = RunScript($"test -e '{hostInit}' && echo visible; test -e '{AppContext.BaseDirectory}' && echo dir-visible; ls /proc/1/exe -l | sed 's/.*-> //'");
        AssertOk(r);
        Assert.Equal("/bin/busybox\n", r.Stdout);
    }

    // ---- helpers ------------------------------------------------------------------------

    /// <summary>A bundle whose process is `sh -c script`; configure runs after that.</summary>
    private BusyboxBundle Bundle(string script, Action<Spec> configure) =>
        _runa.Track(new BusyboxBundle(s =>
        {
            s.Process!.Args = ["sh", "-c", script];
            configure(s);
        }));

    private static void SetScript(BusyboxBundle bundle, string script)
    {
        bundle.Spec.Process!.Args = ["sh", "-c", script];
        bundle.Save();
    }

    /// <summary>Runs `sh -c script` in a fresh container in the foreground.</summary>
    private RunaResult RunScript(string script, Action<Spec>? configure = null)
    {
        using var bundle = Bundle(script, configure ?? (_ => { }));
        return _runa.Run("run", "-b", bundle.Dir, _runa.NewId());
    }

    private static void AssertOk(RunaResult r) => r.Ok();

    /// <summary>Mounts the bundle's "out" directory at /out, for files the host waits on.</summary>
    private static void WithOut(Spec s) =>
        s.Mounts!.Add(new Mount { Destination = "/out", Type = "bind", Source = "out", Options = ["rbind", "rw"] });

    private static string OutDir(BusyboxBundle bundle, bool worldWritable = false)
    {
        var dir = Directory.CreateDirectory(Path.Combine(bundle.Dir, "out")).FullName;
        if (worldWritable)
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0x1ff /* 0777 */);
        }
        return dir;
    }

    private static void AddCaps(Spec s, params string[] caps)
    {
        var c = s.Process!.Capabilities!;
        foreach (var cap in caps)
        {
            c.Bounding!.Add(cap);
            c.Effective!.Add(cap);
            c.Permitted!.Add(cap);
        }
    }

    private void AssertNothingLeft(string id)
    {
        Assert.Equal("", _runa.Run("list", "-q").Ok().Stdout);
        Assert.False(Directory.Exists(Path.Combine(_runa.Root, id)), $"state directory of {id} left behind");
        Assert.Empty(Leftovers.Of(id, _runa.Root));
    }

    /// <summary>A container started with `run -d` that has written its ready file; killed and deleted on dispose.</summary>
    private Detached RunDetached(BusyboxBundle bundle, string readyFile)
    {
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        var pid = _runa.State(id).GetProperty("pid").GetInt32();
        var detached = new Detached(_runa, id, pid, Processes.Open(pid));
        try
        {
            Processes.WaitForFile(readyFile);
        }
        catch
        {
            detached.Dispose();
            throw;
        }
        return detached;
    }

    private sealed class Detached(RunaHost runa, string id, int pid, SafeFd pidfd) : IDisposable
    {
        public string Id => id;

        public int Pid => pid;

        /// <summary>
        /// Deletes the container without asserting, so a failing test keeps its own failure; the
        /// harness's leak check reports a container this did not remove.
        /// </summary>
        public void Dispose()
        {
            using (pidfd)
            {
                runa.Run("delete", "--force", id);
                Sys.PollReadable(pidfd, 10_000);
            }
        }
    }

    /// <summary>
    /// A block device the host itself can open. (This machine's disk, /dev/vda, refuses even the
    /// host with EPERM, so a loop device stands in: opening an unbound one succeeds and reads nothing.)
    /// </summary>
    private static (long Major, long Minor) HostBlockDevice()
    {
        const string path = "/dev/loop0";
        Assert.True(File.Exists(path), $"this test needs {path} (a block device the host can open)");
        using (File.OpenRead(path))
        {
        }
        var numbers = HostStat("%t:%T", path).Split(':');
        return (Convert.ToInt64(numbers[0], 16), Convert.ToInt64(numbers[1], 16));
    }

    /// <summary>stat(1) of a host path (uid, gid, mode are not in System.IO).</summary>
    private static string HostStat(string format, string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("stat") { RedirectStandardOutput = true, ArgumentList = { "-c", format, path } };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return output;
    }
}

using Runa.IntegrationTests.Harness;
using Runa.Runtime.Oci;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>A container in a user namespace of its own, root inside mapped to an unprivileged range outside.</summary>
public sealed class UserNamespaceTests : IDisposable
{
    private const uint HostBase = 100000;
    private const uint Size = 65536;

    private readonly RunaHost _runa = new();

    public void Dispose() => _runa.Dispose();

    [IntegrationFact]
    public void Root_inside_is_the_mapped_uid_outside()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s =>
        {
            // stdout goes to a file the harness removes once runa returns: the script reports in /out.
            s.Process!.Args = ["sh", "-c",
                "exec > /out/result.tmp 2>&1; id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; mv /out/result.tmp /out/result; exec sleep 300"];
            s.Linux!.Namespaces!.Add(new Namespace { Type = "user" });
            s.Linux.UidMappings = [new IdMapping { ContainerId = 0, HostId = HostBase, Size = Size }];
            s.Linux.GidMappings = [new IdMapping { ContainerId = 0, HostId = HostBase, Size = Size }];
            s.Mounts!.Add(new Mount { Destination = "/out", Type = "bind", Source = "out", Options = ["rbind", "rw"] });
        }));
        // As an engine prepares it: the rootfs belongs to root inside, uid 100000 outside.
        Chown(bundle.Rootfs);
        var outDir = Directory.CreateDirectory(Path.Combine(bundle.Dir, "out")).FullName;
        // Root inside is uid 100000 outside: the shared directory is its own.
        File.SetUnixFileMode(outDir, (UnixFileMode)0x1ff /* 0777 */);
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        try
        {
            var pid = _runa.State(id).GetProperty("pid").GetInt32();
            Processes.WaitForFile(Path.Combine(outDir, "result"));
            var lines = File.ReadAllLines(Path.Combine(outDir, "result"));
            Assert.Equal("0", lines[0]);
            Assert.Equal("0", lines[1]);
            Assert.Equal(new[] { "0", HostBase.ToString(), Size.ToString() }, lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(new[] { "0", HostBase.ToString(), Size.ToString() }, lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            // Seen from the host, the container's root is the unprivileged uid.
            Assert.StartsWith($"Uid:\t{HostBase}\t", Processes.StatusLine(pid, "Uid:"));
            Assert.NotEqual(new FileInfo("/proc/self/ns/user").LinkTarget, new FileInfo($"/proc/{pid}/ns/user").LinkTarget);
        }
        finally
        {
            _runa.Run("delete", "--force", id);
        }
        Assert.Empty(Leftovers.Of(id, _runa.Root));
    }

    [IntegrationFact]
    public void Exec_joins_the_containers_user_namespace_too()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s =>
        {
            s.Process!.Args = ["sleep", "300"];
            s.Linux!.Namespaces!.Add(new Namespace { Type = "user" });
            s.Linux.UidMappings = [new IdMapping { ContainerId = 0, HostId = HostBase, Size = Size }];
            s.Linux.GidMappings = [new IdMapping { ContainerId = 0, HostId = HostBase, Size = Size }];
        }));
        Chown(bundle.Rootfs);
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        try
        {
            var pid = _runa.State(id).GetProperty("pid").GetInt32();
            var r = _runa.Run("exec", id, "sh", "-c", "id -u; cat /proc/self/uid_map; [ \"$(readlink /proc/self/ns/user)\" = \"$(readlink /proc/1/ns/user)\" ] && echo same");
            Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
            var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("0", lines[0]);
            Assert.Equal(new[] { "0", HostBase.ToString(), Size.ToString() }, lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal("same", lines[2]);

            // A uid given to exec is the container's: 1000 inside is HostBase + 1000 outside.
            var pidFile = Path.Combine(bundle.Dir, "exec.pid");
            _runa.Run("exec", "-d", "--pid-file", pidFile, "-u", "1000:1000", id, "sleep", "300").Ok();
            var execPid = int.Parse(File.ReadAllText(pidFile));
            Assert.StartsWith($"Uid:\t{HostBase + 1000}\t", Processes.StatusLine(execPid, "Uid:"));
            Assert.Equal(new FileInfo($"/proc/{pid}/ns/user").LinkTarget, new FileInfo($"/proc/{execPid}/ns/user").LinkTarget);
        }
        finally
        {
            _runa.Run("delete", "--force", id);
        }
        Assert.Empty(Leftovers.Of(id, _runa.Root));
    }

    private static void Chown(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("chown") { ArgumentList = { "-R", "-h", $"{HostBase}:{HostBase}", path } };
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }
}

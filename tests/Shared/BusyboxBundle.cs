using System.Diagnostics;
using System.Text.Json;
using Runa.Runtime.Oci;

namespace Runa.Tests;

/// <summary>
/// An OCI bundle whose rootfs is Debian's static busybox with its applets linked, plus an
/// /etc/passwd and /etc/group. Built fresh per test under /tmp, removed on Dispose.
/// </summary>
public sealed class BusyboxBundle : IDisposable
{
    private static readonly Lazy<string[]> s_applets = new(ListApplets);

    public BusyboxBundle(Action<Spec>? configure = null)
    {
        Dir = Path.Combine(Path.GetTempPath(), "runa-test-bundles", Guid.NewGuid().ToString("N")[..12]);
        Rootfs = Path.Combine(Dir, "rootfs");
        BuildRootfs(Rootfs);
        Spec = DefaultSpec.Create(terminal: false);
        Spec.Process!.Args = ["sh", "-c", "echo hello"];
        configure?.Invoke(Spec);
        Save();
    }

    public string Dir { get; }

    public string Rootfs { get; }

    public Spec Spec { get; }

    /// <summary>Path of a static busybox on this machine (apt-get install busybox-static).</summary>
    public static string Busybox =>
        new[] { "/bin/busybox", "/usr/bin/busybox" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("busybox is not installed (apt-get install -y busybox-static)");

    public void Save() =>
        File.WriteAllText(Path.Combine(Dir, "config.json"), JsonSerializer.Serialize(Spec, OciJson.Default.Spec));

    public static void BuildRootfs(string rootfs)
    {
        foreach (var d in new[] { "bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "root", "home/user", "var", "run" })
        {
            Directory.CreateDirectory(Path.Combine(rootfs, d));
        }
        File.Copy(Busybox, Path.Combine(rootfs, "bin", "busybox"));
        foreach (var applet in s_applets.Value)
        {
            if (applet != "busybox")
            {
                File.CreateSymbolicLink(Path.Combine(rootfs, "bin", applet), "busybox");
            }
        }
        File.WriteAllText(Path.Combine(rootfs, "etc", "passwd"),
            "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        File.WriteAllText(Path.Combine(rootfs, "etc", "group"), "root:x:0:\ntty:x:5:\nuser:x:1000:\nextra:x:2000:user\nnogroup:x:65534:\n");
    }

    private static string[] ListApplets()
    {
        var psi = new ProcessStartInfo(Busybox, "--list") { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var list = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        p.WaitForExit();
        return list;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

using Runa.IntegrationTests.Harness;
using Runa.Runtime.Oci;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>Mount types and options of config.json as the container sees them.</summary>
public sealed class MountOptionTests : IDisposable
{
    private readonly RunaHost _runa = new();

    public void Dispose() => _runa.Dispose();

    [IntegrationFact]
    public void Dev_mqueue_is_an_mqueue_mount()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s => s.Process!.Args = ["sh", "-c", "grep mqueue /proc/self/mounts"]));
        Assert.Contains(bundle.Spec.Mounts!, m => m.Type == "mqueue");
        var r = _runa.Run("run", "-b", bundle.Dir, _runa.NewId()).Ok();
        var fields = Assert.Single(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Split(' ');
        Assert.Equal("/dev/mqueue", fields[1]);
        Assert.Equal("mqueue", fields[2]);
        Assert.Contains("nosuid", fields[3].Split(','));
    }

    [IntegrationFact]
    public void A_ro_bind_mount_refuses_writes_and_an_rw_one_takes_them()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s =>
        {
            // Root inside has CAP_DAC_OVERRIDE: only the mount's read-only flag can refuse it.
            s.Process!.Args = ["sh", "-c",
                "echo x > /ro/written 2>/dev/null; echo ro=$?; echo y > /rw/written; echo rw=$?; " +
                "grep -E ' /(ro|rw) ' /proc/self/mounts | cut -d' ' -f2,4 | cut -d, -f1"];
            s.Mounts!.Add(new Mount { Destination = "/ro", Type = "bind", Source = "ro-src", Options = ["rbind", "ro"] });
            s.Mounts!.Add(new Mount { Destination = "/rw", Type = "bind", Source = "rw-src", Options = ["rbind", "rw"] });
        }));
        var ro = Directory.CreateDirectory(Path.Combine(bundle.Dir, "ro-src")).FullName;
        var rw = Directory.CreateDirectory(Path.Combine(bundle.Dir, "rw-src")).FullName;
        var r = _runa.Run("run", "-b", bundle.Dir, _runa.NewId()).Ok();
        Assert.Equal("ro=1\nrw=0\n/ro ro\n/rw rw\n", r.Stdout);
        Assert.False(File.Exists(Path.Combine(ro, "written")));
        Assert.Equal("y\n", File.ReadAllText(Path.Combine(rw, "written")));
    }
}

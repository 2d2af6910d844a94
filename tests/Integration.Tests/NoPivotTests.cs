using Runa.IntegrationTests.Harness;
using Runa.Runtime.Oci;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>`--no-pivot`: the rootfs becomes / by MS_MOVE and chroot instead of pivot_root.</summary>
public sealed class NoPivotTests : IDisposable
{
    private const string Script =
        "hostname; cat /marker; test -e /bin/busybox && echo busybox; " +
        "awk '$5 == \"/\" { print \"root mount\" }' /proc/self/mountinfo | sort -u; exit 0";

    private readonly RunaHost _runa = new();

    public void Dispose() => _runa.Dispose();

    /// <summary>A host path must not be visible inside; <paramref name="prefix"/> goes before the script.</summary>
    private BusyboxBundle Bundle(string hostPath, string prefix = "")
    {
        var bundle = _runa.Track(new BusyboxBundle(s =>
        {
            s.Process!.Args = ["sh", "-c", prefix + $"test -e '{hostPath}' && echo 'visible {hostPath}'; " + Script];
            s.Hostname = "nopivot";
            s.Mounts!.Add(new Mount { Destination = "/out", Type = "bind", Source = "out", Options = ["rbind", "rw"] });
        }));
        Directory.CreateDirectory(Path.Combine(bundle.Dir, "out"));
        File.WriteAllText(Path.Combine(bundle.Rootfs, "marker"), "in the rootfs\n");
        return bundle;
    }

    private const string Expected = "nopivot\nin the rootfs\nbusybox\nroot mount\n";

    [IntegrationFact]
    public void Run_with_no_pivot_runs_in_the_rootfs()
    {
        Integration.Require();
        using var bundle = Bundle(AppContext.BaseDirectory);
        var id = _runa.NewId();
        var r = _runa.Run("run", "--no-pivot", "-b", bundle.Dir, id).Ok();
        Assert.Equal(Expected, r.Stdout);
        AssertNothingLeft(id);
    }

    [IntegrationFact]
    public void Create_with_no_pivot_then_start_runs_in_the_rootfs()
    {
        Integration.Require();
        // A created container keeps runa's stdio, which the harness removes: it writes to /out.
        using var bundle = Bundle(AppContext.BaseDirectory, "exec > /out/result 2>&1; ");
        var id = _runa.NewId();
        _runa.Run("create", "--no-pivot", "-b", bundle.Dir, id).Ok();
        try
        {
            var pid = _runa.State(id).GetProperty("pid").GetInt32();
            using var init = Processes.Open(pid);
            _runa.Run("start", id).Ok();
            Processes.WaitForExit(init, "the container to exit");
            Assert.Equal("stopped", _runa.Status(id));
            Assert.Equal(Expected, File.ReadAllText(Path.Combine(bundle.Dir, "out", "result")));
            _runa.Run("delete", id).Ok();
            AssertNothingLeft(id);
        }
        finally
        {
            _runa.Run("delete", "--force", id);
        }
    }

    private void AssertNothingLeft(string id)
    {
        Assert.Equal("", _runa.Run("list", "-q").Ok().Stdout);
        Assert.Empty(Leftovers.Of(id, _runa.Root));
    }
}

using Runa.IntegrationTests.Harness;
using Runa.Runtime.Interop;
using Runa.Runtime.Oci;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>`runa kill --all`: every process of the container gets the signal, not only its init.</summary>
public sealed class KillAllTests : IDisposable
{
    private readonly RunaHost _runa = new();

    public void Dispose() => _runa.Dispose();

    // Without a pid namespace the kernel does not kill the rest when init dies, so only
    // --all can reach the background child; with one, the test checks --all is harmless.
    [IntegrationTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Kill_all_with_KILL_ends_the_init_and_its_background_child(bool pidNamespace)
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s =>
        {
            s.Process!.Args = ["sh", "-c", "sleep 1000 & echo $! > /out/child.tmp; mv /out/child.tmp /out/child; wait"];
            s.Mounts!.Add(new Mount { Destination = "/out", Type = "bind", Source = "out", Options = ["rbind", "rw"] });
            if (!pidNamespace)
            {
                s.Linux!.Namespaces!.RemoveAll(n => n.Type == "pid");
            }
        }));
        var outDir = Directory.CreateDirectory(Path.Combine(bundle.Dir, "out")).FullName;
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        try
        {
            var pid = _runa.State(id).GetProperty("pid").GetInt32();
            Processes.WaitForFile(Path.Combine(outDir, "child"));
            // The child's host pid: the only child of the init (its own pid may be namespaced).
            var children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var childPid = int.Parse(Assert.Single(children));
            using var init = Processes.Open(pid);
            using var child = Processes.Open(childPid);
            Assert.Equal("sleep", File.ReadAllText($"/proc/{childPid}/comm").Trim());
            Assert.Equal(2, Leftovers.Processes(id).Count());

            _runa.Run("kill", "--all", id, "9").Ok();
            Processes.WaitForExit(init, "the init to die of kill --all");
            Processes.WaitForExit(child, "the background child to die of kill --all");
            Assert.Empty(Leftovers.Processes(id));
            Assert.Equal("stopped", _runa.Status(id));

            _runa.Run("delete", id).Ok();
            Assert.Equal("", _runa.Run("list", "-q").Ok().Stdout);
            Assert.Empty(Leftovers.Of(id, _runa.Root));
        }
        finally
        {
            // Without asserting: a failing test keeps its own failure; the harness reports leftovers.
            _runa.Run("delete", "--force", id);
        }
    }
}

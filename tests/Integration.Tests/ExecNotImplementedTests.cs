using Runa.IntegrationTests.Harness;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>`runa exec` is later work: until then it must say so plainly and leave the container alone.</summary>
public sealed class ExecNotImplementedTests : IDisposable
{
    private readonly RunaHost _runa = new();

    public void Dispose() => _runa.Dispose();

    [IntegrationFact]
    public void Exec_fails_with_not_implemented_and_the_container_keeps_running()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s => s.Process!.Args = ["sleep", "300"]));
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        try
        {
            var pid = _runa.State(id).GetProperty("pid").GetInt32();
            var processFile = Path.Combine(bundle.Dir, "process.json");
            File.WriteAllText(processFile, """{"args":["sh","-c","touch /exec-ran"],"cwd":"/","user":{"uid":0,"gid":0}}""");
            var pidFile = Path.Combine(bundle.Dir, "exec.pid");

            _runa.Run("exec", id, "sh", "-c", "touch /exec-ran").Fails("exec is not implemented yet", exitCode: 1);
            // As containerd's shim and podman call it.
            _runa.Run("exec", "--process", processFile, "--detach", "--pid-file", pidFile, id).Fails("exec is not implemented yet", exitCode: 1);

            Assert.False(File.Exists(pidFile));
            Assert.False(File.Exists(Path.Combine(bundle.Rootfs, "exec-ran")));
            var state = _runa.State(id);
            Assert.Equal("running", state.GetProperty("status").GetString());
            Assert.Equal(pid, state.GetProperty("pid").GetInt32());
            Assert.Equal(new[] { pid }, Leftovers.Processes(id));
        }
        finally
        {
            _runa.Run("delete", "--force", id);
        }
    }
}

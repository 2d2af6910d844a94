using Runa.IntegrationTests.Harness;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>The CLI as a daemon client: found through RUNA_HOST, its stdin passed to the container.</summary>
public sealed class DaemonClientTests : IDisposable
{
    private readonly RunaHost _runa = new(RunaMode.Daemon);

    public void Dispose() => _runa.Dispose();

    [IntegrationFact]
    public void RUNA_HOST_alone_sends_commands_to_the_daemon()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s => s.Process!.Args = ["sleep", "300"]));
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        // Another --root: embedded, runa would see no container there; only the daemon knows this one.
        var otherRoot = _runa.Root + "-other";
        try
        {
            var viaEnvironment = _runa.Run(new RunaCall
            {
                HostFlag = false,
                Root = otherRoot,
                Environment = new Dictionary<string, string> { ["RUNA_HOST"] = _runa.Daemon!.Address },
            }, "list", "-q").Ok();
            var embedded = _runa.Run(new RunaCall { HostFlag = false, Root = otherRoot }, "list", "-q").Ok();

            Assert.Equal(id + "\n", viaEnvironment.Stdout);
            Assert.Equal("", embedded.Stdout);
        }
        finally
        {
            if (Directory.Exists(otherRoot))
            {
                Directory.Delete(otherRoot, recursive: true);
            }
        }
        _runa.Run("delete", "--force", id).Ok();
    }

    [IntegrationFact]
    public void A_foreground_run_through_the_daemon_reads_the_clients_stdin()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s => s.Process!.Args = ["sh", "-c", "read line; echo got $line; exit 7"]));
        var input = Path.Combine(bundle.Dir, "stdin");
        File.WriteAllText(input, "hello from the client\n");

        var result = _runa.Run(new RunaCall { Stdin = input }, "run", "-b", bundle.Dir, _runa.NewId());

        Assert.True(result.ExitCode == 7, $"exit {result.ExitCode}: {result.Stderr}");
        Assert.Equal("got hello from the client\n", result.Stdout);
    }
}

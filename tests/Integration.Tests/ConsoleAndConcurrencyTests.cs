using System.Net.Sockets;
using System.Text;
using Runa.IntegrationTests.Harness;
using Runa.Runtime.Interop;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>The console handed to --console-socket, and many runa processes on one --root at once.</summary>
public sealed class ConsoleAndConcurrencyTests : IDisposable
{
    private readonly RunaHost _runa = new();

    public void Dispose() => _runa.Dispose();

    [IntegrationFact]
    public void A_terminal_container_hands_its_pty_master_to_the_console_socket()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s =>
        {
            s.Process!.Terminal = true;
            s.Process.ConsoleSize = new Runtime.Oci.ConsoleSize { Height = 40, Width = 100 };
            s.Process.Args = ["sh", "-c", "echo on $(tty) size $(stty size); read line; echo got $line"];
        }));
        var socketPath = Path.Combine(bundle.Dir, "console.sock");
        // The test plays the engine (conmon, containerd-shim): it listens and receives the master.
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);
        var id = _runa.NewId();
        var accepted = listener.AcceptAsync();
        _runa.Run("create", "-b", bundle.Dir, "--console-socket", socketPath, id).Ok();
        Assert.True(accepted.Wait(TimeSpan.FromSeconds(10)), "runa never connected to the console socket");
        using var connection = accepted.Result;
        var fds = new List<SafeFd>();
        var buffer = new byte[256];
        using (var handle = new SafeFd((int)connection.Handle, ownsHandle: false))
        {
            Assert.True(Sys.PollReadable(handle, 10_000), "nothing arrived on the console socket");
            Sys.ReceivePacket(handle, buffer, fds);
        }
        Assert.Single(fds);
        using var master = fds[0];

        using var init = Processes.Open(_runa.State(id).GetProperty("pid").GetInt32());
        _runa.Run("start", id).Ok();
        var output = Pty.ReadUntil(master, "size 40 100");
        Assert.Contains("on /dev/pts/0", output);
        // Input typed on the master reaches the container's stdin.
        Sys.WriteAll(master, Encoding.ASCII.GetBytes("hi-there\n"));
        Assert.Contains("got hi-there", Pty.ReadUntil(master, "got hi-there"));
        Processes.WaitForExit(init, "the console container to finish");
        _runa.Run("delete", id).Ok();
    }

    [IntegrationFact]
    public void Run_in_the_foreground_relays_the_pty_to_the_callers_terminal()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s =>
        {
            s.Process!.Terminal = true;
            s.Process.Args = ["sh", "-c", "echo tty is $(tty); stty size; exit 4"];
        }));
        var id = _runa.NewId();
        // util-linux script gives runa a real terminal (of a known size) as its stdio.
        var psi = new System.Diagnostics.ProcessStartInfo("script") { RedirectStandardOutput = true, RedirectStandardInput = true };
        psi.ArgumentList.Add("-qec");
        psi.ArgumentList.Add($"stty rows 33 cols 77; exec {RunaHost.Binary} --root {_runa.Root} run -b {bundle.Dir} {id}");
        psi.ArgumentList.Add("/dev/null");
        using var script = System.Diagnostics.Process.Start(psi)!;
        script.StandardInput.Close();
        var output = script.StandardOutput.ReadToEndAsync();
        Assert.True(script.WaitForExit(30_000), "runa run under a terminal did not finish");
        Assert.Equal(4, script.ExitCode);
        Assert.Contains("tty is /dev/pts/0", output.Result);
        Assert.Contains("33 77", output.Result);
    }

    [IntegrationFact]
    public void Concurrent_runa_processes_on_one_root_keep_the_state_whole()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s => s.Process!.Args = ["sleep", "300"]));
        var ids = Enumerable.Range(0, 8).Select(_ => _runa.NewId("c")).ToList();
        var creates = ids.Select(id => Task.Run(() => _runa.Run("create", "-b", bundle.Dir, id))).ToArray();
        Task.WaitAll(creates);
        foreach (var r in creates)
        {
            r.Result.Ok();
        }
        Assert.Equal(ids.Order(), _runa.Run("list", "-q").Ok().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());

        // Six processes race to create one id: exactly one wins, the others are told it exists.
        var contested = _runa.NewId("race");
        var racers = Enumerable.Range(0, 6).Select(_ => Task.Run(() => _runa.Run("create", "-b", bundle.Dir, contested))).ToArray();
        Task.WaitAll(racers);
        Assert.Equal(1, racers.Count(r => r.Result.ExitCode == 0));
        Assert.All(racers.Where(r => r.Result.ExitCode != 0), r => Assert.Contains($"container with id {contested} already exists", r.Result.Stderr));
        Assert.Equal("created", _runa.Status(contested));

        // Concurrent starts and deletes of different containers, then nothing is left.
        var starts = ids.Select(id => Task.Run(() => _runa.Run("start", id))).ToArray();
        Task.WaitAll(starts);
        Assert.All(starts, s => s.Result.Ok());
        Assert.All(ids, id => Assert.Equal("running", _runa.Status(id)));
        var deletes = ids.Append(contested).Select(id => Task.Run(() => _runa.Run("delete", "--force", id))).ToArray();
        Task.WaitAll(deletes);
        Assert.All(deletes, d => d.Result.Ok());
        Assert.Equal("", _runa.Run("list", "-q").Ok().Stdout);
    }
}

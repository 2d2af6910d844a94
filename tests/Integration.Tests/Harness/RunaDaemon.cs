using System.Diagnostics;
using Runa.Runtime.Interop;
using Xunit;

namespace Runa.IntegrationTests.Harness;

/// <summary>
/// `runa daemon` as a child process of the test: started, waited for (its "listening on" log
/// line), its output kept for assertions, stopped with SIGTERM. Disposing stops it if it runs
/// and checks that it removed its socket.
/// </summary>
public sealed class RunaDaemon : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly object _gate = new();
    private bool _exited;

    private RunaDaemon(Process process, string socket)
    {
        _process = process;
        Socket = socket;
    }

    public string Socket { get; }

    public string Address => "unix://" + Socket;

    public int Pid => _process.Id;

    /// <summary>Everything the daemon logged so far.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>
    /// Starts `runa --root ROOT daemon --socket SOCKET ARGS` (after <paramref name="wrapper"/>, a
    /// command that execs it, e.g. unshare) and waits until it listens.
    /// </summary>
    public static RunaDaemon Start(string root, string socket, string[]? args = null, string[]? wrapper = null)
    {
        var argv = new List<string>(wrapper ?? []) { RunaHost.Binary, "--root", root, "daemon", "--socket", socket };
        argv.AddRange(args ?? []);
        var psi = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = "/",
        };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        var daemon = new RunaDaemon(new Process { StartInfo = psi, EnableRaisingEvents = true }, socket);
        daemon._process.OutputDataReceived += (_, e) => daemon.Line(e.Data);
        daemon._process.ErrorDataReceived += (_, e) => daemon.Line(e.Data);
        daemon._process.Exited += (_, _) =>
        {
            lock (daemon._gate)
            {
                daemon._exited = true;
                Monitor.PulseAll(daemon._gate);
            }
        };
        daemon._process.Start();
        daemon._process.BeginOutputReadLine();
        daemon._process.BeginErrorReadLine();
        try
        {
            daemon.WaitForLine("listening on", TimeSpan.FromSeconds(30));
        }
        catch
        {
            if (!daemon._process.HasExited)
            {
                daemon._process.Kill();
            }
            daemon._process.WaitForExit();
            daemon._process.Dispose();
            throw;
        }
        return daemon;
    }

    private void Line(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            _lines.Add(line);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Waits for a line of the daemon's output containing <paramref name="text"/>.</summary>
    public string WaitForLine(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (true)
            {
                if (_lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
                {
                    return line;
                }
                var left = deadline - DateTime.UtcNow;
                if (_exited || left <= TimeSpan.Zero)
                {
                    Assert.Fail($"the daemon {(_exited ? "exited" : "did not log")} \"{text}\" {(_exited ? "first" : $"within {timeout.TotalSeconds}s")}; its output:\n{string.Join('\n', _lines)}");
                }
                Monitor.Wait(_gate, left);
            }
        }
    }

    /// <summary>Waits for the daemon to exit (after a signal the test sent).</summary>
    public void WaitForExit(int timeoutMs = 30_000) =>
        Assert.True(_process.WaitForExit(timeoutMs), $"the daemon did not exit within {timeoutMs} ms; its output:\n{Output}");

    /// <summary>SIGTERM, then waits for a clean exit (status 0) and checks the socket is gone.</summary>
    public void Stop(int timeoutMs = 30_000)
    {
        if (_process.HasExited)
        {
            return;
        }
        Sys.Kill(_process.Id, 15);
        if (!_process.WaitForExit(timeoutMs))
        {
            _process.Kill();
            Assert.Fail($"the daemon did not stop within {timeoutMs} ms of SIGTERM; its output:\n{Output}");
        }
        _process.WaitForExit(); // the output readers drain
        Assert.True(_process.ExitCode == 0, $"the daemon exited {_process.ExitCode} after SIGTERM; its output:\n{Output}");
        Assert.False(File.Exists(Socket), $"the daemon left its socket {Socket} behind");
    }

    /// <summary>SIGKILL, as a crash or an OOM kill would end it: no shutdown of any kind.</summary>
    public void Kill9(int timeoutMs = 30_000)
    {
        if (_process.HasExited)
        {
            return;
        }
        Sys.Kill(_process.Id, 9);
        Assert.True(_process.WaitForExit(timeoutMs), "the daemon survived SIGKILL");
        _process.WaitForExit();
    }

    /// <summary>What the daemon process holds now: resident memory, threads, open fds (from /proc).</summary>
    public (long RssKiB, int Threads, int Fds) Usage()
    {
        var status = File.ReadAllLines($"/proc/{Pid}/status");
        long Field(string name) => long.Parse(status.First(l => l.StartsWith(name + ":", StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0]);
        return (Field("VmRSS"), (int)Field("Threads"), Directory.GetFileSystemEntries($"/proc/{Pid}/fd").Length);
    }

    public void Dispose()
    {
        try
        {
            Stop();
        }
        finally
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }
            _process.Dispose();
        }
    }
}

using System.Diagnostics;
using Xunit;

namespace Runa.IntegrationTests.Harness;

/// <summary>
/// A runa process under way. Output goes to files, not pipes: a created container keeps runa's
/// stdio (it is the caller's, by design), so a pipe would not reach EOF while the container lives.
/// </summary>
public sealed class RunningRuna : IDisposable
{
    private readonly DirectoryInfo _output;
    private readonly Process _process;
    private readonly string[] _args;

    public RunningRuna(string binary, string root, string workingDirectory, string[] args, string? umask = null)
    {
        _args = args;
        _output = Directory.CreateTempSubdirectory("runa-out-");
        StdoutPath = Path.Combine(_output.FullName, "stdout");
        StderrPath = Path.Combine(_output.FullName, "stderr");
        // Exist before the shell's redirections do, so a waiter can read them at once.
        File.WriteAllText(StdoutPath, "");
        File.WriteAllText(StderrPath, "");
        var psi = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = workingDirectory,
            Environment = { ["RUNA_OUT"] = StdoutPath, ["RUNA_ERR"] = StderrPath },
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add((umask is null ? "" : $"umask {umask} && ") + "exec \"$0\" \"$@\" < /dev/null > \"$RUNA_OUT\" 2> \"$RUNA_ERR\"");
        psi.ArgumentList.Add(binary);
        psi.ArgumentList.Add("--root");
        psi.ArgumentList.Add(root);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        _process = Process.Start(psi)!;
    }

    public string StdoutPath { get; }

    public string StderrPath { get; }

    /// <summary>Waits (inotify on the output file, with a deadline) until stdout contains <paramref name="text"/>.</summary>
    public void WaitForOutput(string text, int timeoutMs = 15_000)
    {
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(StdoutPath)!, Path.GetFileName(StdoutPath));
        using var changed = new AutoResetEvent(false);
        watcher.Changed += (_, _) => changed.Set();
        watcher.EnableRaisingEvents = true;
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!File.ReadAllText(StdoutPath).Contains(text, StringComparison.Ordinal))
        {
            var left = (int)(deadline - Environment.TickCount64);
            Assert.True(left > 0 && !_process.HasExited || File.ReadAllText(StdoutPath).Contains(text, StringComparison.Ordinal),
                $"runa {string.Join(' ', _args)} did not print \"{text}\" (exited: {_process.HasExited}); stderr: {File.ReadAllText(StderrPath)}");
            changed.WaitOne(Math.Max(1, Math.Min(left, 1000)));
        }
    }

    public RunaResult Wait(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"runa {string.Join(' ', _args)} did not finish within {timeout.TotalSeconds}s");
        }
        _process.WaitForExit();
        return new RunaResult(_args, _process.ExitCode, File.ReadAllText(StdoutPath), File.ReadAllText(StderrPath));
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
        _output.Delete(recursive: true);
    }
}

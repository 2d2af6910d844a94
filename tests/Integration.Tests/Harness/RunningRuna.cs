using System.Diagnostics;
using Xunit;

namespace Runa.IntegrationTests.Harness;

/// <summary>
/// A `runa` invocation under way; its pid is runa's own (the shell that set up its stdio exec'd
/// it). Output goes to files, not pipes: a created container keeps runa's stdio (it is the
/// caller's, by design), so a pipe would not reach EOF while the container lives.
/// <paramref name="diagnostics"/> adds what else explains a hang (the daemon's log) to a timeout's failure.
/// </summary>
public sealed class RunningRuna(Process process, DirectoryInfo output, string[] args, Func<string>? diagnostics = null) : IDisposable
{
    public int Pid => process.Id;

    public string StdoutPath => Path.Combine(output.FullName, "stdout");

    public string StderrPath => Path.Combine(output.FullName, "stderr");

    /// <summary>Waits (inotify on the output file, with a deadline) until stdout contains <paramref name="text"/>.</summary>
    public void WaitForOutput(string text, int timeoutMs = 15_000) =>
        WaitForOutput(o => o.Contains(text, StringComparison.Ordinal), $"print \"{text}\"", timeoutMs);

    /// <summary>Waits (inotify on the output file, with a deadline) until <paramref name="done"/> holds for stdout; returns stdout.</summary>
    public string WaitForOutput(Func<string, bool> done, string what, int timeoutMs = 15_000)
    {
        using var watcher = new FileSystemWatcher(output.FullName, "stdout");
        using var changed = new AutoResetEvent(false);
        watcher.Changed += (_, _) => changed.Set();
        watcher.EnableRaisingEvents = true;
        var deadline = Environment.TickCount64 + timeoutMs;
        string stdout;
        while (!done(stdout = File.ReadAllText(StdoutPath)))
        {
            var left = (int)(deadline - Environment.TickCount64);
            Assert.True(left > 0 && !process.HasExited || done(File.ReadAllText(StdoutPath)),
                $"runa {string.Join(' ', args)} did not {what} (exited: {process.HasExited}); stdout: {File.ReadAllText(StdoutPath)}\nstderr: {File.ReadAllText(StderrPath)}");
            changed.WaitOne(Math.Max(1, Math.Min(left, 1000)));
        }
        return stdout;
    }

    /// <summary>Waits for it to finish and returns what it did.</summary>
    public RunaResult Wait(TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"runa {string.Join(' ', args)} did not finish within {timeout.TotalSeconds}s; its stdout: {File.ReadAllText(StdoutPath)}\nits stderr: {File.ReadAllText(StderrPath)}\n{diagnostics?.Invoke()}");
        }
        process.WaitForExit();
        return new RunaResult(args, process.ExitCode, File.ReadAllText(StdoutPath), File.ReadAllText(StderrPath));
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.Dispose();
        output.Delete(recursive: true);
    }
}

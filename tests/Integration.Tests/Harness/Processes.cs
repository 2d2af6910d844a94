using Runa.Runtime.Interop;
using Xunit;

namespace Runa.IntegrationTests.Harness;

/// <summary>Waiting on container processes through events (pidfds, inotify) with deadlines.</summary>
public static class Processes
{
    /// <summary>A pidfd on a container process; it becomes readable when the process exits.</summary>
    public static SafeFd Open(int pid) => Sys.PidfdOpen(pid);

    public static void WaitForExit(SafeFd pidfd, string what, int timeoutMs = 10_000) =>
        Assert.True(Sys.PollReadable(pidfd, timeoutMs), $"timed out after {timeoutMs} ms waiting for {what}");

    /// <summary>
    /// Waits for a file a container writes, through an inotify watch of its directory. A file
    /// whose content matters must be written elsewhere and renamed into place: creation alone
    /// fires before the writer has written.
    /// </summary>
    public static void WaitForFile(string path, int timeoutMs = 10_000)
    {
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path));
        var created = new ManualResetEventSlim();
        watcher.Created += (_, _) => created.Set();
        watcher.Changed += (_, _) => created.Set();
        watcher.Renamed += (_, _) => created.Set();
        watcher.EnableRaisingEvents = true;
        if (!File.Exists(path))
        {
            Assert.True(created.Wait(timeoutMs), $"timed out after {timeoutMs} ms waiting for {path}");
        }
    }

    /// <summary>The line of /proc/PID/status that starts with <paramref name="field"/> (e.g. "Uid:").</summary>
    public static string StatusLine(int pid, string field) =>
        File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith(field, StringComparison.Ordinal));
}

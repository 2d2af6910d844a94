using System.Text;
using Runa.Runtime.Interop;
using Xunit;

namespace Runa.Native.Tests.Launch;

/// <summary>
/// Sys.Spawn with source fds numbered exactly where staging copies would land: the first free
/// numbers above the highest target. (The fixed numbers 10..15 of the old scheme cannot be
/// borrowed here: the test host holds them, one being its socket to the runner, and they are
/// replayed on a model in <see cref="SpawnFdMovesTests"/>.)
/// </summary>
public sealed class SpawnFdNumberTests
{
    private const int F_DUPFD_CLOEXEC = 1030;

    [Fact]
    public void A_child_gets_the_right_fds_when_the_sources_sit_just_above_the_targets()
    {
        var (read1, write1) = Sys.Pipe();
        var (read2, write2) = Sys.Pipe();
        var (read3, write3) = Sys.Pipe();
        using var _r1 = read1;
        using var _r2 = read2;
        using var _r3 = read3;
        using var devnull = Sys.Open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC);
        var (outRead, outWrite) = Sys.Pipe();
        using var _or = outRead;
        // F_DUPFD takes the lowest free number from its floor on, atomically: nothing of this
        // process is overwritten.
        using (var a = DupFrom(write1, 300))
        using (var b = DupFrom(write2, a.Fd + 1))
        using (var c = DupFrom(write3, b.Fd + 1))
        {
            write1.Dispose();
            write2.Dispose();
            write3.Dispose();
            // Targets 3 .. a-1, so a staging area right above them starts at a.
            var fds = Enumerable.Repeat(devnull, a.Fd - 3 - 3).Concat([c, a, b]).ToList();
            var last = 3 + fds.Count - 1;
            var script = $"for n in 3 {last - 3} {last - 2} {last - 1} {last}; do readlink /proc/$$/fd/$n; done";
            int pid;
            using (outWrite)
            {
                pid = Sys.Spawn("/bin/sh", ["sh", "-c", script], [], fds, [devnull, outWrite, outWrite]);
            }
            using (var child = Sys.PidfdOpen(pid))
            {
                Assert.Equal(ExitStatus.Exited(0), Sys.WaitPidfd(child, block: true));
            }
            Assert.Equal(
                new[] { "/dev/null", "/dev/null", Link(c), Link(a), Link(b) },
                ReadAll(outRead).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    private static SafeFd DupFrom(SafeFd fd, int floor)
    {
        var copy = Libc.fcntl(fd.Fd, F_DUPFD_CLOEXEC, floor);
        Assert.True(copy >= floor, $"fcntl F_DUPFD_CLOEXEC {floor} of fd {fd.Fd} failed");
        return new SafeFd(copy);
    }

    private static string Link(SafeFd fd) => new FileInfo($"/proc/self/fd/{fd.Fd}").LinkTarget!;

    private static string ReadAll(SafeFd fd)
    {
        var text = new StringBuilder();
        var buffer = new byte[256];
        int n;
        while ((n = Sys.Read(fd, buffer)) > 0)
        {
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return text.ToString();
    }
}

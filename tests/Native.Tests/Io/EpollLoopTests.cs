using System.Text;
using Runa.Runtime.Interop;
using Runa.Runtime.Io;
using Xunit;

namespace Runa.Native.Tests.Io;

/// <summary>The epoll loop's callbacks: readiness, re-arming, and what a failing callback prints.</summary>
[Collection(StderrCapture.Name)]
public sealed unsafe class EpollLoopTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    private static void Signal(SafeFd eventFd)
    {
        ulong one = 1;
        Assert.Equal(sizeof(ulong), (int)Libc.write(eventFd.Fd, (byte*)&one, sizeof(ulong)));
    }

    [Fact]
    public void A_readable_fd_calls_back_and_is_watched_again_after_the_callback()
    {
        using var loop = new EpollLoop("test-epoll");
        using var fd = Sys.EventFd();
        var calls = new SemaphoreSlim(0);
        var buffer = new byte[8];
        using var watch = loop.Watch(fd, () =>
        {
            Sys.Read(fd, buffer);
            calls.Release();
        });
        Signal(fd);
        Assert.True(calls.Wait(s_timeout), "no callback for a readable eventfd");
        Signal(fd);
        Assert.True(calls.Wait(s_timeout), "the registration was not re-armed after its callback");
    }

    [Fact]
    public void A_callback_on_an_fd_its_owner_closed_meanwhile_prints_nothing_but_other_failures_do()
    {
        using var capture = new StderrCapture();
        using var loop = new EpollLoop("test-epoll");

        // The owner disposes its fd while the loop is calling back for it (a container deleted
        // under load): its read fails with ObjectDisposedException, and that is no error.
        var closing = Sys.EventFd();
        var closedCallback = new ManualResetEventSlim();
        IDisposable? closingWatch = null;
        closingWatch = loop.Watch(closing, () =>
        {
            try
            {
                // As an actor's PostStop does: the watch goes, then the fd.
                closingWatch!.Dispose();
                closing.Dispose();
                Sys.Read(closing, new byte[8]);
            }
            finally
            {
                closedCallback.Set();
            }
        });
        Signal(closing);
        Assert.True(closedCallback.Wait(s_timeout));

        // A real failure is still reported; being later on the same loop thread, its line also
        // proves the first callback's handling is over.
        using var failing = Sys.EventFd();
        using var failingWatch = loop.Watch(failing, () => throw new InvalidOperationException("boom"));
        Signal(failing);
        var text = capture.WaitFor("boom", s_timeout);
        Assert.Contains("runa: fd watcher callback failed: boom", text);
        Assert.DoesNotContain("disposed", text);
    }
}

/// <summary>Console.Error redirected for one test; the collection keeps such tests apart.</summary>
public sealed class StderrCapture : TextWriter
{
    public const string Name = "stderr capture";

    private readonly TextWriter _previous = Console.Error;
    private readonly StringBuilder _text = new();
    private readonly object _gate = new(); // Monitor.Wait needs a monitor, not a Lock

    public StderrCapture() => Console.SetError(this);

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_gate)
        {
            _text.Append(value);
            Monitor.PulseAll(_gate);
        }
    }

    public override void Write(string? value)
    {
        lock (_gate)
        {
            _text.Append(value);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Waits until what was written contains <paramref name="needle"/>, and returns all of it.</summary>
    public string WaitFor(string needle, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (!_text.ToString().Contains(needle, StringComparison.Ordinal))
            {
                var left = deadline - DateTime.UtcNow;
                Assert.True(left > TimeSpan.Zero, $"stderr never said \"{needle}\"; it said: {_text}");
                Monitor.Wait(_gate, left);
            }
            return _text.ToString();
        }
    }

    protected override void Dispose(bool disposing)
    {
        Console.SetError(_previous);
        base.Dispose(disposing);
    }
}

using System.Runtime.InteropServices;
using Runa.Runtime.Interop;

namespace Runa.Host.Cli;

/// <summary>
/// A foreground `run` of a container with a terminal and no --console-socket: copies our stdin
/// to the pty master and the master to our stdout, with our terminal in raw mode and its size
/// (and later changes, SIGWINCH) passed on, as runc does.
/// </summary>
public sealed class ConsoleRelay : IDisposable
{
    private readonly SafeFd _master;
    private readonly byte[]? _savedTerminal;
    private readonly PosixSignalRegistration? _winch;
    private readonly Thread _output;
    private readonly ManualResetEventSlim _outputDone = new();

    public ConsoleRelay(SafeFd master)
    {
        _master = master;
        if (Sys.IsTerminal(0))
        {
            Resize();
            _savedTerminal = Sys.MakeRaw(0);
            _winch = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => Resize());
        }
        _output = new Thread(CopyOutput) { IsBackground = true, Name = "console-out" };
        _output.Start();
        // Reading stdin blocks until input comes; the thread simply dies with the process.
        new Thread(CopyInput) { IsBackground = true, Name = "console-in" }.Start();
    }

    private void Resize()
    {
        if (Sys.WindowSize(0) is { } size)
        {
            Sys.SetWindowSize(_master, size.Rows, size.Cols);
        }
    }

    private void CopyOutput()
    {
        using var stdout = new SafeFd(1, ownsHandle: false);
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                // EIO once the last slave fd closed: the container's processes are gone.
                var n = Sys.Read(_master, buffer, "the console");
                if (n <= 0)
                {
                    break;
                }
                Sys.WriteAll(stdout, buffer.AsSpan(0, n), "stdout");
            }
        }
        catch (RunaSystemException)
        {
        }
        finally
        {
            _outputDone.Set();
        }
    }

    private void CopyInput()
    {
        using var stdin = new SafeFd(0, ownsHandle: false);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = Sys.Read(stdin, buffer, "stdin");
                if (n <= 0)
                {
                    break;
                }
                Sys.WriteAll(_master, buffer.AsSpan(0, n), "the console");
            }
        }
        catch (Exception e) when (e is RunaSystemException or ObjectDisposedException)
        {
        }
    }

    /// <summary>After the container exited: let the output already in the pty reach stdout.</summary>
    public void Drain(TimeSpan timeout) => _outputDone.Wait(timeout);

    public void Dispose()
    {
        _winch?.Dispose();
        if (_savedTerminal is not null)
        {
            Sys.RestoreTerminal(0, _savedTerminal);
        }
        _master.Dispose();
    }
}

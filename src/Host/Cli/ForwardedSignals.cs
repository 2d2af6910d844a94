using System.Runtime.InteropServices;

namespace Runa.Host.Cli;

/// <summary>
/// A foreground `run` or `exec` passes the signals a user sends it (SIGINT, SIGTERM, SIGHUP,
/// SIGQUIT) on to the container's process instead of dying of them, as runc does. Disposing
/// gives them back.
/// </summary>
public sealed class ForwardedSignals : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations;

    /// <param name="forward">Called with the signal's number, on a thread that must not block.</param>
    public ForwardedSignals(Action<int> forward)
    {
        _registrations = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT }
            .Select(s => PosixSignalRegistration.Create(s, c =>
            {
                c.Cancel = true;
                forward(Number(c.Signal));
            }))
            .ToList();
    }

    /// <summary>The Linux number of one of the forwarded signals (.NET's PosixSignal values are not).</summary>
    public static int Number(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGTERM => 15,
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGQUIT => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "not a forwarded signal"),
    };

    public void Dispose()
    {
        foreach (var r in _registrations)
        {
            r.Dispose();
        }
    }
}

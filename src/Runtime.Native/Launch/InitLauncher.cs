using Runa.Runtime.Interop;
using Runa.Runtime.Sync;

namespace Runa.Runtime.Launch;

/// <summary>A started runa-init (stage 0): its process, the host end of the sync socket, the log pipe.</summary>
public sealed record LaunchedInit(IProcessHandle Stage0, SafeFd Sync, SafeFd Log) : IDisposable
{
    public void Dispose()
    {
        Stage0.Dispose();
        Sync.Dispose();
        Log.Dispose();
    }
}

/// <summary>Starts runa-init; the seam TestKit scenarios replace with a double that speaks the protocol.</summary>
public interface IInitLauncher
{
    /// <param name="execFifo">O_PATH fd of the container's exec fifo (fd 5 in runa-init); null for `runa exec`.</param>
    /// <param name="stdio">fds for the process's 0/1/2 and then, if more, its 3.. (--preserve-fds); null for our 0/1/2.</param>
    LaunchedInit Launch(SafeFd? execFifo, IReadOnlyList<SafeFd>? stdio);
}

/// <summary>
/// Starts runa-init from a sealed memfd copy made once per process, with posix_spawn file
/// actions placing exactly its fds at 3, 4, 5.
/// </summary>
public sealed class InitLauncher : IInitLauncher
{
    private readonly string _initPath;
    private readonly Lock _gate = new();
    private SafeFd? _memfd;

    public InitLauncher(string initPath)
    {
        _initPath = initPath;
    }

    /// <summary>runa-init next to the running assembly, or $RUNA_INIT.</summary>
    public static string DefaultPath =>
        Environment.GetEnvironmentVariable("RUNA_INIT") is { Length: > 0 } p ? p : Path.Combine(AppContext.BaseDirectory, "runa-init");

    public LaunchedInit Launch(SafeFd? execFifo, IReadOnlyList<SafeFd>? stdio)
    {
        var memfd = Image();
        // Room for a plan up to runa-init's limit (protocol.h RUNA_MAX_PACKET): a large
        // environment or many mounts must not fail for the default buffer size.
        var (host, child) = Sys.SeqPacketPair(bufferBytes: SyncProtocol.MaxPacket + 64 * 1024);
        SafeFd? logRead = null, logWrite = null, placeholder = null;
        try
        {
            (logRead, logWrite) = Sys.Pipe();
            var preserved = stdio is { Count: > 3 } ? stdio.Skip(3).ToList() : [];
            // runa-init finds preserved fds at 6..: fd 5 is taken even when there is no fifo.
            placeholder = execFifo is null && preserved.Count > 0 ? Sys.Open("/dev/null", Libc.O_PATH) : null;
            List<SafeFd> fds = [child, logWrite, .. (execFifo ?? placeholder) is { } five ? [five] : Array.Empty<SafeFd>(), .. preserved];
            var pid = Sys.Spawn($"/proc/self/fd/{memfd.Fd}", preserved.Count > 0 ? ["runa-init", preserved.Count.ToString()] : ["runa-init"], [], fds,
                stdio is null ? null : [.. stdio.Take(3)]);
            // The stage-0 process is our child and unreaped, so its pid cannot be reused yet.
            var handle = new PidfdProcess(pid, Sys.PidfdOpen(pid), reap: true);
            return new LaunchedInit(handle, host, logRead);
        }
        catch
        {
            host.Dispose();
            logRead?.Dispose();
            throw;
        }
        finally
        {
            child.Dispose();
            logWrite?.Dispose();
            placeholder?.Dispose();
        }
    }

    private SafeFd Image()
    {
        lock (_gate)
        {
            if (_memfd is null)
            {
                if (!File.Exists(_initPath))
                {
                    throw new FileNotFoundException($"runa-init not found at {_initPath} (build with `dotnet build`, or set RUNA_INIT)", _initPath);
                }
                _memfd = Sys.SealedMemfdCopy(_initPath, "runa-init");
            }
            return _memfd;
        }
    }
}

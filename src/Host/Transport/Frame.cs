using Runa.Runtime.Interop;

namespace Runa.Host.Transport;

/// <summary>
/// One frame: header fields, the JSON payload, and the fds that came (or go) with it. A received
/// frame owns its fds until someone takes them (<see cref="TakeFds"/>); disposing it closes the rest.
/// </summary>
public sealed class Frame(FrameType type, ulong requestId, byte[] payload, IReadOnlyList<SafeFd>? fds = null) : IDisposable
{
    private IReadOnlyList<SafeFd> _fds = fds ?? [];

    public FrameType Type { get; } = type;

    public ulong RequestId { get; } = requestId;

    public byte[] Payload { get; } = payload;

    public IReadOnlyList<SafeFd> Fds => _fds;

    /// <summary>Hands the fds to the caller, who then owns (and closes) them.</summary>
    public IReadOnlyList<SafeFd> TakeFds()
    {
        var fds = _fds;
        _fds = [];
        return fds;
    }

    public void Dispose()
    {
        foreach (var fd in TakeFds())
        {
            fd.Dispose();
        }
    }

    public override string ToString() => $"{Type} #{RequestId} ({Payload.Length} bytes, {_fds.Count} fds)";
}

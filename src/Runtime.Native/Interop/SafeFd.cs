using System.Runtime.InteropServices;

namespace Runa.Runtime.Interop;

/// <summary>
/// An owned file descriptor. Unlike SafeHandleZeroOrMinusOneIsInvalid, fd 0 is valid.
/// </summary>
public sealed class SafeFd : SafeHandle
{
    public SafeFd() : base(new IntPtr(-1), ownsHandle: true)
    {
    }

    public SafeFd(int fd, bool ownsHandle = true) : base(new IntPtr(-1), ownsHandle)
    {
        SetHandle(new IntPtr(fd));
    }

    public override bool IsInvalid => (long)handle < 0 || (long)handle > int.MaxValue;

    /// <summary>The descriptor number; throws if the handle was closed.</summary>
    public int Fd
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return (int)handle;
        }
    }

    /// <summary>Gives up ownership and returns the raw fd (e.g. after passing it to a child).</summary>
    public int Release()
    {
        var fd = (int)handle;
        SetHandleAsInvalid();
        return fd;
    }

    protected override bool ReleaseHandle() => Libc.close((int)handle) == 0;
}

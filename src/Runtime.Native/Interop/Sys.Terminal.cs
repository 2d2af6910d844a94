namespace Runa.Runtime.Interop;

public static unsafe partial class Sys
{
    public static bool IsTerminal(int fd) => Libc.isatty(fd) == 1;

    /// <summary>The window size of a terminal, or null when fd is not one.</summary>
    public static (ushort Rows, ushort Cols)? WindowSize(int fd)
    {
        Libc.winsize ws;
        return Libc.ioctl(fd, Libc.TIOCGWINSZ, &ws) == 0 ? (ws.ws_row, ws.ws_col) : null;
    }

    public static void SetWindowSize(SafeFd fd, ushort rows, ushort cols)
    {
        var ws = new Libc.winsize { ws_row = rows, ws_col = cols };
        Check(Libc.ioctl(fd.Fd, Libc.TIOCSWINSZ, &ws), "ioctl TIOCSWINSZ");
    }

    /// <summary>Puts a terminal in raw mode; returns its previous settings for <see cref="RestoreTerminal"/>.</summary>
    public static byte[] MakeRaw(int fd)
    {
        var saved = new byte[Libc.TermiosSize];
        fixed (byte* p = saved)
        {
            Check(Libc.tcgetattr(fd, p), "tcgetattr", $"fd {fd}");
            var raw = stackalloc byte[Libc.TermiosSize];
            new Span<byte>(p, Libc.TermiosSize).CopyTo(new Span<byte>(raw, Libc.TermiosSize));
            Libc.cfmakeraw(raw);
            Check(Libc.tcsetattr(fd, Libc.TCSANOW, raw), "tcsetattr", $"fd {fd}");
        }
        return saved;
    }

    public static void RestoreTerminal(int fd, byte[] saved)
    {
        fixed (byte* p = saved)
        {
            Libc.tcsetattr(fd, Libc.TCSANOW, p);
        }
    }
}

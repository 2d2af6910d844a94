using System.Text;
using Runa.Runtime.Interop;
using Xunit;

namespace Runa.IntegrationTests.Harness;

/// <summary>Reading what a container wrote to a pty master the test holds.</summary>
public static class Pty
{
    /// <summary>Reads until <paramref name="expected"/> has come (or the other side closed), for up to 10 s.</summary>
    public static string ReadUntil(SafeFd master, string expected)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        var deadline = Environment.TickCount64 + 10_000;
        while (!text.ToString().Contains(expected, StringComparison.Ordinal))
        {
            var left = (int)(deadline - Environment.TickCount64);
            Assert.True(left > 0 && Sys.PollReadable(master, left), $"\"{expected}\" never came on the console; got: {text}");
            int n;
            try
            {
                n = Sys.Read(master, buffer);
            }
            catch (RunaSystemException e) when (e.Errno == Errno.EIO)
            {
                break; // the container side closed
            }
            if (n <= 0)
            {
                break;
            }
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return text.ToString();
    }
}

using System.Diagnostics;

namespace Runa.Native.Tests.Cgroups;

/// <summary>Bounded waits on observable state (file contents, process state); never a fixed sleep.</summary>
internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until true or the timeout; returns whether it became true.</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var delay = 1;
        while (true)
        {
            if (condition())
            {
                return true;
            }
            if (clock.Elapsed > timeout)
            {
                return false;
            }
            Thread.Sleep(delay);
            delay = Math.Min(delay * 2, 50);
        }
    }

    /// <summary>Asserts that <paramref name="condition"/> becomes true within the timeout.</summary>
    public static void Assert(Func<bool> condition, TimeSpan timeout, string what)
    {
        if (!Until(condition, timeout))
        {
            Xunit.Assert.Fail($"timed out after {timeout.TotalSeconds:0.#} s waiting for: {what}");
        }
    }
}

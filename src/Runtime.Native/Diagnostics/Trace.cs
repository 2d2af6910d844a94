using System.Diagnostics;

namespace Runa.Runtime.Diagnostics;

/// <summary>RUNA_TRACE=1: milliseconds since Main at each phase of a command, on stderr (for profiling startup).</summary>
public static class Trace
{
    private static readonly bool s_on = Environment.GetEnvironmentVariable("RUNA_TRACE") == "1";
    private static readonly long s_start = Stopwatch.GetTimestamp();

    public static void Mark(string phase)
    {
        if (s_on)
        {
            Console.Error.WriteLine($"runa trace: {Stopwatch.GetElapsedTime(s_start).TotalMilliseconds,8:F1} ms  {phase}");
        }
    }
}

using System.Diagnostics;

namespace Runa.Kernel;

/// <summary>
/// A child as its supervisor sees it, with the restart accounting used by
/// <see cref="SupervisorStrategy"/> retry limits.
/// </summary>
public sealed class ChildRestartStats
{
    /// <summary>Start of the current retry window (Stopwatch timestamp), 0 until the first restart with a window.</summary>
    private long _windowStart;

    /// <summary>Creates the stats of a child.</summary>
    public ChildRestartStats(IActorRef child, int uid)
    {
        Child = child;
        Uid = uid;
    }

    /// <summary>The child.</summary>
    public IActorRef Child { get; }

    /// <summary>The child's incarnation uid.</summary>
    public int Uid { get; }

    /// <summary>Restarts counted so far (in the current window, or in total without a window).</summary>
    public int MaxNrOfRetriesCount { get; private set; }

    /// <summary>
    /// May the child be restarted once more? <paramref name="maxNrOfRetries"/> and
    /// <paramref name="withinTimeMilliseconds"/> are -1 when undefined.
    /// <list type="bullet">
    /// <item>max 0: never.</item>
    /// <item>neither defined: always.</item>
    /// <item>only max defined: while the lifetime count stays within max.</item>
    /// <item>window defined: up to max (1 if max undefined) restarts inside a window that opens at the
    /// first restart; a restart after the window closed opens a new window counting 1.</item>
    /// </list>
    /// </summary>
    public bool RequestRestartPermission(int maxNrOfRetries, int withinTimeMilliseconds)
    {
        if (maxNrOfRetries == 0)
        {
            return false;
        }

        bool windowDefined = withinTimeMilliseconds > 0;
        if (!windowDefined)
        {
            if (maxNrOfRetries < 0)
            {
                return true;
            }

            MaxNrOfRetriesCount++;
            return MaxNrOfRetriesCount <= maxNrOfRetries;
        }

        int allowed = maxNrOfRetries < 0 ? 1 : maxNrOfRetries;
        long now = Stopwatch.GetTimestamp();
        if (_windowStart == 0)
        {
            _windowStart = now;
        }

        if (Stopwatch.GetElapsedTime(_windowStart, now).TotalMilliseconds <= withinTimeMilliseconds)
        {
            MaxNrOfRetriesCount++;
            return MaxNrOfRetriesCount <= allowed;
        }

        // The window closed: this restart opens a new one.
        _windowStart = now;
        MaxNrOfRetriesCount = 1;
        return true;
    }
}

namespace Runa.Runtime.Interop;

/// <summary>
/// The dup2 steps that put each source fd at its target fd in a spawned child, whatever the
/// numbers: a source may itself be a target of another entry, or sit where a naive scheme
/// would stage a copy.
/// </summary>
internal static class SpawnFdMoves
{
    /// <summary>
    /// Two passes: every source is first copied to a staging slot, then each staging slot to its
    /// target. A staging slot is above every target (so pass two cannot overwrite a copy it has
    /// yet to read) and is not any source (so pass one cannot overwrite a source it has yet to
    /// copy). Slots are taken from the lowest free numbers, so they stay under RLIMIT_NOFILE
    /// whenever the sources do.
    /// </summary>
    public static IReadOnlyList<(int From, int To)> Plan(IReadOnlyList<(int Source, int Target)> moves)
    {
        var sources = new HashSet<int>(moves.Select(m => m.Source));
        var next = moves.Count == 0 ? 0 : moves.Max(m => m.Target) + 1;
        var staging = new int[moves.Count];
        for (var i = 0; i < moves.Count; i++)
        {
            while (sources.Contains(next))
            {
                next++;
            }
            staging[i] = next++;
        }
        var steps = new List<(int, int)>(2 * moves.Count);
        for (var i = 0; i < moves.Count; i++)
        {
            steps.Add((moves[i].Source, staging[i]));
        }
        for (var i = 0; i < moves.Count; i++)
        {
            steps.Add((staging[i], moves[i].Target));
        }
        return steps;
    }
}

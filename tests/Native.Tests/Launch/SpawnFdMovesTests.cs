using Runa.Runtime.Interop;
using Xunit;

namespace Runa.Native.Tests.Launch;

/// <summary>The dup2 plan of Sys.Spawn, replayed on a model fd table.</summary>
public sealed class SpawnFdMovesTests
{
    public static TheoryData<int[]> Sources => new()
    {
        new[] { 20, 21, 22, 23, 24, 25 },
        // Sources where a fixed staging area at 10.. would overwrite one before it is copied.
        new[] { 7, 8, 9, 12, 10, 11 },
        new[] { 15, 14, 13, 12, 11, 10 },
        // Sources that are themselves targets, in every order.
        new[] { 5, 4, 3, 2, 1, 0 },
        new[] { 3, 4, 5, 0, 1, 2 },
        new[] { 1, 2, 0, 6, 7, 8 },
        // One fd at several targets (a console on 0, 1 and 2).
        new[] { 9, 9, 9, 10, 3, 11 },
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public void Every_target_ends_up_with_its_own_source(int[] sources)
    {
        var moves = sources.Select((s, i) => (s, i)).ToList();
        // Each fd number holds the identity of the open file behind it.
        var table = sources.Distinct().ToDictionary(s => s, s => $"file{s}");
        foreach (var (from, to) in SpawnFdMoves.Plan(moves))
        {
            Assert.True(table.ContainsKey(from), $"dup2({from}, {to}) reads a closed fd");
            table[to] = table[from];
        }
        for (var i = 0; i < sources.Length; i++)
        {
            Assert.Equal($"file{sources[i]}", table[i]);
        }
    }

    [Fact]
    public void Staging_slots_stay_low()
    {
        var steps = SpawnFdMoves.Plan([(100, 0), (101, 1), (102, 2), (6, 3), (7, 4), (9, 5)]);
        Assert.Equal([6 + 2, 6 + 4, 6 + 5, 6 + 6, 6 + 7, 6 + 8], steps.Take(6).Select(s => s.To));
    }
}

using Runa.Runtime.Cgroups;
using Runa.Runtime.Interop;
using Runa.Runtime.Oci;
using Runa.Tests;
using Xunit;

namespace Runa.Native.Tests.Cgroups;

/// <summary>OOM kills, the OOM notifier and the freezer on the real v1 hierarchies, with real processes.</summary>
public sealed class V1EventTests
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(15);

    /// <summary>poll(2) for POLLIN on the notifier's descriptor.</summary>
    internal static unsafe bool Readable(IOomNotifier notifier, TimeSpan timeout)
    {
        var pfd = new Libc.pollfd { fd = notifier.Fd.Fd, events = Libc.POLLIN };
        var n = Libc.poll(&pfd, 1, (int)timeout.TotalMilliseconds);
        return n == 1 && (pfd.revents & Libc.POLLIN) != 0;
    }

    [IntegrationFact]
    public async Task A_process_allocating_past_the_limit_is_oom_killed_counted_and_notified()
    {
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        using var shell = sb.Shell("exec dd if=/dev/zero of=/dev/null bs=64M count=1");
        m.Apply(shell.Pid);
        m.Set(new LinuxResources { Memory = new MemoryResources { Limit = 32 * MiB, Swap = 32 * MiB } });
        using var notifier = m.OpenOomNotifier();
        Assert.False(Readable(notifier, TimeSpan.Zero));
        Assert.Equal(0ul, m.OomKillCount());

        shell.Release();

        Assert.True(Readable(notifier, s_timeout), "the OOM eventfd fires");
        var first = notifier.Check();
        Assert.True(first.Signalled);
        Assert.False(first.CgroupRemoved);
        Assert.True(shell.WaitForExit(s_timeout));
        Assert.Equal(128 + Libc.SIGKILL, shell.ExitCode);
        Assert.Equal(1ul, m.OomKillCount());
        // The v1 event precedes the kill: the kill shows in this check or the next one.
        var second = notifier.Check();
        Assert.Equal(1ul, second.OomKillCount);
        Assert.Equal(1ul, first.NewKills + second.NewKills);
        Assert.True(first.KillCountRose || second.KillCountRose);
        Assert.False(notifier.Check().KillCountRose);

        await m.DestroyAsync();
        // Removing the cgroup signals the eventfd too; the check says it is gone.
        Assert.True(Readable(notifier, s_timeout));
        Assert.True(notifier.Check().CgroupRemoved);
        Assert.Empty(sb.Leftovers());
    }

    [IntegrationFact]
    public async Task Freeze_stops_a_real_process_and_thaw_resumes_it()
    {
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        var counter = Path.Combine(Path.GetTempPath(), $"runa-freeze-{Guid.NewGuid():N}");
        try
        {
            using var shell = sb.Shell($"i=0; while :; do i=$((i+1)); echo $i > {counter}; done");
            m.Apply(shell.Pid);
            Assert.Equal(FreezerState.Thawed, m.GetFreezerState());
            shell.Release();
            Wait.Assert(() => File.Exists(counter) && Count(counter) > 100, s_timeout, "the counter to advance");

            await m.FreezeAsync();

            Assert.Equal(FreezerState.Frozen, m.GetFreezerState());
            Assert.Equal("FROZEN", File.ReadAllText(Path.Combine(m.Paths["freezer"], "freezer.state")).Trim());
            var frozenAt = File.ReadAllText(counter);
            // Running, the loop rewrites the file thousands of times a second; 300 ms without a
            // change (a bounded wait that must time out) shows it is stopped, not just slow.
            Assert.False(Wait.Until(() => File.ReadAllText(counter) != frozenAt, TimeSpan.FromMilliseconds(300)), "the counter advanced while frozen");

            m.Thaw();

            Assert.Equal(FreezerState.Thawed, m.GetFreezerState());
            var before = Parse(frozenAt);
            Wait.Assert(() => Count(counter) > before + 10, s_timeout, "the counter to advance again after thaw");
        }
        finally
        {
            await m.DestroyAsync();
            File.Delete(counter);
        }
        Assert.Empty(sb.Leftovers());
    }

    [IntegrationFact]
    public async Task Destroy_kills_a_frozen_container()
    {
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        using var shell = sb.Shell("sleep 1000 & sleep 1000 & wait");
        m.Apply(shell.Pid);
        shell.Release();
        Wait.Assert(() => m.GetAllPids().Count == 3, s_timeout, "three processes");
        await m.FreezeAsync();

        await m.DestroyAsync();

        Assert.True(shell.WaitForExit(s_timeout));
        Assert.False(m.Exists());
        Assert.Empty(sb.Leftovers());
    }

    [IntegrationFact]
    public async Task A_cgroup_frozen_only_through_its_parent_reports_thawed_like_runc()
    {
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        m.Create();
        var parentState = sb.Dir("freezer", "freezer.state");
        File.WriteAllText(parentState, "FROZEN");
        try
        {
            Wait.Assert(() => File.ReadAllText(parentState).Trim() == "FROZEN", s_timeout, "the parent to freeze");
            Assert.Equal("FROZEN", File.ReadAllText(Path.Combine(m.Paths["freezer"], "freezer.state")).Trim());
            Assert.Equal(FreezerState.Thawed, m.GetFreezerState());
        }
        finally
        {
            File.WriteAllText(parentState, "THAWED");
        }
    }

    /// <summary>The counter in the file (0 while the loop has it truncated between open and write).</summary>
    private static long Count(string file) => Parse(File.ReadAllText(file));

    private static long Parse(string text) => long.TryParse(text.Trim(), out var n) ? n : 0;
}

namespace Runa.Runtime.Cgroups;

/// <summary>What an <see cref="IOomNotifier"/> found when its descriptor became readable.</summary>
/// <param name="Signalled">The descriptor had an event pending (consumed now).</param>
/// <param name="OomKillCount">The cgroup's oom_kill counter now.</param>
/// <param name="NewKills">How much it rose since the previous check (or since the notifier was opened).</param>
/// <param name="CgroupRemoved">The cgroup is gone; the notifier will not fire again and should be disposed.</param>
public readonly record struct OomCheck(bool Signalled, ulong OomKillCount, ulong NewKills, bool CgroupRemoved)
{
    /// <summary>True if the kernel OOM-killed a process in the cgroup since the previous check.</summary>
    public bool KillCountRose => NewKills > 0;
}

using Runa.Runtime.Cgroups;
using Runa.Runtime.Launch;

namespace Runa.Actors.Containers;

/// <summary>The OCI statuses.</summary>
public enum OciStatus
{
    Creating,
    Created,
    Running,
    Paused,
    Stopped,
}

/// <summary>
/// The status of a container, derived each time from kernel facts rather than a saved string
/// (runc's refreshState): the journal says what was done, the kernel says what is true now —
/// an init may have died since, or the creating process may have crashed midway.
/// </summary>
public static class ContainerStatus
{
    public static OciStatus Derive(ContainerRecord r, IProcessTable processes, Func<ContainerRecord, FreezerState?>? freezer = null)
    {
        if (!r.CreateCompleted)
        {
            // Still being created only while the creating process lives.
            return processes.StartTime(r.CreatorPid) == r.CreatorStartTime ? OciStatus.Creating : OciStatus.Stopped;
        }
        if (r.Exit is not null || processes.StartTime(r.Pid) != r.StartTime)
        {
            return OciStatus.Stopped;
        }
        // The freezer is the truth when there is one; the journal's word only without it.
        var frozen = freezer?.Invoke(r) ?? FreezerState.Undefined;
        if (frozen is FreezerState.Frozen or FreezerState.Freezing || (frozen == FreezerState.Undefined && r.Paused))
        {
            return OciStatus.Paused;
        }
        return File.Exists(r.ExecFifo) ? OciStatus.Created : OciStatus.Running;
    }

    /// <summary>Derive with the freezer of the container's cgroup (unreadable counts as no freezer).</summary>
    public static OciStatus Derive(ContainerRecord r, IProcessTable processes, ICgroupFactory cgroups) =>
        Derive(r, processes, rec => FreezerOf(rec, cgroups));

    private static FreezerState? FreezerOf(ContainerRecord r, ICgroupFactory cgroups)
    {
        if (r.Cgroup is null)
        {
            return null;
        }
        try
        {
            return cgroups.FromState(r.Cgroup).GetFreezerState();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidCgroupConfigException)
        {
            return FreezerState.Undefined;
        }
    }

    public static string Text(this OciStatus s) => s.ToString().ToLowerInvariant();
}

using Runa.Runtime.Interop;
using Runa.Runtime.Oci;

namespace Runa.Runtime.Cgroups;

/// <summary>
/// The cgroup of one container, on whatever hierarchy layout the machine has (runc's
/// cgroups.Manager, youki's CgroupManager). Obtain one from <see cref="CgroupManagerFactory"/>;
/// callers never branch on v1/v2.
/// </summary>
/// <remarks>
/// Not thread-safe: one owner (the container's CgroupManager actor) calls it. Plain file
/// operations are synchronous and short; the two that wait on the kernel (freezing, and
/// destroying, which waits for killed processes to leave) are asynchronous and bounded by
/// <see cref="CgroupOptions.FreezeTimeout"/> / <see cref="CgroupOptions.DestroyTimeout"/>.
/// Failures of the kernel are <see cref="RunaSystemException"/>s naming the file and the value
/// written; configurations rejected before any write are <see cref="InvalidCgroupConfigException"/>s.
/// </remarks>
public interface ICgroupManager
{
    /// <summary>The hierarchy layout in use.</summary>
    CgroupMode Mode { get; }

    /// <summary>The container's cgroup path, the same in every hierarchy ("/runa/abc").</summary>
    string Path { get; }

    /// <summary>
    /// Controller → absolute directory of the container's cgroup: one entry per v1 controller
    /// (co-mounted controllers share a directory; "name=systemd" for the named hierarchy), plus
    /// "unified" for the cgroup2 directory (the only entry on v2). What the container's
    /// /sys/fs/cgroup is bind-mounted from.
    /// </summary>
    IReadOnlyDictionary<string, string> Paths { get; }

    /// <summary>What to persist so a later process can manage the same cgroup (<see cref="CgroupManagerFactory.FromState"/>).</summary>
    CgroupState State { get; }

    /// <summary>
    /// Creates the cgroup in every hierarchy (idempotent). v1: fills an empty cpuset.cpus/mems
    /// from the parent chain (a new cpuset cgroup can hold no task otherwise); v2: enables the
    /// available controllers in each ancestor's cgroup.subtree_control. Refuses an existing
    /// cgroup that already holds processes or is frozen.
    /// </summary>
    void Create();

    /// <summary>
    /// Moves <paramref name="pid"/> (runa-init, before it runs anything of the container, so no
    /// child can escape) into the cgroup in every hierarchy; creates the cgroup first if needed.
    /// </summary>
    void Apply(int pid);

    /// <summary>
    /// Validates <paramref name="resources"/> against the machine and the live cgroup (a failed
    /// validation changes nothing), then writes them. Null fields are left unchanged, so the same
    /// call serves `runa update`. Returns what was accepted but not (fully) applied.
    /// </summary>
    IReadOnlyList<CgroupWarning> Set(LinuxResources resources);

    /// <summary>A snapshot of the counters, shaped like runc's `events --stats` data.</summary>
    CgroupStats GetStats();

    /// <summary>How many processes the kernel OOM-killed in this cgroup (v1 memory.oom_control, v2 memory.events "oom_kill").</summary>
    ulong OomKillCount();

    /// <summary>Opens a pollable OOM notifier for use after start; the caller owns and disposes it.</summary>
    IOomNotifier OpenOomNotifier();

    /// <summary>Freezes every process (v1 freezer.state until FROZEN, retried as the kernel protocol requires; v2 cgroup.freeze then cgroup.events "frozen 1").</summary>
    Task FreezeAsync(CancellationToken cancellationToken = default);

    /// <summary>Thaws the cgroup.</summary>
    void Thaw();

    /// <summary>The freezer state now.</summary>
    FreezerState GetFreezerState();

    /// <summary>Processes directly in the container's cgroup (cgroup.procs).</summary>
    IReadOnlyList<int> GetPids();

    /// <summary>Processes in the cgroup and all its descendants.</summary>
    IReadOnlyList<int> GetAllPids();

    /// <summary>
    /// Kills every process left (v2 cgroup.kill; otherwise freeze, SIGKILL each, thaw), waits
    /// (bounded) until the cgroup is empty, and removes the cgroup with its sub-cgroups in every
    /// hierarchy, then the ancestors this container created — never a parent that pre-existed or
    /// that still holds other cgroups. Idempotent.
    /// </summary>
    Task DestroyAsync(CancellationToken cancellationToken = default);

    /// <summary>True if the container's cgroup directory exists (in the hierarchy that lists its processes).</summary>
    bool Exists();

    /// <summary>
    /// True if the container's directory exists in any of its hierarchies: a create cut short
    /// between two mkdirs leaves some and not others, and cleanup must still find them.
    /// </summary>
    bool ExistsAnywhere();

    /// <summary>
    /// v2 only: a descriptor of the cgroup directory for clone3 CLONE_INTO_CGROUP (crun's
    /// precreate_cgroup), so a child starts inside its cgroup. Null on v1/hybrid.
    /// </summary>
    SafeFd? OpenCloneIntoCgroupFd();
}

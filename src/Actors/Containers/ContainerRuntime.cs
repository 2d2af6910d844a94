using Runa.Actors.Persistence;
using Runa.Runtime.Cgroups;
using Runa.Runtime.Launch;

namespace Runa.Actors.Containers;

/// <summary>Settings of the container runtime (config/runa.json and flags fill them).</summary>
public sealed record RuntimeSettings
{
    /// <summary>--root: state directories (exec fifos) and the journal live here.</summary>
    public string Root { get; init; } = "/run/runa";

    /// <summary>How long create may take from spawning runa-init to its READY.</summary>
    public TimeSpan CreateTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long start waits for the init to take the go from the exec fifo.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long delete and failed creates wait for killed processes to exit.</summary>
    public TimeSpan KillTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public CgroupOptions Cgroups { get; init; } = new();

    /// <summary>
    /// A long-lived host (the daemon): watch every live container's init and journal its exit,
    /// and clean up creates that a crashed host left half done. A one-shot CLI command does not.
    /// </summary>
    public bool WatchExits { get; init; }

    /// <summary>Save a snapshot of a container's record every this many events (Akka.Persistence style).</summary>
    public int SnapshotEvery { get; init; } = 4;

    public string JournalPath => Path.Combine(Root, "runa.db");
}

/// <summary>Makes cgroup managers; the seam TestKit scenarios replace.</summary>
public interface ICgroupFactory
{
    ICgroupManager New(string containerId, string? cgroupsPath);

    ICgroupManager FromState(CgroupState state);
}

/// <summary>The real cgroup hierarchies under <see cref="CgroupOptions.Root"/>.</summary>
public sealed class KernelCgroupFactory(CgroupOptions options) : ICgroupFactory
{
    public ICgroupManager New(string containerId, string? cgroupsPath) => CgroupManagerFactory.New(containerId, cgroupsPath, options);

    public ICgroupManager FromState(CgroupState state) => CgroupManagerFactory.FromState(state, options);
}

/// <summary>
/// Everything the container actors touch outside themselves: the kernel behind narrow
/// interfaces (so scenarios can run without root) and the journal.
/// </summary>
public sealed record ContainerRuntime(
    RuntimeSettings Settings,
    IInitLauncher Launcher,
    IProcessTable Processes,
    ICgroupFactory Cgroups,
    IJournal Journal);

using System.Text.Json.Serialization;
using Runa.Runtime.Interop;

namespace Runa.Actors.Containers;

/// <summary>A command for one container; the registry routes it by <see cref="Id"/>.</summary>
public abstract record ContainerCommand(string Id);

/// <summary>
/// Create a container from a bundle. <see cref="Stdio"/> are the container's 0/1/2 (null: the
/// caller's own), then any fds it gets at 3 and up (--preserve-fds). With <see cref="KeepConsole"/>, a terminal's pty master comes back in the reply
/// instead of going to <see cref="ConsoleSocket"/> (a foreground `run` relays it itself).
/// </summary>
public sealed record CreateContainer(string Id, string Bundle) : ContainerCommand(Id)
{
    public string? PidFile { get; init; }
    public string? ConsoleSocket { get; init; }
    public IReadOnlyList<SafeFd>? Stdio { get; init; }
    public bool KeepConsole { get; init; }

    /// <summary>--no-pivot: MS_MOVE + chroot instead of pivot_root (a rootfs on ramfs).</summary>
    public bool NoPivot { get; init; }

    /// <summary>
    /// systemd socket activation: the first this many fds at 3.. of <see cref="Stdio"/> are the
    /// caller's $LISTEN_FDS; the process gets LISTEN_FDS=N and LISTEN_PID=1, as with runc.
    /// </summary>
    public int ListenFds { get; init; }
}

public sealed record StartContainer(string Id) : ContainerCommand(Id);

public sealed record GetContainerState(string Id) : ContainerCommand(Id);

public sealed record KillContainer(string Id, int Signal, bool All = false) : ContainerCommand(Id);

public sealed record DeleteContainer(string Id, bool Force = false) : ContainerCommand(Id);

/// <summary>Reply when the container's init exits (at once if it already has).</summary>
public sealed record WaitContainer(string Id) : ContainerCommand(Id);

/// <summary>List every container the journal knows.</summary>
public sealed record ListContainers;

/// <summary>At the start of a long-lived host: wake every container the journal knows (see <see cref="RuntimeSettings.WatchExits"/>).</summary>
public sealed record RecoverContainers;

public sealed record ContainersRecovered(int Count);

/// <summary>A container actor with nothing to hold asks its registry to retire it.</summary>
public sealed record Passivate(string Id);

/// <summary>The registry routes no more commands to the actor: it may stop.</summary>
public sealed record PassivateAck
{
    public static PassivateAck Instance { get; } = new();
}

/// <summary>A retiring actor got a container after all (a command raced the passivation): route to it again.</summary>
public sealed record Reregister(string Id);

/// <summary>Reply <see cref="ContainerRecovered"/> once this container's recovery (its cleanup included) is complete.</summary>
public sealed record AwaitRecovery;

public sealed record ContainerRecovered(string Id);

/// <summary>Reply to a create: the state, and the pty master when <see cref="CreateContainer.KeepConsole"/> was set.</summary>
public sealed record ContainerCreatedReply(ContainerStateView State, SafeFd? Console);

/// <summary>The init exited: how (null if it was not ours to reap), and why exec failed if it did.</summary>
public sealed record ContainerExitedReply(string Id, ExitStatus? Status, string? ExecError);

public sealed record ContainerList(IReadOnlyList<ContainerStateView> Containers);

/// <summary>A command succeeded and has nothing to say.</summary>
public sealed record Done
{
    public static Done Instance { get; } = new();
}

/// <summary>The OCI state of a container, as `runa state` prints it.</summary>
public sealed record ContainerStateView
{
    [JsonPropertyName("ociVersion")] public string OciVersion { get; init; } = Runtime.Oci.DefaultSpec.OciVersion;
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("pid")] public int Pid { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("bundle")] public required string Bundle { get; init; }
    [JsonPropertyName("rootfs")] public required string Rootfs { get; init; }
    [JsonPropertyName("created")] public DateTimeOffset Created { get; init; }
    [JsonPropertyName("owner")] public string Owner { get; init; } = "";
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }

    public static ContainerStateView From(ContainerRecord r, OciStatus status) => new()
    {
        // The version of the spec the container was created from, as runc reports it.
        OciVersion = r.OciVersion ?? Runtime.Oci.DefaultSpec.OciVersion,
        Id = r.Id,
        // runc shows pid 0 once the container stopped: the number may belong to someone else now.
        Pid = status == OciStatus.Stopped ? 0 : r.Pid,
        Status = status.Text(),
        Bundle = r.Bundle,
        Rootfs = r.Rootfs,
        Created = r.Created,
        Owner = r.Owner,
        Annotations = r.Annotations,
    };
}

/// <summary>What went wrong, so that a daemon client can map it like the embedded CLI does.</summary>
public enum ContainerErrorKind
{
    Failed,
    NotFound,
    AlreadyExists,
    InvalidState,
    InvalidInput,
}

/// <summary>A container command failed; the message is what the user reads.</summary>
public sealed class ContainerException(ContainerErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public ContainerErrorKind Kind { get; } = kind;

    /// <summary>
    /// When the container's process could not be started: the status a shell gives for that
    /// (127 not found, 126 not executable), which a foreground `run` exits with.
    /// </summary>
    public int? ProcessExitCode { get; init; }
}

public sealed record PauseContainer(string Id) : ContainerCommand(Id);

public sealed record ResumeContainer(string Id) : ContainerCommand(Id);

/// <summary>Change the live limits; null fields stay as they are (`runa update`).</summary>
public sealed record UpdateContainer(string Id, Runtime.Oci.LinuxResources Resources) : ContainerCommand(Id);

public sealed record ContainerUpdatedReply(IReadOnlyList<string> Warnings);

/// <summary>Every process of the container (its cgroup's, recursively).</summary>
public sealed record GetContainerPids(string Id) : ContainerCommand(Id);

public sealed record ContainerPidsReply(IReadOnlyList<int> Pids);

public sealed record GetContainerStats(string Id) : ContainerCommand(Id);

/// <summary>
/// Subscribe the sender to the container's events: a "stats" notice every
/// <see cref="Interval"/>, an "oom" notice per OOM kill, then Status.Success when the container
/// stops, or Status.Failure when the subscription cannot go on (the stream convention of
/// IRuntimeClient.Stream). The subscription ends, too, when the sender terminates.
/// </summary>
public sealed record SubscribeEvents(string Id, TimeSpan Interval) : ContainerCommand(Id);

/// <summary>One line of `runa events`: {"type":"stats"|"oom","id":…,"data":{…}}.</summary>
public sealed record ContainerEventNotice(string Type, string Id, Runtime.Cgroups.CgroupStats? Data);

/// <summary>
/// `runa exec`: run another process in the container. The process is <see cref="ProcessJson"/>
/// (--process FILE, whole) when given; else the container's own process with <see cref="Args"/>
/// and the other overrides applied, as runc composes it. <see cref="Stdio"/> and
/// <see cref="KeepConsole"/> work as for <see cref="CreateContainer"/>. The container actor keeps
/// the exit status of its recent exec processes, so a <see cref="WaitExec"/> may come after the exit.
/// </summary>
public sealed record ExecInContainer(string Id) : ContainerCommand(Id)
{
    public string? ProcessJson { get; init; }
    public IReadOnlyList<string>? Args { get; init; }
    public string? Cwd { get; init; }
    public IReadOnlyList<string>? Env { get; init; }
    public uint? Uid { get; init; }
    public uint? Gid { get; init; }
    public IReadOnlyList<uint>? AdditionalGids { get; init; }
    public IReadOnlyList<string>? Caps { get; init; }
    public bool NoNewPrivileges { get; init; }
    public bool Tty { get; init; }
    public string? ConsoleSocket { get; init; }
    public string? PidFile { get; init; }
    public IReadOnlyList<SafeFd>? Stdio { get; init; }
    public bool KeepConsole { get; init; }
}

/// <summary>The exec'd process runs (its execve succeeded): its host pid, and its pty master when kept.</summary>
public sealed record ExecStartedReply(string Id, int Pid, SafeFd? Console);

/// <summary>Reply <see cref="ExecExitedReply"/> when the process `runa exec` started as <see cref="Pid"/> exits.</summary>
public sealed record WaitExec(string Id, int Pid) : ContainerCommand(Id);

/// <summary>How an exec'd process ended (null status: not ours to reap).</summary>
public sealed record ExecExitedReply(string Id, int Pid, ExitStatus? Status);

/// <summary>Send a signal to a process `runa exec` started (a foreground exec passes its signals on).</summary>
public sealed record SignalExec(string Id, int Pid, int Signal) : ContainerCommand(Id);

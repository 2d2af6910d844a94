using Runa.Actors.Persistence;
using Runa.Kernel;
using Runa.Runtime.Cgroups;
using Runa.Runtime.Diagnostics;
using Runa.Runtime.Interop;
using Runa.Runtime.Launch;
using Runa.Runtime.Oci;
using Runa.Runtime.Sync;

namespace Runa.Actors.Containers;

public sealed partial class ContainerActor
{
    private CreateContext? _create;

    /// <summary>
    /// Validates the bundle, takes the id in the journal (a concurrent create of the same id loses
    /// there), then: state dir + exec fifo → cgroup → runa-init → cgroup apply → bootstrap → PID →
    /// attach → plan → READY → journal → reply. Any failure before READY kills and reaps what was
    /// started, removes the cgroup, the state dir and the journal entry, and replies the error.
    /// </summary>
    private void BeginCreate(CreateContainer m)
    {
        if (_record is not null)
        {
            Sender.Tell(Error(ContainerErrorKind.AlreadyExists, $"container with id {_id} already exists"));
            return;
        }
        Spec spec;
        string bundle;
        byte[] raw;
        Trace.Mark("create: begin");
        try
        {
            bundle = Path.GetFullPath(m.Bundle);
            spec = SpecLoader.Load(bundle, out raw);
            Trace.Mark("create: spec loaded");
            SpecValidator.Validate(spec, bundle);
            if (m.ListenFds < 0 || m.ListenFds > Math.Max(0, (m.Stdio?.Count ?? 0) - 3))
            {
                throw new SpecException("LISTEN_FDS", $"{m.ListenFds} activated fds, but {Math.Max(0, (m.Stdio?.Count ?? 0) - 3)} fds beyond stdio were passed", "");
            }
            if (spec.Process!.Terminal && m.ConsoleSocket is null && !m.KeepConsole)
            {
                throw new SpecException("process.terminal", "a terminal needs --console-socket when the container is created detached");
            }
        }
        catch (SpecException e)
        {
            Sender.Tell(Error(ContainerErrorKind.InvalidInput, e.Message));
            Passivate();
            return;
        }

        Trace.Mark("create: spec validated");
        var creator = Sys.GetPid();
        // The config as the bundle had it, byte for byte: what the container was created from.
        var creating = new ContainerCreating(_id, bundle, SpecValidator.RootfsPath(spec, bundle), StateDir, spec.Annotations,
            System.Text.Encoding.UTF8.GetString(raw), creator, _runtime.Processes.StartTime(creator) ?? 0, "root")
        {
            OciVersion = spec.OciVersion,
        };
        Trace.Mark("create: journal entry built");
        _create = new CreateContext(m, Sender, spec, creating);
        Become(Creating);
        Timers.StartSingleTimer("create", CreateTimedOut.Instance, _runtime.Settings.CreateTimeout);
        _runtime.Journal.WriteAsync([new JournalEntry(PersistenceId, 1, nameof(ContainerCreating), creating.At, ContainerRecord.Serialize(creating))])
            .PipeTo(Self, success: () => CreatingJournaled.Instance, failure: e => new CreateJournalFailed(e));
    }

    private void Creating()
    {
        Receive<CreatingJournaled>(_ => Step("prepare the state directory", OnCreatingJournaled));
        Receive<CreateJournalFailed>(m => Fail(m.Cause is JournalConflictException
            ? new ContainerException(ContainerErrorKind.AlreadyExists, $"container with id {_id} already exists")
            : new ContainerException(ContainerErrorKind.Failed, $"journal the container: {m.Cause.Message}", m.Cause),
            ownsRecord: false));
        Receive<CgroupSetUp>(m => Step("start runa-init", () => OnCgroupSetUp(m)));
        Receive<InitLaunched>(m => Step("attach runa-init", () => OnInitLaunched(m)));
        Receive<CgroupApplied>(_ => Step("send the bootstrap", () =>
            _sync!.Tell(new SendSyncPacket(MessageType.Bootstrap, _create!.Plan!.Bootstrap.Payload))));
        Receive<InitAttached>(m => Step("send the plan", () =>
        {
            _create!.InitPid = m.Pid;
            _create.InitStartTime = m.StartTime;
            _sync!.Tell(new SendSyncPacket(MessageType.Plan, _create.Plan!.Plan.Payload));
        }));
        Receive<SyncPacketReceived>(OnCreatePacket);
        Receive<SyncClosed>(m => Drain(m.Error is null ? "runa-init exited during setup" : $"reading the sync socket: {m.Error}"));
        Receive<Stage0Exited>(m =>
        {
            if (m.Status is { Code: 0, Signal: 0 })
            {
                return; // stage 0's job ends once it reported the init's pid
            }
            Drain($"runa-init exited during setup ({Describe(m.Status)})");
        });
        Receive<InitExited>(m => Drain($"the container init exited during setup ({Describe(m.Status)})"));
        Receive<SyncDrained>(_ => Fail(new ContainerException(ContainerErrorKind.Failed, _create!.PendingFailure ?? "runa-init exited during setup")));
        Receive<CreatedJournaled>(_ => Step("finish the create", Finish));
        Receive<CreateTimedOut>(_ => Fail(new ContainerException(ContainerErrorKind.Failed,
            $"timed out after {_runtime.Settings.CreateTimeout.TotalSeconds:0.#}s waiting for the container init (at: {_create!.Stage})")));
        Receive<Status.Failure>(m => Fail(m.Cause switch
        {
            ContainerException e => e,
            // The cgroup refused the resources before writing anything: the config is at fault.
            CgroupOperationException { InnerException: InvalidCgroupConfigException invalid } =>
                new ContainerException(ContainerErrorKind.InvalidInput, invalid.Message, invalid),
            var e => new ContainerException(ContainerErrorKind.Failed, e.Message, e),
        }));
        Receive<ChildFailed>(m => Fail(new ContainerException(ContainerErrorKind.Failed, m.Cause.Message, m.Cause)));
        Receive<Terminated>(m =>
        {
            var wasKey = m.ActorRef.Equals(_init) || m.ActorRef.Equals(_sync) || m.ActorRef.Equals(_cgroup);
            ForgetChild(m.ActorRef);
            if (wasKey)
            {
                Fail(new ContainerException(ContainerErrorKind.Failed, $"{m.ActorRef.Path.Name} stopped during setup"));
            }
        });
        ReceiveAny(_ => Stash.Stash());
    }

    /// <summary>Runs one step of the create; an exception in it fails the create with that step named.</summary>
    private void Step(string stage, Action action)
    {
        if (_create is null || _create.Failure is not null)
        {
            return;
        }
        _create.Stage = stage;
        Trace.Mark($"create: {stage}");
        try
        {
            action();
        }
        catch (SpecException e)
        {
            Fail(new ContainerException(ContainerErrorKind.InvalidInput, e.Message, e));
        }
        catch (InvalidCgroupConfigException e)
        {
            Fail(new ContainerException(ContainerErrorKind.InvalidInput, e.Message, e));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Fail(new ContainerException(ContainerErrorKind.Failed, $"{stage}: {e.Message}", e));
        }
    }

    private void OnCreatingJournaled()
    {
        var c = _create!;
        _record = ContainerRecord.From(c.Creating, 1);
        c.OwnsRecord = true;
        // A leftover directory of this id can only be a crashed create's: the journal did not know the id.
        if (Directory.Exists(StateDir))
        {
            Directory.Delete(StateDir, recursive: true);
        }
        const UnixFileMode dirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        Directory.CreateDirectory(StateDir, dirMode);
        c.MadeStateDir = true;
        var fifo = Path.Combine(StateDir, "exec.fifo");
        // 0622: the init may have switched to an unprivileged user when it opens the fifo to write.
        // Both modes are set explicitly: the caller's umask (077, say) must not take them away.
        Sys.MakeFifo(fifo, 0x192);
        File.SetUnixFileMode(StateDir, dirMode);
        File.SetUnixFileMode(fifo, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);
        c.ExecFifo = Sys.Open(fifo, Libc.O_PATH);
        var manager = _runtime.Cgroups.New(ContainerIds.FileName(_id), c.Spec.Linux!.CgroupsPath);
        _cgroup = Context.ActorOf(Props.Create(() => new CgroupManagerActor(manager)), "cgroup");
        Context.Watch(_cgroup);
        c.Stage = "set up the cgroup";
        Trace.Mark("create: state dir ready");
        _cgroup.Tell(new SetUpCgroup(DefaultDeviceRules.Effective(c.Spec)));
    }

    private void OnCgroupSetUp(CgroupSetUp m)
    {
        var c = _create!;
        c.Cgroup = m.State;
        foreach (var w in m.Warnings)
        {
            Context.GetLogger().Warning($"container {_id}: {w}");
        }
        var mounts = m.Paths
            .Where(p => p.Key != "unified")
            .ToDictionary(p => p.Key.StartsWith("name=", StringComparison.Ordinal) ? p.Key[5..] : p.Key, p => p.Value);
        if (c.Request.ListenFds > 0)
        {
            // The init is pid 1 of its namespace: that is who the activated sockets are for.
            c.Spec.Process!.Env = [.. c.Spec.Process.Env ?? [], $"LISTEN_FDS={c.Request.ListenFds}", "LISTEN_PID=1"];
        }
        c.Plan = InitPlanner.Build(c.Spec, c.Creating.Bundle, new PlanOptions { CgroupMounts = mounts, NoPivot = c.Request.NoPivot });
        Trace.Mark("create: planned");
        var fifo = c.ExecFifo!;
        var stdio = c.Request.Stdio;
        _init = Context.ActorOf(Props.Create(() => new InitProcess(_runtime, fifo, stdio)), "init");
        Context.Watch(_init);
    }

    private void OnInitLaunched(InitLaunched m)
    {
        var self = Self;
        _sync = Context.ActorOf(Props.Create(() => new SyncSocketReader(m.Sync, self)), "sync");
        Context.Watch(_sync);
        Context.ActorOf(Props.Create(() => new LogForwarder(m.Log, _id)), "log");
        _create!.Stage0Pid = m.Stage0Pid;
        // Stage 0 joins the cgroup before it clones: the init is born inside it, nothing escapes.
        _create.Stage = "move runa-init into the cgroup";
        _cgroup!.Tell(new ApplyCgroup(m.Stage0Pid));
    }

    private void OnCreatePacket(SyncPacketReceived m)
    {
        var c = _create!;
        var p = m.Packet;
        switch (p.Type)
        {
            case MessageType.Pid:
                Trace.Mark("create: PID received");
                c.PidReceived = true;
                Step("attach the container init", () => _init!.Tell(new AttachInit(p.Pid)));
                break;
            case MessageType.Console:
                Step("hand over the console", () => OnConsole(p));
                break;
            case MessageType.Ready:
                Trace.Mark("create: READY received");
                Step("journal the created container", () =>
                {
                    var created = new ContainerCreated(c.InitPid, c.InitStartTime, c.Cgroup);
                    c.Created = created;
                    PersistAsync(created).PipeTo(Self, success: () => CreatedJournaled.Instance,
                        failure: e => new Status.Failure(new ContainerException(ContainerErrorKind.Failed, $"journal the created container: {e.Message}", e)));
                });
                break;
            case MessageType.Error:
                var (op, errno, text) = p.Error();
                // Until the PID comes, an op index is stage 0's, into the bootstrap list.
                var ops = c.PidReceived ? c.Plan?.Plan : c.Plan?.Bootstrap;
                var resolving = c.PidReceived && ops is not null && op >= 0 && op < ops.Count && ops.CodeAt(op) == (ushort)PlanOp.Resolve;
                Fail(new ContainerException(ContainerErrorKind.Failed, FormatInitError(ops, resolving, op, errno, text))
                {
                    ProcessExitCode = resolving ? (errno == Errno.ENOENT ? 127 : 126) : null,
                });
                break;
            default:
                Fail(new ContainerException(ContainerErrorKind.Failed, $"runa-init sent an unexpected {p.Type} packet"));
                break;
        }
    }

    /// <summary>runa-init's error, with what the op was for (which names the config field).</summary>
    internal static string FormatInitError(OpList? ops, bool resolving, int op, int errno, string text)
    {
        // RESOLVE's text is already the whole story (`exec: "x": executable file not found in $PATH`).
        if (resolving)
        {
            return $"unable to start container process: {text}";
        }
        var what = ops is null || op < 0 ? "runa-init" : ops.Describe(op);
        return errno == 0 ? $"{what}: {text}" : $"{what}: {text}: {Errno.Describe(errno)} ({Errno.Name(errno)})";
    }

    private void OnConsole(SyncPacket p)
    {
        var c = _create!;
        if (p.Fds.Count != 1)
        {
            throw new InvalidDataException($"the console packet carried {p.Fds.Count} fds");
        }
        var master = p.Fds[0];
        if (c.Request.ConsoleSocket is { } socket)
        {
            using (master)
            {
                ConsoleSocket.Send(socket, master);
            }
            return;
        }
        c.Console = master;
    }

    private void Finish()
    {
        var c = _create!;
        Applied(c.Created!);
        if (c.Request.PidFile is { } pidFile)
        {
            PidFile.Write(pidFile, c.InitPid);
        }
        Timers.Cancel("create");
        c.ExecFifo?.Dispose();
        _cgroup?.Tell(new WatchOom());
        c.ReplyTo.Tell(new ContainerCreatedReply(ContainerStateView.From(_record!, OciStatus.Created), c.Console));
        _create = null;
        Become(Ready);
        Stash.UnstashAll();
    }

    /// <summary>
    /// A process died during setup: its ERROR (sent before it exited) may still be unread, so let
    /// the sync reader drain the socket and fail with the best reason once it has.
    /// </summary>
    private void Drain(string reason)
    {
        var c = _create!;
        if (c.Failure is not null)
        {
            return;
        }
        c.PendingFailure ??= reason;
        if (_sync is null)
        {
            Fail(new ContainerException(ContainerErrorKind.Failed, reason));
            return;
        }
        _sync.Tell(DrainSync.Instance);
    }

    private static string Describe(ExitStatus? s) => s?.ToString() ?? "exit status unknown";

    private void Fail(ContainerException error, bool ownsRecord = true)
    {
        var c = _create!;
        if (c.Failure is not null)
        {
            return;
        }
        c.Failure = error;
        c.OwnsRecord &= ownsRecord;
        Timers.Cancel("create");
        Become(FailingCreate);
        Timers.StartSingleTimer("cleanup", CleanupTimedOut.Instance, _runtime.Settings.KillTimeout);
        c.Stage = "kill what was started";
        if (_init is not null)
        {
            // If the init actor is already gone (its failure is why we are here), its Terminated
            // arrives instead of AllExited; both lead on.
            _init.Tell(KillAll.Instance);
        }
        else
        {
            AfterKill();
        }
    }

    private void FailingCreate()
    {
        Receive<AllExited>(_ => AfterKill());
        Receive<OomKillCount>(m =>
        {
            if (m.Rise > 0)
            {
                _create!.Failure = new ContainerException(ContainerErrorKind.Failed, "container init was OOM-killed (memory limit too low?)", _create.Failure);
            }
            DestroyCgroup();
        });
        Receive<CgroupDestroyed>(_ => RemoveTraces());
        Receive<Status.Failure>(m =>
        {
            // Cleanup goes on past a failing step; the original error is what the user needs.
            Context.GetLogger().Warning($"container {_id}: cleanup after a failed create: {m.Cause.Message}");
            if (Sender.Equals(_cgroup))
            {
                // A failed OOM-count read still leaves the cgroup to remove; a failed removal ends it.
                if (_create!.DestroySent)
                {
                    RemoveTraces();
                }
                else
                {
                    DestroyCgroup();
                }
            }
        });
        Receive<CleanupTimedOut>(_ =>
        {
            Context.GetLogger().Error($"container {_id}: cleanup after a failed create timed out at: {_create!.Stage}");
            // Whatever would not die: the cgroup's destroy kills again and waits (bounded) itself.
            if (!_create.DestroySent && _cgroup is not null)
            {
                DestroyCgroup();
            }
            else
            {
                RemoveTraces();
            }
        });
        Receive<RecordRemoved>(_ => Conclude());
        Receive<Terminated>(m =>
        {
            var wasInit = m.ActorRef.Equals(_init);
            ForgetChild(m.ActorRef);
            if (wasInit && _create!.Stage == "kill what was started")
            {
                // The init actor is gone (it failed or was stopped), so no AllExited will come: the
                // cgroup's destroy kills what it started, which sits in the cgroup, and waits for it.
                AfterKill();
            }
        });
        ReceiveAny(m =>
        {
            if (m is SyncPacketReceived s)
            {
                s.Packet.DisposeFds();
                return;
            }
            if (m is ContainerCommand)
            {
                Stash.Stash();
            }
        });
    }

    private void DestroyCgroup()
    {
        _create!.Stage = "remove the cgroup";
        _create.DestroySent = true;
        _cgroup!.Tell(new DestroyCgroup());
    }

    private void AfterKill()
    {
        if (_create!.Stage != "kill what was started")
        {
            return; // already past the kill (AllExited and the init's Terminated both end it)
        }
        _create.Stage = "read the OOM kill count";
        if (_cgroup is null)
        {
            RemoveTraces();
            return;
        }
        _cgroup.Tell(new GetOomKillCount());
    }

    private void RemoveTraces()
    {
        var c = _create!;
        if (c.Removing)
        {
            return;
        }
        c.Removing = true;
        c.Stage = "remove the state directory";
        c.ExecFifo?.Dispose();
        c.Console?.Dispose();
        if (c.MadeStateDir && Directory.Exists(StateDir))
        {
            try
            {
                Directory.Delete(StateDir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Context.GetLogger().Error($"container {_id}: cannot remove {StateDir}: {e.Message}");
            }
        }
        if (c.OwnsRecord)
        {
            DeleteRecordAsync("its create failed").PipeTo(Self, success: () => RecordRemoved.Instance, failure: _ => RecordRemoved.Instance);
        }
        else
        {
            Self.Tell(RecordRemoved.Instance);
        }
    }

    private void Conclude()
    {
        var c = _create!;
        Timers.Cancel("cleanup");
        c.ReplyTo.Tell(new Status.Failure(c.Failure!));
        _record = null;
        _create = null;
        // Nothing of this container exists any more; commands stashed meanwhile see that.
        Become(Ready);
        Stash.UnstashAll();
        Passivate();
    }

    private sealed class CreateContext(CreateContainer request, IActorRef replyTo, Spec spec, ContainerCreating creating)
    {
        public CreateContainer Request { get; } = request;
        public IActorRef ReplyTo { get; } = replyTo;
        public Spec Spec { get; } = spec;
        public ContainerCreating Creating { get; } = creating;
        public string Stage { get; set; } = "journal the new container";
        public bool OwnsRecord { get; set; }
        public bool MadeStateDir { get; set; }
        public SafeFd? ExecFifo { get; set; }
        public CgroupState? Cgroup { get; set; }
        public InitPlan? Plan { get; set; }
        public int Stage0Pid { get; set; }
        public bool PidReceived { get; set; }
        public bool DestroySent { get; set; }
        public int InitPid { get; set; }
        public ulong InitStartTime { get; set; }
        public SafeFd? Console { get; set; }
        public ContainerCreated? Created { get; set; }
        public string? PendingFailure { get; set; }
        public ContainerException? Failure { get; set; }
        public bool Removing { get; set; }
    }

    private sealed record CreatingJournaled
    {
        public static CreatingJournaled Instance { get; } = new();
    }

    private sealed record CreateJournalFailed(Exception Cause);

    private sealed record CreatedJournaled
    {
        public static CreatedJournaled Instance { get; } = new();
    }

    private sealed record CreateTimedOut
    {
        public static CreateTimedOut Instance { get; } = new();
    }

    private sealed record CleanupTimedOut
    {
        public static CleanupTimedOut Instance { get; } = new();
    }

    private sealed record RecordRemoved
    {
        public static RecordRemoved Instance { get; } = new();
    }
}

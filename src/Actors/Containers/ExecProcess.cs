using Runa.Kernel;
using Runa.Runtime.Interop;
using Runa.Runtime.Launch;
using Runa.Runtime.Sync;

namespace Runa.Actors.Containers;

/// <summary>
/// One `runa exec` process (/user/containers/ID/exec-N): starts runa-init in exec mode, moves
/// stage 0 into the container's cgroup, lets it join the init's namespaces, and replies
/// <see cref="ExecStartedReply"/> once the process has exec'd (the sync socket closes with no
/// ERROR), or the failure — after killing and reaping whatever it started. Then it watches the
/// process, reaps it, and answers <see cref="WaitExec"/> and <see cref="SignalExec"/>.
/// </summary>
public sealed class ExecProcess : ReceiveActor, IWithTimers
{
    private readonly ContainerRuntime _runtime;
    private readonly string _id;
    private readonly InitPlan _plan;
    private readonly ExecInContainer _request;
    private readonly IActorRef? _cgroup;
    private readonly List<IActorRef> _waiters = [];
    private IActorRef? _replyTo;
    private IProcessHandle? _stage0;
    private IProcessHandle? _process;
    private IActorRef? _sync;
    private bool _stage0Exited;
    private bool _processExited;
    private bool _pidReceived;
    private bool _ready;
    private SafeFd? _console;
    private string? _error;
    private int? _errorCode;
    private ExitStatus? _exit;

    public ExecProcess(ContainerRuntime runtime, string id, InitPlan plan, ExecInContainer request, IActorRef replyTo, IActorRef? cgroup)
    {
        _runtime = runtime;
        _id = id;
        _plan = plan;
        _request = request;
        _replyTo = replyTo;
        _cgroup = cgroup;
        Starting();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public int Pid => _process?.Pid ?? 0;

    protected override void PreStart()
    {
        var self = Self;
        LaunchedInit launched;
        try
        {
            launched = _runtime.Launcher.Launch(null, _request.Stdio);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _replyTo!.Tell(new Status.Failure(new ContainerException(ContainerErrorKind.Failed, $"exec failed: start runa-init: {e.Message}", e)));
            _replyTo = null;
            Context.Stop(Self);
            return;
        }
        _stage0 = launched.Stage0;
        _sync = Context.ActorOf(Props.Create(() => new SyncSocketReader(launched.Sync, self)), "sync");
        Context.Watch(_sync);
        Context.ActorOf(Props.Create(() => new LogForwarder(launched.Log, _id)), "log");
        _stage0.OnExit(s => self.Tell(new Exited(Stage0: true, s)));
        Timers.StartSingleTimer("start", StartTimedOut.Instance, _runtime.Settings.CreateTimeout);
        // Stage 0 joins the cgroup before it clones: the process is born inside it.
        if (_cgroup is null)
        {
            Self.Tell(new CgroupApplied(launched.Stage0.Pid));
        }
        else
        {
            _cgroup.Tell(new ApplyCgroup(launched.Stage0.Pid));
        }
    }

    /// <summary>Failures of the helpers: the log forwarder restarts, anything else fails the exec.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(
        maxNrOfRetries: 3, withinTimeRange: TimeSpan.FromSeconds(10), localOnlyDecider: e =>
        {
            var cause = e is ActorInitializationException { InnerException: { } inner } ? inner : e;
            return cause is LogForwardingException ? Directive.Restart : Directive.Stop;
        });

    private void Starting()
    {
        Receive<CgroupApplied>(_ => Step(() => _sync!.Tell(new SendSyncPacket(MessageType.Bootstrap, _plan.Bootstrap.Payload))));
        Receive<Status.Failure>(m => Fail(m.Cause.Message));
        Receive<SyncPacketReceived>(OnPacket);
        // EOF: stage 0 exited and the process exec'd (the socket is close-on-exec) or died.
        // Whatever it said before is read first; then the verdict.
        Receive<SyncClosed>(_ => _sync?.Tell(DrainSync.Instance));
        Receive<SyncDrained>(_ => Conclude());
        Receive<Exited>(OnExited);
        Receive<StartTimedOut>(_ => Fail($"timed out after {_runtime.Settings.CreateTimeout.TotalSeconds:0.#}s starting the process"));
        Receive<Terminated>(m =>
        {
            if (m.ActorRef.Equals(_sync))
            {
                _sync = null;
                Conclude();
            }
        });
        Receive<WaitExec>(m => _waiters.Add(Sender));
        Receive<SignalExec>(OnSignal);
    }

    private void Step(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Fail(e.Message);
        }
    }

    private void OnPacket(SyncPacketReceived m)
    {
        var p = m.Packet;
        switch (p.Type)
        {
            case MessageType.Pid:
                _pidReceived = true;
                Step(() => Attach(p.Pid));
                break;
            case MessageType.Console when p.Fds.Count == 1:
                Step(() => OnConsole(p.Fds[0]));
                return;
            case MessageType.Ready:
                _ready = true;
                break;
            case MessageType.Error:
                var (op, errno, text) = p.Error();
                var ops = _pidReceived ? _plan.Plan : _plan.Bootstrap;
                var code = _pidReceived && op >= 0 && op < ops.Count ? ops.CodeAt(op) : (ushort)0;
                if (code is (ushort)PlanOp.Resolve or (ushort)PlanOp.ExecNow)
                {
                    // As for a run: the executable could not be found (127) or executed (126).
                    _errorCode = errno == Errno.ENOENT ? 127 : 126;
                }
                _error ??= ContainerActor.FormatInitError(ops, code == (ushort)PlanOp.Resolve, op, errno, text);
                break;
            default:
                _error ??= $"runa-init sent an unexpected {p.Type} packet";
                break;
        }
        p.DisposeFds();
    }

    private void Attach(int pid)
    {
        var startTime = _runtime.Processes.StartTime(pid);
        _process = startTime is null ? null : _runtime.Processes.Attach(pid, startTime, reap: true);
        if (_process is null)
        {
            // It died at once: the ERROR it sent (if any) still names why.
            _error ??= $"the process (pid {pid}) exited during setup";
            return;
        }
        var self = Self;
        _process.OnExit(s => self.Tell(new Exited(Stage0: false, s)));
        Context.Parent.Tell(new ExecPidKnown(pid));
        _sync!.Tell(new SendSyncPacket(MessageType.Plan, _plan.Plan.Payload));
    }

    private void OnConsole(SafeFd master)
    {
        if (_request.ConsoleSocket is { } socket)
        {
            using (master)
            {
                ConsoleSocket.Send(socket, master);
            }
            return;
        }
        _console?.Dispose();
        _console = master;
    }

    private void OnExited(Exited m)
    {
        if (m.Stage0)
        {
            _stage0Exited = true;
            _stage0?.Dispose();
            if (m.Status is not { Code: 0, Signal: 0 } && _error is null && !_pidReceived)
            {
                _error = $"runa-init exited during setup ({m.Status?.ToString() ?? "exit status unknown"})";
            }
        }
        else
        {
            _processExited = true;
            _exit = m.Status;
        }
    }

    /// <summary>The socket said all it will: the exec happened, or it did not.</summary>
    private void Conclude()
    {
        if (_replyTo is null)
        {
            return;
        }
        if (_error is null && _ready && _process is not null)
        {
            Started();
            return;
        }
        Fail(_error ?? "runa-init exited during setup");
    }

    private void Started()
    {
        Timers.Cancel("start");
        try
        {
            if (_request.PidFile is { } pidFile)
            {
                PidFile.Write(pidFile, _process!.Pid);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or RunaSystemException)
        {
            Fail($"write the pid file {_request.PidFile}: {e.Message}");
            return;
        }
        _replyTo!.Tell(new ExecStartedReply(_id, _process!.Pid, _console));
        _console = null;
        _replyTo = null;
        // The socket has said all it will (EOF was read): give back its fd and reader now, not
        // when the process ends (a detached exec may run for as long as the container).
        if (_sync is not null)
        {
            Context.Stop(_sync);
            _sync = null;
        }
        Become(Running);
        if (_processExited)
        {
            Self.Tell(new Exited(Stage0: false, _exit));
        }
    }

    private void Running()
    {
        Receive<Exited>(m =>
        {
            if (m.Stage0)
            {
                return;
            }
            _processExited = true;
            _exit = m.Status;
            foreach (var w in _waiters)
            {
                w.Tell(new ExecExitedReply(_id, Pid, _exit));
            }
            _waiters.Clear();
            Ended();
        });
        Receive<WaitExec>(_ => _waiters.Add(Sender));
        Receive<SignalExec>(OnSignal);
        Receive<Terminated>(_ => { });
    }

    /// <summary>
    /// The parent keeps the exit status and stops us with a PoisonPill: a command it forwarded
    /// before it heard of the end is still in our mailbox, ahead of the pill, and gets its answer.
    /// </summary>
    private void Ended()
    {
        if (_process is null)
        {
            Context.Stop(Self);
            return;
        }
        Context.Parent.Tell(new ExecEnded(_process.Pid, _exit));
        Become(() =>
        {
            Receive<WaitExec>(_ => Sender.Tell(new ExecExitedReply(_id, Pid, _exit)));
            Receive<SignalExec>(OnSignal);
            ReceiveAny(m => (m as SyncPacketReceived)?.Packet.DisposeFds());
        });
    }

    private void OnSignal(SignalExec m)
    {
        if (_process is null || _processExited || !_process.Signal(m.Signal))
        {
            Sender.Tell(new Status.Failure(new ContainerException(ContainerErrorKind.InvalidState,
                $"process {m.Pid} of container {_id} is not running")));
            return;
        }
        Sender.Tell(Done.Instance);
    }

    /// <summary>Kills what was started, waits (bounded) until it is reaped, then replies the error.</summary>
    private void Fail(string error)
    {
        if (_replyTo is null)
        {
            return;
        }
        _error ??= error;
        Timers.Cancel("start");
        Become(Failing);
        if (_stage0 is not null && !_stage0Exited)
        {
            _stage0.Signal(Runtime.Oci.SignalNames.SIGKILL);
        }
        if (_process is not null && !_processExited)
        {
            _process.Signal(Runtime.Oci.SignalNames.SIGKILL);
        }
        Timers.StartSingleTimer("cleanup", StartTimedOut.Instance, _runtime.Settings.KillTimeout);
        ReplyIfDead();
    }

    private void Failing()
    {
        Receive<Exited>(m =>
        {
            if (m.Stage0)
            {
                _stage0Exited = true;
                _stage0?.Dispose();
            }
            else
            {
                _processExited = true;
            }
            ReplyIfDead();
        });
        Receive<StartTimedOut>(_ =>
        {
            Context.GetLogger().Warning($"container {_id}: exec: what a failed exec started did not die within {_runtime.Settings.KillTimeout.TotalSeconds:0.#}s");
            Reply();
        });
        Receive<SyncPacketReceived>(m => m.Packet.DisposeFds());
        Receive<WaitExec>(_ => Sender.Tell(new ExecExitedReply(_id, Pid, null)));
        Receive<SignalExec>(OnSignal);
        ReceiveAny(_ => { });
    }

    private void ReplyIfDead()
    {
        if ((_stage0 is null || _stage0Exited) && (_process is null || _processExited))
        {
            Reply();
        }
    }

    private void Reply()
    {
        if (_replyTo is null)
        {
            return;
        }
        _replyTo.Tell(new Status.Failure(new ContainerException(ContainerErrorKind.Failed, $"exec failed: {_error}")
        {
            ProcessExitCode = _errorCode,
        }));
        _replyTo = null;
        foreach (var w in _waiters)
        {
            w.Tell(new ExecExitedReply(_id, Pid, null));
        }
        _waiters.Clear();
        Ended();
    }

    protected override void PostStop()
    {
        if (_replyTo is not null)
        {
            // Stopped before it could answer (the container actor went away).
            _replyTo.Tell(new Status.Failure(new ContainerException(ContainerErrorKind.Failed, "exec failed: the container went away")));
        }
        // Stopped with the container (deleted, say): a waiter must not wait for good.
        foreach (var w in _waiters)
        {
            w.Tell(new ExecExitedReply(_id, Pid, _exit));
        }
        _console?.Dispose();
        _stage0?.Dispose();
        _process?.Dispose();
    }

    private sealed record Exited(bool Stage0, ExitStatus? Status);

    private sealed record StartTimedOut
    {
        public static StartTimedOut Instance { get; } = new();
    }

}

/// <summary>An exec child tells its container actor the pid it runs, for routing <see cref="WaitExec"/> and <see cref="SignalExec"/>.</summary>
public sealed record ExecPidKnown(int Pid);

/// <summary>An exec child's process is gone (null status: unknown); it waits for its parent's PoisonPill.</summary>
public sealed record ExecEnded(int Pid, ExitStatus? Status);

using Runa.Kernel;
using Runa.Runtime.Interop;
using Runa.Runtime.Launch;

namespace Runa.Actors.Containers;

/// <summary>
/// Owns the container's processes: runa-init's stage 0 (launched here) and the container init
/// (attached by pid once stage 0 reports it, or at once when re-attaching to an existing
/// container). Holds their pidfds, signals them, and tells its parent when each exits.
/// Stopping this actor never kills anything: a created container outlives `runa create`.
/// </summary>
public sealed class InitProcess : ReceiveActor
{
    private readonly ContainerRuntime _runtime;
    private readonly SafeFd? _execFifo;
    private readonly IReadOnlyList<SafeFd>? _stdio;
    private IProcessHandle? _stage0;
    private IProcessHandle? _init;
    private bool _stage0Exited;
    private bool _initExited;
    private IActorRef? _killWaiter;

    /// <summary>Launch mode: spawn runa-init in PreStart.</summary>
    public InitProcess(ContainerRuntime runtime, SafeFd execFifo, IReadOnlyList<SafeFd>? stdio)
        : this(runtime)
    {
        _execFifo = execFifo;
        _stdio = stdio;
    }

    /// <summary>Attach mode: the init of an existing container.</summary>
    public InitProcess(ContainerRuntime runtime, IProcessHandle init)
        : this(runtime)
    {
        _init = init;
        _stage0Exited = true;
    }

    private InitProcess(ContainerRuntime runtime)
    {
        _runtime = runtime;
        Receive<AttachInit>(OnAttach);
        Receive<SignalInit>(m => Sender.Tell(_init is not null && !_initExited && _init.Signal(m.Signal)));
        Receive<KillAll>(_ => OnKillAll());
        Receive<ProcessExited>(OnExited);
    }

    protected override void PreStart()
    {
        var self = Self;
        if (_execFifo is not null)
        {
            var launched = _runtime.Launcher.Launch(_execFifo, _stdio);
            Runtime.Diagnostics.Trace.Mark("create: runa-init spawned");
            _stage0 = launched.Stage0;
            Context.Parent.Tell(new InitLaunched(launched.Sync, launched.Log, launched.Stage0.Pid));
            _stage0.OnExit(s => self.Tell(new ProcessExited(Stage0: true, s)));
        }
        _init?.OnExit(s => self.Tell(new ProcessExited(Stage0: false, s)));
    }

    private void OnAttach(AttachInit m)
    {
        var startTime = _runtime.Processes.StartTime(m.Pid);
        _init = startTime is null ? null : _runtime.Processes.Attach(m.Pid, startTime, reap: true);
        if (_init is null || startTime is null)
        {
            Sender.Tell(new Status.Failure(new ContainerException(ContainerErrorKind.Failed,
                $"the container init (pid {m.Pid}) exited during setup")));
            return;
        }
        var self = Self;
        _init.OnExit(s => self.Tell(new ProcessExited(Stage0: false, s)));
        Sender.Tell(new InitAttached(m.Pid, startTime.Value));
    }

    private void OnKillAll()
    {
        _killWaiter = Sender;
        // SIGKILL to pid 1 of a pid namespace takes every process of the namespace with it.
        if (_init is not null && !_initExited)
        {
            _init.Signal(Runtime.Oci.SignalNames.SIGKILL);
        }
        if (_stage0 is not null && !_stage0Exited)
        {
            _stage0.Signal(Runtime.Oci.SignalNames.SIGKILL);
        }
        ReplyIfAllExited();
    }

    private void OnExited(ProcessExited m)
    {
        if (m.Stage0)
        {
            _stage0Exited = true;
            // Its job is done: give back the pidfd now rather than when the container goes.
            _stage0?.Dispose();
            Context.Parent.Tell(new Stage0Exited(m.Status));
        }
        else
        {
            _initExited = true;
            Context.Parent.Tell(new InitExited(m.Status));
        }
        ReplyIfAllExited();
    }

    private void ReplyIfAllExited()
    {
        if (_killWaiter is not null && (_stage0 is null || _stage0Exited) && (_init is null || _initExited))
        {
            _killWaiter.Tell(AllExited.Instance);
            _killWaiter = null;
        }
    }

    protected override void PostStop()
    {
        _stage0?.Dispose();
        _init?.Dispose();
    }

    private sealed record ProcessExited(bool Stage0, ExitStatus? Status);
}

/// <summary>Stage 0 runs: here are the host ends of its sync socket and log pipe (now the receiver's).</summary>
public sealed record InitLaunched(SafeFd Sync, SafeFd Log, int Stage0Pid);

/// <summary>Hold a pidfd on the container init that stage 0 reported.</summary>
public sealed record AttachInit(int Pid);

public sealed record InitAttached(int Pid, ulong StartTime);

public sealed record SignalInit(int Signal);

/// <summary>SIGKILL everything launched; reply <see cref="AllExited"/> once all of it has exited.</summary>
public sealed record KillAll
{
    public static KillAll Instance { get; } = new();
}

public sealed record AllExited
{
    public static AllExited Instance { get; } = new();
}

public sealed record Stage0Exited(ExitStatus? Status);

public sealed record InitExited(ExitStatus? Status);

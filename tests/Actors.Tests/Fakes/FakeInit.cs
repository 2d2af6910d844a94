using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Runa.Runtime.Interop;
using Runa.Runtime.Launch;
using Runa.Runtime.Sync;

namespace Runa.Actors.Tests.Fakes;

/// <summary>
/// Stands in for runa-init: <see cref="Launch"/> makes a real SOCK_SEQPACKET socketpair and a
/// real log pipe, hands the host ends to the actors, and runs a scripted fake runa-init on the
/// other ends on its own thread. Stage 0 and the container init are <see cref="FakeProcess"/>es.
/// Launched without an exec fifo (`runa exec`), it runs a fake runa-init in exec mode
/// (<see cref="ExecScript"/>, listed in <see cref="Execs"/>): stage 0 "joins" the namespaces the
/// bootstrap names and clones the exec'd process, which runs the plan and exec's at once.
/// </summary>
public sealed class FakeInitLauncher(FakeProcessTable processes, FakeCgroupFactory cgroups) : IInitLauncher, IDisposable
{
    private readonly ConcurrentQueue<FakeInit> _launched = new();
    private readonly ConcurrentQueue<FakeInit> _execs = new();
    private int _attempts;

    /// <summary>What every fake runa-init does (unless <see cref="ScriptFor"/> says otherwise).</summary>
    public Action<FakeInit> Script { get; set; } = FakeInit.HappyPath;

    /// <summary>What every fake runa-init launched in exec mode (no exec fifo) does.</summary>
    public Action<FakeInit> ExecScript { get; set; } = FakeInit.ExecHappyPath;

    /// <summary>A script per container id; null: <see cref="Script"/>.</summary>
    public Func<string, Action<FakeInit>?>? ScriptFor { get; set; }

    /// <summary>When it returns an exception, Launch throws it (runa-init missing, posix_spawn failed).</summary>
    public Func<Exception?>? LaunchFault { get; set; }

    /// <summary>When set, the host gets this fd instead of the log pipe's read end.</summary>
    public Func<SafeFd>? HostLogFd { get; set; }

    /// <summary>How many times Launch was called (including failed launches).</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>The fake runa-inits of creates (exec fifo given), in launch order.</summary>
    public IReadOnlyList<FakeInit> Launched => [.. _launched];

    /// <summary>The fake runa-inits of `runa exec` (no exec fifo), in launch order.</summary>
    public IReadOnlyList<FakeInit> Execs => [.. _execs];

    /// <summary>Every fake runa-init: creates, then execs.</summary>
    public IReadOnlyList<FakeInit> All => [.. _launched, .. _execs];

    /// <summary>The execs into <paramref name="containerId"/> (known once their bootstrap named the container's init).</summary>
    public IReadOnlyList<FakeInit> ExecsOf(string containerId) => [.. _execs.Where(f => f.ContainerId == containerId)];

    /// <summary>The last fake runa-init launched for <paramref name="containerId"/>.</summary>
    public FakeInit? Of(string containerId) => _launched.LastOrDefault(f => f.ContainerId == containerId);

    public LaunchedInit Launch(SafeFd? execFifo, IReadOnlyList<SafeFd>? stdio)
    {
        Interlocked.Increment(ref _attempts);
        if (execFifo is null)
        {
            return LaunchExec(stdio);
        }
        // What runa-init finds behind fd 5: the exec fifo of <root>/<id>/.
        var fifoPath = new FileInfo($"/proc/self/fd/{execFifo.Fd}").LinkTarget
            ?? throw new InvalidOperationException("the exec fifo fd is not a magic link");
        var id = Path.GetFileName(Path.GetDirectoryName(fifoPath))!;
        if (LaunchFault?.Invoke() is { } fault)
        {
            throw fault;
        }
        var (host, child) = Sys.SeqPacketPair();
        var (logRead, logWrite) = Sys.Pipe();
        // Our own reference to the fifo, as posix_spawn's dup2 gives runa-init one.
        var fifo = Sys.Open($"/proc/self/fd/{execFifo.Fd}", Libc.O_PATH);
        var stage0 = processes.Spawn($"runa:[0:PARENT] {id}");
        var script = ScriptFor?.Invoke(id) ?? Script;
        var init = new FakeInit(id, fifoPath, child, logWrite, fifo, stage0, stdio?.Select(f => f.Fd).ToList(), processes, cgroups, script);
        _launched.Enqueue(init);
        init.Start();
        return new LaunchedInit(new FakeProcessHandle(stage0, reap: true), host, HostLog(logRead));
    }

    /// <summary>
    /// `runa exec`: no fifo, and the container is not known until the bootstrap names its init
    /// (/proc/PID/ns/*), as for the real runa-init, which learns it from there too.
    /// </summary>
    private LaunchedInit LaunchExec(IReadOnlyList<SafeFd>? stdio)
    {
        if (LaunchFault?.Invoke() is { } fault)
        {
            throw fault;
        }
        var (host, child) = Sys.SeqPacketPair();
        var (logRead, logWrite) = Sys.Pipe();
        var stage0 = processes.Spawn("runa:[0:PARENT] exec");
        var exec = new FakeInit(stage0, child, logWrite, stdio?.Select(f => f.Fd).ToList(), processes, cgroups, ExecScript,
            initPid => _launched.LastOrDefault(f => f.Init?.Pid == initPid)?.ContainerId);
        _execs.Enqueue(exec);
        exec.Start();
        return new LaunchedInit(new FakeProcessHandle(stage0, reap: true), host, HostLog(logRead));
    }

    /// <summary>The host's end of the log pipe, or the stand-in a test gave (<see cref="HostLogFd"/>).</summary>
    private SafeFd HostLog(SafeFd logRead)
    {
        if (HostLogFd is not { } replace)
        {
            return logRead;
        }
        logRead.Dispose();
        return replace();
    }

    /// <summary>Kills every fake process left and waits for every script thread to end.</summary>
    public void Dispose()
    {
        var stuck = new List<string>();
        foreach (var f in All)
        {
            f.KillAll();
        }
        foreach (var f in All)
        {
            if (!f.Done.Wait(TimeSpan.FromSeconds(10)))
            {
                stuck.Add(f.ToString());
            }
        }
        if (stuck.Count > 0)
        {
            throw new InvalidOperationException($"fake runa-init threads did not end: {string.Join(", ", stuck)}");
        }
    }
}

/// <summary>The fake runa-init is dead (killed, or it bailed): its script ends here.</summary>
public sealed class FakeInitKilled : Exception
{
    public FakeInitKilled()
        : base("the fake runa-init is dead")
    {
    }
}

/// <summary>
/// One fake runa-init. A script drives it on a dedicated thread through the methods below, which
/// speak the real protocol (protocol.h) over the real socket. When all its processes are dead,
/// its fds close like a dead process's do: the host sees EOF, and a blocked call in the script
/// throws <see cref="FakeInitKilled"/>.
/// </summary>
public sealed class FakeInit
{
    private readonly SafeFd _sync;
    private readonly SafeFd _log;
    private readonly SafeFd? _fifo;
    private readonly Func<int, string?>? _containerOfInit;
    private readonly FakeProcessTable _processes;
    private readonly FakeCgroupFactory _cgroups;
    private readonly Action<FakeInit> _script;
    private readonly Lock _gate = new();
    private readonly ManualResetEventSlim _dead = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _marks = new();
    private byte[]? _buffer;
    private bool _isDead;
    private bool _inFifoOpen;
    private bool _syncShut;
    private bool _logClosed;
    private bool _fdsClosed;
    private SafeFd? _unblocker;

    internal FakeInit(string containerId, string fifoPath, SafeFd sync, SafeFd log, SafeFd fifo, FakeProcess stage0,
        IReadOnlyList<int>? stdio, FakeProcessTable processes, FakeCgroupFactory cgroups, Action<FakeInit> script)
    {
        ContainerId = containerId;
        FifoPath = fifoPath;
        _sync = sync;
        _log = log;
        _fifo = fifo;
        Stage0 = stage0;
        Stdio = stdio;
        _processes = processes;
        _cgroups = cgroups;
        _script = script;
        stage0.Dying += OnDying;
    }

    /// <summary>Exec mode: no fifo; the container is known once the bootstrap named its init (<paramref name="containerOfInit"/>).</summary>
    internal FakeInit(FakeProcess stage0, SafeFd sync, SafeFd log, IReadOnlyList<int>? stdio, FakeProcessTable processes,
        FakeCgroupFactory cgroups, Action<FakeInit> script, Func<int, string?> containerOfInit)
    {
        IsExec = true;
        ContainerId = "?";
        _containerOfInit = containerOfInit;
        _sync = sync;
        _log = log;
        Stage0 = stage0;
        Stdio = stdio;
        _processes = processes;
        _cgroups = cgroups;
        _script = script;
        stage0.Dying += OnDying;
    }

    /// <summary>The container's id; for an exec, "?" until its bootstrap named the container's init.</summary>
    public string ContainerId { get; private set; }

    /// <summary>True for a fake runa-init of `runa exec`: no fifo, the process exec's right after READY.</summary>
    public bool IsExec { get; }

    /// <summary>The exec fifo's path (null for an exec).</summary>
    public string? FifoPath { get; }

    /// <summary>Exec mode: the pid whose /proc/PID/ns/* the bootstrap joins (the container's init, as the host sees it).</summary>
    public int? JoinedInitPid { get; private set; }

    /// <summary>Exec mode: the process `runa exec` runs, once stage 0 cloned it (the same as <see cref="Init"/>).</summary>
    public FakeProcess? Process => Init;

    public FakeProcess Stage0 { get; }

    /// <summary>The container init (for an exec, the exec'd process), once the script cloned it.</summary>
    public FakeProcess? Init { get; private set; }

    /// <summary>The fd numbers the host passed as the container's stdio (null: its own).</summary>
    public IReadOnlyList<int>? Stdio { get; }

    public IReadOnlyList<ParsedOp>? Bootstrap { get; private set; }

    public IReadOnlyList<ParsedOp>? Plan { get; private set; }

    /// <summary>True once the init took the go from the exec fifo (wrote its byte).</summary>
    public bool TookStart { get; private set; }

    public bool Execed { get; private set; }

    /// <summary>What went wrong in the script itself (not counting being killed).</summary>
    public Exception? ScriptError { get; private set; }

    /// <summary>Points the script passed (<see cref="Mark"/>).</summary>
    public IReadOnlyCollection<string> Marks => [.. _marks];

    /// <summary>Completes when the script thread has ended and closed every fd.</summary>
    public Task Done => _done.Task;

    public bool IsDead
    {
        get
        {
            lock (_gate)
            {
                return _isDead;
            }
        }
    }

    /// <summary>The process running the script now: the init once cloned and alive, else stage 0.</summary>
    public FakeProcess Current => Init is { HasExited: false } i ? i : Stage0;

    /// <summary>The real runa-init's good path: bootstrap → clone → PID → stage 0 exits → plan → READY → wait for start → exec.</summary>
    public static void HappyPath(FakeInit f)
    {
        UpToReady(f);
        if (f.WaitForStart())
        {
            f.Exec();
        }
    }

    /// <summary>
    /// The real runa-init's good path in exec mode: bootstrap (join the namespaces) → clone → PID →
    /// stage 0 exits → plan → READY → EXEC_NOW (no fifo to wait on): the sync socket closes.
    /// </summary>
    public static void ExecHappyPath(FakeInit f)
    {
        UpToReady(f);
        f.Exec();
    }

    /// <summary>The happy path up to READY; then the init just waits (never takes the start).</summary>
    public static FakeProcess UpToReady(FakeInit f)
    {
        var init = ThroughPlan(f);
        f.SendReady();
        return init;
    }

    /// <summary>Bootstrap read, init cloned, PID sent, stage 0 exited 0: what follows is the init's.</summary>
    public static FakeProcess ThroughPid(FakeInit f)
    {
        f.ReadBootstrap();
        var init = f.SpawnInit();
        f.SendPid(init.Pid);
        f.Stage0.Exit(ExitStatus.Exited(0));
        return init;
    }

    /// <summary>Up to the plan received by the init (nothing answered yet).</summary>
    public static FakeProcess ThroughPlan(FakeInit f)
    {
        var init = ThroughPid(f);
        f.ReadPlan();
        return init;
    }

    public void Mark(string mark) => _marks.Enqueue(mark);

    public IReadOnlyList<ParsedOp> ReadBootstrap()
    {
        var p = Receive(MessageType.Bootstrap);
        Bootstrap = OpListReader.Parse(p.Payload);
        if (IsExec)
        {
            // runa-init joins /proc/PID/ns/*: which container this exec is into.
            var join = Bootstrap.FirstOrDefault(op => op.BootstrapCode == BootstrapOp.JoinNamespace);
            var path = join?.Str(1).Split('/');
            if (path is ["", "proc", var pid, "ns", _] && int.TryParse(pid, out var initPid))
            {
                JoinedInitPid = initPid;
                ContainerId = _containerOfInit!(initPid) ?? "?";
            }
        }
        return Bootstrap;
    }

    public IReadOnlyList<ParsedOp> ReadPlan()
    {
        var p = Receive(MessageType.Plan);
        Plan = OpListReader.Parse(p.Payload);
        return Plan;
    }

    /// <summary>Stage 0 clones the container init (born in stage 0's cgroup).</summary>
    public FakeProcess SpawnInit()
    {
        lock (_gate)
        {
            if (_isDead || Stage0.HasExited)
            {
                throw new FakeInitKilled();
            }
            Init = _processes.Spawn(IsExec ? $"exec'd process in {ContainerId}" : $"runa:[1:INIT] {ContainerId}");
            Init.Dying += OnDying;
        }
        _cgroups.AdoptChild(Stage0.Pid, Init);
        return Init;
    }

    public void SendPid(int pid)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(payload, pid);
        Send(MessageType.Pid, payload);
    }

    public void SendReady() => Send(MessageType.Ready, []);

    /// <summary>ERROR {op index, errno, NUL-terminated text}, exactly as comm.c's vreport builds it.</summary>
    public void SendError(int op, int errno, string text)
    {
        var t = Encoding.UTF8.GetBytes(text);
        var payload = new byte[8 + t.Length + 1];
        BinaryPrimitives.WriteInt32LittleEndian(payload, op);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), errno);
        t.CopyTo(payload, 8);
        Send(MessageType.Error, payload);
    }

    /// <summary>What runa-init's bail does: ERROR, then the running process exits.</summary>
    public void Bail(int op, int errno, string text, int code = 1)
    {
        var current = Current;
        SendError(op, errno, text);
        current.Exit(ExitStatus.Exited(code));
        throw new FakeInitKilled();
    }

    public void SendConsole(SafeFd master) => Send(MessageType.Console, [], [master.Fd]);

    public void Send(MessageType type, ReadOnlySpan<byte> payload, ReadOnlySpan<int> fds = default)
    {
        ThrowIfDead();
        try
        {
            SyncPacket.Send(_sync, type, payload, fds);
        }
        catch (RunaSystemException e) when (e.Errno is Errno.EPIPE or Errno.ECONNRESET)
        {
            HostGone();
        }
    }

    /// <summary>Writes raw text on the log pipe ("&lt;level&gt; &lt;text&gt;\n" lines).</summary>
    public void Log(string text)
    {
        ThrowIfDead();
        Sys.WriteAll(_log, Encoding.UTF8.GetBytes(text), "fake log pipe");
    }

    /// <summary>
    /// The EXEC op's wait: opens the exec fifo for writing through our fd, as runa-init does through
    /// /proc/self/fd/5 (blocks until `start` opens it for reading), then writes its byte (or, with
    /// <paramref name="writeByte"/> false, closes it without one).
    /// </summary>
    public bool WaitForStart(bool writeByte = true)
    {
        if (_fifo is null)
        {
            throw new InvalidOperationException("an exec has no exec fifo to wait on");
        }
        lock (_gate)
        {
            if (_isDead)
            {
                throw new FakeInitKilled();
            }
            _inFifoOpen = true;
        }
        SafeFd writer;
        try
        {
            writer = Sys.Open($"/proc/self/fd/{_fifo.Fd}", Libc.O_WRONLY);
        }
        finally
        {
            lock (_gate)
            {
                _inFifoOpen = false;
                _unblocker?.Dispose();
                _unblocker = null;
            }
        }
        using (writer)
        {
            ThrowIfDead();
            if (writeByte)
            {
                Sys.WriteAll(writer, "0"u8, "exec fifo");
                TookStart = true;
            }
        }
        return writeByte;
    }

    /// <summary>execve succeeded: the log pipe was closed by its op, the CLOEXEC socket closes; the user process runs on.</summary>
    public void Exec()
    {
        ThrowIfDead();
        Execed = true;
        Init!.OnSignal = FakeProcess.DefaultSignals;
        CloseLog();
        ShutSync();
    }

    /// <summary>A broken runa-init closes its end of the sync socket but lives on: the host sees EOF.</summary>
    public void CloseSync() => ShutSync();

    /// <summary>Never answers again: waits until killed.</summary>
    public void Hang()
    {
        _dead.Wait();
        throw new FakeInitKilled();
    }

    /// <summary>Index of the first plan op with <paramref name="code"/>.</summary>
    public int PlanIndexOf(PlanOp code) =>
        Plan!.Select((op, i) => (op, i)).First(x => x.op.Code == (ushort)code).i;

    /// <summary>Teardown: every process left is SIGKILLed.</summary>
    public void KillAll()
    {
        Init?.Exit(ExitStatus.Killed(9));
        Stage0.Exit(ExitStatus.Killed(9));
        // A script that ended with its processes alive holds no thread; one that never started still must end.
        lock (_gate)
        {
            _isDead = true;
            _dead.Set();
        }
    }

    internal void Start()
    {
        var thread = new Thread(Run, 256 * 1024) { IsBackground = true, Name = IsExec ? "fake runa-init exec" : $"fake runa-init {ContainerId}" };
        thread.Start();
    }

    private void Run()
    {
        try
        {
            _script(this);
            // The script is over but its processes live on (a created or running container): hold the fds as they would.
            _dead.Wait();
        }
        catch (FakeInitKilled)
        {
        }
        catch (Exception) when (IsDead)
        {
            // Killed in the middle of a call (EPIPE, EBADF): what a killed process would see, if anything.
        }
        catch (Exception e)
        {
            ScriptError = e;
        }
        finally
        {
            lock (_gate)
            {
                _fdsClosed = true;
                _unblocker?.Dispose();
                _unblocker = null;
                ShutSyncLocked();
                _sync.Dispose();
                _fifo?.Dispose();
            }
            CloseLog();
            _done.TrySetResult();
        }
    }

    private SyncPacket Receive(MessageType expected)
    {
        ThrowIfDead();
        _buffer ??= new byte[SyncProtocol.MaxPacket];
        var packet = SyncPacket.Receive(_sync, _buffer, nonBlocking: false, out var eof);
        if (eof || packet is null)
        {
            ThrowIfDead();
            HostGone();
        }
        foreach (var fd in packet!.Fds)
        {
            fd.Dispose();
        }
        if (packet.Type != expected)
        {
            throw new InvalidDataException($"fake runa-init expected {expected} but the host sent {packet.Type}");
        }
        return packet;
    }

    /// <summary>runa-init's "the host closed the sync socket": the running process exits 1.</summary>
    private void HostGone()
    {
        Current.Exit(ExitStatus.Exited(1));
        throw new FakeInitKilled();
    }

    private void ThrowIfDead()
    {
        if (IsDead)
        {
            throw new FakeInitKilled();
        }
    }

    /// <summary>A process of ours exited; once none is left, our fds close (the host sees EOF).</summary>
    private void OnDying(FakeProcess p)
    {
        // Runs inside FakeProcess.Exit, possibly on an actor's thread: it must never throw.
        lock (_gate)
        {
            if (!Stage0.HasExited || Init is { HasExited: false })
            {
                return;
            }
            _isDead = true;
            try
            {
                if (!_fdsClosed)
                {
                    if (_inFifoOpen && _unblocker is null && _fifo is not null)
                    {
                        // Our blocked open of the fifo for writing returns once a reader exists.
                        _unblocker = Sys.Open($"/proc/self/fd/{_fifo.Fd}", Libc.O_RDONLY | Libc.O_NONBLOCK);
                    }
                    ShutSyncLocked();
                }
            }
            catch (Exception e)
            {
                ScriptError ??= e;
            }
        }
        _dead.Set();
    }

    private void ShutSync()
    {
        lock (_gate)
        {
            ShutSyncLocked();
        }
    }

    private void ShutSyncLocked()
    {
        if (_syncShut || _sync.IsClosed)
        {
            return;
        }
        _syncShut = true;
        Sys.Shutdown(_sync);
    }

    private void CloseLog()
    {
        lock (_gate)
        {
            if (_logClosed)
            {
                return;
            }
            _logClosed = true;
        }
        _log.Dispose();
    }

    public override string ToString() => IsExec
        ? $"fake runa-init exec into {ContainerId} (stage 0 {Stage0.Pid}, process {Init?.Pid})"
        : $"fake runa-init of {ContainerId} (stage 0 {Stage0.Pid}, init {Init?.Pid})";
}

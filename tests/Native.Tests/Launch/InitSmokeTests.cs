using Runa.Runtime.Interop;
using Runa.Runtime.Launch;
using Runa.Runtime.Oci;
using Runa.Runtime.Sync;
using Runa.Tests;
using Xunit;

namespace Runa.Native.Tests.Launch;

/// <summary>Drives runa-init by hand through the sync protocol: the native layer without actors.</summary>
public sealed class InitSmokeTests
{
    [IntegrationFact]
    public void Runs_a_busybox_container_through_the_raw_protocol()
    {
        Integration.Require();
        using var bundle = new BusyboxBundle(s => s.Process!.Args = ["sh", "-c", "echo hello from $(hostname) pid $$"]);
        var state = Directory.CreateTempSubdirectory("runa-smoke-");
        try
        {
            var fifoPath = Path.Combine(state.FullName, "exec.fifo");
            Sys.MakeFifo(fifoPath, 0x192 /* 0622 */);
            using var fifo = Sys.Open(fifoPath, Libc.O_PATH);
            var (outRead, outWrite) = Sys.Pipe();
            using var _o = outRead;
            using var devnull = Sys.Open("/dev/null", Libc.O_RDWR);

            var spec = SpecLoader.Load(bundle.Dir);
            SpecValidator.Validate(spec, bundle.Dir);
            var plan = InitPlanner.Build(spec, bundle.Dir, new PlanOptions());
            var launcher = new InitLauncher(InitLauncher.DefaultPath);
            using var init = launcher.Launch(fifo, [devnull, outWrite, outWrite]);
            outWrite.Dispose();
            var buffer = new byte[SyncProtocol.MaxPacket];

            SyncPacket? Next()
            {
                Assert.True(Sys.PollReadable(init.Sync, 10_000), "no packet from runa-init within 10 s");
                var p = SyncPacket.Receive(init.Sync, buffer, nonBlocking: false, out var eof);
                if (eof)
                {
                    var log = new byte[65536];
                    Sys.SetNonBlocking(init.Log, true);
                    var n = Sys.Read(init.Log, log);
                    Assert.Fail("runa-init closed the sync socket; its log: " + System.Text.Encoding.UTF8.GetString(log, 0, Math.Max(0, n)));
                }
                return p;
            }

            SyncPacket.Send(init.Sync, MessageType.Bootstrap, plan.Bootstrap.Payload.Span);
            var pidPacket = Next();
            Assert.Equal(MessageType.Pid, pidPacket!.Type);
            using var container = KernelProcessTable.Instance.Attach(pidPacket.Pid);
            Assert.NotNull(container);

            SyncPacket.Send(init.Sync, MessageType.Plan, plan.Plan.Payload.Span);
            var ready = Next();
            Assert.True(ready!.Type == MessageType.Ready,
                ready.Type == MessageType.Error ? $"{plan.Plan.Describe(ready.Error().OpIndex)}: {ready.Error().Text} ({Errno.Name(ready.Error().Errno)})" : ready.Type.ToString());

            var exited = new TaskCompletionSource<ExitStatus?>();
            container!.OnExit(s => exited.TrySetResult(s));
            using (var start = Sys.Open(fifoPath, Libc.O_RDONLY | Libc.O_NONBLOCK))
            {
                var b = new byte[1];
                if (!Sys.PollReadable(start, 10_000))
                {
                    var late = Sys.PollReadable(init.Sync, 0) ? SyncPacket.Receive(init.Sync, buffer, nonBlocking: true, out _) : null;
                    Assert.Fail("the init never wrote the exec fifo" + (late?.Type == MessageType.Error ? $": {plan.Plan.Describe(late.Error().OpIndex)}: {late.Error().Text} ({Errno.Name(late.Error().Errno)})" : ""));
                }
                Assert.Equal(1, Sys.Read(start, b));
            }
            Assert.True(exited.Task.Wait(TimeSpan.FromSeconds(10)), "the container did not exit");
            Assert.Equal(ExitStatus.Exited(0), exited.Task.Result);
            var output = new byte[4096];
            var n = Sys.Read(outRead, output);
            Assert.Equal("hello from runa pid 1\n", System.Text.Encoding.UTF8.GetString(output, 0, n));
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Exec mode without a fifo: stage 0 opens the namespaces of a process (ours, here), checks that
    /// it is still the same process, joins, clones; the child runs its plan and execs at once.
    /// </summary>
    [IntegrationFact]
    public void Exec_mode_joins_a_live_process_and_execs_without_a_fifo()
    {
        Integration.Require();
        var self = Sys.GetPid();
        var bootstrap = new OpList();
        bootstrap.Op(BootstrapOp.JoinNamespace, "join uts").U64(NamespaceTypes.CLONE_NEWUTS).Str($"/proc/{self}/ns/uts");
        bootstrap.Op(BootstrapOp.SameProcess, "check").U64((ulong)self).U64(Sys.ProcessStat(self)!.Value.StartTime);
        bootstrap.Op(BootstrapOp.CloneFlags, "clone").U64(0);
        var plan = new OpList();
        plan.Op(PlanOp.Resolve, "resolve").Str("/bin/true").Str("/bin");
        plan.Op(PlanOp.Ready, "ready");
        plan.Op(PlanOp.ExecNow, "exec").U64(1).Str("/bin/true");

        using var devnull = Sys.Open("/dev/null", Libc.O_RDWR);
        using var init = new InitLauncher(InitLauncher.DefaultPath).Launch(null, [devnull, devnull, devnull]);
        var buffer = new byte[SyncProtocol.MaxPacket];
        SyncPacket.Send(init.Sync, MessageType.Bootstrap, bootstrap.Payload.Span);
        var pid = Receive(init, buffer);
        Assert.Equal(MessageType.Pid, pid.Type);
        using var process = KernelProcessTable.Instance.Attach(pid.Pid, reap: true)!;
        var exited = new TaskCompletionSource<ExitStatus?>();
        process.OnExit(s => exited.TrySetResult(s));
        SyncPacket.Send(init.Sync, MessageType.Plan, plan.Payload.Span);
        Assert.Equal(MessageType.Ready, Receive(init, buffer).Type);
        Assert.True(exited.Task.Wait(TimeSpan.FromSeconds(10)), "the exec'd process did not exit");
        Assert.Equal(ExitStatus.Exited(0), exited.Task.Result);
    }

    [IntegrationFact]
    public void Exec_mode_refuses_a_process_whose_start_time_changed()
    {
        Integration.Require();
        var self = Sys.GetPid();
        var bootstrap = new OpList();
        bootstrap.Op(BootstrapOp.JoinNamespace, "join uts").U64(NamespaceTypes.CLONE_NEWUTS).Str($"/proc/{self}/ns/uts");
        // As if our pid had been reused by a later process since the host looked.
        bootstrap.Op(BootstrapOp.SameProcess, "check").U64((ulong)self).U64(Sys.ProcessStat(self)!.Value.StartTime + 1);
        bootstrap.Op(BootstrapOp.CloneFlags, "clone").U64(0);

        using var devnull = Sys.Open("/dev/null", Libc.O_RDWR);
        using var init = new InitLauncher(InitLauncher.DefaultPath).Launch(null, [devnull, devnull, devnull]);
        var exited = new TaskCompletionSource<ExitStatus?>();
        init.Stage0.OnExit(s => exited.TrySetResult(s));
        SyncPacket.Send(init.Sync, MessageType.Bootstrap, bootstrap.Payload.Span);
        var error = Receive(init, new byte[SyncProtocol.MaxPacket]);
        Assert.Equal(MessageType.Error, error.Type);
        var (op, errno, text) = error.Error();
        Assert.Equal(1, op);
        Assert.Equal(Errno.ESRCH, errno);
        Assert.Contains($"the container's init (pid {self}) is gone", text);
        Assert.True(exited.Task.Wait(TimeSpan.FromSeconds(10)), "stage 0 did not exit");
        Assert.Equal(ExitStatus.Exited(1), exited.Task.Result);
    }

    private static SyncPacket Receive(LaunchedInit init, byte[] buffer)
    {
        Assert.True(Sys.PollReadable(init.Sync, 10_000), "no packet from runa-init within 10 s");
        var p = SyncPacket.Receive(init.Sync, buffer, nonBlocking: false, out var eof);
        Assert.False(eof, "runa-init closed the sync socket");
        return p!;
    }
}

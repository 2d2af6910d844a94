using Runa.Kernel;
using Runa.Runtime.Interop;
using Runa.Runtime.Launch;
using Runa.Runtime.Oci;

namespace Runa.Actors.Containers;

public sealed partial class ContainerActor
{
    /// <summary>Running exec processes by host pid: where <see cref="WaitExec"/> and <see cref="SignalExec"/> go.</summary>
    private readonly Dictionary<int, IActorRef> _execs = [];

    /// <summary>How the most recent exec processes ended, for a <see cref="WaitExec"/> that comes after the end.</summary>
    private readonly Dictionary<int, ExitStatus?> _endedExecs = [];
    private readonly Queue<int> _endedOrder = new();
    private const int EndedExecsKept = 64;
    private int _execCount;

    private void ExecCommands()
    {
        ReceiveAsync<ExecInContainer>(OnExec);
        Receive<ExecPidKnown>(m =>
        {
            _execs[m.Pid] = Sender;
            _endedExecs.Remove(m.Pid);
        });
        Receive<ExecEnded>(OnExecEnded);
        Receive<WaitExec>(m => RouteToExec(m.Pid, m));
        Receive<SignalExec>(m => RouteToExec(m.Pid, m));
    }

    /// <summary>
    /// Validates the request against the container (created or running, not paused) and hands the
    /// rest to a new <see cref="ExecProcess"/> child, which replies to the sender itself.
    /// </summary>
    private async Task OnExec(ExecInContainer m)
    {
        var sender = Sender;
        await RefreshAsync();
        if (_record is null)
        {
            sender.Tell(NotFound());
            return;
        }
        var status = StatusNow();
        if (status is not (OciStatus.Created or OciStatus.Running))
        {
            sender.Tell(Error(ContainerErrorKind.InvalidState, status switch
            {
                OciStatus.Stopped => "cannot exec in a stopped container",
                OciStatus.Paused => "cannot exec in a paused container (resume it first)",
                _ => $"cannot exec in a container in status {status.Text()}",
            }));
            return;
        }
        InitPlan plan;
        try
        {
            var spec = SpecLoader.Parse(System.Text.Encoding.UTF8.GetBytes(_record.Config));
            var process = ExecProcessSpec.Compose(spec, m);
            plan = InitPlanner.BuildExec(spec, _record.Rootfs, process, _record.Pid, _record.StartTime);
        }
        catch (SpecException e)
        {
            sender.Tell(Error(ContainerErrorKind.InvalidInput, e.Message));
            return;
        }
        var cgroup = CgroupActor();
        var exec = Context.ActorOf(Props.Create(() => new ExecProcess(_runtime, _id, plan, m, sender, cgroup)), $"exec-{++_execCount}");
        Context.Watch(exec);
    }

    private void OnExecEnded(ExecEnded m)
    {
        if (_execs.TryGetValue(m.Pid, out var exec) && exec.Equals(Sender))
        {
            _execs.Remove(m.Pid);
        }
        if (_endedExecs.Count >= EndedExecsKept && _endedOrder.TryDequeue(out var oldest))
        {
            _endedExecs.Remove(oldest);
        }
        _endedExecs[m.Pid] = m.Status;
        _endedOrder.Enqueue(m.Pid);
        // Behind whatever was forwarded to it before this: those still get their answers.
        Sender.Tell(PoisonPill.Instance);
        RetireIfDeleted();
    }

    /// <summary>The container is gone and this was its last exec: the actor may retire now.</summary>
    private void RetireIfDeleted()
    {
        if (_record is null && _execs.Count == 0)
        {
            Passivate();
        }
    }

    private void RouteToExec(int pid, ContainerCommand m)
    {
        if (_execs.TryGetValue(pid, out var exec))
        {
            exec.Forward(m);
            return;
        }
        if (_endedExecs.TryGetValue(pid, out var status))
        {
            Sender.Tell(m is WaitExec
                ? new ExecExitedReply(_id, pid, status)
                : Error(ContainerErrorKind.InvalidState, $"process {pid} of container {_id} has exited"));
            return;
        }
        Sender.Tell(Error(ContainerErrorKind.NotFound, $"container {_id} has no process {pid} started by exec"));
    }

    /// <summary>An exec child stopped: forget its pid.</summary>
    private bool ForgetExec(IActorRef child)
    {
        foreach (var (pid, exec) in _execs)
        {
            if (exec.Equals(child))
            {
                _execs.Remove(pid);
                RetireIfDeleted();
                return true;
            }
        }
        return child.Path.Name.StartsWith("exec-", StringComparison.Ordinal);
    }
}

using Runa.Kernel;
using Runa.Runtime.Interop;
using Runa.Runtime.Io;
using Runa.Runtime.Launch;
using Runa.Runtime.Oci;

namespace Runa.Actors.Containers;

public sealed partial class ContainerActor
{
    /// <summary>
    /// Releases the init: opening the exec fifo for reading lets its blocked open for writing
    /// return; it writes one byte and execs. Works from any process, which is what lets
    /// `runa start` run after the `runa create` that made the container has exited.
    /// </summary>
    private async Task OnStart(StartContainer m)
    {
        var sender = Sender;
        await RefreshAsync();
        if (_record is null)
        {
            sender.Tell(NotFound());
            return;
        }
        var status = StatusNow();
        if (status != OciStatus.Created)
        {
            sender.Tell(Error(ContainerErrorKind.InvalidState, status switch
            {
                OciStatus.Stopped => "cannot start a container that has stopped",
                OciStatus.Running => "cannot start an already running container",
                OciStatus.Paused => "cannot start a paused container",
                _ => $"cannot start a container in status {status.Text()}",
            }));
            return;
        }
        using var init = _runtime.Processes.Attach(_record.Pid, _record.StartTime);
        if (init is null)
        {
            sender.Tell(Error(ContainerErrorKind.InvalidState, "cannot start a container that has stopped"));
            return;
        }
        var fifoPath = _record.ExecFifo;
        using var fifo = Sys.Open(fifoPath, Libc.O_RDONLY | Libc.O_NONBLOCK);
        var readable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (EpollLoop.Shared.Watch(fifo, () => readable.TrySetResult()))
        {
            init.OnExit(_ => exited.TrySetResult());
            var timeout = Task.Delay(_runtime.Settings.StartTimeout);
            while (true)
            {
                var first = await Task.WhenAny(readable.Task, exited.Task, timeout);
                if (first == timeout)
                {
                    sender.Tell(Error(ContainerErrorKind.Failed,
                        $"timed out after {_runtime.Settings.StartTimeout.TotalSeconds:0.#}s waiting for the container init to take the start"));
                    return;
                }
                var b = new byte[1];
                // The fifo first, even when the exit was seen first: an init that took the go and
                // whose process already ended left its byte there (the fds' readiness has no order).
                var n = Sys.Read(fifo, b, fifoPath);
                if (n != 1 && first == exited.Task)
                {
                    sender.Tell(Error(ContainerErrorKind.Failed, "the container init exited before it could be started"));
                    return;
                }
                if (n == 1)
                {
                    break;
                }
                if (n == 0)
                {
                    sender.Tell(Error(ContainerErrorKind.Failed, "the container init closed the exec fifo without starting"));
                    return;
                }
                readable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        // The fifo's absence is what tells later commands that the container has started.
        File.Delete(fifoPath);
        var started = new ContainerStarted();
        await PersistAsync(started);
        Applied(started);
        sender.Tell(Done.Instance);
    }

    private async Task OnKill(KillContainer m)
    {
        var sender = Sender;
        await RefreshAsync();
        if (_record is null)
        {
            sender.Tell(NotFound());
            return;
        }
        var status = StatusNow();
        if (status is OciStatus.Stopped or OciStatus.Creating)
        {
            sender.Tell(Error(ContainerErrorKind.InvalidState, "container not running"));
            return;
        }
        if (m.All)
        {
            foreach (var pid in await AllPids())
            {
                Sys.Kill(pid, m.Signal);
            }
            sender.Tell(Done.Instance);
            return;
        }
        using var init = _runtime.Processes.Attach(_record.Pid, _record.StartTime);
        sender.Tell(init is not null && init.Signal(m.Signal)
            ? Done.Instance
            : Error(ContainerErrorKind.InvalidState, "container not running"));
    }

    /// <summary>Every process of the container: its cgroup's, or without one, its pid namespace's.</summary>
    private async Task<IReadOnlyList<int>> AllPids()
    {
        if (CgroupActor() is { } cgroup)
        {
            return (await cgroup.Ask<CgroupPids>(new GetCgroupPids(Recursive: true), _runtime.Settings.KillTimeout)).Pids;
        }
        return PidNamespace.Members(_record!.Pid);
    }

    private async Task OnDelete(DeleteContainer m)
    {
        var sender = Sender;
        await RefreshAsync();
        if (_record is null)
        {
            // With --force, "already gone" is success: engines clean up with delete -f (runc, crun agree).
            sender.Tell(m.Force ? Done.Instance : NotFound());
            Passivate();
            return;
        }
        var status = StatusNow();
        if (status is OciStatus.Running or OciStatus.Paused && !m.Force)
        {
            sender.Tell(Error(ContainerErrorKind.InvalidState, $"cannot delete container {_id} that is not stopped: {status.Text()}"));
            return;
        }
        if (status == OciStatus.Creating && !m.Force)
        {
            sender.Tell(Error(ContainerErrorKind.InvalidState, $"cannot delete container {_id} while it is being created"));
            return;
        }
        try
        {
            if (status != OciStatus.Stopped)
            {
                // A created container is killed without --force, as runc does: it never ran anything.
                await KillAndWait();
            }
            Runtime.Diagnostics.Trace.Mark("delete: killed");
            if (CgroupActor() is { } cgroup)
            {
                await cgroup.Ask<CgroupDestroyed>(new DestroyCgroup(), _runtime.Settings.KillTimeout + TimeSpan.FromSeconds(5));
            }
            Runtime.Diagnostics.Trace.Mark("delete: cgroup destroyed");
            if (Directory.Exists(_record.StateDir))
            {
                Directory.Delete(_record.StateDir, recursive: true);
            }
            await DeleteRecordAsync(m.Force ? "deleted (forced)" : "deleted");
            Runtime.Diagnostics.Trace.Mark("delete: journal deleted");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            sender.Tell(Error(ContainerErrorKind.Failed, $"delete container {_id}: {e.Message}"));
            return;
        }
        _record = null;
        sender.Tell(Done.Instance);
        Passivate();
    }

    private async Task KillAndWait()
    {
        using var init = _runtime.Processes.Attach(_record!.Pid, _record.StartTime);
        if (init is null)
        {
            return;
        }
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        init.OnExit(_ => exited.TrySetResult());
        if (StatusNow() == OciStatus.Paused && CgroupActor() is { } cgroup)
        {
            // A frozen process cannot act on SIGKILL until thawed.
            await cgroup.Ask<CgroupThawed>(new ThawCgroup(), _runtime.Settings.KillTimeout);
        }
        init.Signal(SignalNames.SIGKILL);
        if (await Task.WhenAny(exited.Task, Task.Delay(_runtime.Settings.KillTimeout)) != exited.Task)
        {
            throw new TimeoutException($"the container init (pid {_record.Pid}) did not exit within {_runtime.Settings.KillTimeout.TotalSeconds:0.#}s of SIGKILL");
        }
    }
}

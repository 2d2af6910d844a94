using Runa.Kernel;
using Runa.Runtime.Cgroups;
using Runa.Runtime.Launch;

namespace Runa.Actors.Containers;

/// <summary>The commands built on the container's cgroup: pause, resume, update, ps, stats, events.</summary>
public sealed partial class ContainerActor
{
    private readonly HashSet<IActorRef> _subscribers = [];
    private IProcessHandle? _eventsInit;

    private void ResourceCommands()
    {
        ReceiveAsync<PauseContainer>(m => OnPauseOrResume(pause: true));
        ReceiveAsync<ResumeContainer>(m => OnPauseOrResume(pause: false));
        ReceiveAsync<UpdateContainer>(OnUpdate);
        ReceiveAsync<GetContainerPids>(async _ =>
        {
            var sender = Sender;
            if (await Cgroup(sender, allowStopped: true) is { } cgroup)
            {
                sender.Tell(new ContainerPidsReply((await cgroup.Ask<CgroupPids>(new GetCgroupPids(Recursive: true), _runtime.Settings.KillTimeout)).Pids));
            }
        });
        ReceiveAsync<GetContainerStats>(async _ =>
        {
            var sender = Sender;
            if (await Cgroup(sender, allowStopped: false) is { } cgroup)
            {
                sender.Tell(new ContainerEventNotice("stats", _id, (await cgroup.Ask<CgroupStatsReply>(new GetCgroupStats(), _runtime.Settings.KillTimeout)).Stats));
            }
        });
        ReceiveAsync<SubscribeEvents>(OnSubscribe);
        Receive<StatsTick>(_ => PublishStats());
        Receive<CgroupStatsReply>(m => Publish(new ContainerEventNotice("stats", _id, m.Stats)));
        Receive<OomKilled>(m =>
        {
            Context.GetLogger().Info($"container {_id}: {m.Count} process(es) OOM-killed");
            // One notification can stand for several kills; `runa events` shows one line per kill.
            for (ulong i = 0; i < m.Count; i++)
            {
                Publish(new ContainerEventNotice("oom", _id, null));
            }
        });
        Receive<EventsInitExited>(_ => EndEvents(null));
    }

    /// <summary>The cgroup actor, after checking the container exists and (unless allowed) runs; null after replying an error.</summary>
    private async Task<IActorRef?> Cgroup(IActorRef sender, bool allowStopped)
    {
        await RefreshAsync();
        if (_record is null)
        {
            sender.Tell(NotFound());
            return null;
        }
        if (!allowStopped && StatusNow() == OciStatus.Stopped)
        {
            sender.Tell(Error(ContainerErrorKind.InvalidState, "container not running"));
            return null;
        }
        if (CgroupActor() is not { } cgroup)
        {
            sender.Tell(Error(ContainerErrorKind.InvalidState, $"container {_id} has no cgroup"));
            return null;
        }
        return cgroup;
    }

    private async Task OnPauseOrResume(bool pause)
    {
        var sender = Sender;
        if (await Cgroup(sender, allowStopped: true) is not { } cgroup)
        {
            return;
        }
        var status = StatusNow();
        if (pause && status is not (OciStatus.Running or OciStatus.Created))
        {
            sender.Tell(Error(ContainerErrorKind.InvalidState, status == OciStatus.Paused ? "container already paused" : $"container not running (it is {status.Text()})"));
            return;
        }
        if (!pause && status != OciStatus.Paused)
        {
            sender.Tell(Error(ContainerErrorKind.InvalidState, "container not paused"));
            return;
        }
        try
        {
            if (pause)
            {
                await cgroup.Ask<CgroupFrozen>(new FreezeCgroup(), _runtime.Settings.Cgroups.FreezeTimeout + TimeSpan.FromSeconds(5));
            }
            else
            {
                await cgroup.Ask<CgroupThawed>(new ThawCgroup(), _runtime.Settings.KillTimeout);
            }
            ContainerEvent e = pause ? new ContainerPaused() : new ContainerResumed();
            await PersistAsync(e);
            Applied(e);
            sender.Tell(Done.Instance);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            sender.Tell(Error(ContainerErrorKind.Failed, e.Message));
        }
    }

    private async Task OnUpdate(UpdateContainer m)
    {
        var sender = Sender;
        if (await Cgroup(sender, allowStopped: false) is not { } cgroup)
        {
            return;
        }
        try
        {
            var reply = await cgroup.Ask<CgroupUpdated>(new UpdateCgroup(m.Resources), _runtime.Settings.KillTimeout);
            sender.Tell(new ContainerUpdatedReply(reply.Warnings.Select(w => w.ToString()).ToList()));
        }
        catch (CgroupOperationException e) when (e.InnerException is InvalidCgroupConfigException invalid)
        {
            sender.Tell(Error(ContainerErrorKind.InvalidInput, invalid.Message));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            sender.Tell(Error(ContainerErrorKind.Failed, e.Message));
        }
    }

    private async Task OnSubscribe(SubscribeEvents m)
    {
        var sender = Sender;
        if (await Cgroup(sender, allowStopped: false) is not { } cgroup)
        {
            return;
        }
        if (_subscribers.Count == 0)
        {
            // Watch the init for the end of the stream (observe only: its owner, if any, reaps it).
            var self = Self;
            _eventsInit = _runtime.Processes.Attach(_record!.Pid, _record.StartTime);
            if (_eventsInit is null)
            {
                sender.Tell(Error(ContainerErrorKind.InvalidState, "container not running"));
                return;
            }
            _eventsInit.OnExit(_ => self.Tell(EventsInitExited.Instance));
            cgroup.Tell(new WatchOom());
            Timers.StartPeriodicTimer("stats", StatsTick.Instance, TimeSpan.Zero, m.Interval);
        }
        _subscribers.Add(sender);
        Context.Watch(sender);
    }

    private void PublishStats()
    {
        if (_subscribers.Count > 0)
        {
            CgroupActor()?.Tell(new GetCgroupStats());
        }
    }

    private void Publish(ContainerEventNotice notice)
    {
        foreach (var s in _subscribers)
        {
            s.Tell(notice);
        }
    }

    private void EndEvents(string? error)
    {
        Timers.Cancel("stats");
        foreach (var s in _subscribers)
        {
            s.Tell(error is null ? new Status.Success(_id) : Error(ContainerErrorKind.Failed, error));
            Context.Unwatch(s);
        }
        _subscribers.Clear();
        _eventsInit?.Dispose();
        _eventsInit = null;
    }

    /// <summary>A subscriber went away: stop the stats when nobody listens any more.</summary>
    private bool Unsubscribe(IActorRef actor)
    {
        if (!_subscribers.Remove(actor))
        {
            return false;
        }
        if (_subscribers.Count == 0)
        {
            Timers.Cancel("stats");
            _eventsInit?.Dispose();
            _eventsInit = null;
        }
        return true;
    }

    /// <summary>
    /// Re-reads the record: another process (an embedded CLI beside a daemon) may have changed
    /// the container since this actor last looked. A full replay is a handful of rows.
    /// </summary>
    private async Task RefreshAsync() => _record = await LoadAsync();

    private sealed record StatsTick
    {
        public static StatsTick Instance { get; } = new();
    }

    private sealed record EventsInitExited
    {
        public static EventsInitExited Instance { get; } = new();
    }
}

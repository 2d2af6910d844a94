using Runa.Kernel;

namespace Runa.Actors.Containers;

/// <summary>
/// /user/containers: validates ids, keeps one <see cref="ContainerActor"/> per id (which
/// serializes that container's commands), and lists containers from the journal.
/// </summary>
public sealed class ContainerRegistry : ReceiveActor
{
    private readonly ContainerRuntime _runtime;
    private readonly Dictionary<string, IActorRef> _containers = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _ids = [];
    private long _incarnation;

    public ContainerRegistry(ContainerRuntime runtime)
    {
        _runtime = runtime;
        Receive<ContainerCommand>(Route);
        ReceiveAsync<ListContainers>(_ => ListAsync());
        ReceiveAsync<RecoverContainers>(_ => RecoverAsync());
        Receive<Passivate>(m =>
        {
            // Stop routing first; then the actor may go, since nothing more can reach it.
            if (_containers.TryGetValue(m.Id, out var current) && current.Equals(Sender))
            {
                _containers.Remove(m.Id);
            }
            Sender.Tell(PassivateAck.Instance);
        });
        Receive<Reregister>(m =>
        {
            if (_containers.TryAdd(m.Id, Sender))
            {
                _ids[Sender] = m.Id;
            }
            else if (!_containers[m.Id].Equals(Sender))
            {
                // Another actor took the id meanwhile; it recovers the container from the journal.
                Context.Stop(Sender);
            }
        });
        Receive<Terminated>(m =>
        {
            if (_ids.Remove(m.ActorRef, out var id) && _containers.TryGetValue(id, out var current) && current.Equals(m.ActorRef))
            {
                _containers.Remove(id);
            }
        });
    }

    public static Props Props(ContainerRuntime runtime) => Kernel.Props.Create(() => new ContainerRegistry(runtime));

    private void Route(ContainerCommand command)
    {
        if (ContainerIds.Problem(command.Id) is { } problem)
        {
            Sender.Tell(new Status.Failure(new ContainerException(ContainerErrorKind.InvalidInput, problem)));
            return;
        }
        ContainerOf(command.Id).Forward(command);
    }

    private IActorRef ContainerOf(string id)
    {
        if (!_containers.TryGetValue(id, out var container))
        {
            // The path is /user/containers/<id>, unless a retiring actor of the id still holds that
            // name: then the new one gets a numbered name of its own until the old one has gone.
            var name = Context.Child(id).Equals(ActorRefs.Nobody) ? id : $"{id}.{++_incarnation}";
            container = Context.ActorOf(Kernel.Props.Create(() => new ContainerActor(id, _runtime)), name);
            Context.Watch(container);
            _containers[id] = container;
            _ids[container] = id;
        }
        return container;
    }

    /// <summary>
    /// A host starting up (the daemon): wake an actor for every container the journal knows, so
    /// that live ones are watched again and half-done creates of a crashed host are cleaned.
    /// </summary>
    private async Task RecoverAsync()
    {
        var sender = Sender;
        var pending = new List<Task<ContainerRecovered>>();
        foreach (var pid in await _runtime.Journal.PersistenceIdsAsync())
        {
            if (ContainerRecord.IdOf(pid) is { } id && ContainerIds.Problem(id) is null)
            {
                pending.Add(ContainerOf(id).Ask<ContainerRecovered>(new AwaitRecovery(), _runtime.Settings.KillTimeout * 3));
            }
        }
        // Done means done: live containers watched again, interrupted creates cleaned.
        try
        {
            await Task.WhenAll(pending);
            sender.Tell(new ContainersRecovered(pending.Count));
        }
        catch (Exception e)
        {
            // A host must not start serving with containers it could not account for.
            var failed = pending.Where(t => t.IsFaulted).Select(t => t.Exception!.GetBaseException().Message).Distinct().Take(3);
            sender.Tell(new Status.Failure(new ContainerException(ContainerErrorKind.Failed,
                $"cannot recover the containers in {_runtime.Journal.Location}: {string.Join("; ", failed.DefaultIfEmpty(e.Message))}", e)));
        }
    }

    /// <summary>States straight from the journal plus the kernel, without waking an actor per container.</summary>
    private async Task ListAsync()
    {
        var sender = Sender;
        var views = new List<ContainerStateView>();
        foreach (var pid in await _runtime.Journal.PersistenceIdsAsync())
        {
            if (ContainerRecord.IdOf(pid) is null)
            {
                continue;
            }
            var snapshot = await _runtime.Journal.LoadSnapshotAsync(pid);
            var record = ContainerRecord.Recover(snapshot, await _runtime.Journal.ReadAsync(pid, snapshot?.SequenceNr ?? 0));
            if (record is not null)
            {
                views.Add(ContainerStateView.From(record, ContainerStatus.Derive(record, _runtime.Processes, _runtime.Cgroups)));
            }
        }
        sender.Tell(new ContainerList(views));
    }
}

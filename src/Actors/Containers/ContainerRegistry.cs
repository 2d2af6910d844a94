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

    public ContainerRegistry(ContainerRuntime runtime)
    {
        _runtime = runtime;
        Receive<ContainerCommand>(Route);
        ReceiveAsync<ListContainers>(_ => ListAsync());
        Receive<Terminated>(m =>
        {
            if (_ids.Remove(m.ActorRef, out var id))
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
        if (!_containers.TryGetValue(command.Id, out var container))
        {
            var id = command.Id;
            container = Context.ActorOf(Kernel.Props.Create(() => new ContainerActor(id, _runtime)), id);
            Context.Watch(container);
            _containers[id] = container;
            _ids[container] = id;
        }
        container.Forward(command);
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
            var record = ContainerRecord.Replay(await _runtime.Journal.ReadAsync(pid));
            if (record is not null)
            {
                views.Add(ContainerStateView.From(record, ContainerStatus.Derive(record, _runtime.Processes, _runtime.Cgroups)));
            }
        }
        sender.Tell(new ContainerList(views));
    }
}

using Runa.Runtime.Diagnostics;
using Runa.Actors.Containers;
using Runa.Actors.Persistence;
using Runa.Kernel;
using Runa.Runtime.Launch;

namespace Runa.Host.Cli;

/// <summary>
/// Embedded mode: this process hosts the actor system for its one command and keeps state under
/// --root, as an OCI runtime binary must for podman and containerd. Containers it creates
/// outlive it; the next command finds them in the journal and the kernel.
/// </summary>
public sealed class EmbeddedRuntime : IRuntimeClient
{
    private readonly ActorSystem _system;
    private readonly IJournal _journal;
    private readonly IActorRef _registry;

    private EmbeddedRuntime(ActorSystem system, IJournal journal, IActorRef registry)
    {
        _system = system;
        _journal = journal;
        _registry = registry;
    }

    public static EmbeddedRuntime Start(RuntimeSettings settings, CliLog log)
    {
        Directory.CreateDirectory(settings.Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        Trace.Mark("runtime: root ready");
        var journal = SqliteJournal.Open(settings.JournalPath);
        Trace.Mark("runtime: journal open");
        var runtime = new ContainerRuntime(settings, new InitLauncher(InitLauncher.DefaultPath), KernelProcessTable.Instance,
            new KernelCgroupFactory(settings.Cgroups), journal);
        var system = ActorSystem.Create("runa", new ActorSystemSettings { LogSink = log.Sink, LogLevel = log.MinLevel });
        var registry = system.ActorOf(ContainerRegistry.Props(runtime), "containers");
        Trace.Mark("runtime: actor system up");
        return new EmbeddedRuntime(system, journal, registry);
    }

    public Task<T> Ask<T>(object message, TimeSpan timeout) =>
        _registry.Ask<T>(message, timeout == Timeout.InfiniteTimeSpan ? null : timeout);

    public async IAsyncEnumerable<object> Stream(object request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<object>();
        var receiver = _system.ActorOf(Props.Create(() => new StreamReceiver(channel.Writer)));
        try
        {
            _registry.Tell(request, receiver);
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return item;
            }
        }
        finally
        {
            _system.Stop(receiver);
        }
    }

    /// <summary>Collects a stream's messages for the enumerating caller; a failure ends it with the cause.</summary>
    private sealed class StreamReceiver : ReceiveActor
    {
        public StreamReceiver(System.Threading.Channels.ChannelWriter<object> writer)
        {
            Receive<Status.Failure>(f => writer.TryComplete(f.Cause));
            Receive<ContainerEventsEnded>(m =>
            {
                writer.TryWrite(m);
                writer.TryComplete();
            });
            ReceiveAny(m => writer.TryWrite(m));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _system.Terminate();
        _journal.Dispose();
    }
}

using Runa.Runtime.Diagnostics;
using System.Runtime.CompilerServices;
using Runa.Actors.Containers;
using Runa.Actors.Persistence;
using Runa.Kernel;
using Runa.Runtime.Launch;

namespace Runa.Host.Cli;

/// <summary>
/// Embedded mode: this process hosts the actor system for its one command and keeps state under
/// --root, as an OCI runtime binary must for podman and containerd. Containers it creates
/// outlive it; the next command finds them in the journal and the kernel. `runa daemon` hosts
/// the same engine for good (<see cref="Start(RuntimeSettings, ActorSystemSettings, IInitLauncher?, IProcessTable?)"/>).
/// </summary>
public sealed class EmbeddedRuntime : IRuntimeClient
{
    private readonly IJournal? _journal;

    private EmbeddedRuntime(ActorSystem system, IJournal? journal, IActorRef registry)
    {
        System = system;
        _journal = journal;
        Registry = registry;
    }

    /// <summary>The actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>/user/containers.</summary>
    public IActorRef Registry { get; }

    public static EmbeddedRuntime Start(RuntimeSettings settings, CliLog log) =>
        Start(settings, new ActorSystemSettings { LogSink = log.Sink, LogLevel = log.MinLevel });

    /// <summary>The engine with its kernel seams given (the daemon wraps them to track its children).</summary>
    public static EmbeddedRuntime Start(RuntimeSettings settings, ActorSystemSettings systemSettings,
        IInitLauncher? launcher = null, IProcessTable? processes = null)
    {
        Directory.CreateDirectory(settings.Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        Trace.Mark("runtime: root ready");
        // A long-lived host checks the journal's integrity once; a CLI command cannot afford it.
        var journal = SqliteJournal.Open(settings.JournalPath, verify: settings.WatchExits);
        Trace.Mark("runtime: journal open");
        var runtime = new ContainerRuntime(settings, launcher ?? new InitLauncher(InitLauncher.DefaultPath),
            processes ?? KernelProcessTable.Instance, new KernelCgroupFactory(settings.Cgroups), journal);
        var system = ActorSystem.Create("runa", systemSettings);
        var registry = system.ActorOf(ContainerRegistry.Props(runtime), "containers");
        Trace.Mark("runtime: actor system up");
        return new EmbeddedRuntime(system, journal, registry);
    }

    /// <summary>A client of an existing system and target (tests: a stand-in registry). Disposing terminates the system.</summary>
    internal static EmbeddedRuntime Over(ActorSystem system, IActorRef registry) => new(system, null, registry);

    public Task<T> Ask<T>(object message, TimeSpan timeout) =>
        Registry.Ask<T>(message, timeout == Timeout.InfiniteTimeSpan ? null : timeout);

    public async IAsyncEnumerable<T> Stream<T>(object request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = StreamSubscriber.NewChannel();
        var subscriber = System.ActorOf(StreamSubscriber.Props(Registry, request, channel.Writer));
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return item is T t
                    ? t
                    : throw new InvalidOperationException($"the stream of {request.GetType().Name} sent a {item.GetType().Name}, not a {typeof(T).Name}");
            }
        }
        finally
        {
            System.Stop(subscriber);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await System.Terminate();
        _journal?.Dispose();
    }
}

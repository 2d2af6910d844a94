using System.Text.Json.Serialization;
using Runa.Actors.Containers;
using Runa.Host.Transport;
using Runa.Kernel;
using Runa.Runtime.Interop;

namespace Runa.Host.Tests;

public sealed record Echo(string Text);

public sealed record Echoed(string Text);

/// <summary>Answered only once a <see cref="Release"/> with the same key has arrived.</summary>
public sealed record Hold(string Key);

public sealed record Release(string Key);

/// <summary>A stream of <see cref="Number"/> 1..N, then the end (or a failure at <see cref="FailAt"/>).</summary>
public sealed record CountTo(int N, int FailAt = 0);

public sealed record Number(int I);

/// <summary>A stream that never ends on its own.</summary>
public sealed record Ticks(string Key);

[JsonSerializable(typeof(Echo))]
[JsonSerializable(typeof(Echoed))]
[JsonSerializable(typeof(Hold))]
[JsonSerializable(typeof(Release))]
[JsonSerializable(typeof(CountTo))]
[JsonSerializable(typeof(Number))]
[JsonSerializable(typeof(Ticks))]
public sealed partial class TestJson : JsonSerializerContext
{
}

/// <summary>The container protocol plus the test messages.</summary>
public static class TestCatalog
{
    public static WireCatalog Instance { get; } = WireCatalog.Default
        .Add(TestJson.Default.Echo, request: true)
        .Add(TestJson.Default.Echoed)
        .Add(TestJson.Default.Hold, request: true)
        .Add(TestJson.Default.Release, request: true)
        .Add(TestJson.Default.CountTo, request: true)
        .Add(TestJson.Default.Number)
        .Add(TestJson.Default.Ticks, request: true);
}

/// <summary>
/// Stands in for the container registry. A create writes "hello" to the stdio it got (fd 1)
/// and answers with a pipe's read end as the console, whose write end <see cref="ConsoleWriters"/> keeps.
/// </summary>
public sealed class TestTarget : ReceiveActor
{
    private readonly Dictionary<string, IActorRef> _held = [];
    private readonly Dictionary<IActorRef, string> _tickers = [];

    public TestTarget(TestState state)
    {
        Receive<Echo>(m => Sender.Tell(new Echoed(m.Text)));
        Receive<Hold>(m =>
        {
            state.Held.Add(m.Key);
            _held[m.Key] = Sender;
        });
        Receive<Release>(m =>
        {
            if (_held.Remove(m.Key, out var waiter))
            {
                waiter.Tell(new Echoed("released " + m.Key));
            }
            Sender.Tell(Done.Instance);
        });
        Receive<CountTo>(m =>
        {
            for (var i = 1; i <= m.N; i++)
            {
                if (i == m.FailAt)
                {
                    Sender.Tell(new Status.Failure(new ContainerException(ContainerErrorKind.InvalidState, $"failed at {i}")));
                    return;
                }
                Sender.Tell(new Number(i));
            }
            Sender.Tell(new Status.Success(null));
        });
        Receive<Ticks>(m =>
        {
            Context.Watch(Sender);
            _tickers[Sender] = m.Key;
            Sender.Tell(new Number(0));
        });
        Receive<Terminated>(m =>
        {
            if (_tickers.Remove(m.ActorRef, out var key))
            {
                state.StoppedStreams.Add(key);
            }
        });
        Receive<CreateContainer>(m =>
        {
            Sys.WriteAll(m.Stdio![1], "hello\n"u8, "stdout");
            var (r, w) = Sys.Pipe();
            state.ConsoleWriters.Enqueue(w);
            Sender.Tell(new ContainerCreatedReply(new ContainerStateView { Id = m.Id, Status = "created", Bundle = m.Bundle, Rootfs = "/" }, r));
        });
        Receive<WaitContainer>(m =>
        {
            state.Held.Add("wait:" + m.Id);
            _held["wait:" + m.Id] = Sender;
        });
        Receive<GetContainerState>(m => Sender.Tell(new Status.Failure(new ContainerException(ContainerErrorKind.NotFound, $"container {m.Id} does not exist"))));
    }
}

/// <summary>What the test target saw, for assertions from the test thread.</summary>
public sealed class TestState
{
    public System.Collections.Concurrent.BlockingCollection<string> Held { get; } = new();

    public System.Collections.Concurrent.BlockingCollection<string> StoppedStreams { get; } = new();

    public System.Collections.Concurrent.ConcurrentQueue<SafeFd> ConsoleWriters { get; } = new();
}

using System.Threading.Channels;
using Runa.Kernel;

namespace Runa.Host.Cli;

/// <summary>
/// The receiving end of a streaming request (see <see cref="IRuntimeClient.Stream{T}"/>): sends
/// the request to the source as itself, and writes what comes back into a channel. Success ends
/// the channel, Failure faults it, and so does the source's death; stopping this actor (the
/// consumer gave up) completes the channel and, through the source's watch, ends the stream.
/// A consumer that falls <see cref="Capacity"/> items behind fails the stream rather than
/// letting memory grow without bound.
/// </summary>
public sealed class StreamSubscriber : ReceiveActor
{
    public const int Capacity = 10_000;

    private readonly IActorRef _source;
    private readonly object _request;
    private readonly ChannelWriter<object> _writer;

    public StreamSubscriber(IActorRef source, object request, ChannelWriter<object> writer)
    {
        _source = source;
        _request = request;
        _writer = writer;
        Receive<Status.Success>(_ => End(null));
        Receive<Status.Failure>(m => End(m.Cause));
        Receive<Terminated>(m =>
        {
            if (m.ActorRef.Equals(_source))
            {
                End(new InvalidOperationException("the stream's source stopped without ending the stream"));
            }
        });
        ReceiveAny(item =>
        {
            if (!_writer.TryWrite(item))
            {
                End(new InvalidOperationException($"the stream's consumer fell {Capacity} items behind"));
            }
        });
    }

    /// <summary>A channel for the items, bounded at <see cref="Capacity"/>.</summary>
    public static Channel<object> NewChannel() =>
        Channel.CreateBounded<object>(new BoundedChannelOptions(Capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    public static Props Props(IActorRef source, object request, ChannelWriter<object> writer) =>
        Kernel.Props.Create(() => new StreamSubscriber(source, request, writer));

    protected override void PreStart()
    {
        Context.Watch(_source);
        _source.Tell(_request, Self);
    }

    protected override void PostStop() => _writer.TryComplete();

    private void End(Exception? error)
    {
        _writer.TryComplete(error);
        Context.Stop(Self);
    }
}

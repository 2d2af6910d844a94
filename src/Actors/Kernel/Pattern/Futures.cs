using Runa.Kernel.Internal;

namespace Runa.Kernel;

/// <summary>
/// Request/response with an actor from outside (or, with care, inside) an actor. Inside actors
/// prefer <see cref="PipeToSupport.PipeTo{T}"/>: never block on an ask in a handler.
/// </summary>
public static class Futures
{
    /// <summary>
    /// Sends <paramref name="message"/> with a temporary ref as sender and completes with the first
    /// reply: a <typeparamref name="T"/> is the result; <see cref="Status.Failure"/> faults with its
    /// cause; any other type faults with <see cref="ArgumentException"/>; no reply within
    /// <paramref name="timeout"/> (default: <see cref="ActorSystemSettings.AskTimeout"/>, null = forever)
    /// faults with <see cref="AskTimeoutException"/> naming the target and the timeout.
    /// </summary>
    public static Task<T> Ask<T>(this ICanTell self, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return AskCore<T>(self, _ => message, message.GetType(), timeout, cancellationToken);
    }

    /// <summary>Like <see cref="Ask{T}(ICanTell, object, TimeSpan?, CancellationToken)"/>, building the message from the temporary reply-to ref.</summary>
    public static Task<T> Ask<T>(this ICanTell self, Func<IActorRef, object> messageFactory, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageFactory);
        return AskCore<T>(self, messageFactory, null, timeout, cancellationToken);
    }

    /// <summary>Untyped ask: any reply except <see cref="Status.Failure"/> is the result.</summary>
    public static Task<object> Ask(this ICanTell self, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Ask<object>(self, message, timeout, cancellationToken);

    private static Task<T> AskCore<T>(ICanTell self, Func<IActorRef, object> messageFactory, Type? messageType, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(self);
        ActorSystem? system = self switch
        {
            IInternalActorRef r => r.System,
            ActorSelection s => s.System,
            _ => null,
        };

        string target = self is IActorRef actor ? actor.Path.ToString() : self.ToString() ?? "?";
        if (system is null)
        {
            return Task.FromException<T>(new AskTimeoutException($"Ask of {target} can never be answered: it is not an actor of any actor system."));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        TimeSpan? effective = timeout ?? system.Settings.AskTimeout;
        if (effective is { } t && t != Timeout.InfiniteTimeSpan && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), t, "An ask timeout must be positive.");
        }

        var promise = new PromiseActorRef<T>(system, system.NewTempPath(), target);
        object message = messageFactory(promise);
        if (effective is { } armed && armed != Timeout.InfiniteTimeSpan)
        {
            promise.ArmTimeout(system.SchedulerImpl, armed, messageType ?? message.GetType());
        }

        if (cancellationToken.CanBeCanceled)
        {
            promise.RegisterCancellation(cancellationToken);
        }

        self.Tell(message, promise);
        return promise.Task;
    }
}

namespace Runa.Kernel;

/// <summary>
/// An actor whose behaviour is a list of typed handlers registered in the constructor (or inside
/// <see cref="Become(Action)"/>). The first handler whose type (and predicate) matches wins, in
/// registration order; no match goes to <see cref="ActorBase.Unhandled"/>.
/// </summary>
public abstract class ReceiveActor : UntypedActor
{
    /// <summary>The handlers registered by the constructor.</summary>
    private readonly HandlerList _initial = new();

    /// <summary>The list being configured (constructor or Become), null otherwise.</summary>
    private HandlerList? _configuring;

    /// <summary>Opens registration for the constructor.</summary>
    protected ReceiveActor() => _configuring = _initial;

    /// <inheritdoc/>
    protected sealed override void OnReceive(object message)
    {
        if (!_initial.TryHandle(message))
        {
            Unhandled(message);
        }
    }

    /// <inheritdoc/>
    internal override void OnConstructed() => _configuring = null;

    /// <summary>Replaces the behaviour with the handlers <paramref name="configure"/> registers.</summary>
    protected void Become(Action configure) => Become(Configure(configure));

    /// <summary>Pushes the handlers <paramref name="configure"/> registers; <see cref="ActorBase.UnbecomeStacked"/> pops them.</summary>
    protected void BecomeStacked(Action configure) => BecomeStacked(Configure(configure));

    /// <summary>Handles messages of type <typeparamref name="T"/> (that satisfy <paramref name="shouldHandle"/>).</summary>
    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new TypedHandler<T>(handler, shouldHandle));
    }

    /// <summary>Handles messages of type <typeparamref name="T"/> that satisfy <paramref name="shouldHandle"/>.</summary>
    protected void Receive<T>(Predicate<T> shouldHandle, Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new TypedHandler<T>(handler, shouldHandle));
    }

    /// <summary>Handles messages of type <typeparamref name="T"/>; returning false passes the message on to the next handler.</summary>
    protected void Receive<T>(Func<T, bool> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new FuncHandler<T>(handler));
    }

    /// <summary>Handles messages assignable to <paramref name="messageType"/>.</summary>
    protected void Receive(Type messageType, Action<object> handler, Predicate<object>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(messageType);
        ArgumentNullException.ThrowIfNull(handler);
        Add(new TypeHandler(messageType, handler, shouldHandle));
    }

    /// <summary>
    /// Handles messages of type <typeparamref name="T"/> asynchronously: no other user message is
    /// processed until the returned task completes; awaits continue on the actor with
    /// Self/Sender/Context valid; a faulted task is a failure of the actor.
    /// </summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new TypedHandler<T>(m => RunTask(() => handler(m)), shouldHandle));
    }

    /// <summary>Async variant of <see cref="Receive{T}(Predicate{T}, Action{T})"/>.</summary>
    protected void ReceiveAsync<T>(Predicate<T> shouldHandle, Func<T, Task> handler) => ReceiveAsync(handler, shouldHandle);

    /// <summary>Handles every message (register it last).</summary>
    protected void ReceiveAny(Action<object> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new TypedHandler<object>(handler, null));
    }

    /// <summary>Handles every message asynchronously (see <see cref="ReceiveAsync{T}(Func{T, Task}, Predicate{T})"/>).</summary>
    protected void ReceiveAnyAsync(Func<object, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new TypedHandler<object>(m => RunTask(() => handler(m)), null));
    }

    private Receive Configure(Action configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var handlers = new HandlerList();
        HandlerList? previous = _configuring;
        _configuring = handlers;
        try
        {
            configure();
        }
        finally
        {
            _configuring = previous;
        }

        return handlers.TryHandle;
    }

    private void Add(Handler handler)
    {
        if (_configuring is null)
        {
            throw new InvalidOperationException(
                "Receive handlers can only be registered in the actor's constructor or inside Become(...)/BecomeStacked(...).");
        }

        _configuring.Add(handler);
    }

    /// <summary>Handlers in registration order.</summary>
    private sealed class HandlerList
    {
        private Handler[] _handlers = [];

        public void Add(Handler handler) => _handlers = [.. _handlers, handler];

        public bool TryHandle(object message)
        {
            foreach (Handler handler in _handlers)
            {
                if (handler.TryHandle(message))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private abstract class Handler
    {
        public abstract bool TryHandle(object message);
    }

    private sealed class TypedHandler<T>(Action<T> action, Predicate<T>? shouldHandle) : Handler
    {
        public override bool TryHandle(object message)
        {
            if (message is T typed && (shouldHandle is null || shouldHandle(typed)))
            {
                action(typed);
                return true;
            }

            return false;
        }
    }

    private sealed class FuncHandler<T>(Func<T, bool> func) : Handler
    {
        public override bool TryHandle(object message) => message is T typed && func(typed);
    }

    private sealed class TypeHandler(Type type, Action<object> action, Predicate<object>? shouldHandle) : Handler
    {
        public override bool TryHandle(object message)
        {
            if (type.IsInstanceOfType(message) && (shouldHandle is null || shouldHandle(message)))
            {
                action(message);
                return true;
            }

            return false;
        }
    }
}

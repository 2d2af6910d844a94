using System.Runtime.CompilerServices;
using Runa.Kernel.Internal;

namespace Runa.Kernel;

/// <summary>
/// INTERNAL API. The runtime body of one actor: its mailbox, the current instance, behaviour
/// stack, children, watches and failure state. Everything except the children table and the
/// mailbox queues is touched only by the mailbox run (one pool thread at a time), so it needs no
/// locks. Partial files split it by concern: <c>.Children</c>, <c>.DeathWatch</c>,
/// <c>.FaultHandling</c>, <c>.ReceiveTimeout</c>, <c>.Async</c>, <c>.SystemMessages</c>.
/// </summary>
internal sealed partial class ActorCell : IUntypedActorContext
{
    /// <summary>The cell whose mailbox runs on this thread right now (null outside actors).</summary>
    [ThreadStatic]
    private static ActorCell? t_current;

    /// <summary>The cell whose actor instance is being constructed on this thread (taken by the ActorBase ctor).</summary>
    [ThreadStatic]
    private static ActorCell? t_constructing;

    /// <summary>The system this actor belongs to.</summary>
    private readonly ActorSystem _system;

    /// <summary>This actor's ref.</summary>
    private readonly LocalActorRef _self;

    /// <summary>The parent's ref (a special ref for the root guardian).</summary>
    private readonly IInternalActorRef _parent;

    /// <summary>The parent's cell, null for the root guardian; used for relative selections.</summary>
    private readonly ActorCell? _parentCell;

    /// <summary>Recipe for (re)creating the instance.</summary>
    private readonly Props _props;

    /// <summary>The current instance; null before creation, while restarting and after termination.</summary>
    private ActorBase? _actor;

    /// <summary>Behaviour stack; the last element is the current behaviour.</summary>
    private readonly List<Receive> _behaviors = new(2);

    /// <summary>Cached top of <see cref="_behaviors"/>.</summary>
    private Receive? _behavior;

    /// <summary>The user message being processed (null between messages).</summary>
    private object? _currentMessage;

    /// <summary>Sender of <see cref="_currentMessage"/>.</summary>
    private IActorRef? _currentSender;

    /// <summary>True once <see cref="_currentMessage"/> was stashed (stashing twice is an error).</summary>
    private bool _currentStashed;

    /// <summary>The actor's stash, created on demand for <see cref="IWithUnboundedStash"/> actors.</summary>
    private UnboundedStash? _stash;

    /// <summary>The actor's keyed timers, created on demand for <see cref="IWithTimers"/> actors.</summary>
    private TimerScheduler? _timers;

    /// <summary>Creates the cell (and attaches it to <paramref name="self"/>); it starts when it receives <see cref="Create"/>.</summary>
    public ActorCell(ActorSystem system, LocalActorRef self, Props props, IInternalActorRef parent, ActorCell? parentCell)
    {
        _system = system;
        _self = self;
        _props = props;
        _parent = parent;
        _parentCell = parentCell;
        Mailbox = new Mailbox(this, system.Settings.Throughput);
        self.Cell = this;
    }

    /// <summary>The cell running on this thread, null outside actors.</summary>
    internal static ActorCell? Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_current;
    }

    /// <summary>The mailbox.</summary>
    internal Mailbox Mailbox { get; }

    /// <summary>The parent cell, null for the root.</summary>
    internal ActorCell? ParentCell => _parentCell;

    /// <summary>The current actor instance.</summary>
    internal ActorBase? Actor => _actor;

    /// <summary>The actor's class, for log sources.</summary>
    internal Type ActorType => _actor?.GetType() ?? _props.Type;

    /// <summary>The sender of the current message, null if none.</summary>
    internal IActorRef? SenderOrNull => _currentSender;

    /// <inheritdoc/>
    public IActorRef Self => _self;

    /// <summary>The sender of the current message; dead letters if it had none.</summary>
    public IActorRef Sender => _currentSender ?? _system.DeadLetters;

    /// <inheritdoc/>
    public IActorRef Parent => _parent;

    /// <inheritdoc/>
    public Props Props => _props;

    /// <inheritdoc/>
    public ActorSystem System => _system;

    /// <summary>True if user messages may be processed now.</summary>
    internal bool CanProcessUserMessages
        => _suspendCount == 0 && !_awaitingTask && !_terminating && _actor is not null;

    /// <summary>Takes (and clears) the cell waiting for its instance; called by the ActorBase constructor.</summary>
    internal static ActorCell? TakeConstructing()
    {
        ActorCell? cell = t_constructing;
        t_constructing = null;
        return cell;
    }

    /// <summary>One mailbox run: kernel messages first, then up to <paramref name="throughput"/> user messages.</summary>
    internal void Run(int throughput)
    {
        t_current = this;
        try
        {
            ProcessSystemMessages();
            while (CanProcessUserMessages && Mailbox.TryDequeue(out Envelope envelope))
            {
                Invoke(envelope);
                if (--throughput == 0)
                {
                    break;
                }

                if (Mailbox.HasSystemMessages)
                {
                    ProcessSystemMessages();
                }
            }
        }
        finally
        {
            t_current = null;
        }
    }

    /// <summary>Processes one user message.</summary>
    private void Invoke(Envelope envelope)
    {
        object message = envelope.Message;
        _currentMessage = message;
        _currentSender = envelope.Sender;
        _currentStashed = false;
        try
        {
            if (message is IAutoReceivedMessage)
            {
                AutoReceive(message);
            }
            else
            {
                Deliver(message);
                if (_receiveTimeout is not null && message is not INotInfluenceReceiveTimeout)
                {
                    RescheduleReceiveTimeout();
                }
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
        finally
        {
            if (!_awaitingTask)
            {
                _currentMessage = null;
                _currentSender = null;
            }
        }
    }

    /// <summary>Hands <paramref name="message"/> to the current behaviour, or to Unhandled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Deliver(object message)
    {
        if (!_behavior!(message))
        {
            _actor!.InvokeUnhandled(message);
        }
    }

    /// <summary>Messages the cell interprets itself.</summary>
    private void AutoReceive(object message)
    {
        switch (message)
        {
            case TerminatedDelivery delivery:
                ReceivedTerminated(delivery);
                break;
            case PoisonPill:
                BeginTerminate();
                break;
            case Kill:
                throw new ActorKilledException("Kill");
            case Identify identify:
                Sender.Tell(new ActorIdentity(identify.MessageId, _self), _self);
                break;
            case ReceiveTimeoutTick tick:
                if (tick.Generation == _receiveTimeoutGeneration && _receiveTimeout is not null)
                {
                    _currentMessage = Runa.Kernel.ReceiveTimeout.Instance;
                    Deliver(Runa.Kernel.ReceiveTimeout.Instance);
                    RescheduleReceiveTimeout(); // fires repeatedly until turned off
                }

                break;
            case TimerFired fired:
                object? payload = _timers?.OnFired(fired);
                if (payload is not null)
                {
                    _currentMessage = payload;
                    Deliver(payload);
                    if (_receiveTimeout is not null && payload is not INotInfluenceReceiveTimeout)
                    {
                        RescheduleReceiveTimeout();
                    }
                }

                break;
            default:
                Deliver(message);
                break;
        }
    }

    /// <summary>Creates a fresh instance from the props with this cell as its context.</summary>
    private ActorBase NewActor()
    {
        _behaviors.Clear();
        _behavior = null;
        ActorCell? previous = t_constructing;
        t_constructing = this;
        ActorBase actor;
        try
        {
            actor = _props.NewActor();
        }
        finally
        {
            t_constructing = previous;
        }

        if (!ReferenceEquals(actor.Cell, this))
        {
            throw new ActorInitializationException(_self, "The Props factory must return a new actor instance created by the factory itself.");
        }

        actor.OnConstructed();
        return actor;
    }

    /// <summary>Sets the initial behaviour; called by the ActorBase constructor.</summary>
    internal void InitBehavior(Receive receive)
    {
        _behaviors.Clear();
        _behaviors.Add(receive);
        _behavior = receive;
    }

    /// <inheritdoc/>
    public void Become(Receive receive)
    {
        if (_behaviors.Count > 0)
        {
            _behaviors.RemoveAt(_behaviors.Count - 1);
        }

        _behaviors.Add(receive);
        _behavior = receive;
    }

    /// <inheritdoc/>
    public void BecomeStacked(Receive receive)
    {
        _behaviors.Add(receive);
        _behavior = receive;
    }

    /// <inheritdoc/>
    public void UnbecomeStacked()
    {
        if (_behaviors.Count > 1)
        {
            _behaviors.RemoveAt(_behaviors.Count - 1);
            _behavior = _behaviors[^1];
        }
    }

    /// <inheritdoc/>
    public void Become(UntypedReceive receive) => Become(Wrap(receive));

    /// <inheritdoc/>
    public void BecomeStacked(UntypedReceive receive) => BecomeStacked(Wrap(receive));

    private static Receive Wrap(UntypedReceive receive) => message =>
    {
        receive(message);
        return true;
    };

    /// <inheritdoc/>
    public ActorSelection ActorSelection(string actorPath) => new(_system, this, actorPath);

    /// <summary>The stash of this actor (created on first use).</summary>
    internal UnboundedStash GetStash() => _stash ??= new UnboundedStash(this);

    /// <summary>The timers of this actor (created on first use).</summary>
    internal TimerScheduler GetTimers() => _timers ??= new TimerScheduler(this);

    /// <summary>The message being processed, for <see cref="IStash.Stash"/>.</summary>
    internal Envelope TakeCurrentForStash()
    {
        if (_currentMessage is null)
        {
            throw new IllegalActorStateException("Stash() can only be called while the actor processes a message.");
        }

        if (_currentStashed)
        {
            throw new IllegalActorStateException($"Can't stash the same message <{_currentMessage}> twice.");
        }

        _currentStashed = true;
        return new Envelope(_currentMessage, _currentSender);
    }

    /// <inheritdoc/>
    public override string ToString() => $"ActorCell({_self.Path})";
}

using System.Text.RegularExpressions;
using Runa.Kernel.Internal;

namespace Runa.Kernel;

/// <summary>
/// A hierarchy of actors with its services: scheduler, event stream, dead letters, logging.
/// The tree is <c>/</c> (root guardian) with <c>/user</c> (parent of <see cref="ActorOf"/> actors)
/// and <c>/system</c>. Mailboxes run on the .NET thread pool.
/// </summary>
public sealed partial class ActorSystem : IActorRefFactory, IDisposable
{
    /// <summary>Completed when the root guardian stopped.</summary>
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The root guardian's cell.</summary>
    private readonly ActorCell _rootCell;

    /// <summary>The user guardian's cell.</summary>
    private readonly ActorCell _userCell;

    /// <summary>The system guardian's cell.</summary>
    private readonly ActorCell _systemCell;

    /// <summary>The scheduler.</summary>
    private readonly HeapScheduler _scheduler;

    /// <summary>Dead letters so far.</summary>
    private long _deadLetterCount;

    /// <summary>Counter for <c>/temp</c> names.</summary>
    private long _tempCounter;

    /// <summary><c>/temp</c>, parent path of ask and probe refs.</summary>
    private readonly ActorPath _tempPath;

    /// <summary>1 once <see cref="Terminate"/> was called.</summary>
    private int _terminateRequested;

    private ActorSystem(string name, ActorSystemSettings settings)
    {
        Name = name;
        Settings = settings;
        RootPath = ActorPath.CreateRoot(name);
        _tempPath = RootPath / "temp";
        _scheduler = new HeapScheduler();
        EventStream = new EventStream();
        var deadLetters = new DeadLetterActorRef(this);
        DeadLetters = deadLetters;
        Log = new LoggingAdapter(this, $"ActorSystem({name})", typeof(ActorSystem));
        _scheduler.OnError = e => PublishLog(new LogEvent(LogLevel.Error, "scheduler", typeof(HeapScheduler), "A scheduled action threw: " + e.Message, e));

        // Bootstrap: the root cell exists first, its two guardian children are created and started,
        // and only then is the root itself started (its PreStart watches them).
        var rootParent = new RootParentRef(this, RootPath / "bubble-walker");
        var rootRef = new LocalActorRef(RootPath, 1);
        IActorRef? userRef = null;
        IActorRef? systemRef = null;
        _rootCell = new ActorCell(this, rootRef, Props.Create(() => new RootGuardianActor(userRef!, systemRef!)), rootParent, null);
        rootParent.Root = rootRef;
        userRef = _rootCell.MakeChild(Props.Create(() => new GuardianActor()), "user");
        systemRef = _rootCell.MakeChild(Props.Create(() => new GuardianActor()), "system");
        _userCell = ((LocalActorRef)userRef).Cell;
        _systemCell = ((LocalActorRef)systemRef).Cell;
        rootRef.SendSystemMessage(new Create());
    }

    /// <summary>The system's name (the host part of its paths).</summary>
    public string Name { get; }

    /// <summary>The settings.</summary>
    public ActorSystemSettings Settings { get; }

    /// <summary>The scheduler.</summary>
    public IScheduler Scheduler => _scheduler;

    /// <summary>The event stream.</summary>
    public EventStream EventStream { get; }

    /// <summary>The dead-letter ref: messages sent to it are published as <see cref="DeadLetter"/>.</summary>
    public IActorRef DeadLetters { get; }

    /// <summary>The system's logger.</summary>
    public ILoggingAdapter Log { get; }

    /// <summary>Number of messages that could not be delivered (sent to stopped or nonexistent actors).</summary>
    public long DeadLetterCount => Interlocked.Read(ref _deadLetterCount);

    /// <summary>Completes when every actor stopped after <see cref="Terminate"/> (or a fatal guardian failure).</summary>
    public Task WhenTerminated => _terminated.Task;

    /// <summary><c>akka://name/</c>.</summary>
    internal ActorPath RootPath { get; }

    /// <summary>The scheduler implementation.</summary>
    internal HeapScheduler SchedulerImpl => _scheduler;

    /// <summary>The root guardian's cell.</summary>
    internal ActorCell RootCell => _rootCell;

    /// <summary>The <c>/system</c> guardian's cell (parent of kernel and test services).</summary>
    internal ActorCell SystemGuardianCell => _systemCell;

    /// <summary>Creates and starts an actor system. The name must be letters, digits, '-' and '_' (not starting with '-' or '_').</summary>
    public static ActorSystem Create(string name, ActorSystemSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!ValidName().IsMatch(name))
        {
            throw new ArgumentException(
                $"Invalid actor system name \"{name}\": it must start with a letter or digit and contain only letters, digits, '-' and '_'.", nameof(name));
        }

        settings ??= ActorSystemSettings.Default;
        if (settings.Throughput < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.Throughput, "Throughput must be at least 1.");
        }

        return new ActorSystem(name, settings);
    }

    /// <summary>Creates a top-level actor (a child of <c>/user</c>).</summary>
    public IActorRef ActorOf(Props props, string? name = null) => _userCell.ActorOf(props, name);

    /// <summary>Selects actors by absolute path (<c>/user/a/b</c> or <c>akka://name/user/a/b</c>); <c>*</c> and <c>?</c> match within one element.</summary>
    public ActorSelection ActorSelection(string actorPath) => new(this, null, actorPath);

    /// <summary>Stops <paramref name="actor"/> (its children first). No effect if it already stopped.</summary>
    public void Stop(IActorRef actor)
    {
        if (actor is IInternalActorRef target)
        {
            target.SendSystemMessage(new Terminate());
        }
    }

    /// <summary>
    /// Stops every actor top-down: the children of <c>/user</c> (recursively, children before
    /// parents, so PostStop runs children first), then <c>/user</c>, <c>/system</c> and the root.
    /// Returns <see cref="WhenTerminated"/>.
    /// </summary>
    public Task Terminate()
    {
        if (Interlocked.Exchange(ref _terminateRequested, 1) == 0)
        {
            _userCell.Self.AsInternal().SendSystemMessage(new Terminate());
        }

        return WhenTerminated;
    }

    /// <summary>Terminates and waits (up to 30 s; does not wait when called from inside an actor).</summary>
    public void Dispose()
    {
        Task terminated = Terminate();
        if (ActorCell.Current is null)
        {
            terminated.Wait(TimeSpan.FromSeconds(30));
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"akka://{Name}";

    /// <summary>Called when the root guardian terminated.</summary>
    internal void OnRootTerminated()
    {
        Interlocked.Exchange(ref _terminateRequested, 1);
        _scheduler.Dispose();
        _terminated.TrySetResult();
    }

    /// <summary>A fresh name under <c>/temp</c> (ask and probe refs).</summary>
    internal ActorPath NewTempPath(string prefix = "$")
        => _tempPath / (prefix + Interlocked.Increment(ref _tempCounter).ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Publishes an undeliverable message: counted, published as <see cref="DeadLetter"/>, logged the first few times.</summary>
    internal void PublishDeadLetter(object message, IActorRef? sender, IActorRef recipient)
    {
        if (message is IDeadLetterSuppression)
        {
            return;
        }

        if (message is Identify identify && sender is not null)
        {
            sender.Tell(new ActorIdentity(identify.MessageId, null), DeadLetters);
        }

        long count = Interlocked.Increment(ref _deadLetterCount);
        EventStream.Publish(new DeadLetter(message, sender, recipient));
        if (count <= Settings.LogDeadLetters)
        {
            string more = count == Settings.LogDeadLetters
                ? $" No more dead letters will be logged (see {nameof(ActorSystemSettings)}.{nameof(ActorSystemSettings.LogDeadLetters)})."
                : string.Empty;
            EmitLog(new LogEvent(
                LogLevel.Info,
                recipient.Path.ToString(),
                typeof(DeadLetter),
                $"Message [{message.GetType().Name}] from {sender?.ToString() ?? "NoSender"} to {recipient} was not delivered. [{count}] dead letters encountered.{more}",
                null));
        }
    }

    /// <summary>Publishes a log event (if its level is enabled) to the event stream and the log sink.</summary>
    internal void PublishLog(LogEvent logEvent)
    {
        if (logEvent.Level >= Settings.LogLevel)
        {
            EmitLog(logEvent);
        }
    }

    /// <summary>Publishes a log event to the event stream and the log sink, whatever its level.</summary>
    private void EmitLog(LogEvent logEvent)
    {
        EventStream.Publish(logEvent);
        if (Settings.LogSink is { } sink)
        {
            try
            {
                sink(logEvent);
            }
            catch
            {
                // A broken sink must not break the actor that logged.
            }
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_-]*$")]
    private static partial Regex ValidName();
}

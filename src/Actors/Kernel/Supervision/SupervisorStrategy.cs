using Runa.Kernel.Internal;

namespace Runa.Kernel;

/// <summary>
/// How a parent handles failures of its children: a <see cref="IDecider"/> picks the directive,
/// <see cref="ProcessFailure"/> applies Restart/Stop (to one child or to all of them).
/// </summary>
public abstract class SupervisorStrategy
{
    /// <summary>
    /// <see cref="ActorInitializationException"/>, <see cref="ActorKilledException"/> and
    /// <see cref="DeathPactException"/> stop the child; any other exception restarts it.
    /// </summary>
    public static IDecider DefaultDecider { get; } = Kernel.Decider.From(cause => cause switch
    {
        ActorInitializationException => Directive.Stop,
        ActorKilledException => Directive.Stop,
        DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    });

    /// <summary>One-for-one with <see cref="DefaultDecider"/> and unlimited restarts.</summary>
    public static SupervisorStrategy DefaultStrategy { get; } = new OneForOneStrategy(DefaultDecider);

    /// <summary>One-for-one that stops every failing child.</summary>
    public static SupervisorStrategy StoppingStrategy { get; } = new OneForOneStrategy(_ => Directive.Stop);

    /// <summary>Maps failures to directives.</summary>
    public abstract IDecider Decider { get; }

    /// <summary>Log failures (Error for Restart/Stop, Warning for Resume; escalations are logged by whoever handles them).</summary>
    public bool LoggingEnabled { get; protected init; } = true;

    /// <summary>
    /// Applies the strategy to a failed child; false means Escalate (the caller then fails with <paramref name="cause"/>).
    /// </summary>
    public bool HandleFailure(IActorContext context, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
    {
        Directive directive = Decider.Decide(cause);
        LogFailure(context, child, cause, directive);
        switch (directive)
        {
            case Directive.Resume:
                ResumeChild(child, cause);
                return true;
            case Directive.Restart:
                ProcessFailure(context, true, child, cause, stats, children);
                return true;
            case Directive.Stop:
                ProcessFailure(context, false, child, cause, stats, children);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Applies Restart (<paramref name="restart"/> true) or Stop to the child or children.</summary>
    public abstract void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children);

    /// <summary>Called when a child terminated.</summary>
    public abstract void HandleChildTerminated(IActorContext context, IActorRef child, IEnumerable<IActorRef> children);

    /// <summary>Resumes a failed child, keeping its state.</summary>
    protected static void ResumeChild(IActorRef child, Exception cause)
        => AsInternal(child).SendSystemMessage(new Resume(cause));

    /// <summary>Restarts a child; <paramref name="suspendFirst"/> for siblings that did not fail themselves.</summary>
    protected static void RestartChild(IActorRef child, Exception cause, bool suspendFirst)
    {
        IInternalActorRef target = AsInternal(child);
        if (suspendFirst)
        {
            target.SendSystemMessage(new Suspend());
        }

        target.SendSystemMessage(new Recreate(cause));
    }

    /// <summary>Logs a child failure to the event stream.</summary>
    protected virtual void LogFailure(IActorContext context, IActorRef child, Exception cause, Directive directive)
    {
        if (!LoggingEnabled || directive == Directive.Escalate)
        {
            return;
        }

        string message = cause is ActorInitializationException { InnerException: { } inner } ? inner.Message : cause.Message;
        LogLevel level = directive == Directive.Resume ? LogLevel.Warning : LogLevel.Error;
        context.System.PublishLog(new LogEvent(level, child.Path.ToString(), GetType(), $"{message} (directive: {directive})", cause));
    }

    /// <summary>Converts nullable limits to the -1 = undefined convention.</summary>
    private protected static int ToRetries(int? maxNrOfRetries) => maxNrOfRetries ?? -1;

    /// <summary>Converts nullable windows to the -1 = undefined convention.</summary>
    private protected static int ToWindow(TimeSpan? within)
        => within is { } w && w != Timeout.InfiniteTimeSpan && w > TimeSpan.Zero ? (int)Math.Min(int.MaxValue, w.TotalMilliseconds) : -1;

    private static IInternalActorRef AsInternal(IActorRef actor)
        => actor as IInternalActorRef ?? throw new ArgumentException($"Unsupported IActorRef implementation {actor.GetType()}.", nameof(actor));
}

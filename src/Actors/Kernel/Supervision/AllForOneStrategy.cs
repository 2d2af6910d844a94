namespace Runa.Kernel;

/// <summary>Restart or Stop applies to all children (Resume and Escalate concern the failing child only).</summary>
public sealed class AllForOneStrategy : SupervisorStrategy
{
    /// <summary>Creates the strategy; limits as <see cref="OneForOneStrategy"/>, a restart needs every child's permission.</summary>
    public AllForOneStrategy(int? maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> localOnlyDecider)
        : this(maxNrOfRetries, withinTimeRange, Kernel.Decider.From(localOnlyDecider))
    {
    }

    /// <summary>Creates the strategy with a decider object.</summary>
    public AllForOneStrategy(int? maxNrOfRetries, TimeSpan? withinTimeRange, IDecider decider)
    {
        ArgumentNullException.ThrowIfNull(decider);
        MaxNumberOfRetries = ToRetries(maxNrOfRetries);
        WithinTimeRangeMilliseconds = ToWindow(withinTimeRange);
        Decider = decider;
    }

    /// <summary>Creates the strategy with limits in the -1 = undefined convention.</summary>
    public AllForOneStrategy(int maxNrOfRetries, int withinTimeMilliseconds, Func<Exception, Directive> localOnlyDecider, bool loggingEnabled = true)
    {
        MaxNumberOfRetries = maxNrOfRetries;
        WithinTimeRangeMilliseconds = withinTimeMilliseconds;
        Decider = Kernel.Decider.From(localOnlyDecider);
        LoggingEnabled = loggingEnabled;
    }

    /// <summary>Unlimited restarts.</summary>
    public AllForOneStrategy(Func<Exception, Directive> localOnlyDecider)
        : this(null, null, localOnlyDecider)
    {
    }

    /// <summary>Unlimited restarts.</summary>
    public AllForOneStrategy(IDecider decider)
        : this(null, null, decider)
    {
    }

    /// <summary>Restart limit, -1 if undefined.</summary>
    public int MaxNumberOfRetries { get; }

    /// <summary>Window in milliseconds, -1 if undefined.</summary>
    public int WithinTimeRangeMilliseconds { get; }

    /// <inheritdoc/>
    public override IDecider Decider { get; }

    /// <inheritdoc/>
    public override void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
    {
        if (children.Count == 0)
        {
            return;
        }

        bool allowed = restart;
        if (restart)
        {
            foreach (ChildRestartStats s in children)
            {
                // Every child's counter moves (no short-circuit), as each of them is restarted.
                allowed &= s.RequestRestartPermission(MaxNumberOfRetries, WithinTimeRangeMilliseconds);
            }
        }

        foreach (ChildRestartStats s in children)
        {
            if (allowed)
            {
                RestartChild(s.Child, cause, suspendFirst: !s.Child.Equals(child));
            }
            else
            {
                context.Stop(s.Child);
            }
        }
    }

    /// <inheritdoc/>
    public override void HandleChildTerminated(IActorContext context, IActorRef child, IEnumerable<IActorRef> children)
    {
    }
}

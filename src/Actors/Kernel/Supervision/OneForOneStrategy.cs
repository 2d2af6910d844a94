namespace Runa.Kernel;

/// <summary>Applies the directive to the failing child only.</summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    /// <summary>
    /// Creates the strategy. <paramref name="maxNrOfRetries"/> null = no limit (0 = never restart),
    /// <paramref name="withinTimeRange"/> null = no window. A restart beyond the limit stops the child.
    /// </summary>
    public OneForOneStrategy(int? maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> localOnlyDecider)
        : this(maxNrOfRetries, withinTimeRange, Kernel.Decider.From(localOnlyDecider))
    {
    }

    /// <summary>Creates the strategy with a decider object.</summary>
    public OneForOneStrategy(int? maxNrOfRetries, TimeSpan? withinTimeRange, IDecider decider)
    {
        ArgumentNullException.ThrowIfNull(decider);
        MaxNumberOfRetries = ToRetries(maxNrOfRetries);
        WithinTimeRangeMilliseconds = ToWindow(withinTimeRange);
        Decider = decider;
    }

    /// <summary>Creates the strategy with limits in the -1 = undefined convention.</summary>
    public OneForOneStrategy(int maxNrOfRetries, int withinTimeMilliseconds, Func<Exception, Directive> localOnlyDecider, bool loggingEnabled = true)
    {
        MaxNumberOfRetries = maxNrOfRetries;
        WithinTimeRangeMilliseconds = withinTimeMilliseconds;
        Decider = Kernel.Decider.From(localOnlyDecider);
        LoggingEnabled = loggingEnabled;
    }

    /// <summary>Unlimited restarts.</summary>
    public OneForOneStrategy(Func<Exception, Directive> localOnlyDecider)
        : this(null, null, localOnlyDecider)
    {
    }

    /// <summary>Unlimited restarts.</summary>
    public OneForOneStrategy(IDecider decider)
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
        if (restart && stats.RequestRestartPermission(MaxNumberOfRetries, WithinTimeRangeMilliseconds))
        {
            RestartChild(child, cause, suspendFirst: false);
        }
        else
        {
            context.Stop(child);
        }
    }

    /// <inheritdoc/>
    public override void HandleChildTerminated(IActorContext context, IActorRef child, IEnumerable<IActorRef> children)
    {
    }
}

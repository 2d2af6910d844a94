using System.Reflection;
using System.Runtime.ExceptionServices;

namespace Runa.Kernel;

/// <summary>
/// An immutable recipe for an actor: a factory plus options. A restart calls the factory again
/// to get a fresh instance, so the factory must create a new instance each time.
/// </summary>
public sealed class Props
{
    /// <summary>Creates instances.</summary>
    private readonly Func<ActorBase> _factory;

    private Props(Type type, Func<ActorBase> factory, SupervisorStrategy? supervisorStrategy)
    {
        Type = type;
        _factory = factory;
        SupervisorStrategy = supervisorStrategy;
    }

    /// <summary>Props of an actor that ignores every message.</summary>
    public static Props Empty { get; } = Create(() => new EmptyActor());

    /// <summary>The actor class.</summary>
    public Type Type { get; }

    /// <summary>Strategy for the actor's children; overrides the actor's own <c>SupervisorStrategy()</c> when set.</summary>
    public SupervisorStrategy? SupervisorStrategy { get; }

    /// <summary>Props whose factory is <paramref name="factory"/> (called once per start and restart).</summary>
    // AKKA-DEVIATION: takes Func<TActor> instead of Expression<Func<TActor>>: no expression
    // compilation or reflection, trimming and NativeAOT safe; any factory body is allowed.
    public static Props Create<TActor>(Func<TActor> factory, SupervisorStrategy? supervisorStrategy = null)
        where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new Props(typeof(TActor), factory, supervisorStrategy);
    }

    /// <summary>Props for an actor with a parameterless constructor.</summary>
    public static Props Create<TActor>()
        where TActor : ActorBase, new()
        => new(typeof(TActor), static () =>
        {
            try
            {
                return new TActor();
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                // new() goes through Activator, which wraps constructor exceptions.
                ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }
        }, null);

    /// <summary>A copy with <paramref name="strategy"/> supervising the actor's children.</summary>
    public Props WithSupervisorStrategy(SupervisorStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return new Props(Type, _factory, strategy);
    }

    /// <summary>Creates an instance (called by the cell with the construction context set).</summary>
    internal ActorBase NewActor() => _factory();

    /// <inheritdoc/>
    public override string ToString() => $"Props({Type.Name})";

    private sealed class EmptyActor : ActorBase
    {
        protected override bool Receive(object message) => true;
    }
}

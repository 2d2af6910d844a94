namespace Runa.Kernel;

public abstract partial class ActorBase
{
    /// <summary>Runs after the constructor, before the first message.</summary>
    protected virtual void PreStart()
    {
    }

    /// <summary>Runs once when the actor stopped (after its children stopped).</summary>
    protected virtual void PostStop()
    {
    }

    /// <summary>
    /// Runs on the failed instance before a restart. Default: unwatch and stop all children, then
    /// <see cref="PostStop"/>.
    /// </summary>
    /// <param name="reason">The failure.</param>
    /// <param name="message">The message being processed when it failed, if any.</param>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        IActorContext context = Context;
        foreach (IActorRef child in context.GetChildren())
        {
            context.Unwatch(child);
            context.Stop(child);
        }

        PostStop();
    }

    /// <summary>Runs on the fresh instance after a restart. Default: <see cref="PreStart"/>.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>INTERNAL API.</summary>
    internal void AroundPreStart() => PreStart();

    /// <summary>INTERNAL API.</summary>
    internal void AroundPostStop() => PostStop();

    /// <summary>INTERNAL API.</summary>
    internal void AroundPreRestart(Exception reason, object? message) => PreRestart(reason, message);

    /// <summary>INTERNAL API.</summary>
    internal void AroundPostRestart(Exception reason) => PostRestart(reason);
}

using Runa.Kernel.Internal;

namespace Runa.Kernel;

/// <summary>Logger factories.</summary>
public static class Logging
{
    /// <summary>A logger for the running actor (source: its path; class: its type).</summary>
    public static ILoggingAdapter GetLogger(this IActorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Type logClass = context is ActorCell cell ? cell.ActorType : typeof(ActorBase);
        return new LoggingAdapter(context.System, context.Self.Path.ToString(), logClass);
    }

    /// <summary>A logger for non-actor code.</summary>
    public static ILoggingAdapter GetLogger(ActorSystem system, string logSource, Type? logClass = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        return new LoggingAdapter(system, logSource, logClass ?? typeof(object));
    }
}

namespace Runa.Kernel;

/// <summary>Helpers to build deciders.</summary>
public static class DirectiveExtensions
{
    /// <summary><c>Directive.Stop.When&lt;IOException&gt;()</c>: a (type, directive) pair for <see cref="Decider.From(Directive, KeyValuePair{Type, Directive}[])"/>.</summary>
    public static KeyValuePair<Type, Directive> When<TException>(this Directive directive)
        where TException : Exception
        => new(typeof(TException), directive);
}

namespace Runa.Kernel;

/// <summary>Decider factories.</summary>
public static class Decider
{
    /// <summary>A decider backed by a function.</summary>
    public static IDecider From(Func<Exception, Directive> decide)
    {
        ArgumentNullException.ThrowIfNull(decide);
        return new FuncDecider(decide);
    }

    /// <summary>The directive of the first pair whose type the exception is assignable to, else <paramref name="defaultDirective"/>.</summary>
    public static IDecider From(Directive defaultDirective, params KeyValuePair<Type, Directive>[] pairs)
        => From(defaultDirective, (IEnumerable<KeyValuePair<Type, Directive>>)pairs);

    /// <summary>The directive of the first pair whose type the exception is assignable to, else <paramref name="defaultDirective"/>.</summary>
    public static IDecider From(Directive defaultDirective, IEnumerable<KeyValuePair<Type, Directive>> pairs)
    {
        KeyValuePair<Type, Directive>[] table = pairs.ToArray();
        return new FuncDecider(cause =>
        {
            foreach (KeyValuePair<Type, Directive> pair in table)
            {
                if (pair.Key.IsInstanceOfType(cause))
                {
                    return pair.Value;
                }
            }

            return defaultDirective;
        });
    }

    private sealed class FuncDecider(Func<Exception, Directive> decide) : IDecider
    {
        public Directive Decide(Exception cause) => decide(cause);
    }
}

namespace Runa.Kernel;

/// <summary>Maps a failure to a <see cref="Directive"/>.</summary>
public interface IDecider
{
    /// <summary>The directive for <paramref name="cause"/>.</summary>
    Directive Decide(Exception cause);
}

namespace Runa.Kernel;

/// <summary>Messages marked with this interface are dropped silently when undeliverable (not counted, not published).</summary>
public interface IDeadLetterSuppression
{
}

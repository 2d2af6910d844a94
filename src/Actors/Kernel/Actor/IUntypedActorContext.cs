namespace Runa.Kernel;

/// <summary>The context of an <see cref="UntypedActor"/>.</summary>
public interface IUntypedActorContext : IActorContext
{
}

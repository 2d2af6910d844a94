namespace Runa.Kernel;

/// <summary>Creates actors and selections.</summary>
public interface IActorRefFactory
{
    /// <summary>Creates a child (of the user guardian for a system). Null name: a generated <c>$</c> name.</summary>
    /// <exception cref="InvalidActorNameException">The name is malformed, reserved or taken.</exception>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>A selection of actors by path (absolute <c>/user/a</c>, or relative to the calling actor).</summary>
    ActorSelection ActorSelection(string actorPath);
}

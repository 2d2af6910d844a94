namespace Runa.Kernel.Internal;

/// <summary>INTERNAL API. Identity (path + uid), ordering and printing shared by all refs.</summary>
internal abstract class ActorRefBase : IInternalActorRef
{
    /// <summary>Creates a ref for <paramref name="path"/>; <paramref name="uid"/> tells incarnations apart.</summary>
    protected ActorRefBase(ActorPath path, int uid)
    {
        Path = path;
        Uid = uid;
    }

    /// <inheritdoc/>
    public ActorPath Path { get; }

    /// <summary>Incarnation id; 0 for refs that exist once per path.</summary>
    public int Uid { get; }

    /// <inheritdoc/>
    public abstract bool IsTerminated { get; }

    /// <inheritdoc/>
    public abstract ActorSystem? System { get; }

    /// <inheritdoc/>
    public abstract void Tell(object message, IActorRef? sender);

    /// <inheritdoc/>
    public abstract void SendSystemMessage(SystemMessage message);

    /// <inheritdoc/>
    public bool Equals(IActorRef? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return other is ActorRefBase o && o.Uid == Uid && o.Path.Equals(Path);
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is IActorRef other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Path, Uid);

    /// <inheritdoc/>
    public int CompareTo(IActorRef? other)
    {
        if (other is null)
        {
            return 1;
        }

        int c = Path.CompareTo(other.Path);
        return c != 0 || other is not ActorRefBase o ? c : Uid.CompareTo(o.Uid);
    }

    /// <inheritdoc/>
    public override string ToString() => Uid == 0 ? $"[{Path}]" : $"[{Path}#{Uid}]";
}

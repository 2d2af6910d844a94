using Runa.Kernel.Internal;

namespace Runa.Kernel;

internal sealed partial class ActorCell
{
    /// <summary>Characters allowed in actor names besides ASCII letters and digits.</summary>
    private const string NameSymbols = "-_.*$+:@&=,!~';";

    /// <summary>Alphabet of generated names (<c>$a</c>, <c>$b</c>, …).</summary>
    private const string GeneratedNameAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+~";

    /// <summary>Guards <see cref="_children"/> and <see cref="_terminating"/> (children are created from other threads for guardians).</summary>
    private readonly object _childrenLock = new();

    /// <summary>Children by name, including those that are stopping; a name stays taken until the child's termination is processed.</summary>
    private Dictionary<string, ChildRestartStats>? _children;

    /// <summary>Children this actor asked to stop and whose termination it has not yet seen. Actor thread only.</summary>
    private HashSet<IActorRef>? _stoppingChildren;

    /// <summary>Counter for generated child names.</summary>
    private long _nameCounter;

    /// <inheritdoc/>
    public IActorRef ActorOf(Props props, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(props);
        name = name is null ? NextGeneratedName() : CheckName(name);
        return MakeChild(props, name);
    }

    /// <summary>Creates and starts a child; <paramref name="name"/> is already validated.</summary>
    internal IActorRef MakeChild(Props props, string name)
    {
        var childRef = new LocalActorRef(_self.Path / name, NewUid());
        _ = new ActorCell(_system, childRef, props, _self, this);
        lock (_childrenLock)
        {
            if (_terminating)
            {
                throw new InvalidOperationException($"Cannot create child \"{name}\": {_self.Path} is terminating.");
            }

            _children ??= new Dictionary<string, ChildRestartStats>(StringComparer.Ordinal);
            if (!_children.TryAdd(name, new ChildRestartStats(childRef, childRef.Uid)))
            {
                throw new InvalidActorNameException($"Actor name \"{name}\" is not unique!");
            }
        }

        childRef.SendSystemMessage(new Create());
        return childRef;
    }

    /// <inheritdoc/>
    public IActorRef Child(string name)
    {
        lock (_childrenLock)
        {
            return _children is not null && _children.TryGetValue(name, out ChildRestartStats? stats) ? stats.Child : ActorRefs.Nobody;
        }
    }

    /// <summary>The child cell named <paramref name="name"/>, or null.</summary>
    internal ActorCell? ChildCell(string name)
        => Child(name) is LocalActorRef local ? local.Cell : null;

    /// <inheritdoc/>
    public IEnumerable<IActorRef> GetChildren() => Children;

    /// <inheritdoc/>
    public IReadOnlyCollection<IActorRef> Children
    {
        get
        {
            lock (_childrenLock)
            {
                if (_children is null || _children.Count == 0)
                {
                    return Array.Empty<IActorRef>();
                }

                var result = new IActorRef[_children.Count];
                int i = 0;
                foreach (ChildRestartStats stats in _children.Values)
                {
                    result[i++] = stats.Child;
                }

                return result;
            }
        }
    }

    /// <summary>
    /// The children, copied only if enumerated. A snapshot per terminated child made stopping a
    /// parent quadratic in its children (seconds for 10,000), and the built-in strategies never look.
    /// </summary>
    private IEnumerable<IActorRef> ChildrenWhenEnumerated()
    {
        foreach (IActorRef child in Children)
        {
            yield return child;
        }
    }

    /// <summary>Restart statistics of all children.</summary>
    private IReadOnlyCollection<ChildRestartStats> ChildStats()
    {
        lock (_childrenLock)
        {
            return _children is null ? Array.Empty<ChildRestartStats>() : _children.Values.ToArray();
        }
    }

    /// <summary>The stats of <paramref name="child"/> if it is (this incarnation of) a child.</summary>
    private ChildRestartStats? FindChild(IActorRef child)
    {
        lock (_childrenLock)
        {
            return _children is not null && _children.TryGetValue(child.Path.Name, out ChildRestartStats? stats) && stats.Child.Equals(child)
                ? stats
                : null;
        }
    }

    /// <inheritdoc/>
    public void Stop(IActorRef actor)
    {
        IInternalActorRef target = AsInternal(actor);
        if (target.Equals(_self))
        {
            // Through the system queue: it takes effect right after the current message, before any
            // queued user message (unlike PoisonPill, which waits its turn).
            _self.SendSystemMessage(new Terminate());
            return;
        }

        if (FindChild(actor) is not null)
        {
            (_stoppingChildren ??= new HashSet<IActorRef>()).Add(actor);
        }

        target.SendSystemMessage(new Terminate());
    }

    /// <summary>A child finished terminating: free its name and continue a pending stop/restart.</summary>
    private void HandleChildTerminated(IActorRef child)
    {
        int remaining;
        lock (_childrenLock)
        {
            if (_children is not null && _children.TryGetValue(child.Path.Name, out ChildRestartStats? stats) && stats.Child.Equals(child))
            {
                _children.Remove(child.Path.Name);
            }

            remaining = _children?.Count ?? 0;
        }

        _stoppingChildren?.Remove(child);
        EffectiveSupervisorStrategy.HandleChildTerminated(this, child, ChildrenWhenEnumerated());
        switch (_childrenWaitReason)
        {
            case ChildrenWaitReason.Termination when remaining == 0:
                FinishTerminate();
                break;
            case ChildrenWaitReason.Recreation when _stoppingChildren is null || _stoppingChildren.Count == 0:
                FinishRecreate(_recreateCause!);
                break;
            case ChildrenWaitReason.Creation when _stoppingChildren is null || _stoppingChildren.Count == 0:
                _childrenWaitReason = ChildrenWaitReason.None;
                HandleCreate();
                break;
        }
    }

    /// <summary>True if <paramref name="actor"/> is a child of this incarnation.</summary>
    private bool IsChild(IActorRef actor) => FindChild(actor) is not null;

    private static IInternalActorRef AsInternal(IActorRef actor)
        => actor as IInternalActorRef ?? throw new ArgumentException($"Unsupported IActorRef implementation {actor.GetType()}.", nameof(actor));

    private static int NewUid()
    {
        int uid;
        do
        {
            uid = Random.Shared.Next();
        }
        while (uid == 0);
        return uid;
    }

    private string NextGeneratedName()
    {
        long n = Interlocked.Increment(ref _nameCounter) - 1;
        Span<char> buffer = stackalloc char[16];
        int pos = buffer.Length;
        do
        {
            buffer[--pos] = GeneratedNameAlphabet[(int)(n & 63)];
            n >>= 6;
        }
        while (n != 0);
        buffer[--pos] = '$';
        return new string(buffer[pos..]);
    }

    /// <summary>Validates a user-given actor name.</summary>
    internal static string CheckName(string name)
    {
        if (name.Length == 0)
        {
            throw new InvalidActorNameException("Actor name must not be empty.");
        }

        if (name[0] == '$')
        {
            throw new InvalidActorNameException($"Illegal actor name \"{name}\": names starting with '$' are reserved for generated names.");
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !NameSymbols.Contains(c))
            {
                throw new InvalidActorNameException(
                    $"Illegal actor name \"{name}\": it may contain only ASCII letters, digits and [{NameSymbols}].");
            }
        }

        return name;
    }
}

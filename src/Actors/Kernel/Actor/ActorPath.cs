using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Runa.Kernel;

/// <summary>
/// The logical position of an actor: <c>akka://system/user/parent/child</c>. Paths are
/// immutable; equality compares the system name and the elements (not the incarnation uid).
/// </summary>
public sealed class ActorPath : IEquatable<ActorPath>, IComparable<ActorPath>
{
    /// <summary>Scheme printed in front of the system name.</summary>
    public const string Protocol = "akka";

    /// <summary>The parent path, null only for a root path.</summary>
    private readonly ActorPath? _parent;

    /// <summary>Number of elements below the root (0 for the root).</summary>
    private readonly int _depth;

    /// <summary>Lazily built full string, cached because refs print it often.</summary>
    private string? _string;

    private ActorPath(string systemName)
    {
        SystemName = systemName;
        Name = "/";
    }

    private ActorPath(ActorPath parent, string name)
    {
        _parent = parent;
        _depth = parent._depth + 1;
        SystemName = parent.SystemName;
        Name = name;
    }

    /// <summary>Name of the actor system this path belongs to.</summary>
    public string SystemName { get; }

    /// <summary>Last element ("/" for the root).</summary>
    public string Name { get; }

    /// <summary>The parent path; the root is its own parent, as in Akka.</summary>
    public ActorPath Parent => _parent ?? this;

    /// <summary>The root path of this path's system.</summary>
    public ActorPath Root
    {
        get
        {
            ActorPath p = this;
            while (p._parent is not null)
            {
                p = p._parent;
            }

            return p;
        }
    }

    /// <summary><c>akka://system</c>.</summary>
    public string Address => Protocol + "://" + SystemName;

    /// <summary>The elements below the root, e.g. <c>["user", "a", "b"]</c>.</summary>
    public IReadOnlyList<string> Elements
    {
        get
        {
            var elements = new string[_depth];
            ActorPath p = this;
            for (int i = _depth - 1; i >= 0; i--)
            {
                elements[i] = p.Name;
                p = p._parent!;
            }

            return elements;
        }
    }

    /// <summary>Creates the root path of a system.</summary>
    public static ActorPath CreateRoot(string systemName) => new(systemName);

    /// <summary>The child path <paramref name="path"/>/<paramref name="name"/>.</summary>
    public static ActorPath operator /(ActorPath path, string name) => new(path, name);

    /// <summary>Parses <c>akka://system/a/b</c>.</summary>
    public static ActorPath Parse(string path)
        => TryParse(path, out ActorPath? result) ? result : throw new UriFormatException($"Cannot parse actor path \"{path}\".");

    /// <summary>Parses <c>akka://system/a/b</c>; false if the text is not an absolute actor path.</summary>
    public static bool TryParse(string path, [NotNullWhen(true)] out ActorPath? result)
    {
        result = null;
        const string prefix = Protocol + "://";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        string rest = path[prefix.Length..];
        int slash = rest.IndexOf('/');
        string system = slash < 0 ? rest : rest[..slash];
        if (system.Length == 0)
        {
            return false;
        }

        ActorPath p = CreateRoot(system);
        if (slash >= 0)
        {
            foreach (string element in rest[(slash + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                p /= element;
            }
        }

        result = p;
        return true;
    }

    /// <summary>The path without the address: <c>/user/a/b</c> ("/" for the root).</summary>
    public string ToStringWithoutAddress()
    {
        if (_parent is null)
        {
            return "/";
        }

        var sb = new StringBuilder();
        AppendElements(sb);
        return sb.ToString();
    }

    /// <summary><c>akka://system/user/a/b</c>.</summary>
    public override string ToString()
    {
        if (_string is null)
        {
            var sb = new StringBuilder(Address);
            if (_parent is null)
            {
                sb.Append('/');
            }
            else
            {
                AppendElements(sb);
            }

            _string = sb.ToString();
        }

        return _string;
    }

    private void AppendElements(StringBuilder sb)
    {
        if (_parent is null)
        {
            return;
        }

        _parent.AppendElements(sb);
        sb.Append('/').Append(Name);
    }

    /// <inheritdoc/>
    public bool Equals(ActorPath? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other._depth != _depth)
        {
            return false;
        }

        ActorPath? a = this;
        ActorPath? b = other;
        while (a is not null && b is not null)
        {
            if (!string.Equals(a.Name, b.Name, StringComparison.Ordinal))
            {
                return false;
            }

            if (a._parent is null)
            {
                return string.Equals(a.SystemName, b.SystemName, StringComparison.Ordinal);
            }

            a = a._parent;
            b = b._parent;
        }

        return false;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ActorPath other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    /// <inheritdoc/>
    public int CompareTo(ActorPath? other)
        => other is null ? 1 : string.CompareOrdinal(ToString(), other.ToString());

    /// <summary>Equality operator.</summary>
    public static bool operator ==(ActorPath? left, ActorPath? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality operator.</summary>
    public static bool operator !=(ActorPath? left, ActorPath? right) => !(left == right);
}

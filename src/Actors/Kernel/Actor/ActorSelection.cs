using Runa.Kernel.Internal;

namespace Runa.Kernel;

/// <summary>
/// Actors addressed by path, resolved when a message is sent: absolute (<c>/user/a/b</c>,
/// <c>akka://system/user/a</c>) or, from <c>Context.ActorSelection</c>, relative to the calling
/// actor (<c>child</c>, <c>../sibling</c>). An element may contain <c>*</c> and <c>?</c> wildcards.
/// A send that matches nothing becomes a dead letter (an <see cref="Identify"/> gets an empty
/// <see cref="ActorIdentity"/>).
/// </summary>
public sealed class ActorSelection : ICanTell
{
    /// <summary>The system.</summary>
    private readonly ActorSystem _system;

    /// <summary>Where relative resolution starts; the root for absolute paths.</summary>
    private readonly ActorCell? _anchor;

    /// <summary>Path elements after the anchor ("..", "." or name patterns); null if the path names another system.</summary>
    private readonly string[]? _elements;

    internal ActorSelection(ActorSystem system, ActorCell? anchor, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        _system = system;
        PathString = path;
        string rest = path;
        if (path.StartsWith(ActorPath.Protocol + "://", StringComparison.Ordinal))
        {
            if (!ActorPath.TryParse(path, out ActorPath? parsed) || parsed.SystemName != system.Name)
            {
                return;
            }

            _anchor = system.RootCell;
            _elements = parsed.Elements.ToArray();
            return;
        }

        if (rest.StartsWith('/') || anchor is null)
        {
            _anchor = system.RootCell;
        }
        else
        {
            _anchor = anchor;
        }

        _elements = rest.Split('/', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The path as given.</summary>
    public string PathString { get; }

    /// <summary>The system the selection belongs to.</summary>
    internal ActorSystem System => _system;

    /// <summary>Sends <paramref name="message"/> to every actor the path currently matches.</summary>
    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        bool any = false;
        foreach (IActorRef target in Resolve())
        {
            any = true;
            target.Tell(message, sender);
        }

        if (!any)
        {
            _system.PublishDeadLetter(message, sender, _system.DeadLetters);
        }
    }

    /// <summary>The first live actor matching the path; faults with <see cref="ActorNotFoundException"/> if none.</summary>
    // AKKA-DEVIATION: resolved synchronously against the local tree (no Identify round trip), so
    // the timeout is never needed; kept for signature compatibility.
    public Task<IActorRef> ResolveOne(TimeSpan timeout)
    {
        foreach (IActorRef target in Resolve())
        {
            return Task.FromResult(target);
        }

        return Task.FromException<IActorRef>(new ActorNotFoundException($"Actor not found for selection {this}"));
    }

    /// <summary>The first live actor matching the path.</summary>
    public Task<IActorRef> ResolveOne(TimeSpan timeout, CancellationToken cancellationToken)
        => cancellationToken.IsCancellationRequested ? Task.FromCanceled<IActorRef>(cancellationToken) : ResolveOne(timeout);

    /// <inheritdoc/>
    public override string ToString() => $"ActorSelection[{_anchor?.Self.Path.ToString() ?? "?"}, {PathString}]";

    /// <summary>All live actors matching the path now.</summary>
    internal IEnumerable<IActorRef> Resolve()
    {
        if (_anchor is null || _elements is null)
        {
            return [];
        }

        var current = new List<ActorCell> { _anchor };
        IActorRef? special = null;
        for (int i = 0; i < _elements.Length && current.Count > 0; i++)
        {
            string element = _elements[i];
            var next = new List<ActorCell>();
            foreach (ActorCell cell in current)
            {
                if (element == "..")
                {
                    if (cell.ParentCell is { } parent)
                    {
                        next.Add(parent);
                    }
                }
                else if (element == ".")
                {
                    next.Add(cell);
                }
                else if (element.AsSpan().IndexOfAny('*', '?') >= 0)
                {
                    foreach (IActorRef child in cell.Children)
                    {
                        if (child is LocalActorRef local && Glob(element, child.Path.Name))
                        {
                            next.Add(local.Cell);
                        }
                    }
                }
                else if (cell.ChildCell(element) is { } child)
                {
                    next.Add(child);
                }
                else if (ReferenceEquals(cell, _system.RootCell) && element == "deadLetters" && i == _elements.Length - 1)
                {
                    special = _system.DeadLetters;
                }
            }

            current = next;
        }

        if (special is not null)
        {
            return [special];
        }

        return current.Where(c => !c.Mailbox.IsClosed).Select(c => c.Self).ToArray();
    }

    /// <summary>Matches <paramref name="text"/> against a pattern with <c>*</c> (any run) and <c>?</c> (one char).</summary>
    private static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}

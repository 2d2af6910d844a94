namespace Runa.Kernel.Internal;

/// <summary>INTERNAL API. The stash of one actor cell. Actor thread only.</summary>
internal sealed class UnboundedStash(ActorCell cell) : IStash
{
    /// <summary>Stashed messages, oldest first.</summary>
    private readonly List<Envelope> _items = new();

    public int Count => _items.Count;

    public bool IsEmpty => _items.Count == 0;

    public void Stash() => _items.Add(cell.TakeCurrentForStash());

    public void Unstash()
    {
        if (_items.Count == 0)
        {
            return;
        }

        Envelope first = _items[0];
        _items.RemoveAt(0);
        cell.Mailbox.Prepend([first]);
    }

    public void UnstashAll()
    {
        if (_items.Count == 0)
        {
            return;
        }

        Envelope[] all = _items.ToArray();
        _items.Clear();
        cell.Mailbox.Prepend(all);
    }

    public void UnstashAll(Func<Envelope, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var selected = new List<Envelope>();
        var kept = new List<Envelope>();
        foreach (Envelope e in _items)
        {
            (predicate(e) ? selected : kept).Add(e);
        }

        _items.Clear();
        _items.AddRange(kept);
        cell.Mailbox.Prepend(selected);
    }

    public IEnumerable<Envelope> ClearStash()
    {
        Envelope[] all = _items.ToArray();
        _items.Clear();
        return all;
    }

    /// <summary>On stop: everything stashed becomes a dead letter.</summary>
    internal void DeadLetterAll()
    {
        foreach (Envelope e in ClearStash())
        {
            cell.System.PublishDeadLetter(e.Message, e.Sender, cell.Self);
        }
    }
}

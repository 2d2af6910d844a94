using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Runa.Kernel.Internal;

/// <summary>
/// INTERNAL API. An actor's mailbox and its scheduling on the .NET thread pool.
/// <para>
/// Two queues: user messages in a lock-free <see cref="ConcurrentQueue{T}"/> of
/// <see cref="Envelope"/> structs (no allocation per message once its segment exists), and kernel
/// messages in an intrusive lock-free stack (newest first, reversed when drained) that is always
/// drained before the next user message. A single <see cref="_status"/> word holds the
/// "scheduled" and "closed" bits: a sender that finds the mailbox idle CASes it to scheduled and
/// queues the mailbox itself as an <see cref="IThreadPoolWorkItem"/> (no Task, no closure).
/// A run (<see cref="Execute"/>) processes at most <c>Throughput</c> user messages, clears the
/// scheduled bit and re-checks the queues, so a message enqueued concurrently is never stranded.
/// </para>
/// </summary>
// AKKA-DEVIATION: AKKA-API §15 names a System.Threading.Channels channel as the mailbox; a
// ConcurrentQueue plus an Interlocked status word is used instead (no lock on the write path,
// the reader is the dispatcher run itself rather than a ReadAsync loop).
internal sealed class Mailbox : IThreadPoolWorkItem
{
    /// <summary>Status value: not scheduled, not closed.</summary>
    private const int Idle = 0;

    /// <summary>Status bit: a run is queued or executing; only the run clears it.</summary>
    private const int ScheduledBit = 1;

    /// <summary>Status bit: the actor terminated; set once, never cleared.</summary>
    private const int ClosedBit = 2;

    /// <summary>User messages in arrival order.</summary>
    private readonly ConcurrentQueue<Envelope> _queue = new();

    /// <summary>The actor this mailbox runs.</summary>
    private readonly ActorCell _cell;

    /// <summary>Maximum user messages per run, so one busy actor cannot hog a pool thread.</summary>
    private readonly int _throughput;

    /// <summary>Unstashed messages that must be processed before <see cref="_queue"/>; touched only by the run.</summary>
    private Queue<Envelope>? _front;

    /// <summary>Head of the system-message stack (newest first); swapped out atomically by drains.</summary>
    private SystemMessage? _systemHead;

    /// <summary><see cref="ScheduledBit"/> | <see cref="ClosedBit"/>.</summary>
    private int _status;

    /// <summary>Creates the mailbox of <paramref name="cell"/>.</summary>
    public Mailbox(ActorCell cell, int throughput)
    {
        _cell = cell;
        _throughput = throughput < 1 ? 1 : throughput;
    }

    /// <summary>True once the actor terminated; later messages become dead letters.</summary>
    public bool IsClosed => (Volatile.Read(ref _status) & ClosedBit) != 0;

    /// <summary>True if kernel messages wait.</summary>
    public bool HasSystemMessages
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _systemHead) is not null;
    }

    /// <summary>True if user messages wait (queue or unstashed front).</summary>
    public bool HasUserMessages => (_front is { Count: > 0 }) || !_queue.IsEmpty;

    /// <summary>Enqueues a user message and makes sure a run is scheduled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Post(Envelope envelope)
    {
        _queue.Enqueue(envelope);

        // Full fence: Enqueue publishes the slot with a release store only, and a later load may be
        // reordered before a store (x86 store buffer). Without the fence this thread could still
        // read "scheduled" while the run, having cleared the bit, does not yet see the message:
        // neither side would schedule and the message would be stranded (Dekker pattern).
        Interlocked.MemoryBarrier();
        int status = Volatile.Read(ref _status);
        if (status == Idle)
        {
            TrySchedule();
        }
        else if ((status & ClosedBit) != 0)
        {
            // The actor terminated: whoever drains first owns each message; none is lost.
            DrainUserMessagesToDeadLetters();
        }
    }

    /// <summary>Enqueues a kernel message and makes sure a run is scheduled.</summary>
    public void PostSystem(SystemMessage message)
    {
        Debug.Assert(message.Next is null, "a system message is sent once");
        SystemMessage? head;
        do
        {
            head = Volatile.Read(ref _systemHead);
            message.Next = head;
        }
        while (Interlocked.CompareExchange(ref _systemHead, message, head) != head);

        int status = Volatile.Read(ref _status);
        if ((status & ClosedBit) != 0)
        {
            DrainSystemMessagesToDeadLetters();
        }
        else if (status == Idle)
        {
            TrySchedule();
        }
    }

    /// <summary>Takes all pending kernel messages in FIFO order (null if none).</summary>
    public SystemMessage? TakeSystemMessages()
    {
        SystemMessage? newestFirst = Interlocked.Exchange(ref _systemHead, null);
        SystemMessage? fifo = null;
        while (newestFirst is not null)
        {
            SystemMessage next = newestFirst.Next!;
            newestFirst.Next = fifo;
            fifo = newestFirst;
            newestFirst = next;
        }

        return fifo;
    }

    /// <summary>Dequeues the next user message (unstashed ones first). Only the run calls this.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryDequeue(out Envelope envelope)
    {
        if (_front is { Count: > 0 })
        {
            envelope = _front.Dequeue();
            return true;
        }

        return _queue.TryDequeue(out envelope);
    }

    /// <summary>Puts <paramref name="envelopes"/> in front of everything queued, keeping their order. Only the run calls this.</summary>
    public void Prepend(IReadOnlyCollection<Envelope> envelopes)
    {
        if (envelopes.Count == 0)
        {
            return;
        }

        var front = new Queue<Envelope>(envelopes.Count + (_front?.Count ?? 0));
        foreach (Envelope e in envelopes)
        {
            front.Enqueue(e);
        }

        if (_front is not null)
        {
            while (_front.TryDequeue(out Envelope e))
            {
                front.Enqueue(e);
            }
        }

        _front = front;
    }

    /// <summary>Marks the mailbox closed and turns everything still queued into dead letters. Called once by the run.</summary>
    public void Close()
    {
        Interlocked.Or(ref _status, ClosedBit);
        if (_front is not null)
        {
            while (_front.TryDequeue(out Envelope e))
            {
                _cell.System.PublishDeadLetter(e.Message, e.Sender, _cell.Self);
            }
        }

        DrainSystemMessagesToDeadLetters();
        DrainUserMessagesToDeadLetters();
    }

    /// <summary>Queues a run if none is queued or running and the mailbox is open.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void TrySchedule()
    {
        if (Interlocked.CompareExchange(ref _status, ScheduledBit, Idle) == Idle)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>One run on a pool thread: kernel messages, then up to Throughput user messages.</summary>
    public void Execute()
    {
        _cell.Run(_throughput);
        if (IsClosed)
        {
            return; // leave the scheduled bit set: a closed mailbox is never scheduled again
        }

        // Clear "scheduled" with a full fence, then look again: a sender that enqueued while we
        // were running saw the bit set and did not schedule; we must.
        Interlocked.And(ref _status, ~ScheduledBit);
        if (HasSystemMessages || (_cell.CanProcessUserMessages && HasUserMessages))
        {
            TrySchedule();
        }
    }

    private void DrainUserMessagesToDeadLetters()
    {
        while (_queue.TryDequeue(out Envelope e))
        {
            _cell.System.PublishDeadLetter(e.Message, e.Sender, _cell.Self);
        }
    }

    private void DrainSystemMessagesToDeadLetters()
    {
        for (SystemMessage? m = TakeSystemMessages(); m is not null;)
        {
            SystemMessage? next = m.Next;
            m.Next = null;
            _cell.HandleSystemMessageAfterTermination(m);
            m = next;
        }
    }
}

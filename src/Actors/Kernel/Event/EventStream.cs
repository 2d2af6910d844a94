namespace Runa.Kernel;

/// <summary>
/// Publish/subscribe by message type within one actor system. A subscriber gets each published
/// event once if it is an instance of any type it subscribed to. Terminated actors are
/// unsubscribed automatically.
/// </summary>
public sealed class EventStream
{
    /// <summary>Guards writes to <see cref="_subscriptions"/> (readers take the array snapshot without locking).</summary>
    private readonly object _lock = new();

    /// <summary>Copy-on-write list of subscribers and their channels.</summary>
    private Subscription[] _subscriptions = [];

    /// <summary>Subscribes <paramref name="subscriber"/> to events assignable to <paramref name="channel"/>; false if it already was.</summary>
    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_lock)
        {
            Subscription[] current = _subscriptions;
            for (int i = 0; i < current.Length; i++)
            {
                if (current[i].Subscriber.Equals(subscriber))
                {
                    if (current[i].Channels.Contains(channel))
                    {
                        return false;
                    }

                    Subscription[] copy = (Subscription[])current.Clone();
                    copy[i] = new Subscription(subscriber, [.. current[i].Channels, channel]);
                    _subscriptions = copy;
                    return true;
                }
            }

            _subscriptions = [.. current, new Subscription(subscriber, [channel])];
            return true;
        }
    }

    /// <summary>Removes one channel of <paramref name="subscriber"/>; false if it was not subscribed to it.</summary>
    public bool Unsubscribe(IActorRef subscriber, Type channel)
    {
        lock (_lock)
        {
            Subscription[] current = _subscriptions;
            for (int i = 0; i < current.Length; i++)
            {
                if (current[i].Subscriber.Equals(subscriber) && current[i].Channels.Contains(channel))
                {
                    Type[] channels = current[i].Channels.Where(c => c != channel).ToArray();
                    _subscriptions = channels.Length == 0
                        ? current.Where((_, j) => j != i).ToArray()
                        : current.Select((s, j) => j == i ? new Subscription(subscriber, channels) : s).ToArray();
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Removes all subscriptions of <paramref name="subscriber"/>; false if it had none.</summary>
    public bool Unsubscribe(IActorRef subscriber)
    {
        if (Volatile.Read(ref _subscriptions).Length == 0)
        {
            return false;
        }

        lock (_lock)
        {
            Subscription[] current = _subscriptions;
            Subscription[] remaining = current.Where(s => !s.Subscriber.Equals(subscriber)).ToArray();
            if (remaining.Length == current.Length)
            {
                return false;
            }

            _subscriptions = remaining;
            return true;
        }
    }

    /// <summary>True if anybody listens for events of <paramref name="eventType"/>.</summary>
    public bool HasSubscribers(Type eventType)
    {
        foreach (Subscription s in Volatile.Read(ref _subscriptions))
        {
            if (s.Matches(eventType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Sends <paramref name="event"/> (without sender) to every matching subscriber.</summary>
    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        Subscription[] subscriptions = Volatile.Read(ref _subscriptions);
        if (subscriptions.Length == 0)
        {
            return;
        }

        Type type = @event.GetType();
        foreach (Subscription s in subscriptions)
        {
            if (s.Matches(type))
            {
                s.Subscriber.Tell(@event, ActorRefs.NoSender);
            }
        }
    }

    /// <summary>One subscriber and its channels.</summary>
    private sealed record Subscription(IActorRef Subscriber, Type[] Channels)
    {
        public bool Matches(Type eventType)
        {
            foreach (Type channel in Channels)
            {
                if (channel.IsAssignableFrom(eventType))
                {
                    return true;
                }
            }

            return false;
        }
    }
}

using System.Diagnostics;
using Xunit.Sdk;

namespace Runa.Kernel.TestKit;

/// <summary>
/// Expectations on the messages received by a test actor (shared by <see cref="TestKit"/> and
/// <see cref="TestProbe"/>). Each Expect* waits on a blocking queue with a timeout; failures throw
/// xunit exceptions saying what was expected and what arrived.
/// </summary>
public abstract class TestKitBase
{
    /// <summary>Default wait of a single expectation (Akka's single-expect-default).</summary>
    public static readonly TimeSpan SingleExpectDefault = TimeSpan.FromSeconds(3);

    /// <summary>Default bound of <see cref="Within(TimeSpan, Action)"/>-style blocks and AwaitAssert (Akka's default-timeout).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Slack allowed beyond a Within block's max before it is reported as too slow.</summary>
    private static readonly TimeSpan WithinSlack = TimeSpan.FromMilliseconds(100);

    /// <summary>The queue-backed ref.</summary>
    private readonly TestActorRef _testActor;

    /// <summary>Deadline of the innermost Within block (Stopwatch timestamp), null outside Within.</summary>
    private long? _end;

    /// <summary>True if the last expectation in a Within block was an ExpectNoMsg ending at the block's deadline.</summary>
    private bool _lastWasNoMsg;

    /// <summary>
    /// Expectations block their thread, and xunit 2 runs tests on .NET thread-pool threads, which
    /// also run the actors under test and the scheduler's timer callbacks. With the default minimum
    /// (one worker per core) a few blocked tests leave the pool starved until it slowly injects
    /// threads (observed: receive timeouts of 200 ms arriving after 1-2 s). Raise the minimum once.
    /// </summary>
    static TestKitBase()
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        int wanted = Math.Max(workers, (Environment.ProcessorCount * 2) + 16);
        ThreadPool.SetMinThreads(wanted, io);
    }

    private protected TestKitBase(ActorSystem system, TestActorRef testActor)
    {
        Sys = system;
        _testActor = testActor;
        LastSender = system.DeadLetters;
    }

    /// <summary>The actor system under test.</summary>
    public ActorSystem Sys { get; }

    /// <summary>The test's own actor: implicit sender of Tell from test code, receiver of every Expect*.</summary>
    public IActorRef TestActor => _testActor;

    /// <summary>Sender of the last message received by an expectation.</summary>
    public IActorRef LastSender { get; private set; }

    /// <summary>The last message received by an expectation.</summary>
    public object? LastMessage { get; private set; }

    /// <summary>Time left in the innermost Within block; throws outside of one.</summary>
    public TimeSpan Remaining
        => _end is { } end
            ? Max(TimeSpan.Zero, Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), end))
            : throw new InvalidOperationException("Remaining is only defined inside a Within block.");

    /// <summary>Time left in the innermost Within block, or <see cref="SingleExpectDefault"/> outside of one.</summary>
    public TimeSpan RemainingOrDefault => _end is null ? SingleExpectDefault : Remaining;

    /// <summary>The queue of the test actor.</summary>
    private protected TestActorRef QueueRef => _testActor;

    /// <summary>Watches <paramref name="actor"/>: its <see cref="Terminated"/> arrives at <see cref="TestActor"/>.</summary>
    public IActorRef Watch(IActorRef actor)
    {
        _testActor.Watch(actor);
        return actor;
    }

    /// <summary>Stops watching <paramref name="actor"/>.</summary>
    public IActorRef Unwatch(IActorRef actor)
    {
        _testActor.Unwatch(actor);
        return actor;
    }

    /// <summary>The next message must be a <typeparamref name="T"/>.</summary>
    public T ExpectMsg<T>(TimeSpan? timeout = null, string? hint = null)
        => ExpectMsgCore<T>(timeout, hint, null, "");

    /// <summary>The next message must equal <paramref name="expected"/>.</summary>
    public T ExpectMsg<T>(T expected, TimeSpan? timeout = null, string? hint = null)
        => ExpectMsgCore<T>(timeout, hint, m => Equals(m, expected) ? null : $"expected {Describe(expected)} but got {Describe(m)}", $" equal to {Describe(expected)}");

    /// <summary>The next message must be a <typeparamref name="T"/> satisfying <paramref name="isMessage"/>.</summary>
    public T ExpectMsg<T>(Predicate<T> isMessage, TimeSpan? timeout = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(isMessage);
        return ExpectMsgCore<T>(timeout, hint, m => isMessage(m) ? null : $"{Describe(m)} did not satisfy the predicate", " satisfying the predicate");
    }

    /// <summary>The next message must be a <typeparamref name="T"/> for which <paramref name="assert"/> does not throw.</summary>
    public T ExpectMsg<T>(Action<T> assert, TimeSpan? timeout = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(assert);
        return ExpectMsgCore<T>(timeout, hint, m =>
        {
            assert(m);
            return null;
        }, "");
    }

    /// <summary>The next message must be a <typeparamref name="T"/> sent by <paramref name="sender"/>.</summary>
    public T ExpectMsgFrom<T>(IActorRef sender, TimeSpan? timeout = null, string? hint = null)
    {
        T message = ExpectMsg<T>(timeout, hint);
        if (!Equals(LastSender, sender))
        {
            throw Fail($"Expected {Describe(message)} from {sender} but it came from {LastSender}{Hint(hint)}");
        }

        return message;
    }

    /// <summary>No message may arrive for <paramref name="duration"/>.</summary>
    public void ExpectNoMsg(TimeSpan duration)
    {
        // Waiting out the rest of a Within block overruns it by wake-up latency, which must not fail
        // the block (as in Akka); a wait asked to outlast the deadline makes the block too slow.
        bool endsByDeadline = _end is null || duration <= Remaining + WithinSlack;
        Envelope? received = TryReceive(duration);
        _lastWasNoMsg = endsByDeadline;
        if (received is { } e)
        {
            throw Fail($"Expected no message within {Format(duration)} but received {Describe(e.Message)} from {e.Sender?.ToString() ?? "NoSender"}");
        }
    }

    /// <summary>No message may arrive for the rest of the Within block (or <see cref="SingleExpectDefault"/>).</summary>
    public void ExpectNoMsg() => ExpectNoMsg(RemainingOrDefault);

    /// <summary>The next message must be the <see cref="Terminated"/> of <paramref name="target"/> (watch it first).</summary>
    public Terminated ExpectTerminated(IActorRef target, TimeSpan? timeout = null, string? hint = null)
        => ExpectMsgCore<Terminated>(
            timeout,
            hint,
            t => t.ActorRef.Equals(target) ? null : $"expected Terminated of {target} but got Terminated of {t.ActorRef}",
            $" of {target}");

    /// <summary>Receives one message, or null if none arrives within <paramref name="max"/>.</summary>
    public object? ReceiveOne(TimeSpan? max = null)
        => TryReceive(max ?? RemainingOrDefault)?.Message;

    /// <summary>Receives exactly <paramref name="n"/> messages within <paramref name="max"/> (total).</summary>
    public IReadOnlyList<object> ReceiveN(int n, TimeSpan? max = null)
    {
        long deadline = Deadline(max ?? RemainingOrDefault);
        var result = new List<object>(n);
        while (result.Count < n)
        {
            Envelope? e = TryReceive(Left(deadline));
            if (e is null)
            {
                throw Fail($"Expected {n} messages within {Format(max ?? RemainingOrDefault)} but received only {result.Count}: [{string.Join(", ", result.Select(Describe))}]");
            }

            result.Add(e.Value.Message);
        }

        return result;
    }

    /// <summary>The next <c>messages.Length</c> messages must be exactly these, in any order.</summary>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(params T[] messages) => ExpectMsgAllOf(RemainingOrDefault, messages);

    /// <summary>The next <c>messages.Length</c> messages must be exactly these, in any order, within <paramref name="max"/>.</summary>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(TimeSpan max, params T[] messages)
    {
        long deadline = Deadline(max);
        var missing = new List<T>(messages);
        var received = new List<T>(messages.Length);
        while (missing.Count > 0)
        {
            Envelope? e = TryReceive(Left(deadline));
            if (e is null)
            {
                throw Fail($"Expected all of [{string.Join(", ", messages.Select(m => Describe(m)))}] within {Format(max)}; still missing [{string.Join(", ", missing.Select(m => Describe(m)))}]");
            }

            int index = e.Value.Message is T typed ? missing.FindIndex(m => Equals(m, typed)) : -1;
            if (index < 0)
            {
                throw Fail($"Expected all of [{string.Join(", ", messages.Select(m => Describe(m)))}] but received unexpected {Describe(e.Value.Message)}");
            }

            received.Add((T)e.Value.Message);
            missing.RemoveAt(index);
        }

        return received;
    }

    /// <summary>Skips messages until one satisfies <paramref name="isMessage"/>; fails if none does within <paramref name="max"/>.</summary>
    public object FishForMessage(Predicate<object> isMessage, TimeSpan? max = null, string hint = "")
        => FishForMessage<object>(isMessage, max, hint);

    /// <summary>Skips messages until a <typeparamref name="T"/> satisfies <paramref name="isMessage"/>.</summary>
    public T FishForMessage<T>(Predicate<T> isMessage, TimeSpan? max = null, string hint = "")
    {
        TimeSpan wait = max ?? RemainingOrDefault;
        long deadline = Deadline(wait);
        var skipped = new List<object>();
        while (true)
        {
            Envelope? e = TryReceive(Left(deadline));
            if (e is null)
            {
                throw Fail($"Fished for a matching {typeof(T).Name} for {Format(wait)}{Hint(hint)} but none came; skipped [{string.Join(", ", skipped.Select(Describe))}]");
            }

            if (e.Value.Message is T typed && isMessage(typed))
            {
                return typed;
            }

            skipped.Add(e.Value.Message);
        }
    }

    /// <summary>Runs <paramref name="action"/>, which must finish within <paramref name="max"/>; nested expectations default to <see cref="Remaining"/>.</summary>
    public void Within(TimeSpan max, Action action) => Within(TimeSpan.Zero, max, action);

    /// <summary>Runs <paramref name="action"/>, which must take at least <paramref name="min"/> and at most <paramref name="max"/>.</summary>
    public void Within(TimeSpan min, TimeSpan max, Action action)
        => Within(min, max, () =>
        {
            action();
            return true;
        });

    /// <summary>Runs <paramref name="function"/> within <paramref name="max"/> and returns its result.</summary>
    public T Within<T>(TimeSpan max, Func<T> function) => Within(TimeSpan.Zero, max, function);

    /// <summary>Runs <paramref name="function"/>, which must take between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public T Within<T>(TimeSpan min, TimeSpan max, Func<T> function)
    {
        long start = Stopwatch.GetTimestamp();
        TimeSpan bound = _end is null ? max : Min(max, Remaining);
        long? previous = _end;
        _end = Deadline(bound);
        _lastWasNoMsg = false;
        T result;
        try
        {
            result = function();
        }
        finally
        {
            _end = previous;
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        if (elapsed < min)
        {
            throw Fail($"Within block finished after {Format(elapsed)}, earlier than the minimum {Format(min)}");
        }

        if (!_lastWasNoMsg && elapsed > bound + WithinSlack)
        {
            throw Fail($"Within block took {Format(elapsed)}, longer than its maximum {Format(bound)}");
        }

        return result;
    }

    /// <summary>Retries <paramref name="assertion"/> every <paramref name="interval"/> (default 20 ms) until it passes or <paramref name="duration"/> (default: remaining or 5 s) is over; then rethrows its last failure.</summary>
    public void AwaitAssert(Action assertion, TimeSpan? duration = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        long deadline = Deadline(duration ?? (_end is null ? DefaultTimeout : Remaining));
        TimeSpan pause = interval ?? TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try
            {
                assertion();
                return;
            }
            catch (Exception) when (Left(deadline) > TimeSpan.Zero)
            {
                Thread.Sleep(Min(pause, Left(deadline)));
            }
        }
    }

    /// <summary>Polls <paramref name="condition"/> every <paramref name="interval"/> (default max/10, at most 100 ms) until true; fails after <paramref name="max"/>.</summary>
    public void AwaitCondition(Func<bool> condition, TimeSpan? max = null, TimeSpan? interval = null, string? message = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        TimeSpan wait = max ?? (_end is null ? DefaultTimeout : Remaining);
        long deadline = Deadline(wait);
        TimeSpan pause = interval ?? Min(TimeSpan.FromMilliseconds(wait.TotalMilliseconds / 10), TimeSpan.FromMilliseconds(100));
        while (!condition())
        {
            TimeSpan left = Left(deadline);
            if (left <= TimeSpan.Zero)
            {
                throw Fail($"Condition not met within {Format(wait)}{Hint(message)}");
            }

            Thread.Sleep(Min(pause, left));
        }
    }

    /// <summary>Creates a probe in the same system.</summary>
    public TestProbe CreateTestProbe(string? name = null) => new(Sys, name);

    /// <summary>Reads one envelope (updating LastSender/LastMessage), or null on timeout.</summary>
    private protected Envelope? TryReceive(TimeSpan timeout)
    {
        if (timeout < TimeSpan.Zero)
        {
            timeout = TimeSpan.Zero;
        }

        if (!_testActor.Queue.TryTake(out Envelope envelope, timeout))
        {
            return null;
        }

        LastMessage = envelope.Message;
        LastSender = envelope.Sender ?? Sys.DeadLetters;
        return envelope;
    }

    private T ExpectMsgCore<T>(TimeSpan? timeout, string? hint, Func<T, string?>? check, string what)
    {
        TimeSpan wait = timeout ?? RemainingOrDefault;
        Envelope? received = TryReceive(wait);
        _lastWasNoMsg = false;
        if (received is not { } e)
        {
            throw Fail($"Timeout ({Format(wait)}) while waiting for a message of type {typeof(T).FullName}{what}{Hint(hint)}");
        }

        if (e.Message is not T typed)
        {
            throw Fail($"Expected a message of type {typeof(T).FullName}{what}{Hint(hint)} but received {Describe(e.Message)} of type {e.Message.GetType().FullName} from {e.Sender?.ToString() ?? "NoSender"}");
        }

        string? problem = check?.Invoke(typed);
        if (problem is not null)
        {
            throw Fail($"Unexpected message{Hint(hint)}: {problem}");
        }

        return typed;
    }

    private static XunitException Fail(string message) => new(message);

    private static string Hint(string? hint) => string.IsNullOrEmpty(hint) ? "" : $" ({hint})";

    private static string Describe(object? message) => message switch
    {
        null => "null",
        string s => $"\"{s}\"",
        _ => $"<{message}>",
    };

    private static string Format(TimeSpan span) => $"{span.TotalMilliseconds:0} ms";

    private static long Deadline(TimeSpan span)
        => Stopwatch.GetTimestamp() + (long)(Min(Max(span, TimeSpan.Zero), TimeSpan.FromDays(1)).TotalSeconds * Stopwatch.Frequency);

    private static TimeSpan Left(long deadline) => Max(TimeSpan.Zero, Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline));

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

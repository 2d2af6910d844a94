using Runa.Kernel.Internal;

namespace Runa.Kernel;

/// <summary>
/// A cancellation handle for the scheduler. Passing it to several Schedule calls cancels all of
/// them at once; cancelled entries leave the scheduler's queue immediately.
/// </summary>
public sealed class Cancelable : ICancelable, IDisposable
{
    /// <summary>The underlying source.</summary>
    private readonly CancellationTokenSource _source = new();

    /// <summary>Creates an uncancelled handle.</summary>
    public Cancelable()
    {
    }

    /// <summary>Creates an uncancelled handle (Akka's signature; the scheduler argument is not needed).</summary>
    public Cancelable(IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
    }

    /// <inheritdoc/>
    public bool IsCancellationRequested => _source.IsCancellationRequested;

    /// <inheritdoc/>
    public CancellationToken Token => _source.Token;

    /// <summary>A handle that is already cancelled.</summary>
    public static ICancelable CreateCanceled()
    {
        var c = new Cancelable();
        c.Cancel();
        return c;
    }

    /// <inheritdoc/>
    public void Cancel()
    {
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <inheritdoc/>
    public void CancelAfter(TimeSpan delay) => _source.CancelAfter(delay);

    /// <inheritdoc/>
    public void Dispose() => _source.Dispose();

    /// <summary>Removes <paramref name="item"/> from its scheduler when this handle is cancelled.</summary>
    internal void Register(ScheduledItem item)
        => _source.Token.UnsafeRegister(static state => ((ScheduledItem)state!).Cancel(), item);
}

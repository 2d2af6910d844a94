namespace Runa.Kernel;

/// <summary>A handle to cancel scheduled work.</summary>
public interface ICancelable
{
    /// <summary>True once cancelled.</summary>
    bool IsCancellationRequested { get; }

    /// <summary>A token cancelled together with this handle.</summary>
    CancellationToken Token { get; }

    /// <summary>Cancels; scheduled work that has not run yet will not run.</summary>
    void Cancel();

    /// <summary>Cancels after <paramref name="delay"/>.</summary>
    void CancelAfter(TimeSpan delay);
}

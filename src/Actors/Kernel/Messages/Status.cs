namespace Runa.Kernel;

/// <summary>Conventional reply wrappers. <c>Ask</c> faults when the reply is a <see cref="Failure"/>.</summary>
public abstract class Status
{
    private Status()
    {
    }

    /// <summary>Successful completion carrying an optional value.</summary>
    public sealed class Success : Status
    {
        /// <summary>Creates a success reply.</summary>
        public Success(object? status) => Status = status;

        /// <summary>The value.</summary>
        public object? Status { get; }

        /// <inheritdoc/>
        public override string ToString() => $"Success: {Status}";
    }

    /// <summary>Failed operation; <c>Ask</c> rethrows <see cref="Cause"/>.</summary>
    public sealed class Failure : Status
    {
        /// <summary>Creates a failure reply.</summary>
        public Failure(Exception cause) => Cause = cause;

        /// <summary>Creates a failure reply with extra state.</summary>
        public Failure(Exception cause, object? state)
        {
            Cause = cause;
            State = state;
        }

        /// <summary>The exception.</summary>
        public Exception Cause { get; }

        /// <summary>Optional state supplied by the sender.</summary>
        public object? State { get; }

        /// <inheritdoc/>
        public override string ToString() => $"Failure: {Cause}";
    }
}

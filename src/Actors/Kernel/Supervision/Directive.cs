namespace Runa.Kernel;

/// <summary>What a supervisor does with a failed child.</summary>
public enum Directive
{
    /// <summary>Keep the instance and its state; the failing message is dropped.</summary>
    Resume,

    /// <summary>Replace the instance with a fresh one from its Props; the mailbox is kept, the failing message dropped.</summary>
    Restart,

    /// <summary>Fail the supervisor itself with the child's exception; its own supervisor decides.</summary>
    Escalate,

    /// <summary>Stop the child.</summary>
    Stop,
}

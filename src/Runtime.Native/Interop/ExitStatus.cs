namespace Runa.Runtime.Interop;

/// <summary>How a process ended: an exit code, or the signal that killed it.</summary>
public readonly record struct ExitStatus(int Code, int Signal, bool CoreDumped = false)
{
    public static ExitStatus Exited(int code) => new(code, 0);

    public static ExitStatus Killed(int signal, bool core = false) => new(0, signal, core);

    /// <summary>The shell convention runc follows: the code, or 128 + the signal number.</summary>
    public int ShellCode => Signal != 0 ? 128 + Signal : Code;

    public override string ToString() =>
        Signal != 0 ? $"killed by signal {Signal}{(CoreDumped ? " (core dumped)" : "")}" : $"exit status {Code}";
}

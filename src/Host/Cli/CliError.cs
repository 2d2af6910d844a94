using Runa.Actors.Containers;

namespace Runa.Host.Cli;

/// <summary>A command failed in a way the user should read; exit with <see cref="ExitCode"/>.</summary>
public sealed class CliError(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>The message a user reads for any failure, without stack traces or wrapper noise.</summary>
    public static string Describe(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerException!),
        ContainerException c => c.Message,
        Kernel.AskTimeoutException t => $"no answer in time ({t.Message})",
        _ => e.Message,
    };
}

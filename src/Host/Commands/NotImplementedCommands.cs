using System.CommandLine;
using Runa.Host.Cli;

namespace Runa.Host.Commands;

/// <summary>
/// Commands engines call that later work implements: they parse what runc's parse (so the
/// caller gets a clear "not implemented" rather than a usage error) and fail.
/// </summary>
public static class NotImplementedCommands
{
    public static Command Exec()
    {
        var command = new Command("exec", "execute a new process inside the container (not implemented yet)");
        command.Arguments.Add(ContainerArgs.Id());
        command.Arguments.Add(new Argument<string[]>("command") { Arity = ArgumentArity.ZeroOrMore });
        foreach (var o in new Option[]
                 {
                     new Option<string?>("--process", "-p"), new Option<bool>("--detach", "-d"), new Option<string?>("--pid-file"),
                     new Option<bool>("--tty", "-t"), new Option<string?>("--console-socket"), new Option<string?>("--cwd"),
                     new Option<string[]>("--env", "-e"), new Option<string?>("--user", "-u"), new Option<string[]>("--cap", "-c"),
                     new Option<bool>("--no-new-privs"), new Option<int>("--preserve-fds"),
                 })
        {
            command.Options.Add(o);
        }
        command.Handle(_ => throw new CliError("exec is not implemented yet"));
        return command;
    }
}

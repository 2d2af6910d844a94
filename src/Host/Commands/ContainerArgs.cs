using System.CommandLine;
using Runa.Host.Cli;

namespace Runa.Host.Commands;

/// <summary>Arguments and options several commands share.</summary>
public static class ContainerArgs
{
    public static Argument<string> Id() => new("container-id")
    {
        Description = "the container's id: unique on this host, [A-Za-z0-9_.+-]",
    };

    /// <summary>The options of `create` and `run` (runc's).</summary>
    public sealed class CreateOptions
    {
        public Option<string> Bundle { get; } = new("--bundle", "-b")
        {
            Description = "path to the root of the bundle directory, defaults to the current directory",
            DefaultValueFactory = _ => ".",
        };

        public Option<string?> ConsoleSocket { get; } = new("--console-socket")
        {
            Description = "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal",
        };

        public Option<string?> PidFile { get; } = new("--pid-file") { Description = "specify the file to write the process id to" };

        public Option<bool> NoPivot { get; } = new("--no-pivot")
        {
            Description = "do not use pivot root to jail process inside rootfs (for a rootfs on ramfs)",
        };

        public Option<bool> NoNewKeyring { get; } = new("--no-new-keyring")
        {
            Description = "do not create a new session keyring for the container (runa never creates one)",
        };

        public Option<int> PreserveFds { get; } = new("--preserve-fds")
        {
            Description = "pass N additional file descriptors to the container (stdio + N in total: the caller's 3..3+N-1)",
        };

        public void AddTo(Command command)
        {
            foreach (var o in new Option[] { Bundle, ConsoleSocket, PidFile, NoPivot, NoNewKeyring, PreserveFds })
            {
                command.Options.Add(o);
            }
        }

        public Actors.Containers.CreateContainer Request(CommandContext ctx, string id, bool keepConsole)
        {
            var p = ctx.Parse;
            var listen = CommandContext.ListenFds();
            // Absolute, so that a daemon (another process, another cwd) finds the same bundle.
            return new Actors.Containers.CreateContainer(id, Path.GetFullPath(p.GetValue(Bundle)!))
            {
                Stdio = ctx.CallerStdio(listen + p.GetValue(PreserveFds)),
                ListenFds = listen,
                ConsoleSocket = p.GetValue(ConsoleSocket) is { } s ? Path.GetFullPath(s) : null,
                PidFile = p.GetValue(PidFile) is { } f ? Path.GetFullPath(f) : null,
                NoPivot = p.GetValue(NoPivot),
                KeepConsole = keepConsole,
            };
        }
    }
}

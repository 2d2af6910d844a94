using System.CommandLine;
using Runa.Actors.Containers;
using Runa.Host.Cli;

namespace Runa.Host.Commands;

/// <summary>
/// `runa exec`: run a new process in a created or running container, with runc's flags. In the
/// foreground it waits and exits with the process's status (signals passed on, a --tty relayed
/// as `run` does); detached it returns once the process runs. Any failure exits 255 with
/// "exec failed: …", as runc's does.
/// </summary>
public static class ExecCommand
{
    public const string Name = "exec";

    private const int FailureExitCode = 255;

    public static Command Build()
    {
        var command = new Command(Name, "execute new process inside the container");
        var id = ContainerArgs.Id();
        var args = new Argument<string[]>("command") { Arity = ArgumentArity.ZeroOrMore, Description = "the command and its arguments (everything after the container id)" };
        var process = new Option<string?>("--process", "-p") { Description = "path to the process.json (then the options that shape the process are ignored)" };
        var detach = new Option<bool>("--detach", "-d") { Description = "detach from the container's process" };
        var pidFile = new Option<string?>("--pid-file") { Description = "specify the file to write the process id to" };
        var tty = new Option<bool>("--tty", "-t") { Description = "allocate a pseudo-TTY" };
        var consoleSocket = new Option<string?>("--console-socket")
        {
            Description = "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal",
        };
        var cwd = new Option<string?>("--cwd") { Description = "current working directory in the container" };
        var env = new Option<string[]>("--env", "-e") { Description = "set environment variables (NAME=value; repeatable)" };
        var user = new Option<string?>("--user", "-u") { Description = "UID (format: <uid>[:<gid>])" };
        var gids = new Option<string[]>("--additional-gids", "-g") { Description = "additional gids (repeatable)" };
        var caps = new Option<string[]>("--cap", "-c") { Description = "add a capability to the bounding set for the process (repeatable)" };
        var noNewPrivs = new Option<bool>("--no-new-privs") { Description = "set the no new privileges value for the process" };
        var preserveFds = new Option<int>("--preserve-fds") { Description = "pass N additional file descriptors to the process (the caller's 3..3+N-1)" };
        var apparmor = new Option<string?>("--apparmor") { Description = "set the apparmor profile for the process (not supported)" };
        var processLabel = new Option<string?>("--process-label") { Description = "set the asm process label for the process (not supported)" };
        var cgroup = new Option<string?>("--cgroup") { Description = "run the process in a sub-cgroup (not supported)" };
        var ignorePaused = new Option<bool>("--ignore-paused") { Description = "allow exec in a paused container (not supported)" };
        command.Arguments.Add(id);
        command.Arguments.Add(args);
        foreach (var o in new Option[] { process, detach, pidFile, tty, consoleSocket, cwd, env, user, gids, caps, noNewPrivs, preserveFds, apparmor, processLabel, cgroup, ignorePaused })
        {
            command.Options.Add(o);
        }
        command.Handle(async ctx =>
        {
            var p = ctx.Parse;
            var name = p.GetValue(id)!;
            var foreground = !p.GetValue(detach);
            try
            {
                Unsupported(p.GetValue(apparmor) is { Length: > 0 }, "--apparmor (runa does not apply AppArmor profiles)");
                Unsupported(p.GetValue(processLabel) is { Length: > 0 }, "--process-label (runa does not apply SELinux labels)");
                Unsupported(p.GetValue(cgroup) is { Length: > 0 }, "--cgroup");
                Unsupported(p.GetValue(ignorePaused), "--ignore-paused");
                var (uid, gid) = ParseUser(p.GetValue(user));
                var request = new ExecInContainer(name)
                {
                    ProcessJson = ReadProcess(p.GetValue(process)),
                    Args = p.GetValue(args) ?? [],
                    Cwd = p.GetValue(cwd),
                    Env = p.GetValue(env),
                    Uid = uid,
                    Gid = gid,
                    AdditionalGids = ParseGids(p.GetValue(gids)),
                    Caps = p.GetValue(caps),
                    NoNewPrivileges = p.GetValue(noNewPrivs),
                    Tty = p.GetValue(tty),
                    ConsoleSocket = p.GetValue(consoleSocket) is { } s ? Path.GetFullPath(s) : null,
                    PidFile = p.GetValue(pidFile) is { } f ? Path.GetFullPath(f) : null,
                    Stdio = ctx.CallerStdio(p.GetValue(preserveFds)),
                    KeepConsole = foreground && p.GetValue(consoleSocket) is null,
                };
                if (!foreground)
                {
                    await ctx.Ask<ExecStartedReply>(request);
                    return 0;
                }
                // Signals are taken over before the process exists: one that comes while it starts
                // is passed on once it runs, instead of killing runa with the process left behind.
                using var signals = new SignalForwarder(ctx);
                var started = await ctx.Ask<ExecStartedReply>(request);
                signals.Target(started);
                return await Foreground(ctx, started);
            }
            catch (Exception e) when (e is not CliError { ExitCode: FailureExitCode })
            {
                var message = CliError.Describe(e);
                throw new CliError(message.StartsWith("exec failed", StringComparison.Ordinal) ? message : $"exec failed: {message}", FailureExitCode);
            }
        });
        return command;
    }

    private static async Task<int> Foreground(CommandContext ctx, ExecStartedReply started)
    {
        using var relay = started.Console is null ? null : new ConsoleRelay(started.Console);
        var exited = await ctx.Ask<ExecExitedReply>(new WaitExec(started.Id, started.Pid), Timeout.InfiniteTimeSpan);
        relay?.Drain(TimeSpan.FromSeconds(2));
        return exited.Status?.ShellCode ?? FailureExitCode;
    }

    /// <summary>Signals to a foreground exec, for its process; those that come before it runs wait for it.</summary>
    private sealed class SignalForwarder : IDisposable
    {
        private readonly CommandContext _ctx;
        private readonly ForwardedSignals _signals;
        private readonly List<int> _pending = [];
        private readonly Lock _gate = new();
        private ExecStartedReply? _target;

        public SignalForwarder(CommandContext ctx)
        {
            _ctx = ctx;
            _signals = new ForwardedSignals(OnSignal);
        }

        public void Target(ExecStartedReply started)
        {
            List<int> pending;
            lock (_gate)
            {
                _target = started;
                pending = [.. _pending];
                _pending.Clear();
            }
            foreach (var signal in pending)
            {
                Send(started, signal);
            }
        }

        private void OnSignal(int number)
        {
            ExecStartedReply? target;
            lock (_gate)
            {
                target = _target;
                if (target is null)
                {
                    _pending.Add(number);
                    return;
                }
            }
            Send(target, number);
        }

        private void Send(ExecStartedReply target, int signal) => _ = _ctx.Ask<Done>(new SignalExec(target.Id, target.Pid, signal));

        public void Dispose() => _signals.Dispose();
    }

    private static void Unsupported(bool given, string what)
    {
        if (given)
        {
            throw new CliError($"{what} is not supported");
        }
    }

    /// <summary>--user uid[:gid], numeric (a name would need the container's /etc/passwd).</summary>
    public static (uint? Uid, uint? Gid) ParseUser(string? text)
    {
        if (text is null)
        {
            return (null, null);
        }
        var parts = text.Split(':');
        if (parts.Length is < 1 or > 2 || !uint.TryParse(parts[0], out var uid) ||
            (parts.Length == 2 && !uint.TryParse(parts[1], out _)))
        {
            throw new CliError($"--user: \"{text}\" is not <uid>[:<gid>] (numbers; runa does not look up user names)");
        }
        return (uid, parts.Length == 2 ? uint.Parse(parts[1]) : null);
    }

    public static IReadOnlyList<uint>? ParseGids(string[]? values)
    {
        if (values is not { Length: > 0 })
        {
            return null;
        }
        var gids = new List<uint>();
        foreach (var g in values.SelectMany(v => v.Split(',')))
        {
            gids.Add(uint.TryParse(g, out var n) ? n : throw new CliError($"--additional-gids: \"{g}\" is not a gid (a number)"));
        }
        return gids;
    }

    /// <summary>--process FILE, read here: a daemon may not see the caller's files (or cwd).</summary>
    private static string? ReadProcess(string? path)
    {
        if (path is null)
        {
            return null;
        }
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"--process {path}: {e.Message}");
        }
    }

    /// <summary>
    /// runc (urfave/cli) stops reading flags at the first argument, so `runa exec ID sh -c 'x'`
    /// passes -c to sh. System.CommandLine reads flags anywhere: mark the end of our flags with
    /// "--" before the command, unless the caller already did.
    /// </summary>
    public static string[] SeparateCommand(Command root, string[] args)
    {
        Command current = root;
        var positionals = 0;
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                return args;
            }
            if (a.Length > 1 && a[0] == '-')
            {
                var name = a.Split('=', 2)[0];
                var option = current.Options.Concat(root.Options).FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));
                if (option is not null && !a.Contains('=') && option.ValueType != typeof(bool) && option.Arity.MaximumNumberOfValues > 0)
                {
                    i++;
                }
                continue;
            }
            if (current == root)
            {
                if (a != Name)
                {
                    return args;
                }
                current = root.Subcommands.First(c => c.Name == Name);
                continue;
            }
            if (++positionals == 2)
            {
                return [.. args[..i], "--", .. args[i..]];
            }
        }
        return args;
    }
}

using Runa.Runtime.Diagnostics;
using System.CommandLine;
using Runa.Actors.Containers;
using Runa.Runtime.Cgroups;
using Runa.Runtime.Interop;

namespace Runa.Host.Cli;

/// <summary>What every command gets: the global flags, the log, and (on demand) the runtime.</summary>
public sealed class CommandContext(ParseResult parse, CliLog log) : IAsyncDisposable
{
    private IRuntimeClient? _client;

    public ParseResult Parse { get; } = parse;

    public CliLog Log { get; } = log;

    public RuntimeSettings Settings { get; } = new()
    {
        Root = Path.GetFullPath(parse.GetValue(GlobalOptions.Root)!),
        Cgroups = new CgroupOptions { Parent = CgroupParentSetting.FromEnvironment() },
    };

    /// <summary>The daemon to talk to (--host, else $RUNA_HOST), or null for embedded mode.</summary>
    public string? HostAddress { get; } = parse.GetValue(GlobalOptions.Host) is { Length: > 0 } h ? h
        : Environment.GetEnvironmentVariable("RUNA_HOST") is { Length: > 0 } e ? e : null;

    /// <summary>True when commands go to a daemon: its containers are not our children and do not inherit our stdio.</summary>
    public bool IsRemote => HostAddress is not null;

    /// <summary>How long a command waits for its reply: create and delete may wait on the kernel.</summary>
    public TimeSpan Timeout => Settings.CreateTimeout + Settings.KillTimeout + TimeSpan.FromSeconds(15);

    /// <summary>The runtime: this process's own (embedded), or a connection to the daemon (client mode).</summary>
    public async Task<IRuntimeClient> ClientAsync() => _client ??= IsRemote
        ? await RemoteRuntime.ConnectAsync(HostAddress!, log: Log.Write, logLevel: Log.MinLevel)
        : EmbeddedRuntime.Start(Settings, Log);

    public Task<T> Ask<T>(object message) => Ask<T>(message, Timeout);

    public async Task<T> Ask<T>(object message, TimeSpan timeout)
    {
        var client = await ClientAsync();
        Trace.Mark($"ask {message.GetType().Name}");
        var reply = await client.Ask<T>(message, timeout);
        Trace.Mark($"reply {typeof(T).Name}");
        return reply;
    }

    /// <summary>
    /// The fds a container's process should get: null in embedded mode (it inherits our 0/1/2),
    /// our own 0/1/2 passed explicitly in client mode (the daemon's are not the caller's); with
    /// <paramref name="preserve"/> (--preserve-fds N), our 3..3+N-1 after them, in either mode.
    /// </summary>
    public IReadOnlyList<SafeFd>? CallerStdio(int preserve = 0)
    {
        if (preserve is < 0 or > Transport.Wire.MaxPreservedFds)
        {
            throw new CliError($"--preserve-fds: {preserve} is not between 0 and {Transport.Wire.MaxPreservedFds}");
        }
        if (!IsRemote && preserve == 0)
        {
            return null;
        }
        for (var fd = 3; fd < 3 + preserve; fd++)
        {
            if (!Path.Exists($"/proc/self/fd/{fd}"))
            {
                throw new CliError($"--preserve-fds {preserve}: fd {fd} is not open");
            }
        }
        return Enumerable.Range(0, 3 + preserve).Select(fd => new SafeFd(fd, ownsHandle: false)).ToList();
    }

    /// <summary>
    /// systemd socket activation: $LISTEN_FDS, when $LISTEN_PID names this process (else 0). Those
    /// fds sit at 3.. and go to a created container before any --preserve-fds, as runc passes them.
    /// </summary>
    public static int ListenFds()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("LISTEN_FDS"), out var n) || n <= 0 ||
            !int.TryParse(Environment.GetEnvironmentVariable("LISTEN_PID"), out var pid) || pid != Sys.GetPid())
        {
            return 0;
        }
        return n;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }
}

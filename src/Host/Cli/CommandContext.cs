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
    /// The stdio a container should get: null in embedded mode (it inherits ours), our own 0/1/2
    /// passed explicitly in client mode (the daemon's are not the caller's).
    /// </summary>
    public IReadOnlyList<SafeFd>? CallerStdio() => IsRemote
        ? [new SafeFd(0, ownsHandle: false), new SafeFd(1, ownsHandle: false), new SafeFd(2, ownsHandle: false)]
        : null;

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }
}

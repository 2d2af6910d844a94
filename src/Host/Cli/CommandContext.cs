using Runa.Runtime.Diagnostics;
using System.CommandLine;
using Runa.Actors.Containers;

namespace Runa.Host.Cli;

/// <summary>What every command gets: the global flags, the log, and (on demand) the runtime.</summary>
public sealed class CommandContext(ParseResult parse, CliLog log) : IAsyncDisposable
{
    private IRuntimeClient? _client;

    public ParseResult Parse { get; } = parse;

    public CliLog Log { get; } = log;

    public RuntimeSettings Settings { get; } = new() { Root = Path.GetFullPath(parse.GetValue(GlobalOptions.Root)!) };

    /// <summary>How long a command waits for its reply: create and delete may wait on the kernel.</summary>
    public TimeSpan Timeout => Settings.CreateTimeout + Settings.KillTimeout + TimeSpan.FromSeconds(15);

    public IRuntimeClient Client => _client ??= EmbeddedRuntime.Start(Settings, Log);

    public async Task<T> Ask<T>(object message)
    {
        var client = Client;
        Trace.Mark($"ask {message.GetType().Name}");
        var reply = await client.Ask<T>(message, Timeout);
        Trace.Mark($"reply {typeof(T).Name}");
        return reply;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }
}

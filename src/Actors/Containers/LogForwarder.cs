using System.Text;
using Runa.Kernel;
using Runa.Runtime.Interop;
using Runa.Runtime.Io;

namespace Runa.Actors.Containers;

/// <summary>
/// Forwards runa-init's log pipe ("&lt;level&gt; &lt;text&gt;" lines) to the host's logging.
/// Logs are best effort: a failure restarts this actor, and EOF (runa-init closed the pipe
/// before exec) stops it.
/// </summary>
public sealed class LogForwarder : ReceiveActor
{
    private readonly SafeFd _pipe;
    private readonly string _containerId;
    private readonly StringBuilder _partial = new();
    private IDisposable? _watch;

    public LogForwarder(SafeFd pipe, string containerId)
    {
        _pipe = pipe;
        _containerId = containerId;
        Receive<LogChunk>(OnChunk);
    }

    protected override void PreStart()
    {
        var self = Self;
        var buffer = new byte[8192];
        try
        {
            Sys.SetNonBlocking(_pipe, true);
            _watch = EpollLoop.Shared.Watch(_pipe, () => Drain(self, buffer));
        }
        catch (Exception e) when (e is not LogForwardingException)
        {
            throw new LogForwardingException($"forward runa-init's log: {e.Message}", e);
        }
    }

    private void Drain(IActorRef self, byte[] buffer)
    {
        {
            while (true)
            {
                var n = Sys.Read(_pipe, buffer, "runa-init log pipe");
                if (n < 0)
                {
                    return;
                }
                self.Tell(new LogChunk(n == 0 ? null : Encoding.UTF8.GetString(buffer, 0, n)));
                if (n == 0)
                {
                    _watch?.Dispose();
                    return;
                }
            }
        }
    }

    /// <summary>A restart keeps the pipe: the next instance forwards from the same one.</summary>
    protected override void PreRestart(Exception reason, object? message)
    {
        _watch?.Dispose();
        _watch = null;
    }

    private void OnChunk(LogChunk chunk)
    {
        try
        {
            Forward(chunk);
        }
        catch (Exception e) when (e is not LogForwardingException)
        {
            throw new LogForwardingException($"forward runa-init's log: {e.Message}", e);
        }
    }

    private void Forward(LogChunk chunk)
    {
        var log = Context.GetLogger();
        if (chunk.Text is null)
        {
            Flush(log, _partial.ToString());
            Context.Stop(Self);
            return;
        }
        _partial.Append(chunk.Text);
        var text = _partial.ToString();
        var last = text.LastIndexOf('\n');
        if (last < 0)
        {
            return;
        }
        foreach (var line in text[..last].Split('\n'))
        {
            Flush(log, line);
        }
        _partial.Clear().Append(text[(last + 1)..]);
    }

    private void Flush(ILoggingAdapter log, string line)
    {
        if (line.Length == 0)
        {
            return;
        }
        var space = line.IndexOf(' ');
        var (level, text) = space > 0 ? (line[..space], line[(space + 1)..]) : ("info", line);
        var message = $"container {_containerId}: runa-init: {text}";
        switch (level)
        {
            case "error":
                // The same error reaches the host as an ERROR packet and becomes the command's own
                // error message: printed here too, the user would read it twice.
                log.Debug(message);
                break;
            case "warning":
                log.Warning(message);
                break;
            case "info":
                log.Info(message);
                break;
            default:
                log.Debug(message);
                break;
        }
    }

    protected override void PostStop()
    {
        _watch?.Dispose();
        _pipe.Dispose();
    }

    private sealed record LogChunk(string? Text);
}

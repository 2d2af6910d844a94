using System.Text;
using System.Text.Json;
using Runa.Kernel;

namespace Runa.Host.Cli;

/// <summary>
/// The CLI's log: --log FILE (else stderr), --log-format text|json, --debug. Engines (podman,
/// containerd) read a failed command's error from the --log file as JSON lines
/// {"level":"error","msg":"…","time":"…"}, as runc writes them.
/// </summary>
public sealed class CliLog : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Stream? _file;
    private readonly bool _json;

    public CliLog(string? path, string format, bool debug)
    {
        _json = format == "json";
        MinLevel = debug ? LogLevel.Debug : LogLevel.Warning;
        if (!string.IsNullOrEmpty(path))
        {
            _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.WriteThrough);
        }
    }

    public LogLevel MinLevel { get; }

    /// <summary>True when log lines go to a file (so errors must also reach stderr).</summary>
    public bool ToFile => _file is not null;

    public void Debug(string message) => Write(LogLevel.Debug, message);

    public void Warning(string message) => Write(LogLevel.Warning, message);

    public void Error(string message) => Write(LogLevel.Error, message);

    /// <summary>The sink for the actor system's log events.</summary>
    public void Sink(LogEvent e) => Write(e.Level, e.Cause is null ? e.Message : $"{e.Message}: {e.Cause.Message}");

    public void Write(LogLevel level, string message)
    {
        if (level < MinLevel)
        {
            return;
        }
        var name = level switch
        {
            LogLevel.Debug => "debug",
            LogLevel.Info => "info",
            LogLevel.Warning => "warning",
            _ => "error",
        };
        var time = DateTimeOffset.Now.ToString("yyyy-MM-ddTHH:mm:ss.fffffffzzz");
        string line;
        if (_json)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("level", name);
                w.WriteString("msg", message);
                w.WriteString("time", time);
                w.WriteEndObject();
            }
            line = Encoding.UTF8.GetString(buffer.ToArray());
        }
        else
        {
            line = $"time=\"{time}\" level={name} msg=\"{message.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"";
        }
        lock (_gate)
        {
            if (_file is not null)
            {
                var bytes = Encoding.UTF8.GetBytes(line + "\n");
                _file.Write(bytes);
            }
            else
            {
                Console.Error.WriteLine(line);
            }
        }
    }

    public void Dispose() => _file?.Dispose();
}

using System.Globalization;
using System.Text;

namespace Runa.Kernel.Internal;

/// <summary>INTERNAL API. The adapter handed out by <see cref="Logging"/>: filters by level, formats, publishes.</summary>
internal sealed class LoggingAdapter(ActorSystem system, string logSource, Type logClass) : ILoggingAdapter
{
    public bool IsDebugEnabled => IsEnabled(LogLevel.Debug);

    public bool IsInfoEnabled => IsEnabled(LogLevel.Info);

    public bool IsWarningEnabled => IsEnabled(LogLevel.Warning);

    public bool IsErrorEnabled => IsEnabled(LogLevel.Error);

    public bool IsEnabled(LogLevel level) => level >= system.Settings.LogLevel;

    public void Log(LogLevel level, Exception? cause, string format, params object?[] args)
    {
        if (IsEnabled(level))
        {
            system.PublishLog(new LogEvent(level, logSource, logClass, Format(format, args), cause));
        }
    }

    public void Debug(string format, params object?[] args) => Log(LogLevel.Debug, null, format, args);

    public void Debug(Exception cause, string format, params object?[] args) => Log(LogLevel.Debug, cause, format, args);

    public void Info(string format, params object?[] args) => Log(LogLevel.Info, null, format, args);

    public void Info(Exception cause, string format, params object?[] args) => Log(LogLevel.Info, cause, format, args);

    public void Warning(string format, params object?[] args) => Log(LogLevel.Warning, null, format, args);

    public void Warning(Exception cause, string format, params object?[] args) => Log(LogLevel.Warning, cause, format, args);

    public void Error(string format, params object?[] args) => Log(LogLevel.Error, null, format, args);

    public void Error(Exception cause, string format, params object?[] args) => Log(LogLevel.Error, cause, format, args);

    /// <summary>
    /// Fills <c>{0}</c>-style holes by index and <c>{Name}</c>-style holes by their position among the holes;
    /// <c>{{</c>/<c>}}</c> escape braces; <c>{0:X}</c> applies a format. Unfillable holes stay as written.
    /// </summary>
    internal static string Format(string format, object?[]? args)
    {
        if (args is null || args.Length == 0 || format.IndexOf('{') < 0)
        {
            return format;
        }

        var sb = new StringBuilder(format.Length + 16 * args.Length);
        int next = 0;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c == '{' && i + 1 < format.Length && format[i + 1] == '{')
            {
                sb.Append('{');
                i++;
                continue;
            }

            if (c == '}' && i + 1 < format.Length && format[i + 1] == '}')
            {
                sb.Append('}');
                i++;
                continue;
            }

            int close = c == '{' ? format.IndexOf('}', i + 1) : -1;
            if (close < 0)
            {
                sb.Append(c);
                continue;
            }

            string hole = format.Substring(i + 1, close - i - 1);
            string? spec = null;
            int colon = hole.IndexOf(':');
            if (colon >= 0)
            {
                spec = hole[(colon + 1)..];
                hole = hole[..colon];
            }

            // Numbered holes use their number; named holes take the argument at their position among all holes.
            int position = next++;
            int index = int.TryParse(hole, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : position;
            if (index < args.Length)
            {
                object? value = args[index];
                sb.Append(value is IFormattable f && spec is not null ? f.ToString(spec, CultureInfo.InvariantCulture) : value?.ToString() ?? "null");
            }
            else
            {
                sb.Append(format, i, close - i + 1);
            }

            i = close;
        }

        return sb.ToString();
    }
}

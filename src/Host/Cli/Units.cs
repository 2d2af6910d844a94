using System.Globalization;

namespace Runa.Host.Cli;

/// <summary>Parsing of human sizes ("64m", "1G") and Go-style durations ("5s", "100ms"), as runc's flags take them.</summary>
public static class Units
{
    /// <summary>Bytes from "1024", "64k", "64m", "1g" (binary multiples); -1 passes through as unlimited.</summary>
    public static long ParseBytes(string text, string flag)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t == "-1")
        {
            return -1;
        }
        var suffix = t.TrimEnd('b').LastOrDefault();
        long multiplier = suffix switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, 't' => 1L << 40, _ => 1 };
        var number = multiplier == 1 ? t.TrimEnd('b') : t.TrimEnd('b')[..^1];
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            throw new CliError($"invalid value for {flag}: \"{text}\" (a size in bytes, e.g. 67108864 or 64m; -1 for unlimited)");
        }
        return (long)(value * multiplier);
    }

    public static long ParseInt(string text, string flag, long min = long.MinValue, long max = long.MaxValue)
    {
        if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
        {
            var expected = max != long.MaxValue ? $"an integer from {min} to {max}" : min >= 0 ? "a non-negative integer" : "an integer";
            throw new CliError($"invalid value for {flag}: \"{text}\" ({expected})");
        }
        return v;
    }

    /// <summary>A Go duration: a sequence of number+unit (h, m, s, ms, us, µs, ns).</summary>
    public static TimeSpan ParseDuration(string text, string flag)
    {
        var t = text.Trim();
        var total = 0.0;
        var i = 0;
        if (t.Length == 0)
        {
            throw Bad();
        }
        while (i < t.Length)
        {
            var start = i;
            while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.'))
            {
                i++;
            }
            if (start == i || !double.TryParse(t[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            {
                throw Bad();
            }
            var unitStart = i;
            while (i < t.Length && !char.IsAsciiDigit(t[i]) && t[i] != '.')
            {
                i++;
            }
            total += t[unitStart..i] switch
            {
                "h" => n * 3600e3,
                "m" => n * 60e3,
                "s" => n * 1e3,
                "ms" => n,
                "us" or "µs" => n / 1e3,
                "ns" => n / 1e6,
                _ => throw Bad(),
            };
        }
        return total > 0 ? TimeSpan.FromMilliseconds(total) : throw Bad();

        CliError Bad() => new($"invalid value for {flag}: \"{text}\" (a duration such as 5s, 500ms or 1m)");
    }
}

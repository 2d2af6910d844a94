using System.Globalization;

namespace Runa.Runtime.Cgroups;

/// <summary>Parsers for the formats of cgroup control files.</summary>
internal static class CgroupParse
{
    /// <summary>A number, "max" → ulong.MaxValue; negative values (v1 "-1") → ulong.MaxValue.</summary>
    public static ulong ULong(string text, string source)
    {
        var t = text.Trim();
        if (t == "max")
        {
            return ulong.MaxValue;
        }
        if (ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
        {
            return v;
        }
        if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s) && s < 0)
        {
            return ulong.MaxValue;
        }
        throw new FormatException($"{source}: cannot parse {CgroupErrors.Quote(text)} as a number");
    }

    /// <summary>"key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control) → map.</summary>
    public static Dictionary<string, ulong> KeyValues(string text, string source)
    {
        var result = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var space = line.IndexOf(' ');
            if (space <= 0)
            {
                throw new FormatException($"{source}: malformed line {CgroupErrors.Quote(line)}");
            }
            result[line[..space]] = ULong(line[(space + 1)..], source);
        }
        return result;
    }

    /// <summary>cgroup.procs: one pid a line.</summary>
    public static List<int> Pids(string text, string source)
    {
        var pids = new List<int>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                throw new FormatException($"{source}: malformed pid {CgroupErrors.Quote(line)}");
            }
            pids.Add(pid);
        }
        return pids;
    }

    /// <summary>Space-separated numbers (cpuacct.usage_percpu).</summary>
    public static List<ulong> Numbers(string text, string source) =>
        text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(s => ULong(s, source)).ToList();

    /// <summary>The decimal form written to control files.</summary>
    public static string Str(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The decimal form written to control files.</summary>
    public static string Str(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}

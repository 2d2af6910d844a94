using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Runa.Runtime.Cgroups;

/// <summary>
/// The kernel's list format for CPUs and memory nodes ("0-3,8,10-15", also the stride form
/// "0-15:2/4" that bitmap_parselist accepts), used by cpuset.cpus, cpuset.mems and
/// /sys/devices/system/{cpu,node}/online.
/// </summary>
public static class CpuList
{
    /// <summary>Upper bound on ids Runa accepts (the kernel's NR_CPUS is at most 8192).</summary>
    public const int MaxId = 8191;

    /// <summary>Parses a list; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string text, [MaybeNullWhen(false)] out SortedSet<int> ids, [MaybeNullWhen(true)] out string error)
    {
        ids = new SortedSet<int>();
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            error = "is empty";
            ids = null;
            return false;
        }
        foreach (var rawItem in trimmed.Split(','))
        {
            var item = rawItem.Trim();
            if (!TryParseItem(item, ids, out error))
            {
                ids = null;
                return false;
            }
        }
        error = null;
        return true;
    }

    /// <summary>Parses a list the kernel wrote (an empty file means no ids).</summary>
    public static SortedSet<int> ParseKernel(string text, string source)
    {
        if (text.Trim().Length == 0)
        {
            return new SortedSet<int>();
        }
        if (!TryParse(text, out var ids, out var error))
        {
            throw new FormatException($"{source}: cannot parse {CgroupErrors.Quote(text)}: {error}");
        }
        return ids;
    }

    /// <summary>Formats ids as the kernel does: "0-3,5".</summary>
    public static string Format(IEnumerable<int> ids)
    {
        var parts = new List<string>();
        int? start = null;
        var previous = -2;
        foreach (var id in ids.Order())
        {
            if (start is not null && id == previous + 1)
            {
                previous = id;
                continue;
            }
            if (start is not null)
            {
                parts.Add(start == previous ? $"{start}" : $"{start}-{previous}");
            }
            start = id;
            previous = id;
        }
        if (start is not null)
        {
            parts.Add(start == previous ? $"{start}" : $"{start}-{previous}");
        }
        return string.Join(',', parts);
    }

    private static bool TryParseItem(string item, SortedSet<int> ids, [MaybeNullWhen(true)] out string error)
    {
        if (item.Length == 0)
        {
            error = "has an empty element";
            return false;
        }
        var range = item;
        int used = 1, group = 1;
        var colon = item.IndexOf(':');
        if (colon >= 0)
        {
            range = item[..colon];
            var stride = item[(colon + 1)..].Split('/');
            if (stride.Length != 2 || !TryId(stride[0], out used) || !TryId(stride[1], out group) || used == 0 || group == 0 || used > group)
            {
                error = $"has a malformed stride in {CgroupErrors.Quote(item)} (expected first-last:used/group)";
                return false;
            }
        }
        var dash = range.IndexOf('-');
        int first, last;
        if (dash < 0)
        {
            if (colon >= 0 || !TryId(range, out first))
            {
                error = $"has a malformed element {CgroupErrors.Quote(item)}";
                return false;
            }
            last = first;
        }
        else if (!TryId(range[..dash], out first) || !TryId(range[(dash + 1)..], out last))
        {
            error = $"has a malformed range {CgroupErrors.Quote(item)}";
            return false;
        }
        if (first > last)
        {
            error = $"has a descending range {CgroupErrors.Quote(item)}";
            return false;
        }
        if (last > MaxId)
        {
            error = $"names id {last}, beyond any machine ({MaxId})";
            return false;
        }
        for (var start = first; start <= last; start += group)
        {
            for (var id = start; id < start + used && id <= last; id++)
            {
                ids.Add(id);
            }
        }
        error = null;
        return true;
    }

    private static bool TryId(string s, out int value)
    {
        value = 0;
        return s.Length > 0 && s.All(char.IsAsciiDigit) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Runa.Runtime.Cgroups;

/// <summary>
/// Huge page size names. The hugetlb controller names its files after the page size the way
/// mm/hugetlb_cgroup.c prints it ("hugetlb.2MB.limit_in_bytes", "hugetlb.1GB.max"): size ≥ 1 GiB
/// in GB, ≥ 1 MiB in MB, else KB. OCI pageSize uses the same names.
/// </summary>
public static class HugePageSize
{
    /// <summary>"hugepages-2048kB" (a directory of /sys/kernel/mm/hugepages) → "2MB".</summary>
    public static bool TryFromSysfsName(string directoryName, [MaybeNullWhen(false)] out string name)
    {
        name = null;
        if (!directoryName.StartsWith("hugepages-", StringComparison.Ordinal) || !directoryName.EndsWith("kB", StringComparison.Ordinal))
        {
            return false;
        }
        var digits = directoryName["hugepages-".Length..^2];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) || kb <= 0)
        {
            return false;
        }
        name = FromKilobytes(kb);
        return true;
    }

    /// <summary>A size in KiB → the kernel's file-name form.</summary>
    public static string FromKilobytes(long kb) => kb >= 1 << 20 ? $"{kb >> 20}GB" : kb >= 1 << 10 ? $"{kb >> 10}MB" : $"{kb}KB";

    /// <summary>True for "&lt;digits&gt;KB|MB|GB" (the only shape that can name a hugetlb file).</summary>
    public static bool IsWellFormed(string pageSize) =>
        pageSize.Length > 2
        && (pageSize.EndsWith("KB", StringComparison.Ordinal) || pageSize.EndsWith("MB", StringComparison.Ordinal) || pageSize.EndsWith("GB", StringComparison.Ordinal))
        && pageSize[..^2].All(char.IsAsciiDigit)
        && pageSize[0] != '0';
}

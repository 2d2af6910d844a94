namespace Runa.Runtime.Cgroups;

/// <summary>
/// The v1 → v2 value conversions runc (opencontainers/cgroups utils.go) applies, so a config
/// written for v1 (the OCI spec's vocabulary) means the same on v2.
/// </summary>
public static class CgroupConversions
{
    /// <summary>cpu.weight for cpu.shares. Shares span [2, 262144] (default 1024), weight [1, 10000]
    /// (default 100); runc maps them on a quadratic curve in log2(shares) through the minimum, the
    /// default and the maximum (1024 → 100). 0 means unset.</summary>
    public static ulong CpuSharesToWeight(ulong shares)
    {
        if (shares == 0)
        {
            return 0;
        }
        if (shares <= 2)
        {
            return 1;
        }
        if (shares >= 262144)
        {
            return 10000;
        }
        var l = Math.Log2(shares);
        var exponent = ((l * l) + (125 * l)) / 612.0 - 7.0 / 34.0;
        return (ulong)Math.Ceiling(Math.Pow(10, exponent));
    }

    /// <summary>io.weight for a blkio weight: linear from [10, 1000] to [1, 10000]. 0 means unset.</summary>
    public static ulong BlkioWeightToIoWeight(ushort weight) => weight == 0 ? 0 : 1 + ((ulong)weight - 10) * 9999 / 990;

    /// <summary>
    /// memory.swap.max for OCI memory.swap, which is memory+swap combined on v1 while v2 limits swap
    /// alone: swap - limit. -1 means "max"; 0 means unset; an unlimited memory limit with no swap
    /// given means unlimited swap too (v1 compatibility). Returns null for "leave unset".
    /// </summary>
    /// <exception cref="InvalidCgroupConfigException">swap without a limit, or swap below the limit.</exception>
    public static long? MemorySwapToV2(long? swap, long? limit)
    {
        var s = swap ?? 0;
        var m = limit ?? 0;
        if (m == -1 && s == 0)
        {
            return -1;
        }
        if (s == -1)
        {
            return -1;
        }
        if (s == 0)
        {
            return null;
        }
        if (m == -1)
        {
            return s;
        }
        if (m == 0)
        {
            throw new InvalidCgroupConfigException("linux.resources.memory.swap",
                "on cgroup v2 a swap limit needs linux.resources.memory.limit too (v2 limits swap alone: swap - limit)");
        }
        if (s < m)
        {
            throw new InvalidCgroupConfigException("linux.resources.memory.swap",
                $"{s} is below linux.resources.memory.limit {m} (swap is memory+swap)");
        }
        return s - m;
    }

    /// <summary>A v2 limit: -1 → "max", otherwise the number.</summary>
    public static string V2Limit(long value) => value == -1 ? "max" : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

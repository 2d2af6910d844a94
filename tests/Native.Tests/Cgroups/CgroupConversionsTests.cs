using Runa.Runtime.Cgroups;
using Xunit;

namespace Runa.Native.Tests.Cgroups;

/// <summary>runc's v1 → v2 conversions (values from opencontainers/cgroups utils_test.go where it has them).</summary>
public sealed class CgroupConversionsTests
{
    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(1UL, 1UL)]
    [InlineData(2UL, 1UL)]
    [InlineData(3UL, 2UL)]
    [InlineData(1024UL, 100UL)]
    [InlineData(262143UL, 10000UL)]
    [InlineData(262144UL, 10000UL)]
    [InlineData(262145UL, 10000UL)]
    public void Cpu_shares_to_weight(ulong shares, ulong weight) => Assert.Equal(weight, CgroupConversions.CpuSharesToWeight(shares));

    [Fact]
    public void Cpu_shares_to_weight_is_monotonic()
    {
        ulong previous = 0;
        for (ulong shares = 2; shares <= 262144; shares += 97)
        {
            var weight = CgroupConversions.CpuSharesToWeight(shares);
            Assert.InRange(weight, previous, 10000UL);
            previous = weight;
        }
    }

    [Theory]
    [InlineData((ushort)0, 0UL)]
    [InlineData((ushort)10, 1UL)]
    [InlineData((ushort)500, 4950UL)]
    [InlineData((ushort)1000, 10000UL)]
    public void Blkio_weight_to_io_weight(ushort blkio, ulong io) => Assert.Equal(io, CgroupConversions.BlkioWeightToIoWeight(blkio));

    [Theory]
    [InlineData(null, null, null)]
    [InlineData(0L, 0L, null)]
    [InlineData(-1L, 0L, -1L)]        // unlimited memory+swap, unset memory
    [InlineData(300L, -1L, 300L)]     // unlimited memory: swap as is
    [InlineData(-1L, -1L, -1L)]
    [InlineData(null, -1L, -1L)]      // unlimited memory, swap unset: unlimited swap too
    [InlineData(300L, 200L, 100L)]
    [InlineData(200L, 200L, 0L)]      // memory+swap == memory: no swap
    public void Memory_swap_to_v2(long? swap, long? limit, long? expected) => Assert.Equal(expected, CgroupConversions.MemorySwapToV2(swap, limit));

    [Theory]
    [InlineData(300L, 0L)]
    [InlineData(100L, 200L)]
    public void Memory_swap_to_v2_errors(long swap, long limit) =>
        Assert.Throws<InvalidCgroupConfigException>(() => CgroupConversions.MemorySwapToV2(swap, limit));

    [Theory]
    [InlineData("0-3,5,7-8", new[] { 0, 1, 2, 3, 5, 7, 8 })]
    [InlineData("0-9:2/5", new[] { 0, 1, 5, 6 })]
    [InlineData("4\n", new[] { 4 })]
    public void Cpu_lists_parse_and_format(string text, int[] ids)
    {
        Assert.True(CpuList.TryParse(text, out var parsed, out _));
        Assert.Equal(ids, parsed);
        Assert.Equal(ids, CpuList.ParseKernel(CpuList.Format(ids), "test"));
    }

    [Theory]
    [InlineData("hugepages-2048kB", "2MB")]
    [InlineData("hugepages-1048576kB", "1GB")]
    [InlineData("hugepages-64kB", "64KB")]
    [InlineData("hugepages-32768kB", "32MB")]
    public void Huge_page_sizes_are_named_like_the_kernel(string dir, string name)
    {
        Assert.True(HugePageSize.TryFromSysfsName(dir, out var n));
        Assert.Equal(name, n);
    }
}

using Runa.Kernel;
using Xunit;

namespace Runa.Kernel.Tests;

public sealed class ActorSystemSettingsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_throughput_below_one_is_rejected_naming_the_setting(int throughput)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(
            () => ActorSystem.Create("bad-throughput", new ActorSystemSettings { Throughput = throughput }));
        Assert.Equal("settings", e.ParamName);
        Assert.Equal(throughput, e.ActualValue);
        Assert.Contains("Throughput must be at least 1", e.Message);
    }

    [Fact]
    public void A_throughput_of_one_is_accepted()
    {
        using var system = ActorSystem.Create("one-by-one", new ActorSystemSettings { Throughput = 1 });
        Assert.Equal(1, system.Settings.Throughput);
    }
}

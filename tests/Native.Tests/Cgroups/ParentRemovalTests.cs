using Runa.Runtime.Cgroups;
using Runa.Tests;
using Xunit;

namespace Runa.Native.Tests.Cgroups;

/// <summary>Runa's own parent cgroup goes once the last container under it is destroyed, whichever created it.</summary>
public sealed class ParentRemovalTests
{
    [IntegrationFact]
    public async Task The_parent_goes_with_the_last_of_overlapping_containers()
    {
        await using var sb = new CgroupSandbox();
        var options = sb.Options with { RemoveEmptyParent = true };
        var first = sb.Manager("first", options: options);
        var second = sb.Manager("second", options: options);
        first.Create();
        second.Create();

        // The first container created the parent but is destroyed while the second still uses it.
        await first.DestroyAsync();
        Assert.True(Directory.Exists(sb.Dir("memory")), "the parent went while a container was still in it");
        await second.DestroyAsync();
        Assert.False(Directory.Exists(sb.Dir("memory")), "the parent outlived its last container");
        Assert.Empty(sb.Leftovers());
    }

    [IntegrationFact]
    public async Task A_configured_parent_stays_by_default()
    {
        await using var sb = new CgroupSandbox();
        var manager = sb.Manager("only");
        Directory.CreateDirectory(sb.Dir("memory"));
        manager.Create();
        await manager.DestroyAsync();
        Assert.True(Directory.Exists(sb.Dir("memory")), "an administrator's parent was removed");
    }
}

using Runa.Runtime.Cgroups;
using Xunit;

namespace Runa.Native.Tests.Cgroups;

public sealed class CgroupPathResolverTests
{
    [Theory]
    [InlineData("abc", null, "/runa", "/runa/abc")]
    [InlineData("abc", "", "/runa", "/runa/abc")]
    [InlineData("abc", "/machine/ctr1", "/runa", "/machine/ctr1")]
    [InlineData("abc", "pods/ctr1", "/runa", "/runa/pods/ctr1")]
    [InlineData("abc", "//a/./b//", "/runa", "/a/b")]
    [InlineData("abc", "x", "/", "/x")]
    [InlineData("abc", null, "/kubepods/burstable/", "/kubepods/burstable/abc")]
    public void Resolves(string id, string? cgroupsPath, string parent, string expected) =>
        Assert.Equal(expected, CgroupPathResolver.Resolve(id, cgroupsPath, parent));

    [Theory]
    [InlineData("../escape")]
    [InlineData("/runa/../../etc")]
    [InlineData("a/../b")]
    [InlineData("/..")]
    public void Rejects_dot_dot_naming_linux_cgroupsPath(string path)
    {
        var e = Assert.Throws<InvalidCgroupConfigException>(() => CgroupPathResolver.Resolve("abc", path));
        var error = Assert.Single(e.Errors);
        Assert.Equal("linux.cgroupsPath", error.Field);
        Assert.Contains("\"..\"", error.Message);
        Assert.StartsWith("linux.cgroupsPath: ", e.Message);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/./")]
    public void Rejects_the_root_cgroup(string path)
    {
        var e = Assert.Throws<InvalidCgroupConfigException>(() => CgroupPathResolver.Resolve("abc", path));
        Assert.Contains("root cgroup", e.Message);
    }

    [Fact]
    public void Rejects_a_systemd_slice_path_clearly()
    {
        var e = Assert.Throws<InvalidCgroupConfigException>(() => CgroupPathResolver.Resolve("abc", "system.slice:runa:abc"));
        Assert.Contains("systemd", e.Message);
    }

    [Fact]
    public void Rejects_ids_and_parents_that_would_escape()
    {
        Assert.Throws<InvalidCgroupConfigException>(() => CgroupPathResolver.Resolve("a/b", null));
        Assert.Throws<InvalidCgroupConfigException>(() => CgroupPathResolver.Resolve("..", null));
        Assert.Throws<InvalidCgroupConfigException>(() => CgroupPathResolver.Resolve("abc", "x", "/runa/.."));
    }
}

using Runa.Runtime.Cgroups;
using Runa.Runtime.Oci;
using Xunit;

namespace Runa.Native.Tests.Cgroups;

/// <summary>The v1 devices-controller model: rule evaluation, transitions, devices.list parsing.</summary>
public sealed class DeviceRuleSetTests
{
    private static DeviceRuleSet Build(params DeviceCgroupRule[] rules)
    {
        var errors = new List<CgroupConfigError>();
        var set = DeviceRuleSet.FromOci(rules, errors);
        Assert.Empty(errors);
        return set;
    }

    private static DeviceCgroupRule Allow(string type, long? major, long? minor, string access) =>
        new() { Allow = true, Type = type, Major = major, Minor = minor, Access = access };

    private static DeviceCgroupRule Deny(string type, long? major, long? minor, string access) =>
        new() { Allow = false, Type = type, Major = major, Minor = minor, Access = access };

    [Fact]
    public void Rules_start_from_deny_all()
    {
        var set = Build(Allow("c", 1, 3, "rw"));
        Assert.False(set.DefaultAllow);
        Assert.Equal(["c 1:3 rw"], set.Exceptions.Select(kv => DeviceRuleSet.Format(kv.Key, kv.Value)));
        Assert.Equal([("devices.deny", "a *:* rwm"), ("devices.allow", "c 1:3 rw")], set.TransitionFrom(DeviceRuleSet.FromDevicesList("a *:* rwm\n")));
    }

    [Fact]
    public void A_wildcard_rule_resets_and_later_rules_refine()
    {
        var set = Build(Allow("c", 1, 3, "rwm"), Allow(null!, null, null, "rwm"), Deny("b", 8, null, "w"), Deny("b", 8, null, "r"));
        Assert.True(set.DefaultAllow);
        Assert.Equal(["b 8:* rw"], set.Exceptions.Select(kv => DeviceRuleSet.Format(kv.Key, kv.Value)));
    }

    [Fact]
    public void Allow_merges_access_and_deny_removes_it()
    {
        var set = Build(Deny(null!, null, null, "rwm"), Allow("c", 1, 5, "r"), Allow("c", 1, 5, "w"), Allow("c", 1, 9, "rwm"), Deny("c", 1, 9, "rwm"), Deny("c", 1, 5, "w"));
        Assert.Equal(["c 1:5 r"], set.Exceptions.Select(kv => DeviceRuleSet.Format(kv.Key, kv.Value)));
    }

    [Fact]
    public void An_update_between_whitelists_writes_only_the_difference()
    {
        var current = DeviceRuleSet.FromDevicesList("c 1:3 rwm\nc 1:5 rwm\nc 136:* rwm\n");
        var target = Build(Deny(null!, null, null, "rwm"), Allow("c", 1, 3, "rwm"), Allow("c", 1, 5, "r"), Allow("c", 10, 200, "rwm"));

        var writes = target.TransitionFrom(current);

        Assert.Equal(
            [("devices.deny", "c 1:5 wm"), ("devices.deny", "c 136:* rwm"), ("devices.allow", "c 10:200 rwm")],
            writes);
        Assert.DoesNotContain(writes, w => w.Rule == "a *:* rwm");
    }

    [Fact]
    public void Unchanged_rules_write_nothing()
    {
        var target = Build(Allow("c", 1, 3, "rwm"));
        Assert.Empty(target.TransitionFrom(DeviceRuleSet.FromDevicesList("c 1:3 rwm\n")));
        Assert.True(target.Matches(DeviceRuleSet.FromDevicesList("c 1:3 rwm\n")));
        Assert.False(target.Matches(DeviceRuleSet.FromDevicesList("c 1:3 rw\n")));
    }

    [Fact]
    public void Leaving_a_blacklist_always_resets_because_its_exceptions_are_invisible()
    {
        var allowAll = Build(Allow(null!, null, null, "rwm"));
        Assert.True(allowAll.IsAllowAll);
        Assert.Equal([("devices.allow", "a *:* rwm")], allowAll.TransitionFrom(DeviceRuleSet.FromDevicesList("a *:* rwm\n")));
        Assert.Equal([("devices.allow", "a *:* rwm")], allowAll.TransitionFrom(DeviceRuleSet.FromDevicesList("c 1:3 rwm\n")));
    }

    [Fact]
    public void Malformed_devices_list_is_an_error()
    {
        Assert.Throws<FormatException>(() => DeviceRuleSet.FromDevicesList("c 1:3\n"));
        Assert.Throws<FormatException>(() => DeviceRuleSet.FromDevicesList("c 1:3 rwx\n"));
    }
}

using Runa.Host.Daemon;
using Xunit;

namespace Runa.Host.Tests;

/// <summary>Where the daemon's settings come from. Not parallel with anything reading RUNA_* (it sets some).</summary>
[Collection(nameof(EnvironmentCollection))]
public sealed class DaemonSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("runa-config-").FullName;

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("RUNA_GROUP", null);
        Environment.SetEnvironmentVariable("RUNA_TIMEOUTS__KILLSECONDS", null);
        Environment.SetEnvironmentVariable("RUNA_CGROUP_PARENT", null);
        Directory.Delete(_dir, recursive: true);
    }

    private string File(string name, string json)
    {
        var path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void The_shipped_config_file_holds_the_defaults()
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "config", "runa.json");
        Assert.True(System.IO.File.Exists(shipped), "config/runa.json is not copied next to the binary");
        var s = DaemonSettings.From(DaemonCommand.Configuration(shipped, File("empty.json", "{}"), new Dictionary<string, string?>()));
        Assert.Equal(new DaemonSettings(), s);
    }

    [Fact]
    public void Flags_win_over_the_environment_which_wins_over_the_files()
    {
        var defaults = File("defaults.json", """{ "Root": "/run/a", "Socket": "/run/a/a.sock", "Group": "g1", "LogLevel": "Warning", "Timeouts": { "CreateSeconds": 5, "KillSeconds": 6 } }""");
        var etc = File("etc.json", """{ "Socket": "/run/b/b.sock", "Group": "g2", "Timeouts": { "KillSeconds": 7 } }""");
        Environment.SetEnvironmentVariable("RUNA_GROUP", "g3");
        Environment.SetEnvironmentVariable("RUNA_TIMEOUTS__KILLSECONDS", "8.5");
        var s = DaemonSettings.From(DaemonCommand.Configuration(defaults, etc, new Dictionary<string, string?> { ["Socket"] = "/tmp/flag.sock" }));
        Assert.Equal("/run/a", s.Root);
        Assert.Equal("/tmp/flag.sock", s.Socket);
        Assert.Equal("g3", s.Group);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, s.LogLevel);
        Assert.Equal(TimeSpan.FromSeconds(5), s.CreateTimeout);
        Assert.Equal(TimeSpan.FromSeconds(8.5), s.KillTimeout);
        Assert.Equal(TimeSpan.FromSeconds(8.5), s.Runtime.KillTimeout);
    }

    [Fact]
    public void The_cgroup_parent_comes_from_the_file_then_RUNA_CGROUP_PARENT_then_the_flag()
    {
        var file = File("parent.json", """{ "CgroupParent": "/from/file/" }""");
        var none = new Dictionary<string, string?>();
        var fromFile = DaemonSettings.From(DaemonCommand.Configuration(file, null, none));
        Assert.Equal("/from/file", fromFile.CgroupParent);
        Assert.Equal("/from/file", fromFile.Runtime.Cgroups.Parent);

        Environment.SetEnvironmentVariable("RUNA_CGROUP_PARENT", "/from/env");
        Assert.Equal("/from/env", DaemonSettings.From(DaemonCommand.Configuration(file, null, none)).CgroupParent);
        var flagged = DaemonSettings.From(DaemonCommand.Configuration(file, null, new Dictionary<string, string?> { ["CgroupParent"] = "/from/flag" }));
        Assert.Equal("/from/flag", flagged.CgroupParent);
    }

    [Fact]
    public void The_default_cgroup_parent_is_runa()
    {
        var s = DaemonSettings.From(DaemonCommand.Configuration(File("empty.json", "{}"), null, new Dictionary<string, string?>()));
        Assert.Equal("/runa", s.CgroupParent);
        Assert.Equal("/runa", s.Runtime.Cgroups.Parent);
    }

    [Theory]
    [InlineData("""{ "CgroupParent": "runa" }""", "CgroupParent = \"runa\" must be an absolute cgroup path")]
    [InlineData("""{ "CgroupParent": "/runa/../.." }""", "CgroupParent = \"/runa/../..\" must not contain \"..\"")]
    [InlineData("""{ "CgroupParent": "/system.slice:runa:x" }""", "CgroupParent = \"/system.slice:runa:x\" must be a plain cgroupfs path")]
    [InlineData("""{ "Timeouts": { "CreateSeconds": "soon" } }""", "Timeouts:CreateSeconds = \"soon\"")]
    [InlineData("""{ "Timeouts": { "ShutdownSeconds": 0 } }""", "Timeouts:ShutdownSeconds")]
    [InlineData("""{ "LogLevel": "Loud" }""", "LogLevel = \"Loud\"")]
    public void A_bad_value_is_named(string json, string expected)
    {
        var e = Assert.Throws<FormatException>(() => DaemonSettings.From(DaemonCommand.Configuration(File("bad.json", json), null, new Dictionary<string, string?>())));
        Assert.Contains(expected, e.Message);
    }
}

[CollectionDefinition(nameof(EnvironmentCollection), DisableParallelization = true)]
public sealed class EnvironmentCollection;

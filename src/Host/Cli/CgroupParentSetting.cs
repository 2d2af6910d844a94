using Runa.Runtime.Cgroups;

namespace Runa.Host.Cli;

/// <summary>
/// The cgroup parent of relative or absent linux.cgroupsPath values: the daemon's
/// CgroupParent setting, or RUNA_CGROUP_PARENT for embedded commands (which read no config files).
/// </summary>
public static class CgroupParentSetting
{
    /// <summary>The environment variable embedded commands (and the daemon, below its flag) read.</summary>
    public const string Variable = "RUNA_CGROUP_PARENT";

    /// <summary>
    /// "/a/b" from <paramref name="value"/>, or a FormatException naming <paramref name="setting"/>:
    /// the parent must be absolute (a relative one would be relative to nothing) and stay beneath
    /// the cgroup root.
    /// </summary>
    public static string Parse(string value, string setting)
    {
        var text = value.Trim();
        if (!text.StartsWith('/'))
        {
            throw Bad(setting, value, "must be an absolute cgroup path (\"/runa\", \"/machine/runa\")");
        }
        if (text.Split('/').Contains(".."))
        {
            throw Bad(setting, value, "must not contain \"..\": the parent stays beneath the cgroup root");
        }
        if (text.Contains('\0') || text.Contains(':'))
        {
            // ':' would read as a systemd slice:prefix:name path, which Runa has no driver for.
            throw Bad(setting, value, "must be a plain cgroupfs path (no NUL, no ':')");
        }
        return "/" + string.Join('/', text.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."));
    }

    /// <summary>RUNA_CGROUP_PARENT when set, else the default parent.</summary>
    public static string FromEnvironment() =>
        Environment.GetEnvironmentVariable(Variable) is { } v && !string.IsNullOrWhiteSpace(v) ? Parse(v, Variable) : CgroupPathResolver.DefaultParent;

    private static FormatException Bad(string setting, string value, string why) => new($"{setting} = \"{value}\" {why}");
}

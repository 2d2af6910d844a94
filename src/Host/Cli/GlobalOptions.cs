using System.CommandLine;

namespace Runa.Host.Cli;

/// <summary>runc's global flags; recursive so they may also follow the command name.</summary>
public static class GlobalOptions
{
    public static readonly Option<string> Root = new("--root")
    {
        Description = "root directory for storage of container state (this should be located in tmpfs)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("RUNA_ROOT") is { Length: > 0 } r ? r : "/run/runa",
        Recursive = true,
    };

    public static readonly Option<string?> Log = new("--log")
    {
        Description = "set the log file to write runa logs to (default is stderr)",
        Recursive = true,
    };

    public static readonly Option<string> LogFormat = new("--log-format")
    {
        Description = "set the log format ('text' (default), or 'json')",
        DefaultValueFactory = _ => "text",
        Recursive = true,
    };

    public static readonly Option<bool> Debug = new("--debug")
    {
        Description = "enable debug logging",
        Recursive = true,
    };

    public static readonly Option<bool> SystemdCgroup = new("--systemd-cgroup")
    {
        Description = "enable systemd cgroup support (not available: runa manages cgroupfs directly)",
        Recursive = true,
    };

    public static readonly Option<string?> Host = new("--host")
    {
        Description = "send the command to a runa daemon at this address (unix:///path); also RUNA_HOST",
        Recursive = true,
    };

    public static IEnumerable<Option> All => [Root, Log, LogFormat, Debug, SystemdCgroup, Host];

    static GlobalOptions()
    {
        LogFormat.AcceptOnlyFromAmong("text", "json");
    }
}

using System.Globalization;
using Microsoft.Extensions.Configuration;
using Runa.Actors.Containers;
using Runa.Host.Cli;
using Runa.Runtime.Cgroups;
using Runa.Host.Transport;
using MelLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Runa.Host.Daemon;

/// <summary>
/// The daemon's settings, read through Microsoft.Extensions.Configuration from (later wins):
/// config/runa.json next to the binary, /etc/runa/runa.json (or --config FILE), environment
/// variables RUNA_* (RUNA_SOCKET, RUNA_GROUP, RUNA_TIMEOUTS__CREATESECONDS, …), and flags.
/// </summary>
public sealed record DaemonSettings
{
    public string Root { get; init; } = "/run/runa";

    public string Socket { get; init; } = Wire.DefaultSocket;

    /// <summary>Members of this group may use the socket (mode 0660); none when null (mode 0600, root only).</summary>
    public string? Group { get; init; }

    public MelLogLevel LogLevel { get; init; } = MelLogLevel.Information;

    /// <summary>Where containers without an absolute linux.cgroupsPath get their cgroup.</summary>
    public string CgroupParent { get; init; } = CgroupPathResolver.DefaultParent;

    public TimeSpan CreateTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan KillTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a stopping daemon lets in-flight requests finish before it fails them.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a client may leave the daemon's replies unread before it is dropped.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a new connection may take to say Hello.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The orphan reaper's backstop scan interval (it also scans on every SIGCHLD).</summary>
    public TimeSpan ReapInterval { get; init; } = TimeSpan.FromSeconds(30);

    public RuntimeSettings Runtime => new()
    {
        // A long-lived host: watch live containers, journal their exits, clean interrupted creates.
        WatchExits = true,
        Root = Root,
        CreateTimeout = CreateTimeout,
        StartTimeout = StartTimeout,
        KillTimeout = KillTimeout,
        Cgroups = new CgroupOptions { Parent = CgroupParent },
    };

    /// <summary>The settings in <paramref name="config"/>; a malformed value throws naming its key.</summary>
    public static DaemonSettings From(IConfiguration config)
    {
        var d = new DaemonSettings();
        return new DaemonSettings
        {
            Root = Path.GetFullPath(NonEmpty(config["Root"]) ?? d.Root),
            Socket = Path.GetFullPath(NonEmpty(config["Socket"]) ?? d.Socket),
            Group = NonEmpty(config["Group"]),
            LogLevel = NonEmpty(config["LogLevel"]) is { } level
                ? Enum.TryParse<MelLogLevel>(level, ignoreCase: true, out var l) ? l : throw Bad("LogLevel", level, "Trace, Debug, Information, Warning, Error, Critical or None")
                : d.LogLevel,
            CgroupParent = NonEmpty(config["CgroupParent"]) is { } parent ? CgroupParentSetting.Parse(parent, "config: CgroupParent") : d.CgroupParent,
            CreateTimeout = Seconds(config, "Timeouts:CreateSeconds", d.CreateTimeout),
            StartTimeout = Seconds(config, "Timeouts:StartSeconds", d.StartTimeout),
            KillTimeout = Seconds(config, "Timeouts:KillSeconds", d.KillTimeout),
            ShutdownTimeout = Seconds(config, "Timeouts:ShutdownSeconds", d.ShutdownTimeout),
            WriteTimeout = Seconds(config, "Timeouts:WriteSeconds", d.WriteTimeout),
            HandshakeTimeout = Seconds(config, "Timeouts:HandshakeSeconds", d.HandshakeTimeout),
            ReapInterval = Seconds(config, "Timeouts:ReapIntervalSeconds", d.ReapInterval),
        };
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static TimeSpan Seconds(IConfiguration config, string key, TimeSpan fallback)
    {
        if (NonEmpty(config[key]) is not { } text)
        {
            return fallback;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0 || seconds > 86400)
        {
            throw Bad(key, text, "a number of seconds above 0");
        }
        return TimeSpan.FromSeconds(seconds);
    }

    private static FormatException Bad(string key, string value, string expected) =>
        new($"config: {key} = \"{value}\" is not {expected}");
}

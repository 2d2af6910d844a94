using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Runa.Host.Cli;
using Runa.Runtime.Interop;

namespace Runa.Host.Daemon;

/// <summary>`runa daemon`: the host service (see <see cref="DaemonService"/>, settings in <see cref="DaemonSettings"/>).</summary>
public static class DaemonCommand
{
    public static Command Build()
    {
        var command = new Command("daemon", "run the host service: keep the containers' actor system alive and serve `runa --host` clients on a unix socket");
        var socket = new Option<string?>("--socket") { Description = $"the socket to listen on (default {Transport.Wire.DefaultSocket}, mode 0600)" };
        var group = new Option<string?>("--group") { Description = "also admit members of this group (the socket becomes 0660, owned by it)" };
        var cgroupParent = new Option<string?>("--cgroup-parent") { Description = "cgroup parent of containers without an absolute linux.cgroupsPath (default /runa)" };
        var config = new Option<string?>("--config") { Description = "settings file read instead of /etc/runa/runa.json (JSON, as config/runa.json)" };
        command.Options.Add(socket);
        command.Options.Add(group);
        command.Options.Add(cgroupParent);
        command.Options.Add(config);
        command.Handle(async ctx =>
        {
            if (!Sys.IsRoot)
            {
                throw new CliError("runa daemon must run as root");
            }
            var flags = new Dictionary<string, string?>();
            if (ctx.Parse.GetResult(GlobalOptions.Root) is { Implicit: false })
            {
                flags["Root"] = ctx.Parse.GetValue(GlobalOptions.Root);
            }
            if (ctx.Parse.GetValue(socket) is { } s)
            {
                flags["Socket"] = s;
            }
            if (ctx.Parse.GetValue(group) is { } g)
            {
                flags["Group"] = g;
            }
            if (ctx.Parse.GetValue(cgroupParent) is { } p)
            {
                flags["CgroupParent"] = p;
            }
            if (ctx.Parse.GetValue(GlobalOptions.Debug))
            {
                flags["LogLevel"] = "Debug";
            }
            IConfiguration configuration;
            DaemonSettings settings;
            try
            {
                configuration = Configuration(Path.Combine(AppContext.BaseDirectory, "config", "runa.json"), ctx.Parse.GetValue(config), flags);
                settings = DaemonSettings.From(configuration);
            }
            catch (Exception e) when (e is FormatException or IOException or InvalidDataException)
            {
                throw new CliError(e.Message);
            }
            await RunAsync(settings, configuration);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The daemon's configuration, later sources winning: <paramref name="defaults"/> (config/runa.json
    /// next to the binary), <paramref name="file"/> (else /etc/runa/runa.json if it exists), RUNA_*
    /// environment variables, <paramref name="flags"/>.
    /// </summary>
    public static IConfiguration Configuration(string defaults, string? file, IReadOnlyDictionary<string, string?> flags) =>
        new ConfigurationBuilder()
            .AddJsonFile(defaults, optional: true)
            .AddJsonFile(file is null ? "/etc/runa/runa.json" : Path.GetFullPath(file), optional: file is null)
            .AddEnvironmentVariables("RUNA_")
            .AddInMemoryCollection(EnvironmentAliases())
            .AddInMemoryCollection(flags)
            .Build();

    /// <summary>
    /// RUNA_CGROUP_PARENT, the variable embedded commands read, means CgroupParent to the daemon
    /// too (the RUNA_ prefix alone would map it to a key "CGROUP_PARENT" nothing reads).
    /// </summary>
    private static Dictionary<string, string?> EnvironmentAliases() =>
        Environment.GetEnvironmentVariable(CgroupParentSetting.Variable) is { Length: > 0 } parent
            ? new() { ["CgroupParent"] = parent }
            : [];

    /// <summary>Hosts <see cref="DaemonService"/> until SIGTERM or SIGINT.</summary>
    public static async Task RunAsync(DaemonSettings settings, IConfiguration configuration)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Configuration = new ConfigurationManager() });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.SetMinimumLevel(settings.LogLevel);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // A failed start is reported once, by the command (the host would add a stack trace).
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
        builder.Services.AddSingleton(settings);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownTimeout + TimeSpan.FromSeconds(15));
        builder.Services.AddHostedService<DaemonService>();
        using var host = builder.Build();
        await host.RunAsync();
    }
}

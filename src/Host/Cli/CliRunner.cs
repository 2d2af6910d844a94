using System.CommandLine;

namespace Runa.Host.Cli;

/// <summary>Runs a command body with the shared prologue (flags, log) and epilogue (errors → exit codes).</summary>
public static class CliRunner
{
    public static void Handle(this Command command, Func<CommandContext, Task<int>> body) =>
        command.SetAction((parse, _) => Run(parse, body));

    public static async Task<int> Run(ParseResult parse, Func<CommandContext, Task<int>> body)
    {
        CliLog log;
        try
        {
            log = new CliLog(parse.GetValue(GlobalOptions.Log), parse.GetValue(GlobalOptions.LogFormat)!, parse.GetValue(GlobalOptions.Debug));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"runa: --log: {e.Message}");
            return 1;
        }
        using (log)
        {
            try
            {
                if (parse.GetValue(GlobalOptions.SystemdCgroup))
                {
                    throw new CliError("--systemd-cgroup is not supported: runa manages cgroups through cgroupfs directly (use linux.cgroupsPath)");
                }
                await using var context = new CommandContext(parse, log);
                return await body(context);
            }
            catch (Exception e)
            {
                var message = CliError.Describe(e);
                log.Error(message);
                if (log.ToFile)
                {
                    Console.Error.WriteLine(message);
                }
                if (parse.GetValue(GlobalOptions.Debug))
                {
                    Console.Error.WriteLine(e);
                }
                return e is CliError c ? c.ExitCode : 1;
            }
        }
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Runa.Actors.Containers;
using Runa.Host.Cli;

namespace Runa.Host.Commands;

/// <summary>
/// `runa ps`: the container's processes. JSON is the pid list; the table is the host's `ps`
/// (default `-ef`) cut down to those pids, as runc does it. The pids come from the runtime
/// (embedded or daemon); `ps` runs here, beside the user.
/// </summary>
public static class PsCommand
{
    public static Command Build()
    {
        var command = new Command("ps", "ps displays the processes running inside a container");
        var id = ContainerArgs.Id();
        var format = new Option<string>("--format", "-f") { Description = "select one of: table or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var psArgs = new Argument<string[]>("ps-options") { Arity = ArgumentArity.ZeroOrMore, Description = "options for ps (default -ef)" };
        command.Arguments.Add(id);
        command.Arguments.Add(psArgs);
        command.Options.Add(format);
        command.Handle(async ctx =>
        {
            var pids = (await ctx.Ask<ContainerPidsReply>(new GetContainerPids(ctx.Parse.GetValue(id)!))).Pids;
            if (ctx.Parse.GetValue(format) == "json")
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(pids.ToArray(), HostJson.Default.Int32Array));
                return 0;
            }
            var args = ctx.Parse.GetValue(psArgs) is { Length: > 0 } given ? given : ["-ef"];
            Console.Out.Write(Filter(RunPs(args), pids));
            return 0;
        });
        return command;
    }

    private static string RunPs(string[] args)
    {
        var psi = new ProcessStartInfo("ps") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new CliError("cannot run ps");
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : throw new CliError($"ps {string.Join(' ', args)}: {error.Trim()}");
    }

    /// <summary>The header and the lines whose PID column is one of <paramref name="pids"/>.</summary>
    public static string Filter(string psOutput, IReadOnlyCollection<int> pids)
    {
        var lines = psOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            return "";
        }
        var column = Array.IndexOf(lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries), "PID");
        if (column < 0)
        {
            throw new CliError("ps output has no PID column (the ps options must keep it)");
        }
        var set = pids.ToHashSet();
        var keep = lines.Skip(1).Where(l =>
        {
            var fields = l.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > column && int.TryParse(fields[column], out var pid) && set.Contains(pid);
        });
        return string.Join('\n', keep.Prepend(lines[0])) + "\n";
    }
}

using System.CommandLine;
using System.Text;
using System.Text.Json;
using Runa.Actors.Containers;
using Runa.Host.Cli;

namespace Runa.Host.Commands;

public static class ListCommand
{
    public static Command Build()
    {
        var command = new Command("list", "lists containers started by runa with the given root");
        var format = new Option<string>("--format", "-f") { Description = "select one of: table or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var quiet = new Option<bool>("--quiet", "-q") { Description = "display only container IDs" };
        command.Options.Add(format);
        command.Options.Add(quiet);
        command.Handle(async ctx =>
        {
            var list = (await ctx.Ask<ContainerList>(new ListContainers())).Containers;
            if (ctx.Parse.GetValue(quiet))
            {
                foreach (var c in list)
                {
                    Console.Out.WriteLine(c.Id);
                }
                return 0;
            }
            if (ctx.Parse.GetValue(format) == "json")
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(list.ToList(), HostJson.Default.ListContainerStateView));
                return 0;
            }
            Console.Out.Write(Table(["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"],
                list.Select(c => new[] { c.Id, c.Pid.ToString(), c.Status, c.Bundle, c.Created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ"), c.Owner })));
            return 0;
        });
        return command;
    }

    /// <summary>Columns as runc's tabwriter lays them out: at least 12 wide, one space apart.</summary>
    public static string Table(string[] header, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        var widths = header.Select((_, i) => Math.Max(12, all.Max(r => r[i].Length + 1))).ToArray();
        var sb = new StringBuilder();
        foreach (var r in all)
        {
            for (var i = 0; i < r.Length; i++)
            {
                sb.Append(i == r.Length - 1 ? r[i] : r[i].PadRight(widths[i]));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }
}

using System.CommandLine;
using System.Text;
using System.Text.Json;
using Runa.Actors.Containers;
using Runa.Host.Cli;
using Runa.Runtime.Cgroups;

namespace Runa.Host.Commands;

/// <summary>
/// `runa events`: JSON lines in runc's shape — {"type":"stats","id":…,"data":{…}} every
/// --interval, {"type":"oom","id":…} per OOM kill — until the container stops; with --stats,
/// one stats line and exit.
/// </summary>
public static class EventsCommand
{
    public static Command Build()
    {
        var command = new Command("events", "display container events such as OOM notifications and cpu, memory, and IO usage statistics");
        var id = ContainerArgs.Id();
        var stats = new Option<bool>("--stats") { Description = "display the container's stats then exit" };
        var interval = new Option<string>("--interval") { Description = "set the stats collection interval", DefaultValueFactory = _ => "5s" };
        command.Arguments.Add(id);
        command.Options.Add(stats);
        command.Options.Add(interval);
        command.Handle(async ctx =>
        {
            var name = ctx.Parse.GetValue(id)!;
            if (ctx.Parse.GetValue(stats))
            {
                Write(await ctx.Ask<ContainerEventNotice>(new GetContainerStats(name)));
                return 0;
            }
            var every = Units.ParseDuration(ctx.Parse.GetValue(interval)!, "--interval");
            var client = await ctx.ClientAsync();
            // The stream ends when the container stops; an error (not running, gone) ends it too.
            await foreach (var notice in client.Stream<ContainerEventNotice>(new SubscribeEvents(name, every)))
            {
                Write(notice);
            }
            return 0;
        });
        return command;
    }

    public static string Format(ContainerEventNotice n)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", n.Type);
            w.WriteString("id", n.Id);
            if (n.Data is not null)
            {
                w.WritePropertyName("data");
                JsonSerializer.Serialize(w, n.Data, CgroupJson.Default.CgroupStats);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(ContainerEventNotice n)
    {
        Console.Out.WriteLine(Format(n));
        Console.Out.Flush();
    }
}

using System.CommandLine;
using System.Text.Json;
using Runa.Actors.Containers;
using Runa.Host.Cli;

namespace Runa.Host.Commands;

public static class StateCommand
{
    public static Command Build()
    {
        var command = new Command("state", "output the state of a container (OCI state JSON)");
        var id = ContainerArgs.Id();
        command.Arguments.Add(id);
        command.Handle(async ctx =>
        {
            var state = await ctx.Ask<ContainerStateView>(new GetContainerState(ctx.Parse.GetValue(id)!));
            Console.Out.WriteLine(JsonSerializer.Serialize(state, HostJson.Default.ContainerStateView));
            return 0;
        });
        return command;
    }
}

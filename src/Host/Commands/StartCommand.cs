using System.CommandLine;
using Runa.Actors.Containers;
using Runa.Host.Cli;

namespace Runa.Host.Commands;

public static class StartCommand
{
    public static Command Build()
    {
        var command = new Command("start", "start a created container: its process execs");
        var id = ContainerArgs.Id();
        command.Arguments.Add(id);
        command.Handle(async ctx =>
        {
            await ctx.Ask<Done>(new StartContainer(ctx.Parse.GetValue(id)!));
            return 0;
        });
        return command;
    }
}

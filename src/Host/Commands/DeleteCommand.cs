using System.CommandLine;
using Runa.Actors.Containers;
using Runa.Host.Cli;

namespace Runa.Host.Commands;

public static class DeleteCommand
{
    public static Command Build()
    {
        var command = new Command("delete", "delete a container and everything it holds (its cgroup, its state)");
        var id = ContainerArgs.Id();
        var force = new Option<bool>("--force", "-f") { Description = "forcibly delete the container if it is still running (uses SIGKILL)" };
        command.Arguments.Add(id);
        command.Options.Add(force);
        command.Handle(async ctx =>
        {
            await ctx.Ask<Done>(new DeleteContainer(ctx.Parse.GetValue(id)!, ctx.Parse.GetValue(force)));
            return 0;
        });
        return command;
    }
}

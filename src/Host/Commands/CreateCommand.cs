using System.CommandLine;
using Runa.Actors.Containers;
using Runa.Host.Cli;

namespace Runa.Host.Commands;

public static class CreateCommand
{
    public static Command Build()
    {
        var command = new Command("create", "create a container: it waits, blocked before its process runs, for `runa start`");
        var id = ContainerArgs.Id();
        var options = new ContainerArgs.CreateOptions();
        command.Arguments.Add(id);
        options.AddTo(command);
        command.Handle(async ctx =>
        {
            var reply = await ctx.Ask<ContainerCreatedReply>(options.Request(ctx, ctx.Parse.GetValue(id)!, keepConsole: false));
            reply.Console?.Dispose();
            return 0;
        });
        return command;
    }
}

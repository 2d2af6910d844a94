using System.CommandLine;
using Runa.Actors.Containers;
using Runa.Host.Cli;
using Runa.Runtime.Oci;

namespace Runa.Host.Commands;

public static class KillCommand
{
    public static Command Build()
    {
        var command = new Command("kill", "send a signal (default SIGTERM) to the container's init process");
        var id = ContainerArgs.Id();
        var signal = new Argument<string>("signal") { Description = "a name (KILL, SIGKILL) or number", DefaultValueFactory = _ => "SIGTERM" };
        var all = new Option<bool>("--all", "-a") { Description = "send the signal to all processes in the container" };
        command.Arguments.Add(id);
        command.Arguments.Add(signal);
        command.Options.Add(all);
        command.Handle(async ctx =>
        {
            var text = ctx.Parse.GetValue(signal)!;
            var number = SignalNames.Parse(text) ?? throw new CliError($"unknown signal \"{text}\"");
            await ctx.Ask<Done>(new KillContainer(ctx.Parse.GetValue(id)!, number, ctx.Parse.GetValue(all)));
            return 0;
        });
        return command;
    }
}

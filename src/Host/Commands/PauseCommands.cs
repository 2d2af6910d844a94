using System.CommandLine;
using Runa.Actors.Containers;
using Runa.Host.Cli;

namespace Runa.Host.Commands;

public static class PauseCommands
{
    public static Command Pause() => Build("pause", "suspend all processes of a container (cgroup freezer)", id => new PauseContainer(id));

    public static Command Resume() => Build("resume", "resume all processes of a paused container", id => new ResumeContainer(id));

    private static Command Build(string name, string description, Func<string, object> message)
    {
        var command = new Command(name, description);
        var id = ContainerArgs.Id();
        command.Arguments.Add(id);
        command.Handle(async ctx =>
        {
            await ctx.Ask<Done>(message(ctx.Parse.GetValue(id)!));
            return 0;
        });
        return command;
    }
}

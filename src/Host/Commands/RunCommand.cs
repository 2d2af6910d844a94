using System.CommandLine;
using Runa.Actors.Containers;
using Runa.Host.Cli;

namespace Runa.Host.Commands;

public static class RunCommand
{
    public static Command Build()
    {
        var command = new Command("run", "create and start a container; in the foreground, wait for it and exit with its status");
        var id = ContainerArgs.Id();
        var options = new ContainerArgs.CreateOptions();
        var detach = new Option<bool>("--detach", "-d") { Description = "detach from the container's process" };
        var keep = new Option<bool>("--keep") { Description = "do not delete the container after it exits" };
        var noSubreaper = new Option<bool>("--no-subreaper") { Description = "accepted for runc compatibility" };
        command.Arguments.Add(id);
        options.AddTo(command);
        command.Options.Add(detach);
        command.Options.Add(keep);
        command.Options.Add(noSubreaper);
        command.Handle(async ctx =>
        {
            var name = ctx.Parse.GetValue(id)!;
            var foreground = !ctx.Parse.GetValue(detach);
            var request = options.Request(ctx, name, keepConsole: foreground && ctx.Parse.GetValue(options.ConsoleSocket) is null);
            ContainerCreatedReply reply;
            try
            {
                reply = await ctx.Ask<ContainerCreatedReply>(request);
            }
            catch (ContainerException e) when (foreground && e.ProcessExitCode is { } code)
            {
                // As a shell would: the command could not be found (127) or executed (126).
                throw new CliError(e.Message, code);
            }
            if (!foreground)
            {
                await StartOrDelete(ctx, name);
                return 0;
            }
            return await Foreground(ctx, name, reply, ctx.Parse.GetValue(keep));
        });
        return command;
    }

    private static async Task StartOrDelete(CommandContext ctx, string id)
    {
        try
        {
            await ctx.Ask<Done>(new StartContainer(id));
        }
        catch
        {
            await DeleteQuietly(ctx, id);
            throw;
        }
    }

    private static async Task<int> Foreground(CommandContext ctx, string id, ContainerCreatedReply reply, bool keep)
    {
        using var relay = reply.Console is null ? null : new ConsoleRelay(reply.Console);
        // Signals for `runa run` are meant for the container: pass them on, as runc does.
        using var forwarded = new ForwardedSignals(number => _ = ctx.Ask<Done>(new KillContainer(id, number)));
        await StartOrDelete(ctx, id);
        var exited = await ctx.Ask<ContainerExitedReply>(new WaitContainer(id), Timeout.InfiniteTimeSpan);
        relay?.Drain(TimeSpan.FromSeconds(2));
        if (exited.ExecError is { } error)
        {
            ctx.Log.Error(error);
            if (ctx.Log.ToFile)
            {
                Console.Error.WriteLine(error);
            }
        }
        if (!keep)
        {
            await ctx.Ask<Done>(new DeleteContainer(id, Force: true));
        }
        return exited.Status?.ShellCode ?? 255;
    }

    private static async Task DeleteQuietly(CommandContext ctx, string id)
    {
        try
        {
            await ctx.Ask<Done>(new DeleteContainer(id, Force: true));
        }
        catch (Exception e)
        {
            ctx.Log.Warning($"removing container {id} after a failed start: {CliError.Describe(e)}");
        }
    }
}

using Runa.Runtime.Diagnostics;
using System.CommandLine;
using Runa.Host.Cli;
using Runa.Host.Commands;
using Runa.Host.Daemon;

namespace Runa.Host;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        Trace.Mark("main");
        Warmup.Start(args);
        var root = new RootCommand("runa: an OCI container runtime (runc-compatible CLI; `runa daemon` hosts many containers)");
        foreach (var o in GlobalOptions.All)
        {
            root.Options.Add(o);
        }
        foreach (var c in new[]
                 {
                     CreateCommand.Build(), StartCommand.Build(), RunCommand.Build(), StateCommand.Build(), ListCommand.Build(),
                     KillCommand.Build(), DeleteCommand.Build(), SpecCommand.Build(), ExecCommand.Build(),
                     PsCommand.Build(), EventsCommand.Build(), PauseCommands.Pause(), PauseCommands.Resume(), UpdateCommand.Build(),
                     DaemonCommand.Build(),
                 })
        {
            root.Subcommands.Add(c);
        }
        var parsed = root.Parse(ExecCommand.SeparateCommand(root, args));
        Trace.Mark("parsed");
        var code = await parsed.InvokeAsync();
        Trace.Mark("done");
        return code;
    }
}

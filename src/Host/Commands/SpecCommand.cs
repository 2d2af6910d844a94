using System.CommandLine;
using System.Text.Json;
using Runa.Host.Cli;
using Runa.Runtime.Oci;

namespace Runa.Host.Commands;

public static class SpecCommand
{
    public static Command Build()
    {
        var command = new Command("spec", "create a new specification file (config.json) for a bundle");
        var bundle = new Option<string>("--bundle", "-b") { Description = "path to the root of the bundle directory", DefaultValueFactory = _ => "." };
        var rootless = new Option<bool>("--rootless") { Description = "generate a configuration for a rootless container (not supported)" };
        command.Options.Add(bundle);
        command.Options.Add(rootless);
        command.SetAction((parse, _) => CliRunner.Run(parse, _ =>
        {
            if (parse.GetValue(rootless))
            {
                throw new CliError("--rootless is not supported: runa runs containers as root");
            }
            var dir = parse.GetValue(bundle)!;
            if (!Directory.Exists(dir))
            {
                throw new CliError($"bundle {dir}: no such directory");
            }
            var path = Path.Combine(dir, SpecLoader.ConfigFile);
            if (File.Exists(path))
            {
                throw new CliError($"File {path} exists. Remove it first");
            }
            File.WriteAllText(path, JsonSerializer.Serialize(DefaultSpec.Create(), OciJson.Default.Spec) + "\n");
            return Task.FromResult(0);
        }));
        return command;
    }
}

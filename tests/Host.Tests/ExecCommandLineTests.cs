using System.CommandLine;
using Runa.Host.Cli;
using Runa.Host.Commands;
using Xunit;

namespace Runa.Host.Tests;

/// <summary>
/// `runa exec`'s command line: flags after the container id belong to the command (as runc reads
/// them), --user and --additional-gids are numeric. No daemon, no container: parsing only.
/// </summary>
public sealed class ExecCommandLineTests
{
    /// <summary>The root as Program builds it (the commands these tests need); built once, since the global options are shared.</summary>
    private static readonly RootCommand s_root = BuildRoot();

    private static readonly Command s_exec = s_root.Subcommands.Single(c => c.Name == ExecCommand.Name);

    private static RootCommand BuildRoot()
    {
        var root = new RootCommand("runa (test)");
        foreach (var o in GlobalOptions.All)
        {
            root.Options.Add(o);
        }
        foreach (var c in new[] { ExecCommand.Build(), RunCommand.Build(), KillCommand.Build(), PsCommand.Build() })
        {
            root.Subcommands.Add(c);
        }
        return root;
    }

    private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static string[] Separate(string line) => ExecCommand.SeparateCommand(s_root, Words(line));

    private static Argument<string> IdArgument => (Argument<string>)s_exec.Arguments.Single(a => a.Name == "container-id");

    private static Argument<string[]> CommandArgument => (Argument<string[]>)s_exec.Arguments.Single(a => a.Name == "command");

    private static Option<T> ExecOption<T>(string name) => (Option<T>)s_exec.Options.Single(o => o.Name == name);

    /// <summary>The command's words (none given: empty).</summary>
    private static string[] CommandOf(ParseResult parsed) => parsed.GetValue(CommandArgument) ?? [];

    /// <summary>A repeatable exec option's values (none given: empty).</summary>
    private static string[] Strings(ParseResult parsed, string option) => parsed.GetValue(ExecOption<string[]>(option)) ?? [];

    private static ParseResult ParseSeparated(string line)
    {
        var parsed = s_root.Parse(Separate(line));
        Assert.Empty(parsed.Errors);
        Assert.Same(s_exec, parsed.CommandResult.Command);
        return parsed;
    }

    [Theory]
    [InlineData("exec id sh -c x", "exec id -- sh -c x")]
    [InlineData("exec id ls -l", "exec id -- ls -l")]
    [InlineData("exec id ls", "exec id -- ls")]
    [InlineData("--root /r exec id sh -c x", "--root /r exec id -- sh -c x")]
    [InlineData("--log f exec id ps -ef", "--log f exec id -- ps -ef")]
    [InlineData("--root=/r --debug exec id ls -l", "--root=/r --debug exec id -- ls -l")]
    [InlineData("exec --root /r id ls -l", "exec --root /r id -- ls -l")]
    [InlineData("exec --env A=1 -u 1:2 --cwd /tmp id ls -l", "exec --env A=1 -u 1:2 --cwd /tmp id -- ls -l")]
    [InlineData("exec -e A=1 -g 5 -c CAP_KILL -p p.json id ls -l", "exec -e A=1 -g 5 -c CAP_KILL -p p.json id -- ls -l")]
    [InlineData("exec --user=5 id ls -l", "exec --user=5 id -- ls -l")]
    [InlineData("exec --env=A=1 --cwd=/tmp id ls -l", "exec --env=A=1 --cwd=/tmp id -- ls -l")]
    [InlineData("exec -d id sleep 10", "exec -d id -- sleep 10")]
    [InlineData("exec -t id sh -i", "exec -t id -- sh -i")]
    [InlineData("exec --detach --tty --console-socket /s id sh", "exec --detach --tty --console-socket /s id -- sh")]
    [InlineData("exec --no-new-privs --preserve-fds 0 id true", "exec --no-new-privs --preserve-fds 0 id -- true")]
    [InlineData("exec -d -t id exec id", "exec -d -t id -- exec id")]
    public void SeparateCommand_inserts_a_double_dash_before_the_command_of_exec(string given, string expected)
    {
        Assert.Equal(Words(expected), Separate(given));
    }

    [Theory]
    [InlineData("exec id -- sh -c x")]
    [InlineData("exec -- id sh -c x")]
    [InlineData("--root /r exec -e A=1 id -- ls -l")]
    [InlineData("exec id")]
    [InlineData("exec -d id")]
    [InlineData("--root /r exec --user 1 id")]
    [InlineData("exec")]
    [InlineData("")]
    [InlineData("run -d id")]
    [InlineData("run id sh -c x")]
    [InlineData("kill id KILL")]
    [InlineData("--root /r kill --all id 9")]
    [InlineData("ps id -- -ef")]
    [InlineData("ps -f json id")]
    [InlineData("--log exec run id sh -c x")]
    public void SeparateCommand_leaves_other_command_lines_alone(string given)
    {
        var args = Words(given);
        Assert.Equal(args, ExecCommand.SeparateCommand(s_root, args));
    }

    [Fact]
    public void SeparateCommand_takes_the_value_of_a_global_option_named_exec_for_a_value()
    {
        // "--log exec" logs to a file named exec: the next "exec" is the command.
        Assert.Equal(Words("--log exec exec id -- sh -c x"), Separate("--log exec exec id sh -c x"));
    }

    [Fact]
    public void The_separated_command_line_gives_the_id_and_the_whole_command_with_its_flags()
    {
        var parsed = ParseSeparated("exec id sh -c x");

        Assert.Equal("id", parsed.GetValue(IdArgument));
        Assert.Equal(["sh", "-c", "x"], CommandOf(parsed));
        Assert.Empty(Strings(parsed, "--cap"));
    }

    [Fact]
    public void Without_the_separation_the_command_s_flags_would_be_read_as_exec_s()
    {
        // Why SeparateCommand exists: System.CommandLine takes -c anywhere as --cap.
        var parsed = s_root.Parse(Words("exec id sh -c x"));

        Assert.Equal(["sh"], CommandOf(parsed));
        Assert.Equal(["x"], Strings(parsed, "--cap"));
    }

    [Fact]
    public void Exec_options_before_the_id_keep_their_values_and_the_command_keeps_its_flags()
    {
        var parsed = ParseSeparated("exec --env A=1 -u 1:2 --cwd /tmp id ls -l");

        Assert.Equal("id", parsed.GetValue(IdArgument));
        Assert.Equal(["ls", "-l"], CommandOf(parsed));
        Assert.Equal(["A=1"], Strings(parsed, "--env"));
        Assert.Equal("1:2", parsed.GetValue(ExecOption<string?>("--user")));
        Assert.Equal("/tmp", parsed.GetValue(ExecOption<string?>("--cwd")));
        Assert.False(parsed.GetValue(ExecOption<bool>("--detach")));
    }

    [Fact]
    public void Global_options_before_exec_keep_their_values()
    {
        var parsed = ParseSeparated("--root /r --log f exec -d -t id ls -l");

        Assert.Equal("/r", parsed.GetValue(GlobalOptions.Root));
        Assert.Equal("f", parsed.GetValue(GlobalOptions.Log));
        Assert.True(parsed.GetValue(ExecOption<bool>("--detach")));
        Assert.True(parsed.GetValue(ExecOption<bool>("--tty")));
        Assert.Equal("id", parsed.GetValue(IdArgument));
        Assert.Equal(["ls", "-l"], CommandOf(parsed));
    }

    [Fact]
    public void The_equals_form_of_an_option_does_not_swallow_the_id()
    {
        var parsed = ParseSeparated("exec --user=5 id ls -l");

        Assert.Equal("5", parsed.GetValue(ExecOption<string?>("--user")));
        Assert.Equal("id", parsed.GetValue(IdArgument));
        Assert.Equal(["ls", "-l"], CommandOf(parsed));
    }

    [Fact]
    public void A_command_given_after_the_callers_own_double_dash_parses_the_same()
    {
        var parsed = ParseSeparated("exec -e A=1 id -- sh -c x");

        Assert.Equal("id", parsed.GetValue(IdArgument));
        Assert.Equal(["sh", "-c", "x"], CommandOf(parsed));
        Assert.Equal(["A=1"], Strings(parsed, "--env"));
    }

    [Fact]
    public void Exec_without_a_command_parses_to_an_empty_command()
    {
        var parsed = ParseSeparated("exec -d id");

        Assert.Equal("id", parsed.GetValue(IdArgument));
        Assert.Empty(CommandOf(parsed));
    }

    [Theory]
    [InlineData("1000", 1000u, null)]
    [InlineData("1000:1001", 1000u, 1001u)]
    [InlineData("0:0", 0u, 0u)]
    [InlineData("4294967295", uint.MaxValue, null)]
    public void ParseUser_reads_a_numeric_uid_and_optional_gid(string text, uint uid, uint? gid)
    {
        Assert.Equal(((uint?)uid, gid), ExecCommand.ParseUser(text));
    }

    [Fact]
    public void ParseUser_without_a_user_sets_neither()
    {
        Assert.Equal(((uint?)null, (uint?)null), ExecCommand.ParseUser(null));
    }

    [Theory]
    [InlineData("root")]
    [InlineData("1:x")]
    [InlineData("x:1")]
    [InlineData("1:2:3")]
    [InlineData("1:")]
    [InlineData(":1")]
    [InlineData("-1")]
    [InlineData("4294967296")]
    [InlineData("")]
    public void ParseUser_refuses_what_is_not_uid_colon_gid_naming_the_flag(string text)
    {
        var e = Assert.Throws<CliError>(() => ExecCommand.ParseUser(text));
        Assert.StartsWith("--user:", e.Message);
        Assert.Contains($"\"{text}\"", e.Message);
    }

    [Fact]
    public void ParseGids_without_gids_is_null()
    {
        Assert.Null(ExecCommand.ParseGids(null));
        Assert.Null(ExecCommand.ParseGids([]));
    }

    [Fact]
    public void ParseGids_accepts_repeats_and_comma_lists_in_order()
    {
        Assert.Equal([10u], ExecCommand.ParseGids(["10"]));
        Assert.Equal([10u, 11u, 12u, 13u], ExecCommand.ParseGids(["10", "11,12", "13"]));
    }

    [Theory]
    [InlineData("wheel", "wheel")]
    [InlineData("1,x", "x")]
    [InlineData("1,,2", "")]
    [InlineData("", "")]
    [InlineData("-5", "-5")]
    public void ParseGids_refuses_a_gid_that_is_not_a_number_naming_the_flag(string value, string bad)
    {
        var e = Assert.Throws<CliError>(() => ExecCommand.ParseGids(["7", value]));
        Assert.StartsWith("--additional-gids:", e.Message);
        Assert.Contains($"\"{bad}\"", e.Message);
    }
}

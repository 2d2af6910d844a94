using System.Text.Json;
using Runa.Actors.Containers;
using Runa.Runtime.Oci;
using Xunit;
using OciProcess = Runa.Runtime.Oci.Process;

namespace Runa.Actors.Tests;

/// <summary>
/// The process `runa exec` runs: the container's process with the command line's overrides, or a
/// --process file whole; validated like config.json's. Pure: no actors, no processes.
/// </summary>
public sealed class ExecProcessSpecTests
{
    private static Spec Container(Action<OciProcess>? change = null)
    {
        var spec = DefaultSpec.Create(terminal: false);
        spec.Process!.Env = ["PATH=/bin", "FROM=container"];
        spec.Process.Cwd = "/srv";
        spec.Process.User = new User { Uid = 100, Gid = 200, Umask = 0x3f, AdditionalGids = [300] };
        change?.Invoke(spec.Process);
        return spec;
    }

    private static ExecInContainer Request(params string[] args) => new("c1") { Args = args };

    private static string Json(Spec spec) => JsonSerializer.Serialize(spec, OciJson.Default.Spec);

    private static string Json(OciProcess process) => JsonSerializer.Serialize(process, OciJson.Default.Process);

    [Fact]
    public void The_command_replaces_the_containers_args_and_the_rest_is_the_containers()
    {
        var container = Container();

        var p = ExecProcessSpec.Compose(container, Request("ls", "-l", "/"));

        Assert.Equal(["ls", "-l", "/"], p.Args!);
        Assert.Equal(["PATH=/bin", "FROM=container"], p.Env!);
        Assert.Equal("/srv", p.Cwd);
        Assert.Equal(100u, p.User.Uid);
        Assert.Equal(200u, p.User.Gid);
        Assert.Equal(0x3fu, p.User.Umask);
        Assert.Equal([300u], p.User.AdditionalGids!);
        Assert.Equal(container.Process!.Capabilities!.Bounding!, p.Capabilities!.Bounding!);
        Assert.Equal(container.Process.Rlimits!.Single().Type, p.Rlimits!.Single().Type);
        Assert.True(p.NoNewPrivileges);
        Assert.False(p.Terminal);
    }

    [Fact]
    public void Env_is_appended_to_the_containers()
    {
        var p = ExecProcessSpec.Compose(Container(), Request("env") with { Env = ["A=1", "FROM=exec"] });

        Assert.Equal(["PATH=/bin", "FROM=container", "A=1", "FROM=exec"], p.Env!);
    }

    [Fact]
    public void Env_is_given_even_when_the_container_has_none()
    {
        var p = ExecProcessSpec.Compose(Container(c => c.Env = null), Request("env") with { Env = ["A=1"] });

        Assert.Equal(["A=1"], p.Env!);
    }

    [Fact]
    public void Cwd_uid_and_gid_override_the_containers()
    {
        var p = ExecProcessSpec.Compose(Container(), Request("id") with { Cwd = "/tmp", Uid = 1000, Gid = 1001 });

        Assert.Equal("/tmp", p.Cwd);
        Assert.Equal(1000u, p.User.Uid);
        Assert.Equal(1001u, p.User.Gid);
        Assert.Equal(0x3fu, p.User.Umask);
    }

    [Fact]
    public void A_uid_alone_keeps_the_containers_gid_and_groups_as_runc_does()
    {
        var p = ExecProcessSpec.Compose(Container(), Request("id") with { Uid = 1000, AdditionalGids = [10] });

        Assert.Equal(1000u, p.User.Uid);
        Assert.Equal(200u, p.User.Gid);
        Assert.Equal([300u, 10u], p.User.AdditionalGids!);
    }

    [Fact]
    public void Additional_gids_are_appended_to_the_containers()
    {
        var p = ExecProcessSpec.Compose(Container(), Request("id") with { AdditionalGids = [10, 11] });

        Assert.Equal([300u, 10u, 11u], p.User.AdditionalGids!);
        Assert.Equal(100u, p.User.Uid);
    }

    [Fact]
    public void Additional_gids_are_given_even_when_the_container_has_none()
    {
        var p = ExecProcessSpec.Compose(Container(c => c.User.AdditionalGids = null), Request("id") with { AdditionalGids = [10] });

        Assert.Equal([10u], p.User.AdditionalGids!);
    }

    [Theory]
    [InlineData("CAP_SYS_ADMIN")]
    [InlineData("SYS_ADMIN")]
    [InlineData("sys_admin")]
    [InlineData("cap_sys_admin")]
    [InlineData("Cap_Sys_Admin")]
    public void A_cap_is_added_to_bounding_effective_and_permitted_in_any_spelling(string cap)
    {
        var p = ExecProcessSpec.Compose(Container(), Request("sh") with { Caps = [cap] });

        var c = p.Capabilities!;
        Assert.Contains("CAP_SYS_ADMIN", c.Bounding!);
        Assert.Contains("CAP_SYS_ADMIN", c.Effective!);
        Assert.Contains("CAP_SYS_ADMIN", c.Permitted!);
        Assert.Contains("CAP_KILL", c.Bounding!);
        Assert.Null(c.Inheritable);
        Assert.Null(c.Ambient);
    }

    [Fact]
    public void Several_caps_are_all_added()
    {
        var p = ExecProcessSpec.Compose(Container(), Request("sh") with { Caps = ["NET_RAW", "cap_chown"] });

        Assert.Equal(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_CHOWN"], p.Capabilities!.Effective!);
    }

    [Fact]
    public void A_cap_is_added_when_the_container_has_no_capabilities_at_all()
    {
        var p = ExecProcessSpec.Compose(Container(c => c.Capabilities = null), Request("sh") with { Caps = ["KILL"] });

        Assert.Equal(["CAP_KILL"], p.Capabilities!.Bounding!);
        Assert.Equal(["CAP_KILL"], p.Capabilities.Effective!);
        Assert.Equal(["CAP_KILL"], p.Capabilities.Permitted!);
        Assert.Null(p.Capabilities.Ambient);
    }

    [Fact]
    public void A_cap_is_ambient_too_when_the_containers_process_has_inheritable_caps()
    {
        var container = Container(c => c.Capabilities!.Inheritable = ["CAP_KILL"]);

        var p = ExecProcessSpec.Compose(container, Request("sh") with { Caps = ["NET_RAW"] });

        Assert.Equal(["CAP_NET_RAW"], p.Capabilities!.Ambient!);
        Assert.Contains("CAP_NET_RAW", p.Capabilities.Inheritable!);
        Assert.Contains("CAP_NET_RAW", p.Capabilities.Permitted!);
    }

    [Fact]
    public void A_cap_is_not_ambient_when_the_containers_inheritable_set_is_empty()
    {
        var p = ExecProcessSpec.Compose(Container(c => c.Capabilities!.Inheritable = []), Request("sh") with { Caps = ["NET_RAW"] });

        Assert.Null(p.Capabilities!.Ambient);
        Assert.Empty(p.Capabilities.Inheritable!);
    }

    [Theory]
    [InlineData("CAP_BOGUS")]
    [InlineData("bogus")]
    [InlineData("")]
    public void An_unknown_cap_is_a_SpecException_naming_the_flag(string cap)
    {
        var e = Assert.Throws<SpecException>(() => ExecProcessSpec.Compose(Container(), Request("sh") with { Caps = ["KILL", cap] }));

        Assert.StartsWith("--cap", e.Field);
        Assert.Contains("--cap", e.Message);
        Assert.Contains("unknown capability", e.Message);
    }

    [Fact]
    public void No_new_privileges_is_set_by_the_flag_and_kept_from_the_container_without_it()
    {
        var container = Container(c => c.NoNewPrivileges = false);

        Assert.True(ExecProcessSpec.Compose(container, Request("sh") with { NoNewPrivileges = true }).NoNewPrivileges);
        Assert.False(ExecProcessSpec.Compose(container, Request("sh")).NoNewPrivileges);
        Assert.True(ExecProcessSpec.Compose(Container(c => c.NoNewPrivileges = true), Request("sh")).NoNewPrivileges);
    }

    [Fact]
    public void A_tty_sets_the_terminal_and_clears_the_containers_console_size()
    {
        var container = Container(c =>
        {
            c.Terminal = true;
            c.ConsoleSize = new ConsoleSize { Height = 24, Width = 80 };
        });

        var p = ExecProcessSpec.Compose(container, Request("sh") with { Tty = true, ConsoleSocket = "/run/console.sock" });

        Assert.True(p.Terminal);
        Assert.Null(p.ConsoleSize);
    }

    [Fact]
    public void Without_tty_there_is_no_terminal_even_if_the_container_has_one()
    {
        var container = Container(c =>
        {
            c.Terminal = true;
            c.ConsoleSize = new ConsoleSize { Height = 24, Width = 80 };
        });

        var p = ExecProcessSpec.Compose(container, Request("sh"));

        Assert.False(p.Terminal);
        Assert.Null(p.ConsoleSize);
    }

    [Fact]
    public void A_tty_kept_by_a_foreground_exec_needs_no_console_socket()
    {
        var p = ExecProcessSpec.Compose(Container(), Request("sh") with { Tty = true, KeepConsole = true });

        Assert.True(p.Terminal);
    }

    [Fact]
    public void A_tty_without_a_console_socket_and_not_kept_is_a_SpecException_naming_the_flag()
    {
        var e = Assert.Throws<SpecException>(() => ExecProcessSpec.Compose(Container(), Request("sh") with { Tty = true }));

        Assert.Equal("--tty", e.Field);
        Assert.Contains("--console-socket", e.Message);
    }

    [Fact]
    public void The_containers_spec_is_not_changed()
    {
        var container = Container(c => c.Capabilities!.Inheritable = ["CAP_KILL"]);
        var before = Json(container);
        var process = container.Process!;
        var user = process.User;

        var p = ExecProcessSpec.Compose(container, Request("ls") with
        {
            Cwd = "/tmp", Env = ["A=1"], Uid = 1, Gid = 2, AdditionalGids = [3], Caps = ["NET_RAW"],
            NoNewPrivileges = true, Tty = true, KeepConsole = true,
        });
        p.Env!.Add("LATER=1");
        p.Capabilities!.Bounding!.Add("CAP_CHOWN");

        Assert.Equal(before, Json(container));
        Assert.Same(process, container.Process);
        Assert.Same(user, container.Process!.User);
        Assert.NotSame(process, p);
    }

    [Fact]
    public void Additional_gids_do_not_change_the_containers_list()
    {
        var container = Container();

        ExecProcessSpec.Compose(container, Request("id") with { AdditionalGids = [10] });

        Assert.Equal([300u], container.Process!.User.AdditionalGids!);
    }

    [Fact]
    public void A_process_file_is_the_process_whole_and_the_overrides_are_ignored()
    {
        var json = """
            { "args": ["/bin/echo", "hi"], "cwd": "/work", "env": ["ONLY=file"],
              "user": { "uid": 7, "gid": 8 }, "capabilities": { "bounding": ["CAP_CHOWN"] } }
            """;
        var request = Request("ignored") with
        {
            ProcessJson = json, Cwd = "/tmp", Env = ["A=1"], Uid = 1, Gid = 2, AdditionalGids = [3], Caps = ["NET_RAW"],
            NoNewPrivileges = true, Tty = true,
        };

        var p = ExecProcessSpec.Compose(Container(), request);

        Assert.Equal(["/bin/echo", "hi"], p.Args!);
        Assert.Equal("/work", p.Cwd);
        Assert.Equal(["ONLY=file"], p.Env!);
        Assert.Equal(7u, p.User.Uid);
        Assert.Equal(8u, p.User.Gid);
        Assert.Null(p.User.AdditionalGids);
        Assert.Equal(["CAP_CHOWN"], p.Capabilities!.Bounding!);
        Assert.Null(p.Capabilities.Effective);
        Assert.False(p.NoNewPrivileges);
        Assert.False(p.Terminal);
        Assert.Null(p.Rlimits);
    }

    [Fact]
    public void A_process_file_needs_no_command_on_the_command_line()
    {
        var p = ExecProcessSpec.Compose(Container(), new ExecInContainer("c1") { ProcessJson = """{ "args": ["true"], "cwd": "/" }""" });

        Assert.Equal(["true"], p.Args!);
    }

    [Fact]
    public void A_process_file_with_a_terminal_needs_a_console_socket_or_a_kept_console()
    {
        var json = """{ "args": ["sh"], "cwd": "/", "terminal": true }""";

        var e = Assert.Throws<SpecException>(() => ExecProcessSpec.Compose(Container(), new ExecInContainer("c1") { ProcessJson = json }));
        Assert.Equal("--tty", e.Field);
        Assert.True(ExecProcessSpec.Compose(Container(), new ExecInContainer("c1") { ProcessJson = json, KeepConsole = true }).Terminal);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("")]
    [InlineData("""{ "args": "sh" }""")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    public void An_invalid_process_file_is_a_SpecException_naming_the_flag(string json)
    {
        var e = Assert.Throws<SpecException>(() => ExecProcessSpec.Compose(Container(), Request("sh") with { ProcessJson = json }));

        Assert.Equal("--process", e.Field);
        Assert.Contains("--process", e.Message);
    }

    [Theory]
    [InlineData("""{ "cwd": "/" }""", "process.args")]
    [InlineData("""{ "args": ["sh"], "cwd": "here" }""", "process.cwd")]
    [InlineData("""{ "args": ["sh"], "cwd": "/", "env": ["NOEQUALS"] }""", "process.env[0]")]
    [InlineData("""{ "args": ["sh"], "cwd": "/", "capabilities": { "bounding": ["CAP_NOPE"] } }""", "process.capabilities.bounding[0]")]
    public void A_process_file_is_validated_like_a_config_process(string json, string field)
    {
        var e = Assert.Throws<SpecException>(() => ExecProcessSpec.Compose(Container(), new ExecInContainer("c1") { ProcessJson = json }));

        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void No_command_and_no_process_file_is_a_SpecException_naming_the_command()
    {
        var none = Assert.Throws<SpecException>(() => ExecProcessSpec.Compose(Container(), new ExecInContainer("c1")));
        var empty = Assert.Throws<SpecException>(() => ExecProcessSpec.Compose(Container(), Request()));

        Assert.Equal("command", none.Field);
        Assert.Equal("command", empty.Field);
        Assert.Contains("--process", none.Message);
    }

    [Theory]
    [InlineData("tmp")]
    [InlineData("./tmp")]
    [InlineData("")]
    public void A_relative_cwd_is_a_SpecException_naming_process_cwd(string cwd)
    {
        var e = Assert.Throws<SpecException>(() => ExecProcessSpec.Compose(Container(), Request("ls") with { Cwd = cwd }));

        Assert.Equal("process.cwd", e.Field);
    }

    [Fact]
    public void An_empty_command_word_is_a_SpecException_naming_process_args()
    {
        var e = Assert.Throws<SpecException>(() => ExecProcessSpec.Compose(Container(), Request("")));

        Assert.Equal("process.args", e.Field);
    }

    [Fact]
    public void A_bad_env_entry_is_a_SpecException_naming_its_index()
    {
        var e = Assert.Throws<SpecException>(() => ExecProcessSpec.Compose(Container(), Request("env") with { Env = ["A=1", "=x"] }));

        // Appended after the container's two entries.
        Assert.Equal("process.env[3]", e.Field);
    }

    [Fact]
    public void A_container_without_a_process_is_a_SpecException_unless_a_process_file_is_given()
    {
        var container = Container();
        container.Process = null;

        var e = Assert.Throws<SpecException>(() => ExecProcessSpec.Compose(container, Request("sh")));
        Assert.Equal("process", e.Field);
        Assert.Equal(["true"], ExecProcessSpec.Compose(container, new ExecInContainer("c1") { ProcessJson = """{ "args": ["true"], "cwd": "/" }""" }).Args!);
    }

    [Fact]
    public void The_composed_process_round_trips_as_a_config_process()
    {
        var p = ExecProcessSpec.Compose(Container(), Request("ls") with { Env = ["A=1"], Caps = ["NET_RAW"] });

        var back = JsonSerializer.Deserialize(Json(p), OciJson.Default.Process)!;
        Assert.Equal(Json(p), Json(back));
    }
}

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Runa.IntegrationTests.Harness;
using Runa.Runtime.Interop;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>
/// Bad bundles, bad ids and commands in the wrong state: runa exits non-zero, says clearly what is
/// wrong (naming the config.json field or the argument), and leaves nothing behind.
/// </summary>
public sealed partial class BadInputTests : IDisposable
{
    private readonly RunaHost _runa = new();
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("runa-bad-input-");

    public void Dispose()
    {
        try
        {
            _runa.Dispose();
        }
        finally
        {
            _scratch.Delete(recursive: true);
        }
    }

    // ---- the bundle and config.json -----------------------------------------------------

    [IntegrationFact]
    public void A_missing_bundle_directory()
    {
        Integration.Require();
        var dir = Path.Combine(_scratch.FullName, "no-such-bundle");
        Rejected(dir, $"bundle {dir}: no such directory");
    }

    [IntegrationFact]
    public void A_bundle_without_config_json()
    {
        Integration.Require();
        using var bundle = Bundle();
        File.Delete(Path.Combine(bundle.Dir, "config.json"));
        Rejected(bundle.Dir, $"{bundle.Dir}/config.json: no such file");
    }

    [IntegrationFact]
    public void A_config_json_that_cannot_be_read_because_it_is_a_directory()
    {
        Integration.Require();
        using var bundle = Bundle();
        File.Delete(Path.Combine(bundle.Dir, "config.json"));
        Directory.CreateDirectory(Path.Combine(bundle.Dir, "config.json"));
        // runc: "read config.json: is a directory".
        Rejected(bundle.Dir, $"{bundle.Dir}/config.json", "is a directory");
    }

    [IntegrationFact]
    public void A_value_of_the_wrong_type_names_its_json_path_line_and_expected_type()
    {
        Integration.Require();
        using var bundle = Bundle();
        var text = EditConfig(bundle, c => c["process"]!["user"]!["uid"] = "1000");
        var line = LineOf(text, "\"uid\"");
        Rejected(bundle.Dir, "config.json: process.user.uid", $"(line {line}, ", "expected an unsigned 32-bit integer");
    }

    [IntegrationFact]
    public void Malformed_json_names_the_line_and_says_what_is_wrong()
    {
        Integration.Require();
        using var bundle = Bundle();
        // Line 5 lacks the comma after line 4's value.
        File.WriteAllText(Path.Combine(bundle.Dir, "config.json"),
            "{\n  \"ociVersion\": \"1.2.0\",\n  \"process\": {\n    \"args\": [\"sh\"]\n    \"cwd\": \"/\"\n  }\n}\n");
        Rejected(bundle.Dir, "config.json: process (line 5, ", "malformed JSON");
    }

    [IntegrationFact]
    public void An_unsupported_oci_version()
    {
        Integration.Require();
        using var bundle = Bundle();
        EditConfig(bundle, c => c["ociVersion"] = "2.0.0");
        Rejected(bundle.Dir, "config.json: ociVersion: unsupported version \"2.0.0\"");
    }

    [IntegrationFact]
    public void A_missing_oci_version()
    {
        Integration.Require();
        using var bundle = Bundle();
        EditConfig(bundle, c => c.Remove("ociVersion"));
        Rejected(bundle.Dir, "config.json: ociVersion: missing");
    }

    [IntegrationFact]
    public void A_missing_rootfs()
    {
        Integration.Require();
        using var bundle = Bundle();
        EditConfig(bundle, c => c["root"]!["path"] = "no-such-rootfs");
        Rejected(bundle.Dir, "config.json: root.path: rootfs", $"{bundle.Dir}/no-such-rootfs does not exist");
    }

    [IntegrationFact]
    public void A_root_path_that_is_a_file()
    {
        Integration.Require();
        using var bundle = Bundle();
        File.WriteAllText(Path.Combine(bundle.Dir, "a-file"), "not a rootfs\n");
        EditConfig(bundle, c => c["root"]!["path"] = "a-file");
        Rejected(bundle.Dir, "config.json: root.path: rootfs", $"{bundle.Dir}/a-file is not a directory");
    }

    [IntegrationFact]
    public void A_missing_process()
    {
        Integration.Require();
        using var bundle = Bundle();
        EditConfig(bundle, c => c.Remove("process"));
        Rejected(bundle.Dir, "config.json: process: missing");
    }

    [IntegrationFact]
    public void Empty_process_args()
    {
        Integration.Require();
        using var bundle = Bundle();
        EditConfig(bundle, c => c["process"]!["args"] = new JsonArray());
        Rejected(bundle.Dir, "config.json: process.args: missing");
    }

    [IntegrationFact]
    public void A_relative_cwd()
    {
        Integration.Require();
        using var bundle = Bundle();
        EditConfig(bundle, c => c["process"]!["cwd"] = "home/user");
        Rejected(bundle.Dir, "config.json: process.cwd: \"home/user\" is not an absolute path");
    }

    [IntegrationFact]
    public void An_unknown_capability_names_its_list_and_index()
    {
        Integration.Require();
        using var bundle = Bundle();
        EditConfig(bundle, c => c["process"]!["capabilities"]!["bounding"]!.AsArray().Add("CAP_NO_SUCH_THING"));
        Rejected(bundle.Dir, "config.json: process.capabilities.bounding[3]: unknown capability \"CAP_NO_SUCH_THING\"");
    }

    [IntegrationFact]
    public void An_unknown_rlimit()
    {
        Integration.Require();
        using var bundle = Bundle();
        EditConfig(bundle, c => c["process"]!["rlimits"]!.AsArray().Add(new JsonObject { ["type"] = "RLIMIT_NO_SUCH", ["soft"] = 1, ["hard"] = 1 }));
        Rejected(bundle.Dir, "config.json: process.rlimits[1].type: unknown rlimit \"RLIMIT_NO_SUCH\"");
    }

    [IntegrationFact]
    public void An_unknown_namespace_type()
    {
        Integration.Require();
        using var bundle = Bundle();
        var index = 0;
        EditConfig(bundle, c =>
        {
            var ns = c["linux"]!["namespaces"]!.AsArray();
            index = ns.Count;
            ns.Add(new JsonObject { ["type"] = "no-such-ns" });
        });
        Rejected(bundle.Dir, $"config.json: linux.namespaces[{index}].type: unknown namespace type \"no-such-ns\"");
    }

    [IntegrationFact]
    public void A_namespace_given_twice()
    {
        Integration.Require();
        using var bundle = Bundle();
        var index = 0;
        EditConfig(bundle, c =>
        {
            var ns = c["linux"]!["namespaces"]!.AsArray();
            index = ns.Count;
            ns.Add(new JsonObject { ["type"] = "pid" });
        });
        Rejected(bundle.Dir, $"config.json: linux.namespaces[{index}].type: namespace \"pid\" is given twice");
    }

    [IntegrationFact]
    public void No_mount_namespace()
    {
        Integration.Require();
        using var bundle = Bundle();
        EditConfig(bundle, c =>
        {
            var ns = c["linux"]!["namespaces"]!.AsArray();
            ns.Remove(ns.Single(n => (string?)n!["type"] == "mount"));
        });
        Rejected(bundle.Dir, "config.json: linux.namespaces: a mount namespace is required");
    }

    [IntegrationFact]
    public void A_bind_mount_whose_source_does_not_exist()
    {
        Integration.Require();
        using var bundle = Bundle();
        var source = Path.Combine(_scratch.FullName, "no-such-source");
        var index = 0;
        EditConfig(bundle, c =>
        {
            var mounts = c["mounts"]!.AsArray();
            index = mounts.Count;
            mounts.Add(new JsonObject { ["destination"] = "/data", ["type"] = "bind", ["source"] = source, ["options"] = new JsonArray("rbind") });
        });
        Rejected(bundle.Dir, $"mounts[{index}].source", $"bind source {source} does not exist");
    }

    // ---- ids ----------------------------------------------------------------------------

    public static TheoryData<string> BadIds => new() { "..", ".", "a/b", "../escape", new string('a', 1025), "a b", "a$b", "a\nb" };

    [IntegrationTheory]
    [MemberData(nameof(BadIds))]
    public void An_invalid_container_id(string id)
    {
        Integration.Require();
        using var bundle = Bundle();
        foreach (var command in new[] { "create", "run" })
        {
            var r = _runa.Run(command, "-b", bundle.Dir, id);
            AssertFailed(r, "invalid container id");
            AssertNothingLeftBy(id);
        }
        foreach (var command in new[] { "state", "start", "kill", "delete" })
        {
            AssertFailed(_runa.Run(command, id), "invalid container id");
        }
    }

    [IntegrationFact]
    public void An_empty_container_id()
    {
        Integration.Require();
        using var bundle = Bundle();
        foreach (var command in new[] { "create", "run" })
        {
            // runc's words for it.
            AssertFailed(_runa.Run(command, "-b", bundle.Dir, ""), "container id cannot be empty");
            AssertNothingLeftBy("");
        }
    }

    [IntegrationFact]
    public void A_second_create_of_the_same_id_fails_and_leaves_the_first_container_untouched()
    {
        Integration.Require();
        using var first = _runa.Track(new BusyboxBundle(s => s.Process!.Args = ["sh", "-c", "echo first > /out/ran; exec sleep 300"]));
        first.Spec.Mounts!.Add(new Runtime.Oci.Mount { Destination = "/out", Type = "bind", Source = "out", Options = ["rbind", "rw"] });
        first.Save();
        var outDir = Directory.CreateDirectory(Path.Combine(first.Dir, "out")).FullName;
        using var second = Bundle();
        var id = _runa.NewId();
        _runa.Run("create", "-b", first.Dir, id).Ok();
        var before = _runa.State(id);
        var pid = before.GetProperty("pid").GetInt32();
        using var init = Processes.Open(pid);

        AssertFailed(_runa.Run("create", "-b", second.Dir, id), $"container with id {id} already exists");
        AssertFailed(_runa.Run("run", "-b", second.Dir, id), $"container with id {id} already exists");

        var after = _runa.State(id);
        Assert.Equal("created", after.GetProperty("status").GetString());
        Assert.Equal(pid, after.GetProperty("pid").GetInt32());
        Assert.Equal(first.Dir, after.GetProperty("bundle").GetString());
        Assert.Equal("runa:[1:INIT]", File.ReadAllText($"/proc/{pid}/comm").Trim());
        Assert.Equal(new[] { id }, ListIds());
        // It still starts, and runs its own bundle's process.
        _runa.Run("start", id).Ok();
        Processes.WaitForFile(Path.Combine(outDir, "ran"));
        Assert.Equal("first\n", File.ReadAllText(Path.Combine(outDir, "ran")));
        _runa.Run("delete", "--force", id).Ok();
        Processes.WaitForExit(init, "delete --force to kill the container", timeoutMs: 0);
    }

    // ---- the process cannot be executed -------------------------------------------------

    [IntegrationFact]
    public void An_args0_not_found_in_PATH_fails_create_and_run_exits_127()
    {
        Integration.Require();
        using var bundle = Bundle("nosuch");
        var id = _runa.NewId();
        AssertFailed(_runa.Run("create", "-b", bundle.Dir, id), "exec: \"nosuch\": executable file not found in $PATH");
        AssertNothingLeft(id);
        id = _runa.NewId();
        AssertFailed(_runa.Run("run", "-b", bundle.Dir, id), "exec: \"nosuch\": executable file not found in $PATH", exitCode: 127);
        AssertNothingLeft(id);
    }

    [IntegrationFact]
    public void An_absolute_args0_that_does_not_exist_fails_create_and_run_exits_127()
    {
        Integration.Require();
        using var bundle = Bundle("/bin/nosuch");
        var id = _runa.NewId();
        // Engines classify the error by its words, case-insensitively (podman: "no such file or directory" → 127).
        AssertFailedIgnoringCase(_runa.Run("create", "-b", bundle.Dir, id), "exec: \"/bin/nosuch\": stat /bin/nosuch: no such file or directory");
        AssertNothingLeft(id);
        id = _runa.NewId();
        AssertFailedIgnoringCase(_runa.Run("run", "-b", bundle.Dir, id), "exec: \"/bin/nosuch\": stat /bin/nosuch: no such file or directory", exitCode: 127);
        AssertNothingLeft(id);
    }

    [IntegrationFact]
    public void A_non_executable_args0_fails_create_and_run_exits_126()
    {
        Integration.Require();
        using var bundle = Bundle("/etc/passwd");
        var id = _runa.NewId();
        AssertFailedIgnoringCase(_runa.Run("create", "-b", bundle.Dir, id), "exec: \"/etc/passwd\"", "permission denied");
        AssertNothingLeft(id);
        id = _runa.NewId();
        AssertFailed(_runa.Run("run", "-b", bundle.Dir, id), ["exec: \"/etc/passwd\"", "permission denied"], 126, StringComparison.OrdinalIgnoreCase);
        AssertNothingLeft(id);
    }

    // ---- commands in the wrong state ----------------------------------------------------

    [IntegrationFact]
    public void Start_of_a_running_or_stopped_container_fails_and_changes_nothing()
    {
        Integration.Require();
        using var bundle = Bundle("sleep", "300");
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        var pid = _runa.State(id).GetProperty("pid").GetInt32();
        using var init = Processes.Open(pid);
        AssertFailed(_runa.Run("start", id), "cannot start an already running container");
        Assert.Equal("running", _runa.Status(id));
        Assert.Equal("sleep", File.ReadAllText($"/proc/{pid}/comm").Trim());

        _runa.Run("kill", id, "KILL").Ok();
        Processes.WaitForExit(init, "the container to die of SIGKILL");
        AssertFailed(_runa.Run("start", id), "cannot start a container that has stopped");
        Assert.Equal("stopped", _runa.Status(id));
        _runa.Run("delete", id).Ok();
    }

    [IntegrationFact]
    public void Delete_of_a_running_container_without_force_is_refused_and_it_keeps_running()
    {
        Integration.Require();
        using var bundle = Bundle("sleep", "300");
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        var pid = _runa.State(id).GetProperty("pid").GetInt32();
        using var init = Processes.Open(pid);
        AssertFailed(_runa.Run("delete", id), $"cannot delete container {id} that is not stopped: running");
        Assert.Equal("running", _runa.Status(id));
        Assert.False(Sys.PollReadable(init, 0), "the container's init died after a refused delete");
        Assert.NotEmpty(Leftovers.CgroupDirs(id));
        _runa.Run("delete", "--force", id).Ok();
        Processes.WaitForExit(init, "delete --force to kill the container", timeoutMs: 0);
    }

    [IntegrationFact]
    public void Kill_of_a_stopped_container_fails()
    {
        Integration.Require();
        using var bundle = Bundle("true");
        var id = _runa.NewId();
        _runa.Run("run", "--keep", "-b", bundle.Dir, id).Ok();
        Assert.Equal("stopped", _runa.Status(id));
        AssertFailed(_runa.Run("kill", id, "KILL"), "container not running");
        AssertFailed(_runa.Run("kill", id), "container not running");
        Assert.Equal("stopped", _runa.Status(id));
        _runa.Run("delete", id).Ok();
    }

    [IntegrationFact]
    public void Commands_on_a_nonexistent_container_say_it_does_not_exist()
    {
        Integration.Require();
        var id = _runa.NewId();
        foreach (var args in new[] { new[] { "state", id }, ["start", id], ["kill", id], ["kill", id, "KILL"], ["delete", id] })
        {
            AssertFailed(_runa.Run(args), $"container {id} does not exist");
        }
        AssertNothingLeft(id);
    }

    [IntegrationFact]
    public void Delete_force_of_a_nonexistent_container_succeeds_as_with_runc_and_crun()
    {
        Integration.Require();
        // Engines clean up with `delete --force` and expect it to succeed when there is nothing to delete.
        var id = _runa.NewId();
        _runa.Run("delete", "--force", id).Ok();
        AssertNothingLeft(id);
    }

    [IntegrationFact]
    public void Kill_with_an_unknown_signal_fails_and_sends_nothing()
    {
        Integration.Require();
        using var bundle = Bundle("sleep", "300");
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        using var init = Processes.Open(_runa.State(id).GetProperty("pid").GetInt32());
        foreach (var signal in new[] { "NOSUCHSIGNAL", "SIGNOPE", "0x9", "-9", "65", "9x" })
        {
            AssertFailed(_runa.Run("kill", id, signal), $"unknown signal \"{signal}\"");
        }
        Assert.False(Sys.PollReadable(init, 0), "the container died after a kill with a bad signal");
        Assert.Equal("running", _runa.Status(id));
        _runa.Run("delete", "--force", id).Ok();
        Processes.WaitForExit(init, "delete --force to kill the container", timeoutMs: 0);
    }

    [IntegrationFact]
    public void Systemd_cgroup_is_refused_and_creates_nothing()
    {
        Integration.Require();
        using var bundle = Bundle("true");
        foreach (var command in new[] { "create", "run" })
        {
            var id = _runa.NewId();
            AssertFailed(_runa.Run("--systemd-cgroup", command, "-b", bundle.Dir, id), "--systemd-cgroup is not supported");
            AssertNothingLeft(id);
        }
    }

    // ---- helpers ------------------------------------------------------------------------

    private BusyboxBundle Bundle(params string[] args) =>
        _runa.Track(new BusyboxBundle(s => s.Process!.Args = args.Length == 0 ? ["true"] : [.. args]));

    /// <summary>Edits config.json as JSON (so it can hold what the Spec model cannot); returns the new text.</summary>
    private static string EditConfig(BusyboxBundle bundle, Action<JsonObject> edit)
    {
        var path = Path.Combine(bundle.Dir, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(config);
        var text = config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(path, text);
        return text;
    }

    private static int LineOf(string text, string needle) =>
        text.Split('\n').Select((l, i) => (l, i)).First(x => x.l.Contains(needle, StringComparison.Ordinal)).i + 1;

    /// <summary>`create` and `run` of the bundle both fail saying <paramref name="expected"/>, and leave nothing.</summary>
    private void Rejected(string bundleDir, params string[] expected)
    {
        foreach (var command in new[] { "create", "run" })
        {
            var id = _runa.NewId();
            var pidFile = Path.Combine(_scratch.FullName, id + ".pid");
            AssertFailed(_runa.Run(command, "--bundle", bundleDir, "--pid-file", pidFile, id), expected);
            Assert.False(File.Exists(pidFile), $"runa {command} wrote a pid file for a container it did not create");
            AssertNothingLeft(id);
        }
    }

    private static void AssertFailed(RunaResult r, params string[] expected) => AssertFailed(r, expected, null, StringComparison.Ordinal);

    private static void AssertFailed(RunaResult r, string expected, int exitCode) => AssertFailed(r, [expected], exitCode, StringComparison.Ordinal);

    private static void AssertFailedIgnoringCase(RunaResult r, params string[] expected) =>
        AssertFailed(r, expected, null, StringComparison.OrdinalIgnoreCase);

    private static void AssertFailedIgnoringCase(RunaResult r, string expected, int exitCode) =>
        AssertFailed(r, [expected], exitCode, StringComparison.OrdinalIgnoreCase);

    private static void AssertFailed(RunaResult r, string[] expected, int? exitCode, StringComparison comparison)
    {
        var what = $"runa {string.Join(' ', r.Args.Select(a => a.Length > 80 ? a[..80] + "…" : a))}";
        Assert.True(r.ExitCode != 0, $"{what} should have failed\nstdout: {r.Stdout}\nstderr: {r.Stderr}");
        if (exitCode is { } code)
        {
            Assert.True(code == r.ExitCode, $"{what} exited {r.ExitCode}, expected {code}\nstderr: {r.Stderr}");
        }
        // The text log quotes the message (msg="…") and escapes its quotes, as runc's does.
        var stderr = r.Stderr.Replace("\\\"", "\"");
        foreach (var e in expected)
        {
            Assert.True(stderr.Contains(e, comparison), $"{what}: stderr does not say \"{e}\"\nstderr: {r.Stderr}");
        }
        // .NET resource keys instead of messages ("UnauthorizedAccess_IODenied_Path",
        // "DeserializeUnableToConvertValue, System.UInt32") are not a clear error.
        var key = ResourceKey().Match(stderr);
        Assert.False(key.Success, $"{what}: stderr shows the .NET resource key \"{key.Value}\" instead of a message\nstderr: {r.Stderr}");
    }

    [GeneratedRegex(@"\b(?:[A-Z][a-z]+){2,}_[A-Z]\w+\b|\b(?:[A-Z][a-z]+){3,}, ")]
    private static partial Regex ResourceKey();

    private List<string> ListIds() =>
        [.. _runa.Run("list", "-q").Ok().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>No container is listed, no state directory exists, and nothing of <paramref name="id"/> is on the host.</summary>
    private void AssertNothingLeft(string id)
    {
        AssertNothingLeftBy(id);
        Assert.Empty(Leftovers.Of(id, _runa.Root));
    }

    /// <summary>The checks that make sense for any id, even one that is not a valid path component.</summary>
    private void AssertNothingLeftBy(string id)
    {
        Assert.Empty(ListIds());
        if (Directory.Exists(_runa.Root))
        {
            Assert.Empty(Directory.EnumerateDirectories(_runa.Root, "*", SearchOption.AllDirectories));
        }
        if (id.Length > 0 && !id.Contains("..") && id != ".")
        {
            Assert.Empty(Leftovers.CgroupDirs(id));
        }
    }
}

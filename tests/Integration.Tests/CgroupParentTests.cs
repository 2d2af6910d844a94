using Runa.IntegrationTests.Harness;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>The configured cgroup parent of containers without an absolute linux.cgroupsPath.</summary>
public sealed class CgroupParentTests
{
    private const string CgroupRoot = "/sys/fs/cgroup";

    [IntegrationFact]
    public void An_embedded_runa_puts_the_container_under_RUNA_CGROUP_PARENT_and_delete_removes_what_it_created()
    {
        Integration.Require();
        using var runa = new RunaHost(RunaMode.Embedded);
        var parent = UniqueParent();
        runa.Environment["RUNA_CGROUP_PARENT"] = parent;
        LandsUnderTheParent(runa, parent);
    }

    [IntegrationFact]
    public void A_daemon_with_cgroup_parent_puts_the_container_there_and_delete_removes_what_it_created()
    {
        Integration.Require();
        using var runa = new RunaHost(RunaMode.Daemon);
        var parent = UniqueParent();
        runa.StartDaemon(["--cgroup-parent", parent]);
        LandsUnderTheParent(runa, parent);
    }

    [IntegrationFact]
    public void A_relative_or_escaping_parent_is_refused_naming_the_variable()
    {
        Integration.Require();
        using var runa = new RunaHost(RunaMode.Embedded);
        using var bundle = runa.Track(new BusyboxBundle(s => s.Process!.Args = ["true"]));
        var id = runa.NewId();
        runa.Environment["RUNA_CGROUP_PARENT"] = "runa-relative";
        // (stderr is a log line: the quotes in the message come escaped)
        Assert.Contains("RUNA_CGROUP_PARENT", runa.Run("create", "-b", bundle.Dir, id).Fails("must be an absolute cgroup path").Stderr);
        runa.Environment["RUNA_CGROUP_PARENT"] = "/runa/../..";
        Assert.Contains("RUNA_CGROUP_PARENT", runa.Run("create", "-b", bundle.Dir, id).Fails("must not contain").Stderr);
        runa.Environment.Remove("RUNA_CGROUP_PARENT");
        Assert.Equal("", runa.Run("list", "-q").Ok().Stdout.Trim());
    }

    /// <summary>Two levels that do not exist yet, so the container creates (and must remove) both.</summary>
    private static string UniqueParent() => $"/runa-parent-{Guid.NewGuid():N}"[..24] + "/inner";

    private static void LandsUnderTheParent(RunaHost runa, string parent)
    {
        using var bundle = runa.Track(new BusyboxBundle(s => s.Process!.Args = ["sleep", "300"]));
        var id = runa.NewId();
        var top = parent.Split('/', StringSplitOptions.RemoveEmptyEntries)[0];
        try
        {
            runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
            var leaf = $"{CgroupRoot}/memory{parent}/{id}";
            Assert.True(Directory.Exists(leaf), $"{leaf} does not exist");
            var pid = runa.State(id).GetProperty("pid").GetInt32();
            Assert.Contains(pid.ToString(), File.ReadAllLines(Path.Combine(leaf, "cgroup.procs")));
            Assert.Contains($":memory:{parent}/{id}", File.ReadAllText($"/proc/{pid}/cgroup"));
            Assert.Empty(Leftovers.CgroupDirs(id)); // nothing under the default /runa

            runa.Run("delete", "-f", id).Ok();

            var left = Hierarchies().Select(h => Path.Combine(h, top)).Where(Directory.Exists).ToList();
            Assert.True(left.Count == 0, "delete left the parent it created: " + string.Join(", ", left));
        }
        finally
        {
            runa.Run("delete", "-f", id);
            RemoveTree(top, $"{top}/inner", $"{top}/inner/{id}");
        }
    }

    private static IEnumerable<string> Hierarchies() =>
        Directory.EnumerateDirectories(CgroupRoot).Where(d => File.Exists(Path.Combine(d, "cgroup.procs")));

    /// <summary>After a failed assertion: kill what is left in the cgroups and remove them, deepest first.</summary>
    private static void RemoveTree(params string[] relativeDirs)
    {
        foreach (var dir in relativeDirs.Reverse().SelectMany(r => Hierarchies().Select(h => Path.Combine(h, r))).Where(Directory.Exists))
        {
            foreach (var line in File.ReadAllLines(Path.Combine(dir, "cgroup.procs")))
            {
                try
                {
                    System.Diagnostics.Process.GetProcessById(int.Parse(line)).Kill();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                }
            }
            try
            {
                Directory.Delete(dir);
            }
            catch (IOException)
            {
                // Still busy: the assertion that brought us here already failed the test.
            }
        }
    }
}

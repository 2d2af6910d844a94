using System.Text.Json;
using Runa.IntegrationTests.Harness;
using Runa.Runtime.Oci;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>`runa update` flags, `ps` options and the `events` stream end to end, read back from the v1 files.</summary>
public class UpdateFlagTests : IDisposable
{
    private readonly RunaHost _runa;

    public UpdateFlagTests()
        : this(RunaMode.Embedded)
    {
    }

    protected UpdateFlagTests(RunaMode mode)
    {
        _runa = new RunaHost(mode);
    }

    public void Dispose()
    {
        _runa.Dispose();
        GC.SuppressFinalize(this);
    }

    private static string Cgroup(string controller, string id, string file) =>
        File.ReadAllText($"/sys/fs/cgroup/{controller}/runa/{id}/{file}").Trim();

    /// <summary>A running `sleep 300` container with a 64 MiB memory limit (a swap limit needs one).</summary>
    private string RunSleeper(BusyboxBundle bundle)
    {
        var id = _runa.NewId();
        _runa.Run("run", "-d", "-b", bundle.Dir, id).Ok();
        return id;
    }

    private BusyboxBundle Sleeper() => _runa.Track(new BusyboxBundle(s =>
    {
        s.Process!.Args = ["sleep", "300"];
        (s.Linux!.Resources ??= new LinuxResources()).Memory = new MemoryResources { Limit = 64 << 20 };
    }));

    [IntegrationFact]
    public void Memory_swap_reservation_cpu_quota_period_shares_and_cpuset_mems_reach_the_kernel_files()
    {
        Integration.Require();
        using var bundle = Sleeper();
        var id = RunSleeper(bundle);

        _runa.Run("update", "--memory", "80m", "--memory-swap", "96m", "--memory-reservation", "32m",
            "--cpu-quota", "30000", "--cpu-period", "60000", "--cpu-shares", "300", "--cpuset-mems", "0", id).Ok();

        Assert.Equal((80 << 20).ToString(), Cgroup("memory", id, "memory.limit_in_bytes"));
        Assert.Equal((96 << 20).ToString(), Cgroup("memory", id, "memory.memsw.limit_in_bytes"));
        Assert.Equal((32 << 20).ToString(), Cgroup("memory", id, "memory.soft_limit_in_bytes"));
        Assert.Equal("30000", Cgroup("cpu", id, "cpu.cfs_quota_us"));
        Assert.Equal("60000", Cgroup("cpu", id, "cpu.cfs_period_us"));
        Assert.Equal("300", Cgroup("cpu", id, "cpu.shares"));
        // This machine has one memory node: 0 is the only value to set, so this proves the flag is accepted and written.
        Assert.Equal("0", Cgroup("cpuset", id, "cpuset.mems"));

        // -1 lifts the swap limit again; the quota alone can go back to unlimited.
        _runa.Run("update", "--memory-swap", "-1", "--cpu-quota", "-1", id).Ok();
        Assert.Equal(long.MaxValue / 4096 * 4096, long.Parse(Cgroup("memory", id, "memory.memsw.limit_in_bytes")));
        Assert.Equal("-1", Cgroup("cpu", id, "cpu.cfs_quota_us"));
        _runa.Run("delete", "-f", id).Ok();
    }

    [IntegrationFact]
    public void Resources_json_can_come_on_stdin()
    {
        Integration.Require();
        using var bundle = Sleeper();
        var id = RunSleeper(bundle);
        var json = Path.Combine(bundle.Dir, "resources.json");
        File.WriteAllText(json, """{ "pids": { "limit": 33 }, "memory": { "reservation": 16777216 } }""");

        _runa.RunWithStdin(json, "update", "-r", "-", id).Ok();

        Assert.Equal("33", Cgroup("pids", id, "pids.max"));
        Assert.Equal((16 << 20).ToString(), Cgroup("memory", id, "memory.soft_limit_in_bytes"));
        _runa.Run("delete", "-f", id).Ok();
    }

    [IntegrationFact]
    public void A_blkio_weight_out_of_range_is_refused_with_the_number_given()
    {
        Integration.Require();
        using var bundle = Sleeper();
        var id = RunSleeper(bundle);
        var e = _runa.Run("update", "--blkio-weight", "70000", id).Fails("--blkio-weight").Stderr;
        Assert.Contains("70000", e);
        Assert.Contains("10 to 1000", e);
        Assert.DoesNotContain("65535", e);
        Assert.Contains("10 to 1000", _runa.Run("update", "--blkio-weight", "5", id).Fails("--blkio-weight").Stderr);
        _runa.Run("delete", "-f", id).Ok();
    }

    [IntegrationFact]
    public void Ps_passes_its_extra_options_to_ps()
    {
        Integration.Require();
        using var bundle = Sleeper();
        var id = RunSleeper(bundle);
        var pid = _runa.State(id).GetProperty("pid").GetInt32();

        var lines = _runa.Run("ps", id, "--", "-o", "pid,comm").Ok().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(["PID", "COMMAND"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal([pid.ToString(), "sleep"], Assert.Single(lines[1..]).Split(' ', StringSplitOptions.RemoveEmptyEntries));
        _runa.Run("delete", "-f", id).Ok();
    }

    /// <summary>Without --stats, events streams a stats line every --interval (with --stats, runc prints one and exits).</summary>
    [IntegrationFact]
    public void Events_with_an_interval_streams_stats_lines()
    {
        Integration.Require();
        using var bundle = Sleeper();
        var id = RunSleeper(bundle);

        using (var events = _runa.Start("events", "--interval", "1s", id))
        {
            var stdout = events.WaitForOutput(o => o.Count(c => c == '\n') >= 2, "print two lines");
            foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(2))
            {
                var e = JsonDocument.Parse(line).RootElement;
                Assert.Equal("stats", e.GetProperty("type").GetString());
                Assert.Equal(id, e.GetProperty("id").GetString());
                Assert.True(e.GetProperty("data").GetProperty("memory").TryGetProperty("usage", out _));
            }
        }

        var once = _runa.Run("events", "--interval", "1s", "--stats", id).Ok().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("stats", JsonDocument.Parse(Assert.Single(once)).RootElement.GetProperty("type").GetString());
        _runa.Run("delete", "-f", id).Ok();
    }
}

/// <summary>The same through a `runa daemon` (stdin, ps options and the events stream cross the wire).</summary>
public sealed class DaemonUpdateFlagTests : UpdateFlagTests
{
    public DaemonUpdateFlagTests()
        : base(RunaMode.Daemon)
    {
    }
}

using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace Runa.IntegrationTests.Harness;

/// <summary>How a test's `runa` commands run.</summary>
public enum RunaMode
{
    /// <summary>Each command hosts the runtime itself (runc-compatible).</summary>
    Embedded,

    /// <summary>A `runa daemon` per test on the same --root; every command goes to it with --host.</summary>
    Daemon,
}

/// <summary>
/// The `runa` binary built with these tests, run against a fresh --root per test (in daemon
/// mode, through a daemon of its own). Disposing checks that the test left nothing behind — no
/// process of its containers, no cgroup, no state entry or directory, no mount, no daemon or
/// socket — and fails the test if it did (after cleaning up).
/// </summary>
public sealed class RunaHost : IDisposable
{
    private readonly List<string> _ids = [];
    private readonly List<string> _bundles = [];

    public RunaHost(RunaMode mode = RunaMode.Embedded)
    {
        Root = Path.Combine("/run/runa-test", Guid.NewGuid().ToString("N")[..12]);
        Mode = mode;
        if (mode == RunaMode.Daemon)
        {
            Daemon = RunaDaemon.Start(Root, SocketPath);
        }
    }

    public string Root { get; }

    public RunaMode Mode { get; }

    /// <summary>
    /// The umask runa runs with (octal, e.g. "022"); null keeps the test runner's. An engine calls
    /// runa with its own umask, and runa's results must not depend on it.
    /// </summary>
    public string? Umask { get; set; }

    /// <summary>Environment variables every runa this test starts gets (not the daemon's: pass it flags).</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>The daemon of this test (daemon mode), else null.</summary>
    public RunaDaemon? Daemon { get; private set; }

    /// <summary>Where this test's daemon listens (under /run/runa-test, a short path: unix socket paths have 107 bytes).</summary>
    public string SocketPath => Root + ".sock";

    /// <summary>Starts (or restarts) this test's daemon.</summary>
    public RunaDaemon StartDaemon(string[]? args = null, string[]? wrapper = null)
    {
        StopDaemon();
        Daemon = RunaDaemon.Start(Root, SocketPath, args, wrapper);
        return Daemon;
    }

    /// <summary>Stops this test's daemon (SIGTERM); commands run embedded until it is started again.</summary>
    public void StopDaemon()
    {
        Daemon?.Stop();
        Daemon?.Dispose();
        Daemon = null;
    }

    public static string Binary => Path.Combine(AppContext.BaseDirectory, "runa");

    /// <summary>A fresh container id, tracked for the leak check.</summary>
    public string NewId(string prefix = "t")
    {
        var id = $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
        _ids.Add(id);
        return id;
    }

    /// <summary>Tracks a bundle so the leak check can look for its mounts.</summary>
    public Runa.Tests.BusyboxBundle Track(Runa.Tests.BusyboxBundle bundle)
    {
        _bundles.Add(bundle.Dir);
        return bundle;
    }

    public RunaResult Run(params string[] args) => Run(TimeSpan.FromSeconds(60), null, args);

    public RunaResult RunIn(string workingDirectory, params string[] args) => Run(TimeSpan.FromSeconds(60), workingDirectory, args);

    public RunaResult Run(TimeSpan timeout, string? workingDirectory, params string[] args) => Run([], viaDaemon: true, timeout, workingDirectory, args);

    /// <summary>Runs runa through <paramref name="wrapper"/> (a command that execs it: setpriv, say).</summary>
    public RunaResult RunAs(string[] wrapper, TimeSpan timeout, string? workingDirectory, params string[] args) =>
        Run(wrapper, viaDaemon: true, timeout, workingDirectory, args);

    /// <summary>Runs runa in embedded mode on this test's --root, even while a daemon serves it.</summary>
    public RunaResult RunEmbedded(params string[] args) => Run([], viaDaemon: false, TimeSpan.FromSeconds(60), null, args);

    /// <summary>Runs runa with its stdin read from <paramref name="stdinFile"/> (`-r -`, say) instead of /dev/null.</summary>
    public RunaResult RunWithStdin(string stdinFile, params string[] args) => Run(new RunaCall { Stdin = stdinFile }, args);

    private RunaResult Run(string[] wrapper, bool viaDaemon, TimeSpan timeout, string? workingDirectory, string[] args)
    {
        using var running = Start(wrapper, viaDaemon, workingDirectory, args);
        return running.Wait(timeout);
    }

    /// <summary>Runs runa the way <paramref name="call"/> says (stdin, environment, --root, --host).</summary>
    public RunaResult Run(RunaCall call, params string[] args)
    {
        using var running = Start([], call.HostFlag, null, args, call);
        return running.Wait(call.Timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>Starts runa (through the daemon in daemon mode) without waiting: to signal it, say.</summary>
    public RunningRuna Start(params string[] args) => Start([], viaDaemon: true, null, args);

    /// <summary>Starts runa in embedded mode without waiting.</summary>
    public RunningRuna StartEmbedded(params string[] args) => Start([], viaDaemon: false, null, args);

    private RunningRuna Start(string[] wrapper, bool viaDaemon, string? workingDirectory, string[] args, RunaCall? call = null)
    {
        // Output goes to files, not pipes: a created container keeps runa's stdio (it is the
        // caller's, by design), so a pipe would not reach EOF while the container lives.
        var output = Directory.CreateTempSubdirectory("runa-out-");
        var stdout = Path.Combine(output.FullName, "stdout");
        var stderr = Path.Combine(output.FullName, "stderr");
        // Exist before the shell's redirections do, so a waiter can read them at once.
        File.WriteAllText(stdout, "");
        File.WriteAllText(stderr, "");
        var psi = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
            Environment = { ["RUNA_OUT"] = stdout, ["RUNA_ERR"] = stderr, ["RUNA_IN"] = call?.Stdin ?? "/dev/null" },
        };
        // A test's runa talks to a daemon only when told to: not through a RUNA_HOST of the runner.
        psi.Environment.Remove("RUNA_HOST");
        // The test's own variables for every runa it starts, then this call's.
        foreach (var (name, value) in Environment.Concat(call?.Environment ?? new Dictionary<string, string>()))
        {
            psi.Environment[name] = value;
        }
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add((Umask is { } umask ? $"umask {umask} && " : "") + "exec \"$0\" \"$@\" < \"$RUNA_IN\" > \"$RUNA_OUT\" 2> \"$RUNA_ERR\"");
        foreach (var a in wrapper.Append(Binary))
        {
            psi.ArgumentList.Add(a); // the first is the shell's $0: what it execs
        }
        psi.ArgumentList.Add("--root");
        psi.ArgumentList.Add(call?.Root ?? Root);
        if (Daemon is not null && viaDaemon)
        {
            psi.ArgumentList.Add("--host");
            psi.ArgumentList.Add(Daemon.Address);
        }
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        var daemon = viaDaemon ? Daemon : null;
        return new RunningRuna(Process.Start(psi)!, output, args, daemon is null ? null : () => "the daemon's log:\n" + daemon.Output);
    }

    public JsonElement State(string id) => JsonDocument.Parse(Run("state", id).Ok().Stdout).RootElement;

    public string Status(string id) => State(id).GetProperty("status").GetString()!;

    public void Dispose()
    {
        var leaks = new List<string>();
        var listed = Directory.Exists(Root) ? Run("list", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries) : [];
        foreach (var id in listed)
        {
            leaks.Add($"state entry of container {id}");
            Run("delete", "--force", id);
        }
        foreach (var id in _ids)
        {
            leaks.AddRange(Leftovers.Of(id, Root));
        }
        leaks.AddRange(Leftovers.Mounts(_bundles));
        try
        {
            StopDaemon();
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException)
        {
            leaks.Add(e.Message);
        }
        Leftovers.Clean(_ids);
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        Assert.True(leaks.Count == 0, "the test left behind: " + string.Join("; ", leaks));
    }
}

/// <summary>
/// How to run one runa command, beyond its arguments: <see cref="Stdin"/> a file to read (else
/// /dev/null), extra <see cref="Environment"/>, another <see cref="Root"/>, and whether the test's
/// daemon is named with --host (<see cref="HostFlag"/>).
/// </summary>
public sealed record RunaCall
{
    public string? Stdin { get; init; }

    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    public string? Root { get; init; }

    public bool HostFlag { get; init; } = true;

    public TimeSpan? Timeout { get; init; }
}

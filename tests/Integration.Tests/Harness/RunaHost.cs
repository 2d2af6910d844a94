using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace Runa.IntegrationTests.Harness;

/// <summary>
/// The `runa` binary built with these tests, run against a fresh --root per test. Disposing
/// checks that the test left nothing behind — no process of its containers, no cgroup, no
/// state entry or directory, no mount — and fails the test if it did (after cleaning up).
/// </summary>
public sealed class RunaHost : IDisposable
{
    private readonly List<string> _ids = [];
    private readonly List<string> _bundles = [];

    public RunaHost()
    {
        Root = Path.Combine("/run/runa-test", Guid.NewGuid().ToString("N")[..12]);
    }

    public string Root { get; }

    /// <summary>
    /// The umask runa runs with (octal, e.g. "022"); null keeps the test runner's. An engine calls
    /// runa with its own umask, and runa's results must not depend on it.
    /// </summary>
    public string? Umask { get; set; }

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

    public RunaResult Run(TimeSpan timeout, string? workingDirectory, params string[] args)
    {
        using var running = Start(workingDirectory, args);
        return running.Wait(timeout);
    }

    /// <summary>Starts runa without waiting: for commands that stream (events) or block (run).</summary>
    public RunningRuna Start(string? workingDirectory, params string[] args) =>
        new(Binary, Root, workingDirectory ?? AppContext.BaseDirectory, args, Umask);

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

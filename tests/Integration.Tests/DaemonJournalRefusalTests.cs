using System.Diagnostics;
using Runa.Actors.Persistence;
using Runa.IntegrationTests.Harness;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>A daemon whose journal it cannot read refuses to start, at once and saying why.</summary>
public sealed class DaemonJournalRefusalTests : IDisposable
{
    /// <summary>Well under the daemon's recovery timeout (30 s and more): "promptly".</summary>
    private static readonly TimeSpan s_prompt = TimeSpan.FromSeconds(15);

    private readonly RunaHost _runa = new(RunaMode.Embedded);

    public void Dispose() => _runa.Dispose();

    private string JournalPath => Path.Combine(_runa.Root, "runa.db");

    private RunaResult StartDaemon()
    {
        var started = Stopwatch.StartNew();
        var result = _runa.Run(new RunaCall { Timeout = s_prompt }, "daemon", "--socket", _runa.SocketPath);
        Assert.True(started.Elapsed < s_prompt, $"the daemon took {started.Elapsed.TotalSeconds:F1}s to refuse");
        Assert.True(result.ExitCode != 0, $"the daemon exited {result.ExitCode}\nstdout: {result.Stdout}\nstderr: {result.Stderr}");
        Assert.False(File.Exists(_runa.SocketPath), "a daemon that refused to start left its socket");
        return result;
    }

    [IntegrationFact]
    public void A_daemon_on_a_journal_of_garbage_refuses_to_start_naming_the_file()
    {
        Integration.Require();
        Directory.CreateDirectory(_runa.Root);
        File.WriteAllBytes(JournalPath, System.Security.Cryptography.RandomNumberGenerator.GetBytes(16384));

        var result = StartDaemon();

        Assert.Contains($"the state journal {JournalPath} is unreadable", result.Stdout + result.Stderr);
        Assert.Contains("file is not a database", result.Stdout + result.Stderr);
    }

    [IntegrationFact]
    public void A_daemon_with_a_corrupt_container_record_refuses_promptly_naming_the_container()
    {
        Integration.Require();
        using (var journal = SqliteJournal.Open(JournalPath))
        {
            // A row a real journal could hold after a bad write: the right shape, a payload of garbage.
            journal.WriteAsync([new JournalEntry("container-broken", 1, "ContainerCreating", DateTimeOffset.UtcNow, [0xff, 0x00, 0x7b])]).Wait(s_prompt);
        }

        var result = StartDaemon();

        var output = result.Stdout + result.Stderr;
        Assert.Contains($"cannot recover the containers in {JournalPath}: container broken: cannot read its state", output);
        Assert.DoesNotContain("timed out", output, StringComparison.OrdinalIgnoreCase);
        // Move the bad journal aside, as the message advises, so the leak check's `list` can read the root.
        File.Delete(JournalPath);
    }
}

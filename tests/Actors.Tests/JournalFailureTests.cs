using Runa.Actors.Containers;
using Runa.Actors.Persistence;
using Runa.Actors.Tests.Fakes;
using Runa.Kernel;
using Xunit;
using Xunit.Abstractions;

namespace Runa.Actors.Tests;

/// <summary>The journal failing under the container actor: at create, after READY, on recovery.</summary>
public sealed class JournalFailureTests(ITestOutputHelper output) : ContainerScenario(output)
{
    [Fact]
    public void A_failing_first_write_fails_the_create_before_anything_is_made()
    {
        Faults.WriteFault = _ => new IOException("disk I/O error");
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Equal("journal the container: disk I/O error", e.Message);
        ExpectSenderStops();
        Assert.False(Directory.Exists(StateDir("c1")));
        Assert.Empty(Cgroups.News);
        Assert.Equal(0, Launcher.Attempts);
    }

    [Fact]
    public void A_failing_write_of_the_created_event_kills_the_init_and_cleans_up()
    {
        Faults.WriteFault = entries => entries.Any(x => x.Manifest == nameof(ContainerCreated)) ? new IOException("disk full") : null;
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Equal("journal the created container: disk full", e.Message);
        ExpectSenderStops();
        AssertNoTraces("c1");
        Assert.Equal([9], Launcher.Of("c1")!.Init!.Signals);
    }

    [Fact]
    public void A_failing_delete_of_the_record_after_a_failed_create_still_replies()
    {
        Faults.DeleteFault = _ => new IOException("database is locked");
        Launcher.Script = f =>
        {
            f.ReadBootstrap();
            f.Bail(-1, Runa.Runtime.Interop.Errno.EPERM, "nope");
        };
        Create("c1", Bundle());
        Assert.Equal($"runa-init: nope: {Runa.Runtime.Interop.Errno.Describe(1)} (EPERM)", ExpectError(ContainerErrorKind.Failed).Message);
        ExpectSenderStops();
        Assert.False(Directory.Exists(StateDir("c1")));
        Assert.True(Cgroups.Of("c1")!.Destroyed);
    }

    [Fact]
    public void An_unreadable_record_fails_every_command_for_the_container()
    {
        CreateOk("c1");
        // A second registry (a restarted daemon) cannot read the record.
        Faults.ReadFault = _ => new JournalUnreadableException(Settings.JournalPath, new IOException("malformed"));
        var registryB = Sys.ActorOf(ContainerRegistry.Props(new ContainerRuntime(Settings, Launcher, Processes, Cgroups, Faults)), "containers-b");
        foreach (var command in new ContainerCommand[] { new GetContainerState("c1"), new DeleteContainer("c1", Force: true), new CreateContainer("c1", Bundle().Dir) })
        {
            registryB.Tell(command);
            var e = ExpectError(ContainerErrorKind.Failed);
            Assert.StartsWith("container c1: cannot read its state: the state journal", e.Message);
        }
        // Nothing was touched.
        Assert.Empty(Launcher.Of("c1")!.Init!.Signals);
        Assert.Equal(["ContainerCreating", "ContainerCreated"], JournalEvents("c1"));
    }

    /// <summary>
    /// A host recovering at start-up learns at once which container it cannot read and why,
    /// instead of waiting out its recovery timeout (3 x KillTimeout, 30 s here).
    /// </summary>
    [Fact]
    public void A_recovery_with_an_unreadable_record_fails_promptly_naming_the_container()
    {
        CreateOk("good");
        CreateOk("bad");
        Faults.ReadFault = pid => pid == ContainerRecord.PersistenceIdOf("bad")
            ? new JournalUnreadableException(Settings.JournalPath, new IOException("malformed row"))
            : null;
        var registryB = Sys.ActorOf(ContainerRegistry.Props(Runtime with { Settings = Settings with { WatchExits = true } }), "containers-b");

        registryB.Tell(new RecoverContainers());
        var failure = ExpectMsg<Status.Failure>(TimeSpan.FromSeconds(5));

        var e = Assert.IsType<ContainerException>(failure.Cause);
        Assert.Contains($"cannot recover the containers in {Settings.JournalPath}: container bad: cannot read its state:", e.Message);
        Assert.Contains("malformed row", e.Message);
        Assert.DoesNotContain("container good", e.Message);
    }
}

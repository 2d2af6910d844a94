using Runa.Actors.Containers;
using Runa.Actors.Persistence;
using Runa.Actors.Tests.Fakes;
using Runa.Kernel;
using Runa.Runtime.Interop;
using Xunit;
using Xunit.Abstractions;

namespace Runa.Actors.Tests;

/// <summary>
/// Delete journals ContainerDeleted and logically deletes the history: the rows stay (is_deleted=1)
/// but no read, list or recovery sees them, and the id can be created again.
/// </summary>
public sealed class DeletedHistoryTests(ITestOutputHelper output) : ContainerScenario(output)
{
    private static readonly string P1 = ContainerRecord.PersistenceIdOf("c1");

    [Fact]
    public void Delete_journals_ContainerDeleted_and_marks_the_whole_history_deleted()
    {
        // A snapshot at the created event, so that its removal is checked too.
        Settings = Settings with { SnapshotEvery = 2 };
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        AwaitCondition(() => JournalRows.Snapshots(Settings.JournalPath, P1) > 0, Long);
        Launcher.Of("c1")!.Init!.Exit(ExitStatus.Exited(0));
        Ask<Done>(new DeleteContainer("c1"));

        Assert.Equal(
            [new(1, "ContainerCreating", true), new(2, "ContainerCreated", true), new(3, "ContainerStarted", true), new JournalRow(4, "ContainerDeleted", true)],
            JournalRows.Of(Settings.JournalPath, P1));
        Assert.Equal(0, JournalRows.Snapshots(Settings.JournalPath, P1));
        Assert.Empty(JournalEvents("c1"));
        Assert.DoesNotContain(P1, JournalIds());
        Assert.Empty(Ask<ContainerList>(new ListContainers()).Containers);
        Registry.Tell(new GetContainerState("c1"));
        ExpectError(ContainerErrorKind.NotFound);

        // A restarted host recovers nothing of it.
        var registryB = Sys.ActorOf(ContainerRegistry.Props(Runtime with { Settings = Settings with { WatchExits = true } }), "containers-b");
        registryB.Tell(new RecoverContainers());
        Assert.Equal(0, ExpectMsg<ContainersRecovered>(Long).Count);
    }

    [Fact]
    public void A_deleted_id_can_be_created_again_and_its_old_history_makes_way()
    {
        CreateOk("c1");
        Ask<Done>(new DeleteContainer("c1"));
        var again = CreateOk("c1");

        Assert.Equal("created", State("c1").Status);
        Assert.Equal(Launcher.Launched.Last(f => f.ContainerId == "c1").Init!.Pid, again.State.Pid);
        Assert.Equal([new(1, "ContainerCreating", false), new JournalRow(2, "ContainerCreated", false)], JournalRows.Of(Settings.JournalPath, P1));
        Assert.Equal(["ContainerCreating", "ContainerCreated"], JournalEvents("c1"));
    }

    [Fact]
    public void A_failed_create_journals_ContainerDeleted_too()
    {
        Launcher.Script = f =>
        {
            f.ReadBootstrap();
            f.Bail(-1, Errno.EPERM, "nope");
        };
        Create("c1", Bundle());
        ExpectError(ContainerErrorKind.Failed);
        ExpectSenderStops();
        Assert.Equal([new(1, "ContainerCreating", true), new JournalRow(2, "ContainerDeleted", true)], JournalRows.Of(Settings.JournalPath, P1));
        AssertNoTraces("c1");
    }

    /// <summary>Two hosts re-create deleted ids at once: the first event still decides, exactly one wins each.</summary>
    [Fact]
    public void Creates_racing_for_a_deleted_id_through_two_journals_have_exactly_one_winner()
    {
        const int Rounds = 6;
        var ids = Enumerable.Range(0, Rounds).Select(i => $"race-{i}").ToList();
        foreach (var id in ids)
        {
            CreateOk(id);
            Ask<Done>(new DeleteContainer(id));
        }
        var other = Track(SqliteJournal.Open(Settings.JournalPath));
        var registryB = Sys.ActorOf(ContainerRegistry.Props(Runtime with { Journal = other }), "containers-b");
        var bundle = Bundle();
        var probeB = CreateTestProbe();
        foreach (var id in ids)
        {
            Registry.Tell(new CreateContainer(id, bundle.Dir), TestActor);
            registryB.Tell(new CreateContainer(id, bundle.Dir), probeB.Ref);
        }
        var all = ReceiveN(Rounds, TimeSpan.FromSeconds(30)).Concat(probeB.ReceiveN(Rounds, TimeSpan.FromSeconds(30))).ToList();

        Assert.Equal(ids.Order(), all.OfType<ContainerCreatedReply>().Select(r => r.State.Id).Order());
        var lost = all.OfType<Status.Failure>().Select(f => Assert.IsType<ContainerException>(f.Cause)).ToList();
        Assert.Equal(Rounds, lost.Count);
        Assert.All(lost, e => Assert.Equal(ContainerErrorKind.AlreadyExists, e.Kind));
        foreach (var id in ids)
        {
            Assert.Equal(["ContainerCreating", "ContainerCreated"], JournalEvents(id));
            Assert.DoesNotContain(JournalRows.Of(Settings.JournalPath, ContainerRecord.PersistenceIdOf(id)), r => r.IsDeleted);
        }
    }
}

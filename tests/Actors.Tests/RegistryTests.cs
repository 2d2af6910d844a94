using Runa.Actors.Containers;
using Runa.Actors.Persistence;
using Runa.Actors.Tests.Fakes;
using Runa.Kernel;
using Xunit;
using Xunit.Abstractions;

namespace Runa.Actors.Tests;

/// <summary>The registry: id validation, one actor per id, and the id taken once in the journal.</summary>
public sealed class RegistryTests(ITestOutputHelper output) : ContainerScenario(output)
{
    [Fact]
    public void A_second_create_of_an_id_is_AlreadyExists_and_leaves_the_first_untouched()
    {
        var first = CreateOk("c1");
        var fake = Launcher.Of("c1")!;

        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.AlreadyExists);
        Assert.Equal("container with id c1 already exists", e.Message);

        Assert.Single(Launcher.Launched);
        Assert.Equal(["ContainerCreating", "ContainerCreated"], JournalEvents("c1"));
        Assert.True(File.Exists(Fifo("c1")));
        Assert.Empty(fake.Init!.Signals);
        Assert.False(fake.Init.HasExited);
        Assert.DoesNotContain("Destroy", Cgroups.Of("c1")!.Calls);
        var state = State("c1");
        Assert.Equal("created", state.Status);
        Assert.Equal(first.State.Pid, state.Pid);
        Assert.Equal(first.State.Bundle, state.Bundle);
    }

    [Fact]
    public void Two_creates_of_one_id_sent_together_have_exactly_one_winner()
    {
        var bundle = Bundle();
        Create("c1", bundle);
        Create("c1", bundle);
        var replies = ReceiveN(2, Long);
        Assert.Single(replies.OfType<ContainerCreatedReply>());
        var failure = Assert.Single(replies.OfType<Status.Failure>());
        Assert.Equal(ContainerErrorKind.AlreadyExists, Assert.IsType<ContainerException>(failure.Cause).Kind);
        Assert.Single(Launcher.Launched);
        Assert.Equal(["ContainerCreating", "ContainerCreated"], JournalEvents("c1"));
        Assert.Equal("created", State("c1").Status);
    }

    /// <summary>
    /// Two registries on one journal file and root (a daemon and a CLI, or two CLIs) race for the
    /// same ids: the journal's first event decides, the loser replies AlreadyExists and touches nothing.
    /// </summary>
    [Fact]
    public void Creates_of_one_id_racing_through_two_journals_have_exactly_one_winner()
    {
        var other = Track(SqliteJournal.Open(Settings.JournalPath));
        var registryB = Sys.ActorOf(ContainerRegistry.Props(new ContainerRuntime(Settings, Launcher, Processes, Cgroups, other)), "containers-b");
        var bundle = Bundle();
        var probeB = CreateTestProbe();
        const int Rounds = 8;
        for (var i = 0; i < Rounds; i++)
        {
            var id = $"race-{i}";
            Registry.Tell(new CreateContainer(id, bundle.Dir), TestActor);
            registryB.Tell(new CreateContainer(id, bundle.Dir), probeB.Ref);
        }
        var a = ReceiveN(Rounds, TimeSpan.FromSeconds(30));
        var b = probeB.ReceiveN(Rounds, TimeSpan.FromSeconds(30));
        var all = a.Concat(b).ToList();
        var created = all.OfType<ContainerCreatedReply>().Select(r => r.State.Id).ToList();
        var lost = all.OfType<Status.Failure>().Select(f => Assert.IsType<ContainerException>(f.Cause)).ToList();

        Assert.Equal(Enumerable.Range(0, Rounds).Select(i => $"race-{i}").Order(), created.Order());
        Assert.Equal(Rounds, lost.Count);
        Assert.All(lost, e => Assert.Equal(ContainerErrorKind.AlreadyExists, e.Kind));
        for (var i = 0; i < Rounds; i++)
        {
            var id = $"race-{i}";
            Assert.Single(Launcher.Launched, f => f.ContainerId == id);
            Assert.Equal(["ContainerCreating", "ContainerCreated"], JournalEvents(id));
            Assert.True(File.Exists(Fifo(id)), $"the winner's fifo of {id} is gone");
            Assert.False(Launcher.Of(id)!.Init!.HasExited);
        }
    }

    public static TheoryData<string, string> InvalidIds => new()
    {
        { "", "container id cannot be empty" },
        { ".", "invalid container id \".\"" },
        { "..", "invalid container id \"..\"" },
        { "/", "only letters, digits and _ . + - are allowed" },
        { "../etc", "only letters, digits and _ . + - are allowed" },
        { "a b", "only letters, digits and _ . + - are allowed" },
        { "a\nb", "only letters, digits and _ . + - are allowed" },
        { "é", "only letters, digits and _ . + - are allowed" },
        { new string('a', 1025), "longer than 1024 characters" },
    };

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public void An_invalid_id_is_InvalidInput_from_the_registry_itself_and_makes_nothing(string id, string message)
    {
        var bundle = Bundle();
        foreach (var command in new ContainerCommand[]
        {
            new CreateContainer(id, bundle.Dir), new StartContainer(id), new GetContainerState(id),
            new KillContainer(id, 15), new DeleteContainer(id, Force: true), new WaitContainer(id),
        })
        {
            Registry.Tell(command);
            var e = ExpectError(ContainerErrorKind.InvalidInput);
            Assert.Contains(message, e.Message);
            Assert.Equal(Registry, LastSender);
        }
        Assert.Null(AnyContainerActor());
        Assert.Empty(JournalIds());
        Assert.Empty(Cgroups.News);
        Assert.Equal(0, Launcher.Attempts);
        Assert.Equal([Path.GetFileName(Settings.JournalPath)], Directory.GetFileSystemEntries(Root).Select(Path.GetFileName)
            .Where(n => !n!.StartsWith(Path.GetFileName(Settings.JournalPath) + "-", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("A-Z_a.z+0-9")]
    [InlineData("...")]
    public void Unusual_but_valid_ids_are_created(string id)
    {
        Assert.Equal(id, CreateOk(id).State.Id);
        Assert.True(File.Exists(Fifo(id)));
    }

    /// <summary>
    /// ContainerIds accepts up to 1024 characters, but the state directory &lt;root&gt;/&lt;id&gt;
    /// is one file name (NAME_MAX 255 bytes). An id the registry accepts must be creatable (or be
    /// refused as InvalidInput up front, not fail as Failed after it was journaled).
    /// </summary>
    [Fact]
    public void The_longest_valid_id_can_be_created()
    {
        var id = new string('a', 1024);
        Assert.Null(ContainerIds.Problem(id));
        Create(id, Bundle());
        var m = ExpectMsg<object>(Long);
        if (m is Status.Failure { Cause: ContainerException e })
        {
            Assert.True(e.Kind == ContainerErrorKind.InvalidInput, $"a valid id failed as {e.Kind}: {e.Message[..Math.Min(120, e.Message.Length)]}...");
        }
        else
        {
            Assert.Equal(id, Assert.IsType<ContainerCreatedReply>(m).State.Id);
        }
    }

    [Fact]
    public void Commands_for_an_unknown_container_are_NotFound()
    {
        foreach (var command in new ContainerCommand[] { new StartContainer("ghost"), new GetContainerState("ghost"), new KillContainer("ghost", 9), new WaitContainer("ghost"), new DeleteContainer("ghost") })
        {
            Registry.Tell(command);
            Assert.Equal("container ghost does not exist", ExpectError(ContainerErrorKind.NotFound).Message);
        }
        Assert.Empty(JournalIds());
        Assert.False(Directory.Exists(StateDir("ghost")));
    }

    [Fact]
    public void The_list_holds_every_container_of_the_journal()
    {
        CreateOk("a");
        CreateOk("b");
        Launcher.Script = f => f.Bail(-1, Runa.Runtime.Interop.Errno.EPERM, "nope");
        Create("c", Bundle());
        ExpectError(ContainerErrorKind.Failed);
        Assert.Equal(["a", "b"], Ask<ContainerList>(new ListContainers()).Containers.Select(c => c.Id).Order());
    }

    /// <summary>A second registry on the same journal (a restarted daemon) recovers the containers and drives them.</summary>
    [Fact]
    public void A_new_registry_recovers_containers_from_the_journal()
    {
        var created = CreateOk("c1");
        var fake = Launcher.Of("c1")!;
        var registryB = Sys.ActorOf(ContainerRegistry.Props(new ContainerRuntime(Settings, Launcher, Processes, Cgroups, Journal)), "containers-b");

        registryB.Tell(new GetContainerState("c1"));
        var state = ExpectMsg<ContainerStateView>(Long);
        Assert.Equal("created", state.Status);
        Assert.Equal(created.State.Pid, state.Pid);

        registryB.Tell(new StartContainer("c1"));
        ExpectMsg<Done>(Long);
        Assert.True(fake.TookStart);

        // Waiting attaches to the init by pid and start time, and sees its exit.
        registryB.Tell(new WaitContainer("c1"));
        AwaitCondition(() => Processes.Attaches.Count(a => a.Pid == fake.Init!.Pid && a.Reap) >= 2, Long);
        fake.Init!.Exit(Runa.Runtime.Interop.ExitStatus.Exited(4));
        var exit = ExpectMsg<ContainerExitedReply>(Long);
        Assert.Equal(Runa.Runtime.Interop.ExitStatus.Exited(4), exit.Status);

        registryB.Tell(new DeleteContainer("c1"));
        ExpectMsg<Done>(Long);
        Assert.True(Cgroups.Of("c1")!.Destroyed);
        Assert.Empty(JournalEvents("c1"));
    }
}

using Runa.Actors.Containers;
using Runa.Actors.Persistence;
using Runa.Kernel;
using Runa.Kernel.TestKit;
using Runa.Runtime.Oci;
using Runa.Tests;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;
using Native = Runa.Runtime.Interop.Sys;

namespace Runa.Actors.Tests.Fakes;

/// <summary>
/// One scenario's world: a TestKit actor system, a temp --root with a real SQLite journal, and
/// the fakes behind every seam (runa-init, the process table, cgroups). Settings may be changed
/// until the registry is first used. Everything is per test instance: nothing is shared.
/// </summary>
public abstract class ContainerScenario : TestKit
{
    /// <summary>Bound of an expectation that should be met quickly (generous: it only costs time when it fails).</summary>
    protected static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    private readonly List<BusyboxBundle> _bundles = [];
    private readonly List<IJournal> _journals = [];
    private readonly ITestOutputHelper _output;
    private SqliteJournal? _journal;
    private FaultyJournal? _faults;
    private ContainerRuntime? _runtime;
    private IActorRef? _registry;

    protected ContainerScenario(ITestOutputHelper output)
        : base(ActorSystemSettings.Default with { LogLevel = LogLevel.Info }, output)
    {
        _output = output;
        Root = Path.Combine(Path.GetTempPath(), "runa-scenarios", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        Processes = new FakeProcessTable();
        Creator = Processes.AddRunning(Native.GetPid(), "runa (the creating process)");
        Cgroups = new FakeCgroupFactory(Processes);
        Launcher = new FakeInitLauncher(Processes, Cgroups);
        Settings = new RuntimeSettings
        {
            Root = Root,
            CreateTimeout = TimeSpan.FromSeconds(15),
            StartTimeout = TimeSpan.FromSeconds(10),
            KillTimeout = TimeSpan.FromSeconds(10),
        };
    }

    protected ITestOutputHelper Output => _output;

    protected string Root { get; }

    protected FakeProcessTable Processes { get; }

    protected FakeProcess Creator { get; }

    protected FakeCgroupFactory Cgroups { get; }

    protected FakeInitLauncher Launcher { get; }

    /// <summary>Change before the first use of <see cref="Registry"/>.</summary>
    protected RuntimeSettings Settings { get; set; }

    protected SqliteJournal Journal => _journal ??= Track(SqliteJournal.Open(Settings.JournalPath));

    /// <summary>The journal the actors use: the real one, with faults on demand.</summary>
    protected FaultyJournal Faults => _faults ??= new FaultyJournal(Journal);

    protected ContainerRuntime Runtime => _runtime ??= new ContainerRuntime(Settings, Launcher, Processes, Cgroups, Faults);

    /// <summary>/user/containers.</summary>
    protected IActorRef Registry => _registry ??= Sys.ActorOf(ContainerRegistry.Props(Runtime), "containers");

    protected T Track<T>(T journal)
        where T : IJournal
    {
        _journals.Add(journal);
        return journal;
    }

    protected BusyboxBundle Bundle(Action<Spec>? configure = null)
    {
        var b = new BusyboxBundle(configure);
        _bundles.Add(b);
        return b;
    }

    protected string StateDir(string id) => Path.Combine(Root, id);

    protected string Fifo(string id) => Path.Combine(Root, id, "exec.fifo");

    protected void Create(string id, BusyboxBundle bundle, Func<CreateContainer, CreateContainer>? with = null)
    {
        var m = new CreateContainer(id, bundle.Dir);
        Registry.Tell(with is null ? m : with(m));
    }

    /// <summary>Creates <paramref name="id"/> with the current script and expects it created.</summary>
    protected ContainerCreatedReply CreateOk(string id, BusyboxBundle? bundle = null, Func<CreateContainer, CreateContainer>? with = null)
    {
        Create(id, bundle ?? Bundle(), with);
        return ExpectCreated();
    }

    protected ContainerCreatedReply ExpectCreated(TimeSpan? timeout = null)
    {
        var m = ExpectMsg<object>(timeout ?? Long);
        if (m is Status.Failure f)
        {
            throw new XunitException($"expected the container created, but the create failed: {f.Cause}");
        }
        return Assert.IsType<ContainerCreatedReply>(m);
    }

    /// <summary>The next reply must be a Status.Failure carrying a ContainerException of <paramref name="kind"/>.</summary>
    protected ContainerException ExpectError(ContainerErrorKind kind, TimeSpan? timeout = null)
    {
        var m = ExpectMsg<object>(timeout ?? Long);
        var failure = m as Status.Failure ?? throw new XunitException($"expected a {kind} failure, got {m}");
        var e = failure.Cause as ContainerException ?? throw new XunitException($"expected a ContainerException, got {failure.Cause}");
        Assert.True(e.Kind == kind, $"expected a {kind} error, got {e.Kind}: {e.Message}");
        return e;
    }

    protected T Ask<T>(object command, TimeSpan? timeout = null)
    {
        Registry.Tell(command);
        var m = ExpectMsg<object>(timeout ?? Long);
        if (m is Status.Failure f && typeof(T) != typeof(Status.Failure))
        {
            throw new XunitException($"expected {typeof(T).Name}, got a failure: {f.Cause}");
        }
        return Assert.IsType<T>(m);
    }

    protected ContainerStateView State(string id) => Ask<ContainerStateView>(new GetContainerState(id));

    /// <summary>The manifests of the journaled events of <paramref name="id"/>.</summary>
    protected IReadOnlyList<string> JournalEvents(string id, IJournal? journal = null)
    {
        var t = (journal ?? Journal).ReadAsync(ContainerRecord.PersistenceIdOf(id));
        Assert.True(t.Wait(Long), "the journal did not answer");
        return [.. t.Result.Select(e => e.Manifest)];
    }

    protected IReadOnlyList<string> JournalIds()
    {
        var t = Journal.PersistenceIdsAsync();
        Assert.True(t.Wait(Long), "the journal did not answer");
        return t.Result;
    }

    /// <summary>The name of some container actor alive under <c>/user/&lt;registry&gt;</c>, or null if there is none.</summary>
    protected string? AnyContainerActor(string registry = "containers")
    {
        var t = Sys.ActorSelection($"/user/{registry}/*").ResolveOne(Long);
        Assert.True(t.ContinueWith(_ => { }, TaskScheduler.Default).Wait(Long), "resolving the selection hung");
        return t.IsCompletedSuccessfully ? t.Result.Path.Name : null;
    }

    /// <summary>The live actor at <paramref name="path"/> (e.g. "/user/containers/c1/log").</summary>
    protected IActorRef Resolve(string path)
    {
        var t = Sys.ActorSelection(path).ResolveOne(Long);
        Assert.True(t.ContinueWith(_ => { }, TaskScheduler.Default).Wait(Long), "resolving the selection hung");
        return t.IsCompletedSuccessfully ? t.Result : throw new XunitException($"no actor at {path}");
    }

    /// <summary>A probe that receives every log event of the system.</summary>
    protected TestProbe LogProbe()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(LogEvent));
        return probe;
    }

    /// <summary>
    /// After a failed create, nothing of <paramref name="id"/> is left: no state dir, no journal
    /// rows, every fake process exited, the cgroup (if one was made) destroyed.
    /// </summary>
    protected void AssertNoTraces(string id)
    {
        Assert.False(Directory.Exists(StateDir(id)), $"the state directory {StateDir(id)} is left");
        Assert.Empty(JournalEvents(id));
        foreach (var f in Launcher.Launched.Where(f => f.ContainerId == id))
        {
            Assert.True(f.Stage0.HasExited, $"stage 0 of {id} still runs");
            Assert.True(f.Init is null or { HasExited: true }, $"the init of {id} still runs");
        }
        if (Cgroups.Of(id) is { } cg)
        {
            Assert.True(cg.Destroyed, $"the cgroup of {id} was not destroyed: {cg}");
        }
    }

    /// <summary>The actor that sent the last reply must stop (watching a dead actor yields its Terminated at once).</summary>
    protected void ExpectSenderStops()
    {
        var actor = LastSender;
        Assert.NotEqual(Sys.DeadLetters, actor);
        Watch(actor);
        ExpectTerminated(actor, Long);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing)
        {
            return;
        }
        Exception? error = null;
        try
        {
            Launcher.Dispose();
        }
        catch (Exception e)
        {
            error = e;
        }
        foreach (var j in _journals)
        {
            j.Dispose();
        }
        foreach (var b in _bundles)
        {
            b.Dispose();
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        var scriptErrors = Launcher.All.Where(f => f.ScriptError is not null).ToList();
        foreach (var f in scriptErrors)
        {
            TryWrite($"{f}: script error: {f.ScriptError}");
        }
        if (error is not null)
        {
            throw error;
        }
        if (scriptErrors.Count > 0)
        {
            throw new XunitException($"a fake runa-init script failed: {scriptErrors[0].ScriptError}");
        }
    }

    private void TryWrite(string line)
    {
        try
        {
            _output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
        }
    }
}

using Runa.Kernel.Internal;
using Xunit.Abstractions;

namespace Runa.Kernel.TestKit;

/// <summary>
/// Base class of kernel scenario tests (Akka.TestKit.Xunit2 shape): a fresh <see cref="ActorSystem"/>
/// per test instance, shut down in <see cref="Dispose()"/>, and a <see cref="TestKitBase.TestActor"/>
/// that is the implicit sender of <c>actor.Tell(msg)</c> in test code. xunit creates one instance
/// per test, so parallel test classes never share a system.
/// </summary>
public class TestKit : TestKitBase, IDisposable
{
    /// <summary>Counter making system names unique (helps when reading logs).</summary>
    private static int s_systems;

    /// <summary>Where log events are written, if given.</summary>
    private readonly ITestOutputHelper? _output;

    /// <summary>Set once disposed.</summary>
    private bool _disposed;

    /// <summary>
    /// Creates the system. With <paramref name="output"/> and no <see cref="ActorSystemSettings.LogSink"/>,
    /// log events go to the test output.
    /// </summary>
    public TestKit(ActorSystemSettings? settings = null, ITestOutputHelper? output = null)
        : this(CreateSystem(settings, output), output)
    {
    }

    private TestKit(ActorSystem system, ITestOutputHelper? output)
        : base(system, new TestActorRef(system, system.SystemGuardianCell.Self.Path / "testActor1"))
    {
        _output = output;
        ImplicitSender.SetAmbient(TestActor);
    }

    /// <summary>Shuts the system down (waits up to 10 s for every actor to stop).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Shuts the system down.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }

        _disposed = true;
        ImplicitSender.SetAmbient(null);
        if (!Sys.Terminate().Wait(TimeSpan.FromSeconds(10)))
        {
            TryWrite($"Actor system {Sys.Name} did not terminate within 10 s");
        }
    }

    private static ActorSystem CreateSystem(ActorSystemSettings? settings, ITestOutputHelper? output)
    {
        settings ??= ActorSystemSettings.Default;
        if (output is not null && settings.LogSink is null)
        {
            settings = settings with
            {
                LogSink = e =>
                {
                    try
                    {
                        output.WriteLine(e.ToString());
                    }
                    catch (InvalidOperationException)
                    {
                        // The test already finished; xunit no longer accepts output.
                    }
                },
            };
        }

        return ActorSystem.Create("test" + Interlocked.Increment(ref s_systems), settings);
    }

    private void TryWrite(string line)
    {
        try
        {
            _output?.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
        }
    }
}

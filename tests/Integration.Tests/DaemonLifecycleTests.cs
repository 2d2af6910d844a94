using Runa.IntegrationTests.Harness;

namespace Runa.IntegrationTests;

/// <summary>
/// Every lifecycle test again, with each command sent to a `runa daemon` (--host): the same
/// stdout, exit codes and error texts as embedded mode.
/// </summary>
public sealed class DaemonLifecycleTests : LifecycleTests
{
    public DaemonLifecycleTests()
        : base(RunaMode.Daemon)
    {
    }
}

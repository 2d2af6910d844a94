using Runa.IntegrationTests.Harness;

namespace Runa.IntegrationTests;

/// <summary>Every resource test again, with each command sent to a `runa daemon` (events stream over the wire).</summary>
public sealed class DaemonResourceTests : ResourceTests
{
    public DaemonResourceTests()
        : base(RunaMode.Daemon)
    {
    }
}

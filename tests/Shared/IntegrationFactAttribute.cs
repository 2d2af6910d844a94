using Xunit;

namespace Runa.Tests;

/// <summary>
/// A test that needs root and the real kernel. Without root it is reported as skipped, so a
/// developer sees why; under RUNA_REQUIRE_INTEGRATION=1 (CI) it is never skipped: it runs
/// and fails with the reason, because a skip there would hide an untested kernel path.
/// </summary>
public sealed class IntegrationFactAttribute : FactAttribute
{
    public IntegrationFactAttribute()
    {
        var reason = Integration.MissingRequirement();
        if (reason is not null && !Integration.Required)
        {
            Skip = reason;
        }
    }
}

/// <summary>A data-driven <see cref="IntegrationFactAttribute"/>.</summary>
public sealed class IntegrationTheoryAttribute : TheoryAttribute
{
    public IntegrationTheoryAttribute()
    {
        var reason = Integration.MissingRequirement();
        if (reason is not null && !Integration.Required)
        {
            Skip = reason;
        }
    }
}

public static partial class Integration
{
    /// <summary>True when CI demands that no integration test skips.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("RUNA_REQUIRE_INTEGRATION") == "1";

    /// <summary>Why integration tests cannot run here, or null when they can.</summary>
    public static string? MissingRequirement()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux";
        }
        return geteuid() == 0 ? null : "needs root (real namespaces and cgroups)";
    }

    /// <summary>Call first in an integration test: fails (never skips) when the machine cannot run it.</summary>
    public static void Require()
    {
        var reason = MissingRequirement();
        if (reason is not null)
        {
            Assert.Fail($"integration test cannot run: {reason} (RUNA_REQUIRE_INTEGRATION={(Required ? "1" : "unset")})");
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc")]
    private static partial uint geteuid();
}

using Xunit;

namespace Runa.IntegrationTests.Harness;

/// <summary>What a `runa` invocation did.</summary>
public sealed record RunaResult(string[] Args, int ExitCode, string Stdout, string Stderr)
{
    public RunaResult Ok()
    {
        Assert.True(ExitCode == 0, $"runa {string.Join(' ', Args)} exited {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}");
        return this;
    }

    /// <summary>Asserts a failure whose stderr says <paramref name="expected"/>.</summary>
    public RunaResult Fails(string expected, int? exitCode = null)
    {
        Assert.True(ExitCode != 0, $"runa {string.Join(' ', Args)} should have failed\nstdout: {Stdout}\nstderr: {Stderr}");
        if (exitCode is { } code)
        {
            Assert.Equal(code, ExitCode);
        }
        Assert.Contains(expected, Stderr);
        return this;
    }
}

using System.Diagnostics;
using Xunit;

namespace Runa.IntegrationTests.Harness;

/// <summary>A `runa` invocation under way; its pid is runa's own (the shell that set up its stdio exec'd it).</summary>
public sealed class RunningRuna(Process process, DirectoryInfo output, string[] args) : IDisposable
{
    public int Pid => process.Id;

    /// <summary>Waits for it to finish and returns what it did.</summary>
    public RunaResult Wait(TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"runa {string.Join(' ', args)} did not finish within {timeout.TotalSeconds}s");
        }
        return new RunaResult(args, process.ExitCode,
            File.ReadAllText(Path.Combine(output.FullName, "stdout")), File.ReadAllText(Path.Combine(output.FullName, "stderr")));
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.Dispose();
        output.Delete(recursive: true);
    }
}

using System.Diagnostics;
using System.Text;

namespace Runa.Native.Tests.Cgroups;

/// <summary>
/// A real process for cgroup tests: busybox sh blocked on `read` until <see cref="Release"/>, so
/// it can be moved into a cgroup before it does anything of interest.
/// </summary>
internal sealed class BlockedShell : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly CountdownEvent _eof = new(2);

    private BlockedShell(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string Busybox { get; } = new[] { "/usr/bin/busybox", "/bin/busybox", "/usr/sbin/busybox" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("busybox not found");

    /// <summary>Starts `busybox sh -c 'read _; &lt;script&gt;'`.</summary>
    public static BlockedShell Start(string script)
    {
        var psi = new ProcessStartInfo(Busybox)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("read _; " + script);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start busybox");
        var shell = new BlockedShell(process);
        process.OutputDataReceived += (_, e) => shell.Append(e.Data);
        process.ErrorDataReceived += (_, e) => shell.Append(e.Data);
        // A null line is end of file on that stream.
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return shell;
    }

    /// <summary>Lets the script run.</summary>
    public void Release()
    {
        _process.StandardInput.WriteLine();
        _process.StandardInput.Flush();
    }

    /// <summary>Writes a line to the script's stdin (for a second `read`).</summary>
    public void SendLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>
    /// Waits for the shell to exit (and, within the same bound, for its output to drain: a
    /// background child that inherited stdout can keep the pipe open after the shell is gone).
    /// </summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }
        var left = timeout - clock.Elapsed;
        _eof.Wait(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        return true;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        _eof.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            _eof.Signal();
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}

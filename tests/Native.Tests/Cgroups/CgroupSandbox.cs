using Runa.Runtime.Cgroups;
using Runa.Runtime.Interop;
using Runa.Tests;

namespace Runa.Native.Tests.Cgroups;

/// <summary>
/// One integration test's cgroups on the real machine: a unique top-level name
/// (/runa-test-&lt;guid&gt;, so parallel test classes never share a parent), the managers and
/// processes the test made, and a cleanup that runs even when the test fails: destroy every
/// manager, then sweep whatever is left under the unique name in every hierarchy (kill + rmdir),
/// and fail if a manager's destroy threw or left its own cgroup.
/// </summary>
internal sealed class CgroupSandbox : IAsyncDisposable
{
    private readonly List<ICgroupManager> _managers = [];
    private readonly List<BlockedShell> _shells = [];

    public CgroupSandbox(CgroupLayout? layout = null)
    {
        Integration.Require();
        Layout = layout ?? CgroupLayout.Probe();
        Name = "runa-test-" + Guid.NewGuid().ToString("N")[..12];
        Options = new CgroupOptions { Layout = Layout, Parent = "/" + Name };
    }

    /// <summary>The unique top-level cgroup name of this test.</summary>
    public string Name { get; }

    public CgroupLayout Layout { get; }

    public CgroupOptions Options { get; }

    /// <summary>A manager for "/&lt;name&gt;/&lt;id&gt;" (or an explicit path), cleaned up at the end.</summary>
    public ICgroupManager Manager(string id = "c", string? cgroupsPath = null, CgroupOptions? options = null)
    {
        var manager = CgroupManagerFactory.New(id, cgroupsPath, options ?? Options);
        _managers.Add(manager);
        return manager;
    }

    /// <summary>Tracks a manager made elsewhere (FromState) for cleanup.</summary>
    public T Track<T>(T manager) where T : ICgroupManager
    {
        _managers.Add(manager);
        return manager;
    }

    public BlockedShell Shell(string script)
    {
        var shell = BlockedShell.Start(script);
        _shells.Add(shell);
        return shell;
    }

    /// <summary>Absolute directory of /&lt;name&gt;/&lt;relative&gt; in a v1 controller's hierarchy.</summary>
    public string Dir(string controller, string relative = "") =>
        (Layout.V1(controller)?.MountPoint ?? throw new InvalidOperationException($"{controller} not mounted")) + "/" + Name + (relative.Length > 0 ? "/" + relative : "");

    /// <summary>Directories of this sandbox that exist in any hierarchy.</summary>
    public List<string> Leftovers() =>
        Layout.Hierarchies.Select(h => h.MountPoint + "/" + Name).Where(Directory.Exists).ToList();

    /// <summary>
    /// Destroys every manager, sweeps what is left, and then fails the test if a destroy threw or
    /// left its cgroup behind: the sweep keeps the machine clean, but a leak is a bug to see.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var leaks = new List<string>();
        foreach (var manager in _managers)
        {
            try
            {
                await manager.DestroyAsync();
                leaks.AddRange(manager.Paths.Values.Distinct().Where(Directory.Exists).Select(d => $"{d} (left by the destroy of {manager.Path})"));
            }
            catch (Exception e)
            {
                leaks.Add($"the destroy of {manager.Path} threw {e.GetType().Name}: {e.Message}");
            }
        }
        foreach (var dir in Leftovers())
        {
            Sweep(dir);
        }
        foreach (var shell in _shells)
        {
            shell.Dispose();
        }
        if (leaks.Count > 0)
        {
            throw new Xunit.Sdk.XunitException("cgroup cleanup: " + string.Join("; ", leaks.Distinct()));
        }
    }

    /// <summary>Kills every process below <paramref name="dir"/> and removes the tree bottom-up.</summary>
    internal static void Sweep(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }
        var freezer = File.Exists(Path.Combine(dir, "freezer.state")) ? Path.Combine(dir, "freezer.state") : null;
        var freeze2 = File.Exists(Path.Combine(dir, "cgroup.freeze")) ? Path.Combine(dir, "cgroup.freeze") : null;
        foreach (var sub in Directory.GetDirectories(dir))
        {
            Sweep(sub);
        }
        Wait.Until(() =>
        {
            if (freezer is not null)
            {
                TryWrite(freezer, "THAWED");
            }
            if (freeze2 is not null)
            {
                TryWrite(freeze2, "0");
            }
            var procs = File.Exists(Path.Combine(dir, "cgroup.procs")) ? File.ReadAllLines(Path.Combine(dir, "cgroup.procs")) : [];
            foreach (var line in procs.Where(l => l.Length > 0))
            {
                Libc.kill(int.Parse(line), Libc.SIGKILL);
            }
            try
            {
                Directory.Delete(dir);
                return true;
            }
            catch (IOException)
            {
                return !Directory.Exists(dir);
            }
        }, TimeSpan.FromSeconds(10));
    }

    private static void TryWrite(string file, string value)
    {
        try
        {
            File.WriteAllText(file, value);
        }
        catch (IOException)
        {
        }
    }
}

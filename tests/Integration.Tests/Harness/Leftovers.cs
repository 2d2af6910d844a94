namespace Runa.IntegrationTests.Harness;

/// <summary>Finds what a container may leave behind on the host, and removes it.</summary>
public static class Leftovers
{
    private const string CgroupRoot = "/sys/fs/cgroup";

    public static IEnumerable<string> Of(string id, string root)
    {
        foreach (var dir in CgroupDirs(id))
        {
            yield return $"cgroup {dir}";
        }
        foreach (var pid in Processes(id))
        {
            yield return $"process {pid} ({Comm(pid)}) of container {id}";
        }
        if (Directory.Exists(Path.Combine(root, id)))
        {
            yield return $"state directory {Path.Combine(root, id)}";
        }
    }

    /// <summary>Mounts on the host that mention a bundle: a container's mounts must stay in its own namespace.</summary>
    public static IEnumerable<string> Mounts(IEnumerable<string> bundles)
    {
        var info = File.ReadAllText("/proc/self/mountinfo");
        return bundles.Where(b => info.Contains(b, StringComparison.Ordinal)).Select(b => $"a mount under {b}");
    }

    public static IEnumerable<string> CgroupDirs(string id)
    {
        if (!Directory.Exists(CgroupRoot))
        {
            yield break;
        }
        foreach (var controller in Directory.EnumerateDirectories(CgroupRoot))
        {
            var dir = Path.Combine(controller, "runa", id);
            if (Directory.Exists(dir))
            {
                yield return dir;
            }
        }
    }

    /// <summary>Processes in the container's cgroup, or still named as runa-init's stages for it.</summary>
    public static IEnumerable<int> Processes(string id)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            string cgroup;
            try
            {
                // A zombie holds nothing and its parent (init, here) collects it when it gets to it.
                if (File.ReadAllText(Path.Combine(dir, "stat")).Split(')').Last().TrimStart().StartsWith('Z'))
                {
                    continue;
                }
                cgroup = File.ReadAllText(Path.Combine(dir, "cgroup"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (cgroup.Contains($"/runa/{id}\n", StringComparison.Ordinal) || cgroup.Contains($"/runa/{id}/", StringComparison.Ordinal))
            {
                yield return pid;
            }
        }
    }

    private static string Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }

    public static void Clean(IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            foreach (var pid in Processes(id))
            {
                try
                {
                    System.Diagnostics.Process.GetProcessById(pid).Kill();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                }
            }
            foreach (var dir in CgroupDirs(id).OrderByDescending(d => d.Length))
            {
                for (var attempt = 0; attempt < 50 && Directory.Exists(dir); attempt++)
                {
                    try
                    {
                        Directory.Delete(dir);
                    }
                    catch (IOException)
                    {
                        Thread.Sleep(20); // cleanup after a failed test: the kernel needs the killed tasks gone
                    }
                }
            }
        }
    }
}

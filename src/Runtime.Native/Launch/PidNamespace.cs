namespace Runa.Runtime.Launch;

/// <summary>The processes of a pid namespace, found through /proc (used when a container has no cgroup).</summary>
public static class PidNamespace
{
    public static IReadOnlyList<int> Members(int initPid)
    {
        var ns = Link($"/proc/{initPid}/ns/pid");
        if (ns is null)
        {
            return [];
        }
        if (ns == Link("/proc/self/ns/pid"))
        {
            // Sharing the host's namespace, "all its processes" would be every process here.
            throw new InvalidOperationException("the container shares the host's pid namespace and has no cgroup: its processes cannot be told apart");
        }
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Link($"/proc/{pid}/ns/pid") == ns)
            {
                result.Add(pid);
            }
        }
        return result;
    }

    private static string? Link(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

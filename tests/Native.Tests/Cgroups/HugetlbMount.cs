using System.Diagnostics;

namespace Runa.Native.Tests.Cgroups;

/// <summary>
/// This machine's hugetlb controller is not bound to a v1 hierarchy (it sits unused in the
/// unified one). The hugetlb tests mount a v1 hierarchy for it, once per run, and leave it
/// mounted: harmless, and what crun needs on these machines anyway (ARCHITECTURE.md). Tests that
/// use the real cgroup2 mount call this first too, so they never enable hugetlb there (which
/// would make the v1 mount fail with EBUSY).
/// </summary>
internal static class HugetlbMount
{
    public const string MountPoint = "/sys/fs/cgroup/hugetlb";

    private static readonly object s_lock = new();

    public static void Ensure()
    {
        lock (s_lock)
        {
            if (IsMounted())
            {
                return;
            }
            Directory.CreateDirectory(MountPoint);
            var psi = new ProcessStartInfo("mount") { RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "-t", "cgroup", "-o", "hugetlb", "cgroup", MountPoint })
            {
                psi.ArgumentList.Add(arg);
            }
            using var mount = Process.Start(psi)!;
            var error = mount.StandardError.ReadToEnd();
            mount.WaitForExit();
            if (mount.ExitCode != 0 && !IsMounted())
            {
                throw new InvalidOperationException($"mount -t cgroup -o hugetlb cgroup {MountPoint}: {error}");
            }
        }
    }

    private static bool IsMounted() =>
        File.ReadAllLines("/proc/self/mountinfo").Any(l => l.Split(' ')[4] == MountPoint && l.Contains(" - cgroup "));
}

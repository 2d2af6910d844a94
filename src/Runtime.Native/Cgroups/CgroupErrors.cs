using System.Globalization;
using System.Text;
using Runa.Runtime.Interop;

namespace Runa.Runtime.Cgroups;

/// <summary>Diagnoses for known errno/file pairs (crun#518 style) and message formatting.</summary>
internal static class CgroupErrors
{
    /// <summary>The controller a control file belongs to: "memory.max" → "memory".</summary>
    public static string ControllerOf(string file)
    {
        var dot = file.IndexOf('.');
        return dot > 0 ? file[..dot] : file;
    }

    /// <summary>ENOENT on a control file: the controller is not there, or the kernel lacks the knob.</summary>
    public static string MissingFileHint(string file)
    {
        var controller = ControllerOf(file);
        return controller == "cgroup"
            ? $"this kernel has no {file}"
            : $"controller {controller} not available (not mounted, not enabled for this cgroup, or this kernel has no {file})";
    }

    /// <summary>A value as it appears in messages: quoted, with control characters escaped.</summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value.TrimEnd('\n'))
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Hint for writing a pid into cgroup.procs.</summary>
    public static string? ProcsHint(int errno, int pid) => errno switch
    {
        Errno.ESRCH => $"process {pid} does not exist (it exited?)",
        Errno.ENOSPC => "the cpuset of this cgroup has no CPUs or memory nodes (cpuset.cpus/cpuset.mems empty)",
        Errno.EOPNOTSUPP => "the cgroup is threaded or has controllers enabled in cgroup.subtree_control (no internal processes rule)",
        Errno.EBUSY => "the cgroup has controllers enabled in cgroup.subtree_control (no internal processes rule)",
        Errno.EAGAIN => "the pids limit of the cgroup is reached",
        _ => null,
    };
}

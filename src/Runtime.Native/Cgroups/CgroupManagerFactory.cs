namespace Runa.Runtime.Cgroups;

/// <summary>
/// The one place that chooses a manager (runc's manager/new.go): v2 when the root is a cgroup2
/// mount, v1 otherwise (legacy or hybrid). Callers never branch on the version.
/// </summary>
public static class CgroupManagerFactory
{
    /// <summary>
    /// A manager for a new container: its cgroup path from linux.cgroupsPath (absolute, relative to
    /// <see cref="CgroupOptions.Parent"/>, or Parent/&lt;id&gt; when absent), on the layout probed at
    /// <see cref="CgroupOptions.Root"/> (or the given <see cref="CgroupOptions.Layout"/>). Nothing is
    /// created yet: call <see cref="ICgroupManager.Create"/>.
    /// </summary>
    public static ICgroupManager New(string containerId, string? cgroupsPath, CgroupOptions? options = null)
    {
        options ??= new CgroupOptions();
        var path = CgroupPathResolver.Resolve(containerId, cgroupsPath, options.Parent);
        var layout = options.Layout ?? CgroupLayout.Probe(options.Root);
        return layout.Mode == CgroupMode.Unified
            ? new Fs2Manager(layout, path, options)
            : new Fs1Manager(layout, path, options);
    }

    /// <summary>
    /// The manager of an existing container, from the <see cref="ICgroupManager.State"/> saved at
    /// create time: the same directories, and the same knowledge of which ones it created.
    /// </summary>
    public static ICgroupManager FromState(CgroupState state, CgroupOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        options ??= new CgroupOptions();
        var path = "/" + string.Join('/', CgroupPathResolver.Components(state.Path, " (saved cgroup state)", allowEmpty: false));
        if (state.Mode == CgroupMode.Unified)
        {
            var layout = CgroupLayout.ForUnified(state.Hierarchies.Single(h => h.Unified).MountPoint);
            return new Fs2Manager(layout, path, options, state.Hierarchies);
        }
        var v1 = state.Hierarchies.Where(h => !h.Unified).Select(h => new CgroupHierarchy(h.MountPoint, h.Controllers, IsUnified: false));
        var unified = state.Hierarchies.FirstOrDefault(h => h.Unified)?.MountPoint;
        return new Fs1Manager(CgroupLayout.ForLegacy(state.Root, v1, unified), path, options, state.Hierarchies);
    }
}

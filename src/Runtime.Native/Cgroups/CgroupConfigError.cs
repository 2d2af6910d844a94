namespace Runa.Runtime.Cgroups;

/// <summary>
/// One problem in a cgroup configuration, named by its OCI field path
/// (e.g. <c>linux.resources.memory.limit</c>) so the user can find it in config.json.
/// </summary>
/// <param name="Field">The OCI field path, e.g. <c>linux.resources.cpu.cpus</c>.</param>
/// <param name="Message">What is wrong with it.</param>
public sealed record CgroupConfigError(string Field, string Message)
{
    /// <summary>"field: message".</summary>
    public override string ToString() => $"{Field}: {Message}";
}

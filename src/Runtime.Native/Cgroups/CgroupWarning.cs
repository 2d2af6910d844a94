namespace Runa.Runtime.Cgroups;

/// <summary>
/// Something in linux.resources that was accepted but not (fully) applied, e.g. a kernel memory
/// limit the kernel ignores, or device rules on cgroup v2 when the caller opted into running
/// unconfined. The caller decides how to surface it (runc logs these as warnings).
/// </summary>
/// <param name="Field">The OCI field path concerned.</param>
/// <param name="Message">What was not applied, and why.</param>
public sealed record CgroupWarning(string Field, string Message)
{
    /// <summary>"field: message".</summary>
    public override string ToString() => $"{Field}: {Message}";
}

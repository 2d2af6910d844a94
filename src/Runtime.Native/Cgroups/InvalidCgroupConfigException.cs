namespace Runa.Runtime.Cgroups;

/// <summary>
/// The cgroup configuration (linux.cgroupsPath or linux.resources) was rejected before anything
/// was written: a failed validation changes nothing. Every problem found is listed, each named
/// by its OCI field path.
/// </summary>
public sealed class InvalidCgroupConfigException : Exception
{
    /// <summary>One error.</summary>
    public InvalidCgroupConfigException(string field, string message)
        : this([new CgroupConfigError(field, message)])
    {
    }

    /// <summary>Several errors, reported together.</summary>
    public InvalidCgroupConfigException(IReadOnlyList<CgroupConfigError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    /// <summary>Every problem found, in config order.</summary>
    public IReadOnlyList<CgroupConfigError> Errors { get; }

    private static string Format(IReadOnlyList<CgroupConfigError> errors)
    {
        ArgumentOutOfRangeException.ThrowIfZero(errors.Count);
        return string.Join("; ", errors);
    }
}

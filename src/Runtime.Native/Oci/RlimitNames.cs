namespace Runa.Runtime.Oci;

/// <summary>RLIMIT_* names and their numbers on Linux.</summary>
public static class RlimitNames
{
    private static readonly Dictionary<string, int> s_numbers = new(StringComparer.Ordinal)
    {
        ["RLIMIT_CPU"] = 0, ["RLIMIT_FSIZE"] = 1, ["RLIMIT_DATA"] = 2, ["RLIMIT_STACK"] = 3,
        ["RLIMIT_CORE"] = 4, ["RLIMIT_RSS"] = 5, ["RLIMIT_NPROC"] = 6, ["RLIMIT_NOFILE"] = 7,
        ["RLIMIT_MEMLOCK"] = 8, ["RLIMIT_AS"] = 9, ["RLIMIT_LOCKS"] = 10, ["RLIMIT_SIGPENDING"] = 11,
        ["RLIMIT_MSGQUEUE"] = 12, ["RLIMIT_NICE"] = 13, ["RLIMIT_RTPRIO"] = 14, ["RLIMIT_RTTIME"] = 15,
    };

    public static bool TryGet(string name, out int number) => s_numbers.TryGetValue(name, out number);
}

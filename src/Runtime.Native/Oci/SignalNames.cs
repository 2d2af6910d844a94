namespace Runa.Runtime.Oci;

/// <summary>Signal names and numbers (x86-64), as `kill` takes them: "TERM", "SIGTERM", "15".</summary>
public static class SignalNames
{
    private static readonly Dictionary<string, int> s_numbers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["ILL"] = 4, ["TRAP"] = 5, ["ABRT"] = 6, ["IOT"] = 6,
        ["BUS"] = 7, ["FPE"] = 8, ["KILL"] = 9, ["USR1"] = 10, ["SEGV"] = 11, ["USR2"] = 12,
        ["PIPE"] = 13, ["ALRM"] = 14, ["TERM"] = 15, ["STKFLT"] = 16, ["CHLD"] = 17, ["CONT"] = 18,
        ["STOP"] = 19, ["TSTP"] = 20, ["TTIN"] = 21, ["TTOU"] = 22, ["URG"] = 23, ["XCPU"] = 24,
        ["XFSZ"] = 25, ["VTALRM"] = 26, ["PROF"] = 27, ["WINCH"] = 28, ["IO"] = 29, ["POLL"] = 29,
        ["PWR"] = 30, ["SYS"] = 31,
    };

    public const int SIGKILL = 9, SIGTERM = 15, SIGINT = 2, SIGCHLD = 17, SIGWINCH = 28, SIGSTOP = 19;

    /// <summary>Parses "KILL", "SIGKILL", "9", or "RTMIN+3"; null if it is no signal.</summary>
    public static int? Parse(string text)
    {
        text = text.Trim();
        if (int.TryParse(text, out var n))
        {
            return n is > 0 and <= 64 ? n : null;
        }
        var name = text.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? text[3..] : text;
        if (s_numbers.TryGetValue(name, out n))
        {
            return n;
        }
        if (name.StartsWith("RTMIN", StringComparison.OrdinalIgnoreCase))
        {
            var off = name.Length == 5 ? 0 : int.TryParse(name[5..], out var o) ? o : -1;
            return off is >= 0 and <= 30 ? 34 + off : null;
        }
        if (name.StartsWith("RTMAX", StringComparison.OrdinalIgnoreCase))
        {
            var off = name.Length == 5 ? 0 : int.TryParse(name[5..], out var o) ? o : 1;
            return off is <= 0 and >= -30 ? 64 + off : null;
        }
        return null;
    }
}

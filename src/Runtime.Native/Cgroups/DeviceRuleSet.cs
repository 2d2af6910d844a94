using System.Globalization;
using System.Text;
using Runa.Runtime.Oci;

namespace Runa.Runtime.Cgroups;

/// <summary>
/// A model of the v1 devices controller's state: a default (allow or deny everything) plus
/// exceptions keyed by (type, major, minor), each with an access set. It is what lets Runa apply
/// linux.resources.devices the way runc does:
/// <list type="bullet">
/// <item>the rule list is evaluated in order starting from deny-all (a whitelist), and a wildcard
/// rule ("a", all majors/minors) resets everything to allow-all or deny-all;</item>
/// <item>an update writes only the minimal transition from the current state (read from
/// devices.list) — a deny-all is written only when the default must change — so a running
/// container does not briefly lose /dev/null during `runa update`;</item>
/// <item>after writing, devices.list is read back and compared with the target.</item>
/// </list>
/// Kernel semantics (security/device_cgroup.c): an exception matches a rule only with the same
/// type, major and minor (a wildcard is its own key), an allow merges access bits, a deny clears
/// them. Denying part of a wildcard exception is silently ignored by the kernel, so it is refused
/// here instead of leaving the user with a false sense of confinement.
/// </summary>
internal sealed class DeviceRuleSet
{
    /// <summary>Wildcard major or minor.</summary>
    public const long Any = -1;

    /// <summary>Exceptions to the default, ordered so transitions are deterministic.</summary>
    private readonly SortedDictionary<(char Type, long Major, long Minor), DeviceAccess> _exceptions = new();

    /// <summary>True in black-list mode (everything allowed except the exceptions).</summary>
    public bool DefaultAllow { get; private set; }

    /// <summary>True when nothing is restricted at all.</summary>
    public bool IsAllowAll => DefaultAllow && _exceptions.Count == 0;

    /// <summary>The exceptions (allowed devices in a whitelist, denied ones in a blacklist).</summary>
    public IReadOnlyDictionary<(char Type, long Major, long Minor), DeviceAccess> Exceptions => _exceptions;

    /// <summary>
    /// Evaluates OCI rules in order from deny-all. Returns the errors (field-named) of rules the
    /// devices controller cannot express; the rules themselves must already be well-formed.
    /// </summary>
    public static DeviceRuleSet FromOci(IReadOnlyList<DeviceCgroupRule> rules, List<CgroupConfigError> errors)
    {
        var set = new DeviceRuleSet { DefaultAllow = false };
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var type = string.IsNullOrEmpty(rule.Type) ? 'a' : rule.Type[0];
            var access = ParseAccess(rule.Access ?? "rwm") ?? DeviceAccess.All;
            var error = set.Apply(rule.Allow, (type, rule.Major ?? Any, rule.Minor ?? Any), access);
            if (error is not null)
            {
                errors.Add(new CgroupConfigError($"linux.resources.devices[{i}]", error));
            }
        }
        return set;
    }

    /// <summary>
    /// The state a devices.list shows. A black-list cgroup shows only "a *:* rwm" and its deny
    /// exceptions cannot be read back, which <see cref="TransitionFrom"/> accounts for.
    /// </summary>
    public static DeviceRuleSet FromDevicesList(string devicesList)
    {
        var set = new DeviceRuleSet { DefaultAllow = false };
        foreach (var raw in devicesList.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = raw.Split([' ', ':'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 4 || fields[0].Length != 1 || ParseAccess(fields[3]) is not { } access)
            {
                throw new FormatException($"devices.list: malformed line {CgroupErrors.Quote(raw)}");
            }
            var type = fields[0][0];
            if (type == 'a')
            {
                set.DefaultAllow = true;
                set._exceptions.Clear();
                continue;
            }
            var key = (type, ParseNumber(fields[1]), ParseNumber(fields[2]));
            set._exceptions[key] = set._exceptions.GetValueOrDefault(key) | access;
        }
        return set;
    }

    /// <summary>
    /// The writes that turn <paramref name="current"/> into this state with the least disruption:
    /// (file, rule) pairs, file being "devices.allow" or "devices.deny".
    /// </summary>
    public List<(string File, string Rule)> TransitionFrom(DeviceRuleSet current)
    {
        var writes = new List<(string, string)>();
        var toDefault = DefaultAllow ? "devices.allow" : "devices.deny";
        var toException = DefaultAllow ? "devices.deny" : "devices.allow";
        IReadOnlyDictionary<(char, long, long), DeviceAccess> old = current._exceptions;
        // A black list's exceptions are invisible in devices.list, so starting from one (or
        // changing the default) needs the disruptive reset.
        if (current.DefaultAllow || current.DefaultAllow != DefaultAllow)
        {
            writes.Add((toDefault, "a *:* rwm"));
            old = new Dictionary<(char, long, long), DeviceAccess>();
        }
        foreach (var (key, oldAccess) in old.OrderBy(kv => kv.Key))
        {
            var dropped = oldAccess & ~_exceptions.GetValueOrDefault(key);
            if (dropped != DeviceAccess.None)
            {
                writes.Add((toDefault, Format(key, dropped)));
            }
        }
        foreach (var (key, newAccess) in _exceptions)
        {
            var gained = newAccess & ~old.GetValueOrDefault(key);
            if (gained != DeviceAccess.None)
            {
                writes.Add((toException, Format(key, gained)));
            }
        }
        return writes;
    }

    /// <summary>True if a devices.list read back after writing matches this target (for a black
    /// list only the mode can be compared).</summary>
    public bool Matches(DeviceRuleSet actual)
    {
        if (DefaultAllow || actual.DefaultAllow)
        {
            return DefaultAllow == actual.DefaultAllow;
        }
        return _exceptions.Count == actual._exceptions.Count
            && _exceptions.All(kv => actual._exceptions.TryGetValue(kv.Key, out var a) && a == kv.Value);
    }

    /// <summary>"c 1:3 rwm", as devices.allow/deny and devices.list spell rules.</summary>
    public static string Format((char Type, long Major, long Minor) key, DeviceAccess access)
    {
        var sb = new StringBuilder().Append(key.Type).Append(' ')
            .Append(key.Major == Any ? "*" : key.Major.ToString(CultureInfo.InvariantCulture)).Append(':')
            .Append(key.Minor == Any ? "*" : key.Minor.ToString(CultureInfo.InvariantCulture)).Append(' ');
        if (access.HasFlag(DeviceAccess.Read))
        {
            sb.Append('r');
        }
        if (access.HasFlag(DeviceAccess.Write))
        {
            sb.Append('w');
        }
        if (access.HasFlag(DeviceAccess.Mknod))
        {
            sb.Append('m');
        }
        return sb.ToString();
    }

    /// <summary>"rwm" → flags; null for anything else (empty, or a letter other than r, w, m).</summary>
    public static DeviceAccess? ParseAccess(string access)
    {
        if (access.Length == 0)
        {
            return null;
        }
        var result = DeviceAccess.None;
        foreach (var c in access)
        {
            switch (c)
            {
                case 'r':
                    result |= DeviceAccess.Read;
                    break;
                case 'w':
                    result |= DeviceAccess.Write;
                    break;
                case 'm':
                    result |= DeviceAccess.Mknod;
                    break;
                default:
                    return null;
            }
        }
        return result;
    }

    private string? Apply(bool allow, (char Type, long Major, long Minor) key, DeviceAccess access)
    {
        if (key.Type == 'a')
        {
            // The kernel treats any "a" rule as "everything": reset to allow-all or deny-all.
            DefaultAllow = allow;
            _exceptions.Clear();
            return null;
        }
        // An allow in a whitelist (or a deny in a blacklist) adds an exception; the opposite removes one.
        return allow != DefaultAllow ? Add(key, access) : Remove(key, access);
    }

    private string? Add((char Type, long Major, long Minor) key, DeviceAccess access)
    {
        _exceptions[key] = _exceptions.GetValueOrDefault(key) | access;
        return null;
    }

    private string? Remove((char Type, long Major, long Minor) key, DeviceAccess access)
    {
        foreach (var wider in new[] { (key.Type, Any, key.Minor), (key.Type, key.Major, Any), (key.Type, Any, Any) })
        {
            if (wider == key)
            {
                continue;
            }
            var overlap = _exceptions.GetValueOrDefault(wider) & access;
            if (overlap != DeviceAccess.None)
            {
                return $"rule {Format(key, access)} cannot be expressed by the v1 devices controller: it would punch a hole in the wider rule {Format(wider, _exceptions[wider])}, which the kernel silently ignores";
            }
        }
        var remaining = _exceptions.GetValueOrDefault(key) & ~access;
        if (remaining == DeviceAccess.None)
        {
            _exceptions.Remove(key);
        }
        else
        {
            _exceptions[key] = remaining;
        }
        return null;
    }

    private static long ParseNumber(string s) =>
        s == "*" ? Any : long.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
}

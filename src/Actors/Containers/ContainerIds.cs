namespace Runa.Actors.Containers;

/// <summary>Container id rules (runc's): 1 to 1024 of [A-Za-z0-9_.+-], and not "." or "..".</summary>
public static class ContainerIds
{
    public const int MaxLength = 1024;

    /// <summary>Null when valid, else why not.</summary>
    public static string? Problem(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "container id cannot be empty";
        }
        if (id.Length > MaxLength)
        {
            return $"invalid container id: longer than {MaxLength} characters";
        }
        if (id is "." or "..")
        {
            return $"invalid container id \"{id}\"";
        }
        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '+' or '-'))
            {
                return $"invalid container id \"{Printable(id)}\": only letters, digits and _ . + - are allowed";
            }
        }
        return null;
    }

    /// <summary>
    /// The id as one path component (the state directory, the default cgroup): the id itself, or
    /// for an id longer than a file name may be (255 bytes), a prefix of it and a digest of all of it.
    /// </summary>
    public static string FileName(string id)
    {
        const int Max = 200;
        if (id.Length <= Max)
        {
            return id;
        }
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)));
        return $"{id[..(Max - 66)]}--{digest}";
    }

    private static string Printable(string id) =>
        new(id.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}

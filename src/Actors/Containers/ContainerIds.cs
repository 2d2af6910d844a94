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

    private static string Printable(string id) =>
        new(id.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}

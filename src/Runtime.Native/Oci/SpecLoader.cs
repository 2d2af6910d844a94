using System.Text.Json;
using System.Text.RegularExpressions;

namespace Runa.Runtime.Oci;

/// <summary>Reads a bundle's config.json; every failure names the file and the JSON path.</summary>
public static partial class SpecLoader
{
    public const string ConfigFile = "config.json";

    public static Spec Load(string bundle) => Load(bundle, out _);

    /// <summary>Loads config.json and also hands back its bytes as read (what the journal records).</summary>
    public static Spec Load(string bundle, out byte[] raw)
    {
        if (!Directory.Exists(bundle))
        {
            throw new SpecException(File.Exists(bundle)
                ? $"bundle {bundle}: not a directory"
                : $"bundle {bundle}: no such directory");
        }
        var path = Path.Combine(bundle, ConfigFile);
        if (Directory.Exists(path))
        {
            // .NET calls reading a directory "access denied"; say what it is.
            throw new SpecException($"{path}: cannot read: is a directory");
        }
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new SpecException($"{path}: no such file (a bundle needs a config.json; `runa spec` writes one)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SpecException($"{path}: cannot read: {e.Message}", e);
        }
        raw = bytes;
        return Parse(bytes, path);
    }

    public static Spec Parse(ReadOnlySpan<byte> json, string source = ConfigFile)
    {
        try
        {
            return JsonSerializer.Deserialize(json, OciJson.Default.Spec)
                ?? throw new SpecException($"{source}: the document is null, expected an object");
        }
        catch (JsonException e)
        {
            throw new SpecException(Describe(e, source), e);
        }
    }

    /// <summary>Parses a resources document (`runa update -r`).</summary>
    public static LinuxResources ParseResources(ReadOnlySpan<byte> json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize(json, OciJson.Default.LinuxResources)
                ?? throw new SpecException($"{source}: the document is null, expected an object");
        }
        catch (JsonException e)
        {
            throw new SpecException(Describe(e, source), e);
        }
    }

    private static string Describe(JsonException e, string source)
    {
        var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "(document)" : e.Path.TrimStart('$').TrimStart('.');
        var where = e.LineNumber is { } line ? $" (line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1})" : "";
        var type = ConvertedType().Match(e.Message);
        string problem;
        if (type.Success)
        {
            problem = $"invalid value, expected {Friendly(type.Groups[1].Value)}";
        }
        else
        {
            // System.Text.Json appends "Path: … | LineNumber: …" to its own text; we say that ourselves.
            var text = e.Message;
            var cut = text.IndexOf(" Path: ", StringComparison.Ordinal);
            problem = "malformed JSON: " + (cut > 0 ? text[..cut] : text).TrimEnd('.');
        }
        return $"{source}: {field}{where}: {problem}";
    }

    private static string Friendly(string dotnetType) => dotnetType switch
    {
        var t when t.Contains("UInt16") => "an unsigned 16-bit integer",
        var t when t.Contains("UInt32") => "an unsigned 32-bit integer",
        var t when t.Contains("UInt64") => "an unsigned 64-bit integer",
        var t when t.Contains("Int32") => "a 32-bit integer",
        var t when t.Contains("Int64") => "a 64-bit integer",
        var t when t.Contains("Boolean") => "true or false",
        var t when t.Contains("String") && t.Contains("List") => "an array of strings",
        var t when t.Contains("Dictionary") => "an object of string values",
        var t when t.Contains("List") => "an array",
        var t when t.Contains("String") => "a string",
        var t => $"a value of type {t.Split('.').Last()}",
    };

    [GeneratedRegex(@"could not be converted to ([^\s.]+(?:\.[^\s.]+)*(?:`\d\[[^\]]*\])?)")]
    private static partial Regex ConvertedType();
}

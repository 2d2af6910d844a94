namespace Runa.Runtime.Oci;

/// <summary>config.json is invalid; the message names the field (a JSON path such as process.args).</summary>
public sealed class SpecException : Exception
{
    public SpecException(string field, string problem)
        : base($"config.json: {field}: {problem}")
    {
        Field = field;
    }

    public SpecException(string message, Exception? inner = null)
        : base(message, inner)
    {
        Field = "";
    }

    /// <summary>The offending field, e.g. "linux.namespaces[2].type".</summary>
    public string Field { get; }
}

namespace Runa.Runtime.Oci;

/// <summary>config.json is invalid; the message names the field (a JSON path such as process.args).</summary>
public sealed class SpecException : Exception
{
    public SpecException(string field, string problem)
        : this(field, problem, "config.json")
    {
    }

    /// <param name="source">Where the field comes from ("config.json", "--process"); empty for a command-line flag.</param>
    public SpecException(string field, string problem, string source)
        : base(source.Length == 0 ? $"{field}: {problem}" : $"{source}: {field}: {problem}")
    {
        Field = field;
        Problem = problem;
    }

    public SpecException(string message, Exception? inner = null)
        : base(message, inner)
    {
        Field = "";
        Problem = message;
    }

    /// <summary>The offending field, e.g. "linux.namespaces[2].type".</summary>
    public string Field { get; }

    /// <summary>What is wrong with it, without the field.</summary>
    public string Problem { get; }
}

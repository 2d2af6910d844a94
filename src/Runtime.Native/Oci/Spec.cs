using System.Text.Json.Serialization;

namespace Runa.Runtime.Oci;

/// <summary>The OCI runtime configuration (config.json), as the runtime-spec defines it.</summary>
public sealed class Spec
{
    [JsonPropertyName("ociVersion")] public string OciVersion { get; set; } = "";
    [JsonPropertyName("process")] public Process? Process { get; set; }
    [JsonPropertyName("root")] public Root? Root { get; set; }
    [JsonPropertyName("hostname")] public string? Hostname { get; set; }
    [JsonPropertyName("domainname")] public string? Domainname { get; set; }
    [JsonPropertyName("mounts")] public List<Mount>? Mounts { get; set; }
    [JsonPropertyName("hooks")] public Hooks? Hooks { get; set; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
    [JsonPropertyName("linux")] public Linux? Linux { get; set; }
}

public sealed class Process
{
    [JsonPropertyName("terminal")] public bool Terminal { get; set; }
    [JsonPropertyName("consoleSize")] public ConsoleSize? ConsoleSize { get; set; }
    [JsonPropertyName("user")] public User User { get; set; } = new();
    [JsonPropertyName("args")] public List<string>? Args { get; set; }
    [JsonPropertyName("env")] public List<string>? Env { get; set; }
    [JsonPropertyName("cwd")] public string Cwd { get; set; } = "/";
    [JsonPropertyName("capabilities")] public Capabilities? Capabilities { get; set; }
    [JsonPropertyName("rlimits")] public List<Rlimit>? Rlimits { get; set; }
    [JsonPropertyName("noNewPrivileges")] public bool NoNewPrivileges { get; set; }
    [JsonPropertyName("apparmorProfile")] public string? ApparmorProfile { get; set; }
    [JsonPropertyName("oomScoreAdj")] public int? OomScoreAdj { get; set; }
    [JsonPropertyName("selinuxLabel")] public string? SelinuxLabel { get; set; }
}

public sealed class ConsoleSize
{
    [JsonPropertyName("height")] public uint Height { get; set; }
    [JsonPropertyName("width")] public uint Width { get; set; }
}

public sealed class User
{
    [JsonPropertyName("uid")] public uint Uid { get; set; }
    [JsonPropertyName("gid")] public uint Gid { get; set; }
    [JsonPropertyName("umask")] public uint? Umask { get; set; }
    [JsonPropertyName("additionalGids")] public List<uint>? AdditionalGids { get; set; }
    [JsonPropertyName("username")] public string? Username { get; set; }
}

public sealed class Capabilities
{
    [JsonPropertyName("bounding")] public List<string>? Bounding { get; set; }
    [JsonPropertyName("effective")] public List<string>? Effective { get; set; }
    [JsonPropertyName("inheritable")] public List<string>? Inheritable { get; set; }
    [JsonPropertyName("permitted")] public List<string>? Permitted { get; set; }
    [JsonPropertyName("ambient")] public List<string>? Ambient { get; set; }
}

public sealed class Rlimit
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("hard")] public ulong Hard { get; set; }
    [JsonPropertyName("soft")] public ulong Soft { get; set; }
}

public sealed class Root
{
    [JsonPropertyName("path")] public string Path { get; set; } = "";
    [JsonPropertyName("readonly")] public bool Readonly { get; set; }
}

public sealed class Mount
{
    [JsonPropertyName("destination")] public string Destination { get; set; } = "";
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("source")] public string? Source { get; set; }
    [JsonPropertyName("options")] public List<string>? Options { get; set; }
}

public sealed class Hooks
{
    [JsonPropertyName("prestart")] public List<Hook>? Prestart { get; set; }
    [JsonPropertyName("createRuntime")] public List<Hook>? CreateRuntime { get; set; }
    [JsonPropertyName("createContainer")] public List<Hook>? CreateContainer { get; set; }
    [JsonPropertyName("startContainer")] public List<Hook>? StartContainer { get; set; }
    [JsonPropertyName("poststart")] public List<Hook>? Poststart { get; set; }
    [JsonPropertyName("poststop")] public List<Hook>? Poststop { get; set; }
}

public sealed class Hook
{
    [JsonPropertyName("path")] public string Path { get; set; } = "";
    [JsonPropertyName("args")] public List<string>? Args { get; set; }
    [JsonPropertyName("env")] public List<string>? Env { get; set; }
    [JsonPropertyName("timeout")] public int? Timeout { get; set; }
}

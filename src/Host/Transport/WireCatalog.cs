using System.Text.Json.Serialization.Metadata;
using Runa.Actors.Containers;
using Runa.Runtime.Interop;

namespace Runa.Host.Transport;

/// <summary>
/// The message types that may cross the wire, by name. <see cref="Default"/> holds the container
/// commands and their replies; a new command (or a streamed event type) is added here with its
/// source-generated contract. Immutable: <see cref="Add{T}"/> returns a new catalog.
/// </summary>
public sealed class WireCatalog
{
    private readonly Dictionary<string, WireType> _byName;
    private readonly Dictionary<Type, WireType> _byType;

    private WireCatalog(Dictionary<string, WireType> byName, Dictionary<Type, WireType> byType)
    {
        _byName = byName;
        _byType = byType;
    }

    public static WireCatalog Empty { get; } = new(new(StringComparer.Ordinal), []);

    /// <summary>The container protocol: the commands a client sends and the replies it gets.</summary>
    public static WireCatalog Default { get; } = Empty
        .Add(WireJson.Default.CreateContainer, request: true,
            detach: m => (m with { Stdio = null }, m.Stdio ?? []),
            attach: (m, fds) => m with { Stdio = StdioOf(fds, "a CreateContainer") })
        .Add(WireJson.Default.StartContainer, request: true)
        .Add(WireJson.Default.GetContainerState, request: true)
        .Add(WireJson.Default.KillContainer, request: true)
        .Add(WireJson.Default.DeleteContainer, request: true)
        .Add(WireJson.Default.WaitContainer, request: true)
        .Add(WireJson.Default.ListContainers, request: true)
        .Add(WireJson.Default.ContainerCreatedReply,
            detach: m => (m with { Console = null }, m.Console is null ? [] : [m.Console]),
            attach: (m, fds) => m with { Console = ConsoleOf(fds, "a ContainerCreatedReply") })
        .Add(WireJson.Default.ContainerExitedReply)
        .Add(WireJson.Default.ContainerList)
        .Add(WireJson.Default.ContainerStateView)
        .Add(WireJson.Default.Done)
        .Add(WireJson.Default.PauseContainer, request: true)
        .Add(WireJson.Default.ResumeContainer, request: true)
        .Add(WireJson.Default.UpdateContainer, request: true)
        .Add(WireJson.Default.ContainerUpdatedReply)
        .Add(WireJson.Default.GetContainerPids, request: true)
        .Add(WireJson.Default.ContainerPidsReply)
        .Add(WireJson.Default.GetContainerStats, request: true)
        .Add(WireJson.Default.SubscribeEvents, request: true)
        .Add(WireJson.Default.ContainerEventNotice)
        .Add(WireJson.Default.ExecInContainer, request: true,
            detach: m => (m with { Stdio = null }, m.Stdio ?? []),
            attach: (m, fds) => m with { Stdio = StdioOf(fds, "an ExecInContainer") })
        .Add(WireJson.Default.ExecStartedReply,
            detach: m => (m with { Console = null }, m.Console is null ? [] : [m.Console]),
            attach: (m, fds) => m with { Console = ConsoleOf(fds, "an ExecStartedReply") })
        .Add(WireJson.Default.WaitExec, request: true)
        .Add(WireJson.Default.ExecExitedReply)
        .Add(WireJson.Default.SignalExec, request: true);

    /// <summary>A create's or exec's fds: none (the daemon's own stdio), or 0/1/2 and any preserved ones.</summary>
    private static IReadOnlyList<SafeFd>? StdioOf(IReadOnlyList<SafeFd> fds, string what) => fds.Count switch
    {
        0 => null,
        >= 3 => fds,
        _ => throw new ProtocolException($"{what} carries 0 fds, or 3 stdio fds and any preserved ones, not {fds.Count}"),
    };

    /// <summary>A reply's pty master, if it has one.</summary>
    private static SafeFd? ConsoleOf(IReadOnlyList<SafeFd> fds, string what) => fds.Count switch
    {
        0 => null,
        1 => fds[0],
        _ => throw new ProtocolException($"{what} carries at most 1 fd, not {fds.Count}"),
    };

    /// <summary>A catalog that also knows <typeparamref name="T"/> (named by its type name).</summary>
    public WireCatalog Add<T>(JsonTypeInfo<T> info, bool request = false,
        Func<T, (T Stripped, IReadOnlyList<SafeFd> Fds)>? detach = null,
        Func<T, IReadOnlyList<SafeFd>, T>? attach = null)
        where T : notnull
    {
        var name = typeof(T).Name;
        if (_byName.ContainsKey(name) || _byType.ContainsKey(typeof(T)))
        {
            throw new ArgumentException($"the wire catalog already has a type named {name}", nameof(info));
        }
        var type = new WireType(name, typeof(T), info, request,
            detach is null ? null : m =>
            {
                var (stripped, fds) = detach((T)m);
                return (stripped, fds);
            },
            attach is null ? null : (m, fds) => attach((T)m, fds));
        var byName = new Dictionary<string, WireType>(_byName, StringComparer.Ordinal) { [name] = type };
        var byType = new Dictionary<Type, WireType>(_byType) { [typeof(T)] = type };
        return new WireCatalog(byName, byType);
    }

    public WireType? Find(string name) => _byName.GetValueOrDefault(name);

    public WireType? Find(Type type) => _byType.GetValueOrDefault(type);
}

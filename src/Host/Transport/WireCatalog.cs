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
            attach: (m, fds) => fds.Count switch
            {
                0 => m with { Stdio = null },
                >= 3 => m with { Stdio = fds },
                _ => throw new ProtocolException($"a CreateContainer carries 0 fds, or 3 stdio fds and any preserved ones, not {fds.Count}"),
            })
        .Add(WireJson.Default.StartContainer, request: true)
        .Add(WireJson.Default.GetContainerState, request: true)
        .Add(WireJson.Default.KillContainer, request: true)
        .Add(WireJson.Default.DeleteContainer, request: true)
        .Add(WireJson.Default.WaitContainer, request: true)
        .Add(WireJson.Default.ListContainers, request: true)
        .Add(WireJson.Default.ContainerCreatedReply,
            detach: m => (m with { Console = null }, m.Console is null ? [] : [m.Console]),
            attach: (m, fds) => fds.Count switch
            {
                0 => m with { Console = null },
                1 => m with { Console = fds[0] },
                _ => throw new ProtocolException($"a ContainerCreatedReply carries at most 1 fd, not {fds.Count}"),
            })
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
            attach: (m, fds) => fds.Count switch
            {
                0 => m with { Stdio = null },
                >= 3 => m with { Stdio = fds },
                _ => throw new ProtocolException($"an ExecInContainer carries 0 fds, or 3 stdio fds and any preserved ones, not {fds.Count}"),
            })
        .Add(WireJson.Default.ExecStartedReply,
            detach: m => (m with { Console = null }, m.Console is null ? [] : [m.Console]),
            attach: (m, fds) => fds.Count switch
            {
                0 => m with { Console = null },
                1 => m with { Console = fds[0] },
                _ => throw new ProtocolException($"an ExecStartedReply carries at most 1 fd, not {fds.Count}"),
            })
        .Add(WireJson.Default.WaitExec, request: true)
        .Add(WireJson.Default.ExecExitedReply)
        .Add(WireJson.Default.SignalExec, request: true);

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

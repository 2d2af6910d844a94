namespace Runa.Host.Daemon;

/// <summary>
/// Who may talk to the daemon, decided from the peer's SO_PEERCRED (uid and gid at connect
/// time): root, or — with a configured group — a member of it: by the peer's gid, or by the
/// user database (the user's primary group, or a supplementary one as /etc/group or NSS lists
/// it). The socket's mode (0600, or 0660 with the group) keeps others out already; this check
/// holds even if that mode is loosened.
/// </summary>
public sealed class PeerAuthorizer
{
    private readonly IUserDatabase _users;
    private readonly uint? _gid;

    /// <summary>Throws <see cref="Cli.CliError"/> when <paramref name="group"/> does not exist (the daemon cannot start).</summary>
    public PeerAuthorizer(string? group, IUserDatabase users)
    {
        _users = users;
        Group = string.IsNullOrEmpty(group) ? null : group;
        if (Group is not null)
        {
            _gid = users.GroupId(Group) ?? throw new Cli.CliError($"group {Group} does not exist");
        }
    }

    /// <summary>The admitted group's name, or null when only root is admitted.</summary>
    public string? Group { get; }

    /// <summary>The admitted group's gid.</summary>
    public uint? Gid => _gid;

    /// <summary>Null if the peer may connect, else the message it is sent before the connection is closed.</summary>
    public string? Refusal(uint uid, uint gid)
    {
        if (uid == 0)
        {
            return null;
        }
        if (_gid is not { } allowed)
        {
            return $"permission denied: uid {uid} is not root (the daemon admits no group)";
        }
        if (gid == allowed)
        {
            return null;
        }
        if (_users.User(uid) is { } user && (user.Gid == allowed || _users.GroupsOf(user.Name, user.Gid).Contains(allowed)))
        {
            return null;
        }
        return $"permission denied: uid {uid} is not root and not in group {Group}";
    }
}

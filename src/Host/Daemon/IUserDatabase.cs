using Runa.Runtime.Interop;

namespace Runa.Host.Daemon;

/// <summary>The user and group database (NSS: /etc/passwd, /etc/group, …); a seam for tests.</summary>
public interface IUserDatabase
{
    /// <summary>The gid of a group by name, null if there is no such group.</summary>
    uint? GroupId(string name);

    /// <summary>A user's name and primary gid, null if the uid has no entry.</summary>
    (string Name, uint Gid)? User(uint uid);

    /// <summary>Every gid the user belongs to: primary and supplementary.</summary>
    IReadOnlyList<uint> GroupsOf(string user, uint primaryGid);
}

/// <summary>The system's database through libc (getgrnam_r, getpwuid_r, getgrouplist).</summary>
public sealed class SystemUserDatabase : IUserDatabase
{
    public static SystemUserDatabase Instance { get; } = new();

    public uint? GroupId(string name) => Sys.GroupId(name);

    public (string Name, uint Gid)? User(uint uid) => Sys.User(uid);

    public IReadOnlyList<uint> GroupsOf(string user, uint primaryGid) => Sys.GroupList(user, primaryGid);
}

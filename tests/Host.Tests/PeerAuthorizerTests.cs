using Runa.Host.Daemon;
using Xunit;

namespace Runa.Host.Tests;

public sealed class PeerAuthorizerTests
{
    /// <summary>alice (1001) is in runa (500) as a supplementary member; carol's primary group is runa; bob is in neither.</summary>
    private sealed class Users : IUserDatabase
    {
        public uint? GroupId(string name) => name == "runa" ? 500 : null;

        public (string Name, uint Gid)? User(uint uid) => uid switch
        {
            1001 => ("alice", 1001),
            1002 => ("bob", 1002),
            1003 => ("carol", 500),
            _ => null,
        };

        public IReadOnlyList<uint> GroupsOf(string user, uint primaryGid) => user == "alice" ? [1001, 500] : [primaryGid];
    }

    [Fact]
    public void Root_is_always_admitted()
    {
        Assert.Null(new PeerAuthorizer(null, new Users()).Refusal(0, 0));
        Assert.Null(new PeerAuthorizer("runa", new Users()).Refusal(0, 1234));
    }

    [Fact]
    public void Without_a_group_anyone_else_is_refused() =>
        Assert.Equal("permission denied: uid 1001 is not root (the daemon admits no group)", new PeerAuthorizer("", new Users()).Refusal(1001, 1001));

    [Fact]
    public void Members_of_the_group_are_admitted_by_the_peer_gid_the_primary_group_or_a_supplementary_one()
    {
        var auth = new PeerAuthorizer("runa", new Users());
        Assert.Equal(500u, auth.Gid);
        Assert.Null(auth.Refusal(1002, 500));
        Assert.Null(auth.Refusal(1003, 1003));
        Assert.Null(auth.Refusal(1001, 1001));
    }

    [Fact]
    public void Others_are_refused_with_a_message_naming_uid_and_group()
    {
        var auth = new PeerAuthorizer("runa", new Users());
        Assert.Equal("permission denied: uid 1002 is not root and not in group runa", auth.Refusal(1002, 1002));
        Assert.Equal("permission denied: uid 4242 is not root and not in group runa", auth.Refusal(4242, 4242));
    }

    [Fact]
    public void A_group_that_does_not_exist_stops_the_daemon_from_starting() =>
        Assert.Contains("group nosuch does not exist", Assert.Throws<Runa.Host.Cli.CliError>(() => new PeerAuthorizer("nosuch", new Users())).Message);
}

using Runa.IntegrationTests.Harness;
using Runa.Tests;
using Xunit;

namespace Runa.IntegrationTests;

/// <summary>What `runa state` takes from the bundle's config.json.</summary>
public sealed class StateTests : IDisposable
{
    private readonly RunaHost _runa = new();

    public void Dispose() => _runa.Dispose();

    [IntegrationFact]
    public void State_reports_the_configs_ociVersion_and_annotations()
    {
        Integration.Require();
        using var bundle = _runa.Track(new BusyboxBundle(s =>
        {
            s.Process!.Args = ["sleep", "300"];
            // Not the version `runa spec` writes, so the state cannot have it from anywhere else.
            s.OciVersion = "1.1.0";
            s.Annotations = new Dictionary<string, string> { ["org.example.owner"] = "team-a", ["io.example/empty"] = "" };
        }));
        var id = _runa.NewId();
        _runa.Run("create", "-b", bundle.Dir, id).Ok();
        try
        {
            foreach (var (state, when) in new[] { (_runa.State(id), "created"), (Started(id), "running") })
            {
                Assert.Equal(when, state.GetProperty("status").GetString());
                Assert.Equal("1.1.0", state.GetProperty("ociVersion").GetString());
                var annotations = state.GetProperty("annotations").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
                Assert.Equal(new Dictionary<string, string?> { ["org.example.owner"] = "team-a", ["io.example/empty"] = "" }, annotations);
            }
        }
        finally
        {
            _runa.Run("delete", "--force", id);
        }
    }

    private System.Text.Json.JsonElement Started(string id)
    {
        _runa.Run("start", id).Ok();
        return _runa.State(id);
    }
}

using System.Text.Json;
using Microsoft.Data.Sqlite;
using Runa.Host.Transport;
using Runa.Runtime.Oci;

namespace Runa.Host.Cli;

/// <summary>
/// A CLI command lives for a few hundred milliseconds, most of them the runtime's first use of
/// SQLite and System.Text.Json (type loading, P/Invoke stubs, JSON metadata), which runs one
/// step after another on the command's path. This starts that first use on another thread at
/// Main, guessed from the arguments, so it overlaps the command-line parsing and whatever comes
/// before the command needs it. Only idempotent, thread-safe static set-up happens here: if the
/// guess is wrong, or the command gets there first, nothing is different but the time.
/// </summary>
internal static class Warmup
{
    public static void Start(string[] args)
    {
        if (args.Length == 0 || args.Contains("daemon") || args.Contains("--help") || args.Contains("-h") || args.Contains("--version"))
        {
            return; // a daemon lives long; help and version need nothing
        }
        var remote = args.Contains("--host") || Environment.GetEnvironmentVariable("RUNA_HOST") is { Length: > 0 };
        var creates = args.Contains("create") || args.Contains("run");
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            try
            {
                if (remote)
                {
                    Wire(creates);
                }
                else
                {
                    Embedded(creates);
                }
            }
            catch (Exception)
            {
                // Only a head start: the command does (and reports) the real work itself.
            }
        }, null);
    }

    private static void Embedded(bool creates)
    {
        // The SQLite provider (native library, P/Invoke stubs) and the connection types. Only
        // that: warming the write path as well measured slower, the two cores being busy already.
        using (var connection = new SqliteConnection("Data Source=:memory:"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            command.ExecuteScalar();
        }
        if (creates)
        {
            // config.json's whole type graph: JSON metadata for every OCI type, built once.
            var json = JsonSerializer.SerializeToUtf8Bytes(DefaultSpec.Create(), OciJson.Default.Spec);
            _ = JsonSerializer.Deserialize(json, OciJson.Default.Spec);
        }
    }

    private static void Wire(bool creates)
    {
        _ = WireJson.Default.Hello;
        if (creates)
        {
            _ = WireJson.Default.GetTypeInfo(typeof(Actors.Containers.CreateContainer));
            _ = WireJson.Default.GetTypeInfo(typeof(Actors.Containers.ContainerCreatedReply));
        }
    }
}

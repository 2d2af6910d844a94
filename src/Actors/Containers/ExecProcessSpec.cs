using System.Text.Json;
using Runa.Runtime.Oci;

namespace Runa.Actors.Containers;

/// <summary>
/// The process a `runa exec` runs, composed as runc composes it: a --process file whole, or the
/// container's own process with the command line's args, cwd, env (appended), user, extra
/// capabilities and no_new_privs applied. Validated like config.json's process.
/// </summary>
public static class ExecProcessSpec
{
    public static Process Compose(Spec container, ExecInContainer m)
    {
        Process p;
        if (m.ProcessJson is { } json)
        {
            try
            {
                p = JsonSerializer.Deserialize(json, OciJson.Default.Process)
                    ?? throw new SpecException("--process", "the file holds null, not a process", "");
            }
            catch (JsonException e)
            {
                throw new SpecException("--process", $"not a valid process JSON: {e.Message}", "");
            }
        }
        else
        {
            p = Copy(container.Process ?? throw new SpecException("process", "the container's config has no process"));
            if (m.Args is not { Count: > 0 })
            {
                throw new SpecException("command", "missing: exec needs a command to run (or --process FILE)", "");
            }
            p.Args = [.. m.Args];
            p.Terminal = m.Tty;
            // The container's console size was for its own terminal.
            p.ConsoleSize = null;
            if (m.Cwd is { } cwd)
            {
                p.Cwd = cwd;
            }
            if (m.Env is { Count: > 0 } env)
            {
                p.Env = [.. p.Env ?? [], .. env];
            }
            // As runc: only what is given changes; the gid and groups stay the container's otherwise.
            if (m.Uid is { } uid)
            {
                p.User.Uid = uid;
            }
            if (m.Gid is { } gid)
            {
                p.User.Gid = gid;
            }
            if (m.AdditionalGids is { Count: > 0 } gids)
            {
                p.User.AdditionalGids = [.. p.User.AdditionalGids ?? [], .. gids];
            }
            if (m.Caps is { Count: > 0 } caps)
            {
                var c = p.Capabilities ??= new Capabilities();
                var names = caps.Select(cap => cap.StartsWith("CAP_", StringComparison.OrdinalIgnoreCase) ? cap.ToUpperInvariant() : "CAP_" + cap.ToUpperInvariant()).ToList();
                try
                {
                    CapabilityNames.Mask(names, "--cap");
                }
                catch (SpecException e)
                {
                    throw new SpecException(e.Field, e.Problem, "");
                }
                foreach (var name in names)
                {
                    (c.Bounding ??= []).Add(name);
                    (c.Effective ??= []).Add(name);
                    (c.Permitted ??= []).Add(name);
                    // Ambient needs inheritable: only where the process already has some, as runc does.
                    if (c.Inheritable is { Count: > 0 })
                    {
                        c.Inheritable.Add(name);
                        (c.Ambient ??= []).Add(name);
                    }
                }
            }
            if (m.NoNewPrivileges)
            {
                p.NoNewPrivileges = true;
            }
        }
        try
        {
            SpecValidator.ValidateProcess(p);
        }
        catch (SpecException e) when (m.ProcessJson is not null)
        {
            throw new SpecException(e.Field, e.Problem, "--process");
        }
        catch (SpecException e)
        {
            // The container's process with the command line's changes: name both.
            throw new SpecException(e.Field, e.Problem, "the exec process (config.json and flags)");
        }
        if (p.Terminal && m.ConsoleSocket is null && !m.KeepConsole)
        {
            throw new SpecException("--tty", "a terminal needs --console-socket when exec is detached", "");
        }
        return p;
    }

    /// <summary>A deep copy, so that the container's spec object is never changed.</summary>
    private static Process Copy(Process p) =>
        JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(p, OciJson.Default.Process), OciJson.Default.Process)!;
}

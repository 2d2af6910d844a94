using Runa.Runtime.Interop;

namespace Runa.Runtime.Launch;

/// <summary>--pid-file: written whole or not at all, and never through a symlink.</summary>
public static class PidFile
{
    public static void Write(string path, int pid)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}");
        // O_EXCL|O_NOFOLLOW: the temporary name cannot be a planted symlink; rename(2) then
        // replaces whatever is at the final name (a symlink included) instead of following it.
        using (var fd = Sys.Open(temp, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW, 0x1a4))
        {
            Sys.WriteAll(fd, System.Text.Encoding.ASCII.GetBytes(pid.ToString()), temp);
        }
        try
        {
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}

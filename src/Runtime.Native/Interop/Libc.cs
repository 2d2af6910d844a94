namespace Runa.Runtime.Interop;

/// <summary>
/// Raw libc imports, named as in C so the man pages apply verbatim. The exception-throwing
/// layer that callers use is <see cref="Sys"/>; the raw imports stay internal.
/// </summary>
internal static unsafe partial class Libc
{
    internal const string Name = "libc";
}

namespace Runa.Runtime.Cgroups;

/// <summary>Device access bits: read, write, mknod.</summary>
[Flags]
internal enum DeviceAccess
{
    None = 0,
    Read = 1,
    Write = 2,
    Mknod = 4,
    All = Read | Write | Mknod,
}

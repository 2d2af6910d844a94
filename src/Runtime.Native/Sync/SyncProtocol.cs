namespace Runa.Runtime.Sync;

// The C# mirror of src/Runtime.Native/init/protocol.h, which documents the wire format and
// the exchange. Change both together; SyncProtocolTests checks the numbers against the header.

/// <summary>Packet types on the sync socket.</summary>
public enum MessageType : uint
{
    Bootstrap = 1,
    Plan = 2,
    Pid = 16,
    Ready = 17,
    Error = 18,
    Console = 19,
}

/// <summary>Bootstrap ops, run by runa-init's stage 0 before it clones the container init.</summary>
public enum BootstrapOp : ushort
{
    CloneFlags = 1,
    JoinNamespace = 2,
    UidMap = 3,
    GidMap = 4,
    SetGroups = 5,
    SameProcess = 6,
}

/// <summary>Plan ops, run in order by the container init.</summary>
public enum PlanOp : ushort
{
    Rootfs = 1,
    Mount = 2,
    Mkdir = 3,
    Mkfile = 4,
    Mknod = 5,
    Symlink = 6,
    PivotRoot = 7,
    Mask = 8,
    Readonly = 9,
    WriteFile = 10,
    SetHostname = 11,
    SetDomainname = 12,
    SetRlimit = 13,
    Console = 14,
    Umask = 15,
    CapsBounding = 16,
    User = 17,
    Caps = 18,
    NoNewPrivs = 19,
    Chdir = 20,
    Resolve = 21,
    Ready = 22,
    Exec = 23,
    CloseLog = 24,
    ExecNow = 25,
}

/// <summary>RUNA_OP_MOUNT behaviour flags.</summary>
[Flags]
public enum MountHow : ulong
{
    None = 0,
    TargetInRoot = 1,
    KeepLocked = 2,
    MissingOk = 4,
}

public static class SyncProtocol
{
    public const int HeaderSize = 8;
    public const int MaxPacket = 1 << 20;
}

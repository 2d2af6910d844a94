namespace Runa.Host.Transport;

/// <summary>What a frame is; see <see cref="Wire"/> for the conversation.</summary>
public enum FrameType : ushort
{
    Hello = 1,
    Welcome = 2,
    Refused = 3,
    Request = 4,
    Reply = 5,
    Failure = 6,
    Subscribe = 7,
    Item = 8,
    End = 9,
    Cancel = 10,
    Log = 11,
}

using System.Buffers.Binary;
using System.Text;

namespace Runa.Runtime.Sync;

/// <summary>
/// Builds an op-list payload (see protocol.h): per op a u16 code and u16 argc, then each
/// argument as u32 length + bytes; integers are 8 bytes, strings carry their NUL. Each op also
/// keeps a human description, so an ERROR naming an op index becomes a message a user can act on.
/// </summary>
public sealed class OpList
{
    private readonly List<string> _descriptions = [];
    private readonly List<ushort> _codes = [];
    private byte[] _buffer = new byte[4096];
    private int _length;
    private int _argcOffset = -1;

    public int Count => _descriptions.Count;

    public ReadOnlyMemory<byte> Payload => _buffer.AsMemory(0, _length);

    /// <summary>What op <paramref name="index"/> does, e.g. "mount proc on /proc".</summary>
    public string Describe(int index) =>
        index >= 0 && index < _descriptions.Count ? _descriptions[index] : "set up the container";

    public ushort CodeAt(int index) => _codes[index];

    public OpList Op(PlanOp code, string description) => Op((ushort)code, description);

    public OpList Op(BootstrapOp code, string description) => Op((ushort)code, description);

    public OpList Op(ushort code, string description)
    {
        _codes.Add(code);
        _descriptions.Add(description);
        var span = Grow(4);
        BinaryPrimitives.WriteUInt16LittleEndian(span, code);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], 0);
        _argcOffset = _length - 2;
        return this;
    }

    public OpList U64(ulong value)
    {
        var span = Grow(12);
        BinaryPrimitives.WriteUInt32LittleEndian(span, 8);
        BinaryPrimitives.WriteUInt64LittleEndian(span[4..], value);
        return CountArg();
    }

    public OpList Str(string? value)
    {
        value ??= "";
        if (value.Contains('\0'))
        {
            throw new ArgumentException($"a string for runa-init holds a NUL byte: {value.Replace("\0", "\\0")}");
        }
        var n = Encoding.UTF8.GetByteCount(value);
        var span = Grow(4 + n + 1);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)(n + 1));
        Encoding.UTF8.GetBytes(value, span[4..]);
        span[4 + n] = 0;
        return CountArg();
    }

    private OpList CountArg()
    {
        if (_argcOffset < 0)
        {
            throw new InvalidOperationException("an argument before any op");
        }
        var argc = BinaryPrimitives.ReadUInt16LittleEndian(_buffer.AsSpan(_argcOffset));
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(_argcOffset), (ushort)(argc + 1));
        return this;
    }

    private Span<byte> Grow(int n)
    {
        if (_length + n > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + n));
        }
        var span = _buffer.AsSpan(_length, n);
        _length += n;
        return span;
    }
}

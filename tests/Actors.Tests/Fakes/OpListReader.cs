using System.Buffers.Binary;
using System.Text;
using Runa.Runtime.Sync;

namespace Runa.Actors.Tests.Fakes;

/// <summary>One decoded op of a BOOTSTRAP or PLAN payload.</summary>
public sealed record ParsedOp(ushort Code, IReadOnlyList<byte[]> Args)
{
    public PlanOp PlanCode => (PlanOp)Code;

    public BootstrapOp BootstrapCode => (BootstrapOp)Code;

    /// <summary>Argument <paramref name="i"/> as a string (it must carry its NUL, as protocol.h says).</summary>
    public string Str(int i)
    {
        var a = Args[i];
        if (a.Length == 0 || a[^1] != 0)
        {
            throw new InvalidDataException($"op {Code} argument {i} is not a NUL-terminated string");
        }
        return Encoding.UTF8.GetString(a, 0, a.Length - 1);
    }

    /// <summary>Argument <paramref name="i"/> as an 8-byte integer.</summary>
    public ulong U64(int i)
    {
        var a = Args[i];
        if (a.Length != 8)
        {
            throw new InvalidDataException($"op {Code} argument {i} is {a.Length} bytes, not an integer");
        }
        return BinaryPrimitives.ReadUInt64LittleEndian(a);
    }
}

/// <summary>
/// Decodes an op-list payload the way runa-init's next_op does (protocol.h): u16 code, u16 argc,
/// then argc times { u32 len; bytes }. Anything malformed (a cut argument, trailing bytes) throws.
/// </summary>
public static class OpListReader
{
    public static IReadOnlyList<ParsedOp> Parse(ReadOnlySpan<byte> payload)
    {
        var ops = new List<ParsedOp>();
        var p = 0;
        while (p < payload.Length)
        {
            if (payload.Length - p < 4)
            {
                throw new InvalidDataException($"op header cut at byte {p}");
            }
            var code = BinaryPrimitives.ReadUInt16LittleEndian(payload[p..]);
            var argc = BinaryPrimitives.ReadUInt16LittleEndian(payload[(p + 2)..]);
            p += 4;
            var args = new List<byte[]>(argc);
            for (var i = 0; i < argc; i++)
            {
                if (payload.Length - p < 4)
                {
                    throw new InvalidDataException($"op {code}: argument {i} length cut at byte {p}");
                }
                var len = (int)BinaryPrimitives.ReadUInt32LittleEndian(payload[p..]);
                p += 4;
                if (len < 0 || payload.Length - p < len)
                {
                    throw new InvalidDataException($"op {code}: argument {i} of {len} bytes runs past the payload");
                }
                args.Add(payload.Slice(p, len).ToArray());
                p += len;
            }
            ops.Add(new ParsedOp(code, args));
        }
        return ops;
    }
}

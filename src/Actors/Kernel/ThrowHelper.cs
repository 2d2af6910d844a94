using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Runa.Kernel;

/// <summary>Throw helpers keep the hot paths small.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ThrowMessageNull() => throw new ArgumentNullException("message", "A message must not be null.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ThrowNoContext()
        => throw new NotSupportedException(
            "There is no active actor context: Context is only available while an actor processes a message or runs a lifecycle hook.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ThrowInvalidOperation(string message) => throw new InvalidOperationException(message);
}

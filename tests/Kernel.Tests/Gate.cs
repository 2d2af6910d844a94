namespace Runa.Kernel.Tests;

/// <summary>
/// A message that makes a <see cref="GatedActor"/> (or any actor using ReceiveAsync on it) await
/// <see cref="Opened"/>: the mailbox is suspended meanwhile, so tests can queue messages behind
/// it deterministically without sleeping.
/// </summary>
public sealed class Gate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Opened => _open.Task;

    public void Open() => _open.TrySetResult();
}

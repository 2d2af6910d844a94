namespace Runa.Kernel.Internal;

/// <summary>INTERNAL API. <c>/user</c> and <c>/system</c>: parents of top-level actors, with the default strategy.</summary>
internal sealed class GuardianActor : ActorBase
{
    protected override bool Receive(object message) => false;
}

using System.Reflection;
using Runa.Runtime.Cgroups;
using Runa.Tests;
using Xunit;
using Xunit.Sdk;

namespace Runa.Native.Tests.Cgroups;

/// <summary>The sandbox's cleanup reports a leaking destroy instead of hiding it behind its sweep.</summary>
public sealed class CgroupSandboxTests
{
    [IntegrationFact]
    public async Task A_destroy_that_leaves_the_cgroup_fails_the_test_after_the_sweep()
    {
        var sb = new CgroupSandbox();
        XunitException e;
        try
        {
            var manager = CgroupManagerFactory.New("leaky", null, sb.Options);
            manager.Create();
            sb.Track(LeakyManager.Wrap(manager, fail: false));
            e = await Assert.ThrowsAsync<XunitException>(async () => await sb.DisposeAsync());
        }
        finally
        {
            // Should the dispose never run, the sandbox's cgroups still go.
            sb.Leftovers().ForEach(CgroupSandbox.Sweep);
        }

        Assert.Contains($"left by the destroy of /{sb.Name}/leaky", e.Message);
        Assert.Empty(sb.Leftovers());
    }

    [IntegrationFact]
    public async Task A_destroy_that_throws_fails_the_test_after_the_sweep()
    {
        var sb = new CgroupSandbox();
        XunitException e;
        try
        {
            var manager = CgroupManagerFactory.New("throws", null, sb.Options);
            manager.Create();
            sb.Track(LeakyManager.Wrap(manager, fail: true));
            e = await Assert.ThrowsAsync<XunitException>(async () => await sb.DisposeAsync());
        }
        finally
        {
            // Should the dispose never run, the sandbox's cgroups still go.
            sb.Leftovers().ForEach(CgroupSandbox.Sweep);
        }

        Assert.Contains($"the destroy of /{sb.Name}/throws threw InvalidOperationException: refused", e.Message);
        Assert.Empty(sb.Leftovers());
    }

    /// <summary>A manager whose destroy does nothing (or throws); everything else goes to the real one.</summary>
    public class LeakyManager : DispatchProxy
    {
        private ICgroupManager _inner = null!;
        private bool _fail;

        public static ICgroupManager Wrap(ICgroupManager inner, bool fail)
        {
            var proxy = Create<ICgroupManager, LeakyManager>();
            var leaky = (LeakyManager)(object)proxy;
            leaky._inner = inner;
            leaky._fail = fail;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(ICgroupManager.DestroyAsync))
            {
                return _fail ? Task.FromException(new InvalidOperationException("refused")) : Task.CompletedTask;
            }
            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
        }
    }
}

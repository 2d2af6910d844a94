using System.Runtime.ExceptionServices;
using Runa.Kernel.Internal;

namespace Runa.Kernel;

internal sealed partial class ActorCell
{
    /// <summary>True while an async handler's task runs: user messages wait, kernel messages do not.</summary>
    private bool _awaitingTask;

    /// <summary>The message whose async handler runs (restored as current message in its continuations).</summary>
    private object? _asyncMessage;

    /// <summary>Sender of <see cref="_asyncMessage"/>.</summary>
    private IActorRef? _asyncSender;

    /// <summary>Synchronization context of the current incarnation.</summary>
    private ActorSynchronizationContext? _syncContext;

    /// <summary>
    /// Runs an async handler. Its awaits continue on this actor (through a synchronization context
    /// that posts continuations to the mailbox's kernel queue) with Self/Sender/Context valid, and
    /// the mailbox stops taking user messages until the returned task completes. A faulted or
    /// cancelled task is a failure of the actor (supervision).
    /// </summary>
    internal void RunTask(Func<Task> action)
    {
        if (!ReferenceEquals(t_current, this))
        {
            ThrowHelper.ThrowInvalidOperation("RunTask/ReceiveAsync can only run while the actor processes a message.");
        }

        ActorSynchronizationContext context = _syncContext is { } existing && existing.Incarnation == _incarnation
            ? existing
            : _syncContext = new ActorSynchronizationContext(_self, _incarnation);

        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        Task task;
        try
        {
            task = action() ?? Task.CompletedTask;
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        if (task.IsCompleted)
        {
            ThrowIfFailed(task);
            return;
        }

        _awaitingTask = true;
        _asyncMessage = _currentMessage;
        _asyncSender = _currentSender;
        LocalActorRef self = _self;
        int incarnation = _incarnation;
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(
            () => self.SendSystemMessage(new AsyncCompleted(task, incarnation)));
    }

    /// <summary>A continuation of an async handler: run it as this actor.</summary>
    private void HandleAsyncCallback(AsyncContinuation callback)
    {
        if (callback.Incarnation != _incarnation || _terminating || _actor is null)
        {
            return; // the actor restarted or is stopping: the old handler's continuations are dropped
        }

        object? message = _currentMessage;
        IActorRef? sender = _currentSender;
        _currentMessage = _asyncMessage;
        _currentSender = _asyncSender;
        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_syncContext);
        try
        {
            callback.Callback(callback.State);
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
            _currentMessage = message;
            _currentSender = sender;
        }
    }

    /// <summary>The async handler's task completed: resume the mailbox, or fail.</summary>
    private void HandleAsyncCompleted(AsyncCompleted completed)
    {
        if (completed.Incarnation != _incarnation || _terminating || !_awaitingTask)
        {
            return;
        }

        _awaitingTask = false;
        _currentMessage = _asyncMessage;
        _currentSender = _asyncSender;
        _asyncMessage = null;
        _asyncSender = null;
        try
        {
            ThrowIfFailed(completed.Task);
            if (_receiveTimeout is not null && _currentMessage is not INotInfluenceReceiveTimeout)
            {
                _currentMessage = null;
                RescheduleReceiveTimeout();
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
        finally
        {
            _currentMessage = null;
            _currentSender = null;
        }
    }

    private static void ThrowIfFailed(Task task)
    {
        if (task.IsFaulted)
        {
            AggregateException aggregate = task.Exception!;
            ExceptionDispatchInfo.Throw(aggregate.InnerExceptions.Count == 1 ? aggregate.InnerExceptions[0] : aggregate);
        }

        if (task.IsCanceled)
        {
            throw new TaskCanceledException(task);
        }
    }
}

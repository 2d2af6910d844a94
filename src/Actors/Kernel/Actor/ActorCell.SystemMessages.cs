using Runa.Kernel.Internal;

namespace Runa.Kernel;

internal sealed partial class ActorCell
{
    /// <summary>Drains and handles all pending kernel messages (including ones posted while handling).</summary>
    private void ProcessSystemMessages()
    {
        SystemMessage? message;
        while ((message = Mailbox.TakeSystemMessages()) is not null)
        {
            while (message is not null)
            {
                SystemMessage? next = message.Next;
                message.Next = null;
                if (Mailbox.IsClosed)
                {
                    HandleSystemMessageAfterTermination(message);
                }
                else
                {
                    SystemInvoke(message);
                }

                message = next;
            }
        }
    }

    /// <summary>Handles one kernel message; an exception is a failure of this actor.</summary>
    private void SystemInvoke(SystemMessage message)
    {
        try
        {
            switch (message)
            {
                case Create:
                    HandleCreate();
                    break;
                case Recreate recreate:
                    FaultRecreate(recreate.Cause);
                    break;
                case Suspend:
                    FaultSuspend();
                    break;
                case Resume resume:
                    FaultResume(resume.CausedByFailure);
                    break;
                case Terminate:
                    BeginTerminate();
                    break;
                case Watch watch:
                    AddWatcher(watch);
                    break;
                case Unwatch unwatch:
                    RemoveWatcher(unwatch);
                    break;
                case DeathWatchNotification notification:
                    WatchedActorTerminated(notification);
                    break;
                case Failed failed:
                    HandleFailed(failed);
                    break;
                case AsyncContinuation callback:
                    HandleAsyncCallback(callback);
                    break;
                case AsyncCompleted completed:
                    HandleAsyncCompleted(completed);
                    break;
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
    }

    /// <summary>
    /// A kernel message reached this actor after it terminated. A Watch is answered at once with a
    /// termination notice (so watching a dead actor yields exactly one Terminated); the rest is dropped.
    /// May run on any thread.
    /// </summary>
    internal void HandleSystemMessageAfterTermination(SystemMessage message)
    {
        if (message is Watch watch && watch.Watchee.Equals(_self) && !watch.Watcher.Equals(_self))
        {
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(_self, existenceConfirmed: false, addressTerminated: false));
        }
    }
}

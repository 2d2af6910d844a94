using System.Runtime.InteropServices;

namespace Runa.Runtime.Interop;

public static unsafe partial class Sys
{
    /// <summary>
    /// posix_spawn with exactly the given fds: <paramref name="fds"/>[i] becomes fd 3+i in the
    /// child, plus 0/1/2 from <paramref name="stdio"/> (or ours when null). Every other fd Runa
    /// holds is O_CLOEXEC, so nothing else reaches the child; its signal mask is empty and all
    /// its signals have their default action.
    /// </summary>
    public static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp,
        IReadOnlyList<SafeFd> fds, IReadOnlyList<SafeFd>? stdio = null)
    {
        var allocations = new List<nint>();
        var attr = NativeMemory.AllocZeroed(Libc.SpawnAttrSize);
        var actions = NativeMemory.AllocZeroed(Libc.SpawnFileActionsSize);
        var set = NativeMemory.AllocZeroed(Libc.SigsetSize);
        var refs = new List<SafeHandle>();
        try
        {
            foreach (var h in fds.Concat(stdio ?? []))
            {
                var added = false;
                h.DangerousAddRef(ref added);
                refs.Add(h);
            }
            SpawnCheck(Libc.posix_spawnattr_init(attr), "posix_spawnattr_init");
            SpawnCheck(Libc.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            Check(Libc.sigemptyset(set), "sigemptyset");
            SpawnCheck(Libc.posix_spawnattr_setsigmask(attr, set), "posix_spawnattr_setsigmask");
            Check(Libc.sigfillset(set), "sigfillset");
            SpawnCheck(Libc.posix_spawnattr_setsigdefault(attr, set), "posix_spawnattr_setsigdefault");
            SpawnCheck(Libc.posix_spawnattr_setflags(attr, Libc.POSIX_SPAWN_SETSIGMASK | Libc.POSIX_SPAWN_SETSIGDEF),
                "posix_spawnattr_setflags");

            var moves = new List<(int Source, int Target)>();
            if (stdio is not null)
            {
                for (var i = 0; i < stdio.Count; i++)
                {
                    moves.Add((stdio[i].Fd, i));
                }
            }
            for (var i = 0; i < fds.Count; i++)
            {
                moves.Add((fds[i].Fd, 3 + i));
            }
            // dup2 clears O_CLOEXEC on the targets and the staging copies alike;
            // runa-init closes every fd above 5 before it does anything else.
            foreach (var (from, to) in SpawnFdMoves.Plan(moves))
            {
                SpawnCheck(Libc.posix_spawn_file_actions_adddup2(actions, from, to), "posix_spawn_file_actions_adddup2");
            }

            var argvp = stackalloc byte*[argv.Count + 1];
            for (var i = 0; i < argv.Count; i++)
            {
                argvp[i] = Utf8Z(argv[i], allocations);
            }
            argvp[argv.Count] = null;
            var envpp = stackalloc byte*[envp.Count + 1];
            for (var i = 0; i < envp.Count; i++)
            {
                envpp[i] = Utf8Z(envp[i], allocations);
            }
            envpp[envp.Count] = null;

            int pid;
            var rc = Libc.posix_spawn(&pid, path, actions, attr, argvp, envpp);
            if (rc != 0)
            {
                throw new RunaSystemException("posix_spawn", path, rc);
            }
            return pid;
        }
        finally
        {
            foreach (var h in refs)
            {
                h.DangerousRelease();
            }
            Libc.posix_spawn_file_actions_destroy(actions);
            Libc.posix_spawnattr_destroy(attr);
            NativeMemory.Free(attr);
            NativeMemory.Free(actions);
            NativeMemory.Free(set);
            foreach (var p in allocations)
            {
                NativeMemory.Free((void*)p);
            }
        }
    }

    private static void SpawnCheck(int rc, string operation)
    {
        if (rc != 0)
        {
            throw new RunaSystemException(operation, null, rc);
        }
    }

    /// <summary>
    /// A pidfd for <paramref name="pid"/>. For a non-child the pid may have been reused before
    /// the call: callers check the process start time after opening (the pidfd pins identity).
    /// </summary>
    public static SafeFd PidfdOpen(int pid)
    {
        var fd = Libc.syscall(Libc.SYS_pidfd_open, pid, 0, 0, 0);
        return CheckFd((int)fd, "pidfd_open", $"pid {pid}");
    }

    /// <summary>Signals the process behind a pidfd; false if it already exited (ESRCH).</summary>
    public static bool PidfdSendSignal(SafeFd pidfd, int signal)
    {
        var rc = Libc.syscall(Libc.SYS_pidfd_send_signal, pidfd.Fd, signal, 0, 0);
        if (rc < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.ESRCH)
            {
                return false;
            }
            throw new RunaSystemException("pidfd_send_signal", $"signal {signal}", errno);
        }
        return true;
    }

    /// <summary>
    /// Waits for a child through its pidfd: reaps it, or with <paramref name="peek"/> only reads
    /// its status and leaves the zombie to its owner. Returns null if it is still running
    /// (non-blocking) and throws ECHILD for a process that is not our child.
    /// </summary>
    public static ExitStatus? WaitPidfd(SafeFd pidfd, bool block, bool peek = false)
    {
        var info = stackalloc byte[Libc.SiginfoSize];
        while (true)
        {
            new Span<byte>(info, Libc.SiginfoSize).Clear();
            var rc = Libc.waitid(Libc.P_PIDFD, pidfd.Fd, info, Libc.WEXITED | (block ? 0 : Libc.WNOHANG) | (peek ? Libc.WNOWAIT : 0));
            if (rc == 0)
            {
                return DecodeSiginfo(info);
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                throw new RunaSystemException("waitid", "pidfd", errno);
            }
        }
    }

    private static ExitStatus? DecodeSiginfo(byte* info)
    {
        // siginfo_t for SIGCHLD: si_code at 8, si_pid at 16, si_status at 24.
        var pid = *(int*)(info + 16);
        if (pid == 0)
        {
            return null;
        }
        var code = *(int*)(info + 8);
        var status = *(int*)(info + 24);
        return code switch
        {
            Libc.CLD_EXITED => ExitStatus.Exited(status),
            Libc.CLD_DUMPED => ExitStatus.Killed(status, core: true),
            _ => ExitStatus.Killed(status),
        };
    }

    public static bool Kill(int pid, int signal)
    {
        if (Libc.kill(pid, signal) == 0)
        {
            return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Errno.ESRCH)
        {
            return false;
        }
        throw new RunaSystemException("kill", $"pid {pid} signal {signal}", errno);
    }

    /// <summary>
    /// Field 22 of /proc/&lt;pid&gt;/stat (start time in clock ticks since boot) and the state
    /// letter; null when the process does not exist. With the pid, the start time identifies
    /// a process across pid reuse, as runc's state does.
    /// </summary>
    public static (ulong StartTime, char State)? ProcessStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // The comm field is parenthesised and may hold spaces and ')': split after the last ')'.
        var close = text.LastIndexOf(')');
        var fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state); field 22 is fields[19].
        return (ulong.Parse(fields[19]), fields[0][0]);
    }

    /// <summary>True if <paramref name="pid"/> runs and is the same process (same start time), not a zombie.</summary>
    public static bool IsAlive(int pid, ulong startTime)
    {
        if (pid <= 0)
        {
            return false;
        }
        var stat = ProcessStat(pid);
        return stat is { } s && s.StartTime == startTime && s.State != 'Z' && s.State != 'X';
    }
}

/*
 * The wire protocol between the host (`runa`, C#) and runa-init. The C# mirror is
 * src/Runtime.Native/Sync/SyncProtocol.cs: change both together.
 *
 * runa-init is started with exactly these fds (posix_spawn file actions):
 *   0,1,2  the container's stdio
 *   3      SOCK_SEQPACKET socket to the host: one message per packet, fds via SCM_RIGHTS
 *   4      write end of the log pipe: "<level> <text>\n" lines, read by the host's LogForwarder
 *   5      O_PATH fd of <state>/exec.fifo; the init re-opens it through /proc/self/fd/5 to wait for start
 *
 * Every packet is a header followed by `len` payload bytes:
 *   struct runa_hdr { uint32_t type; uint32_t len; }            (little endian, as the host)
 * An op-list payload (BOOTSTRAP, PLAN) is a sequence of ops:
 *   uint16_t code; uint16_t argc; then argc times { uint32_t len; uint8_t bytes[len]; }
 * Integer args are 8 bytes (u64/i64); string args carry their NUL terminator.
 *
 *      host (C#)                                   runa-init
 *      posix_spawn(memfd copy) ───────────────────► stage 0 "runa:[0:PARENT]"
 *      [cgroup: apply stage 0's pid]
 *      BOOTSTRAP {clone flags, ns to join, id maps} ►  setns(joined), clone(CLONE_PARENT|CLONE_NEW*)
 *                                                    writes uid/gid maps, releases the child
 *               ◄───────────────────────────────── PID {u32 init pid}; stage 0 exits
 *      PLAN {ops} ────────────────────────────────► stage 1 "runa:[1:INIT]" runs the ops in order
 *               ◄───────────────────────────────── CONSOLE (pty master via SCM_RIGHTS), if asked
 *               ◄───────────────────────────────── READY, or ERROR {op index, errno, text}
 *      (create returns; later `runa start` opens exec.fifo for reading)
 *
 * `runa exec` runs the same two stages: the bootstrap joins every namespace of the container's
 * init (clone flags 0), and the plan sets up the process and ends in EXEC_NOW instead of EXEC.
 *                                                    open(/proc/self/fd/5, O_WRONLY) returns; execve
 *               ◄───────────────────────────────── ERROR if execve fails (the socket is CLOEXEC,
 *                                                    so EOF means the exec happened)
 */
#ifndef RUNA_PROTOCOL_H
#define RUNA_PROTOCOL_H

#include <stdint.h>

#define RUNA_FD_SYNC 3
#define RUNA_FD_LOG 4
#define RUNA_FD_FIFO 5
#define RUNA_FD_PRESERVED 6
#define RUNA_MAX_PRESERVED 1024

#define RUNA_MAX_PACKET (1u << 20)

struct runa_hdr {
	uint32_t type;
	uint32_t len;
};

/* host -> init */
enum {
	RUNA_MSG_BOOTSTRAP = 1,
	RUNA_MSG_PLAN = 2,
};

/* init -> host */
enum {
	RUNA_MSG_PID = 16,     /* u32 pid of the container init, as the host's pid namespace sees it */
	RUNA_MSG_READY = 17,   /* the plan ran; the init now waits on the exec fifo */
	RUNA_MSG_ERROR = 18,   /* i32 op index (-1: outside an op), i32 errno, NUL-terminated text */
	RUNA_MSG_CONSOLE = 19, /* the pty master travels as SCM_RIGHTS; no payload */
};

/* BOOTSTRAP ops, run by stage 0 */
enum {
	RUNA_B_CLONE_FLAGS = 1, /* u64 CLONE_NEW* flags for the container init */
	RUNA_B_JOIN_NS = 2,     /* u64 nstype (CLONE_NEW*), str path: every path is opened first, then
				   all are joined in order, so a joined mount namespace cannot change
				   what a later path names */
	RUNA_B_UID_MAP = 3,     /* str: the contents of /proc/<pid>/uid_map */
	RUNA_B_GID_MAP = 4,     /* str: the contents of /proc/<pid>/gid_map */
	RUNA_B_SETGROUPS = 5,   /* str "allow" or "deny", written before gid_map */
	RUNA_B_SAME_PROCESS = 6,/* u64 pid, u64 start time: after the namespace paths above were opened,
				   the process must still be the one the host saw (`runa exec`: a
				   pid reused meanwhile would make us join a stranger's namespaces) */
};

/* PLAN ops, run by stage 1 (the container init) in order */
enum {
	RUNA_OP_ROOTFS = 1,        /* str host path of the rootfs: later "in root" paths resolve beneath it */
	RUNA_OP_MOUNT = 2,         /* str src, str target, str fstype, u64 MS_* flags, str data, u64 RUNA_M_* */
	RUNA_OP_MKDIR = 3,         /* str path in root, u64 mode: mkdir -p */
	RUNA_OP_MKFILE = 4,        /* str path in root, u64 mode: parents + an empty file (a bind target) */
	RUNA_OP_MKNOD = 5,         /* str path in root, u64 mode (with S_IF*), u64 dev, u64 uid, u64 gid */
	RUNA_OP_SYMLINK = 6,       /* str link target, str path in root */
	RUNA_OP_PIVOT_ROOT = 7,    /* u64 no_pivot: 1 = MS_MOVE + chroot instead of pivot_root */
	RUNA_OP_MASK = 8,          /* str path: /dev/null over a file, a read-only tmpfs over a directory */
	RUNA_OP_READONLY = 9,      /* str path: bind onto itself, remount read-only */
	RUNA_OP_WRITE_FILE = 10,   /* str path, str content (sysctls, oom_score_adj) */
	RUNA_OP_SETHOSTNAME = 11,  /* str */
	RUNA_OP_SETDOMAINNAME = 12,/* str */
	RUNA_OP_SETRLIMIT = 13,    /* u64 resource, u64 soft, u64 hard */
	RUNA_OP_CONSOLE = 14,      /* u64 rows, u64 cols: pty in the container, master to the host */
	RUNA_OP_UMASK = 15,        /* u64 */
	RUNA_OP_CAPS_BOUNDING = 16,/* u64 mask: drop every bounding capability not in it */
	RUNA_OP_USER = 17,         /* u64 uid, u64 gid, u64 additional gids... */
	RUNA_OP_CAPS = 18,         /* u64 effective, u64 permitted, u64 inheritable, u64 ambient */
	RUNA_OP_NO_NEW_PRIVS = 19, /* no args */
	RUNA_OP_CHDIR = 20,        /* str */
	RUNA_OP_RESOLVE = 21,      /* str argv0, str PATH: find the executable now, so create fails early */
	RUNA_OP_READY = 22,        /* send READY */
	RUNA_OP_EXEC = 23,         /* u64 argc, str args..., str env...: wait on the fifo, then execve */
	RUNA_OP_CLOSE_LOG = 24,    /* close the log pipe (nothing reads it once the host is gone) */
	RUNA_OP_EXEC_NOW = 25,     /* as RUNA_OP_EXEC, without waiting on the fifo (`runa exec`) */
};

/* RUNA_OP_MOUNT behaviour flags */
enum {
	RUNA_M_TARGET_IN_ROOT = 1, /* resolve target beneath the rootfs (openat2 RESOLVE_IN_ROOT) */
	RUNA_M_KEEP_LOCKED = 2,    /* on remount, keep the nosuid/nodev/noexec/ro flags the mount already has */
	RUNA_M_MISSING_OK = 4,     /* a missing target is not an error */
};

#endif

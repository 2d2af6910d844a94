/*
 * The plan: an ordered list of ops the host computed from config.json. Each op is one
 * kernel action; all decisions (which mounts, which flags, which caps) were made in C#.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>
#include <grp.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static char g_exe[PATH_MAX]; /* the resolved process.args[0] (RUNA_OP_RESOLVE) */
int g_preserved;

/*
 * --preserve-fds: the fds the host put at 6.. become the process's 3.. The sync socket moves
 * above them first, so that a failing execve can still be reported.
 */
static void pass_preserved_fds(void)
{
	if (g_preserved == 0)
		return;
	close_log();
	int sync = fcntl(g_sync_fd, F_DUPFD_CLOEXEC, RUNA_FD_PRESERVED + g_preserved);
	if (sync < 0)
		bail(errno, "move the sync socket above the preserved fds");
	g_sync_fd = sync;
	/* Upwards: a target (3+i) is always below every source not yet moved (6+i and up). */
	for (int i = 0; i < g_preserved; i++)
		if (dup2(RUNA_FD_PRESERVED + i, RUNA_FD_SYNC + i) < 0)
			bail(errno, "move preserved fd %d to %d", RUNA_FD_PRESERVED + i, RUNA_FD_SYNC + i);
	/* What is left between the last target and the sync socket: our fds 3-5 and the sources. */
	for (int fd = RUNA_FD_SYNC + g_preserved; fd < RUNA_FD_PRESERVED + g_preserved; fd++)
		if (close(fd) < 0 && errno != EBADF)
			bail(errno, "close fd %d", fd);
}

static void op_mount(const struct op *op)
{
	need_args(op, 6);
	const char *src = op_str(op, 0), *target = op_str(op, 1), *fstype = op_str(op, 2);
	unsigned long flags = (unsigned long)op_u64(op, 3);
	const char *data = op_str(op, 4);
	uint64_t how = op_u64(op, 5);
	char path[64];
	const char *where = target;
	int fd = -1;

	if (how & RUNA_M_TARGET_IN_ROOT) {
		fd = open_in_root(target, O_PATH);
		if (fd < 0 && errno == ENOENT && (how & RUNA_M_MISSING_OK))
			return;
		if (fd < 0)
			bail(errno, "resolve mount target %s in rootfs %s", target, rootfs_path());
		fd_path(fd, path, sizeof path);
		where = path;
	}
	if ((flags & MS_REMOUNT) && (how & RUNA_M_KEEP_LOCKED))
		flags |= locked_flags(where);
	if (mount(*src ? src : NULL, where, *fstype ? fstype : NULL, flags, *data ? data : NULL) < 0) {
		if (errno == ENOENT && (how & RUNA_M_MISSING_OK))
			goto out;
		bail(errno, "mount %s on %s (type %s, flags %#lx, data %s)", *src ? src : "none", target,
		     *fstype ? fstype : "none", flags, *data ? data : "none");
	}
out:
	if (fd >= 0)
		close(fd);
}

static void op_mkfile(const char *path, mode_t mode)
{
	int fd = open_in_root(path, O_PATH);
	if (fd >= 0) {
		close(fd);
		return;
	}
	const char *name;
	int dirfd = open_parent_in_root(path, &name);
	fd = openat(dirfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		bail(errno, "create %s in rootfs %s", path, rootfs_path());
	close(fd);
	close(dirfd);
}

static void op_mknod(const char *path, mode_t mode, dev_t dev, uid_t uid, gid_t gid)
{
	const char *name;
	int dirfd = open_parent_in_root(path, &name);
	if (mknodat(dirfd, name, mode, dev) < 0 && errno != EEXIST)
		bail(errno, "mknod %s (%u:%u)", path, major(dev), minor(dev));
	if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		bail(errno, "chown %s to %u:%u", path, uid, gid);
	close(dirfd);
}

static void op_symlink(const char *target, const char *path)
{
	const char *name;
	int dirfd = open_parent_in_root(path, &name);
	if (symlinkat(target, dirfd, name) < 0 && errno != EEXIST)
		bail(errno, "symlink %s -> %s", path, target);
	close(dirfd);
}

/*
 * pivot_root(".", ".") stacks the old root under the new one, so a lazy unmount of "."
 * removes it without needing a directory to park it in. The old root is made a slave
 * first so the unmount does not propagate back to the host.
 */
static void op_pivot_root(int no_pivot)
{
	const char *rootfs = rootfs_path();
	if (no_pivot) {
		/* For a rootfs on ramfs/initramfs, which cannot be pivoted: move it over / and chroot. */
		if (chdir(rootfs) < 0)
			bail(errno, "chdir %s", rootfs);
		if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
			bail(errno, "move mount %s to /", rootfs);
		if (chroot(".") < 0)
			bail(errno, "chroot %s", rootfs);
	} else {
		int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
		if (oldroot < 0)
			bail(errno, "open /");
		int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
		if (newroot < 0)
			bail(errno, "open %s", rootfs);
		if (fchdir(newroot) < 0)
			bail(errno, "chdir %s", rootfs);
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			bail(errno, "pivot_root %s", rootfs);
		if (fchdir(oldroot) < 0)
			bail(errno, "chdir to the old root");
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			bail(errno, "make the old root a slave");
		if (umount2(".", MNT_DETACH) < 0)
			bail(errno, "unmount the old root");
		close(oldroot);
		close(newroot);
	}
	if (chdir("/") < 0)
		bail(errno, "chdir /");
	reset_root_to_slash();
}

static void op_mask(const char *path)
{
	int fd = open_in_root(path, O_PATH);
	if (fd < 0 && errno == ENOENT)
		return;
	if (fd < 0)
		bail(errno, "resolve masked path %s", path);
	struct stat st;
	char where[64];
	if (fstat(fd, &st) < 0)
		bail(errno, "stat masked path %s", path);
	fd_path(fd, where, sizeof where);
	int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", where, "tmpfs", MS_RDONLY, "size=0k")
				     : mount("/dev/null", where, NULL, MS_BIND, NULL);
	if (rc < 0)
		bail(errno, "mask %s", path);
	close(fd);
}

static void op_readonly(const char *path)
{
	char where[64];
	int fd = open_in_root(path, O_PATH);
	if (fd < 0 && errno == ENOENT)
		return;
	if (fd < 0)
		bail(errno, "resolve read-only path %s", path);
	fd_path(fd, where, sizeof where);
	if (mount(where, where, NULL, MS_BIND | MS_REC, NULL) < 0)
		bail(errno, "bind %s onto itself", path);
	close(fd);
	/* Re-resolve: the old fd names the directory under the new bind mount, not the mount. */
	fd = open_in_root(path, O_PATH);
	if (fd < 0)
		bail(errno, "resolve read-only path %s", path);
	fd_path(fd, where, sizeof where);
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(where);
	if (mount(NULL, where, NULL, flags, NULL) < 0)
		bail(errno, "remount %s read-only", path);
	close(fd);
}

static void op_write_file(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		bail(errno, "open %s", path);
	size_t n = strlen(content);
	if (write(fd, content, n) != (ssize_t)n)
		bail(errno, "write %s (\"%s\")", path, content);
	if (close(fd) < 0)
		bail(errno, "close %s", path);
}

static void op_console(unsigned short rows, unsigned short cols)
{
	int unlock = 0;
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		bail(errno, "open /dev/ptmx in the container");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		bail(errno, "unlock the pty");
	/* TIOCGPTPEER opens the peer through the master: no path lookup in /dev/pts to race. */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		bail(errno, "open the pty peer");
	if (rows && cols) {
		struct winsize ws = { .ws_row = rows, .ws_col = cols };
		if (ioctl(master, TIOCSWINSZ, &ws) < 0)
			bail(errno, "set the console size");
	}
	if (send_packet(RUNA_MSG_CONSOLE, NULL, 0, master) < 0)
		bail(errno, "send the console to the host");
	close(master);
	if (setsid() < 0)
		bail(errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		bail(errno, "make the pty the controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			bail(errno, "dup the pty onto fd %d", i);
	if (slave > 2)
		close(slave);
}

static void op_caps_bounding(uint64_t keep)
{
	for (int cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past the kernel's last capability */
			bail(errno, "drop capability %d from the bounding set", cap);
		}
	}
}

static void op_user(const struct op *op)
{
	need_args(op, 2);
	uid_t uid = (uid_t)op_u64(op, 0);
	gid_t gid = (gid_t)op_u64(op, 1);
	int n = op->argc - 2;
	gid_t groups[NGROUPS_MAX > 65536 ? 65536 : NGROUPS_MAX];
	if (n > (int)(sizeof groups / sizeof groups[0]))
		bail(E2BIG, "%d additional groups", n);
	for (int i = 0; i < n; i++)
		groups[i] = (gid_t)op_u64(op, i + 2);

	/* Keep the permitted set across the uid change; RUNA_OP_CAPS sets the final sets. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		bail(errno, "set keepcaps");
	/* In a user namespace with setgroups denied, an empty list is the only possible one. */
	if (setgroups((size_t)n, groups) < 0 && !(errno == EPERM && n == 0))
		bail(errno, "setgroups (%d groups)", n);
	if (setresgid(gid, gid, gid) < 0)
		bail(errno, "setgid %u", gid);
	if (setresuid(uid, uid, uid) < 0)
		bail(errno, "setuid %u", uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		bail(errno, "clear keepcaps");
}

static void op_caps(uint64_t eff, uint64_t perm, uint64_t inh, uint64_t amb)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = {
		{ .effective = (uint32_t)eff, .permitted = (uint32_t)perm, .inheritable = (uint32_t)inh },
		{ .effective = (uint32_t)(eff >> 32), .permitted = (uint32_t)(perm >> 32),
		  .inheritable = (uint32_t)(inh >> 32) },
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		bail(errno, "capset (effective %#llx permitted %#llx inheritable %#llx)",
		     (unsigned long long)eff, (unsigned long long)perm, (unsigned long long)inh);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		bail(errno, "clear ambient capabilities");
	for (int cap = 0; cap < 64; cap++)
		if ((amb & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			bail(errno, "raise ambient capability %d", cap);
}

static int executable(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EACCES;
		return -1;
	}
	return access(path, X_OK);
}

/* execvp's search, done before READY so that `create` already fails for a missing binary. */
static void op_resolve(const char *argv0, const char *pathvar)
{
	if (strchr(argv0, '/')) {
		if (executable(argv0) < 0)
			bail_exit(errno == ENOENT ? 127 : 126, errno, "exec: \"%s\": stat %s: %s", argv0, argv0,
				  strerror(errno));
		snprintf(g_exe, sizeof g_exe, "%s", argv0);
		return;
	}
	int denied = 0;
	const char *p = pathvar;
	while (*p) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char candidate[PATH_MAX];
		snprintf(candidate, sizeof candidate, "%.*s%s%s", (int)n, n ? p : ".", "/", argv0);
		if (executable(candidate) == 0) {
			snprintf(g_exe, sizeof g_exe, "%s", candidate);
			return;
		}
		if (errno == EACCES)
			denied = 1;
		p = end ? end + 1 : p + n;
	}
	if (denied)
		bail_exit(126, EACCES, "exec: \"%s\": permission denied", argv0);
	bail_exit(127, ENOENT, "exec: \"%s\": executable file not found in $PATH", argv0);
}

static void op_exec(const struct op *op, int wait_fifo)
{
	need_args(op, 1);
	int argc = (int)op_u64(op, 0);
	int envc = op->argc - 1 - argc;
	if (argc < 1 || envc < 0)
		bail(EPROTO, "exec op with %d args and %d env", argc, envc);
	char **argv = calloc((size_t)argc + 1, sizeof *argv);
	char **envp = calloc((size_t)envc + 1, sizeof *envp);
	if (argv == NULL || envp == NULL)
		bail(ENOMEM, "allocate argv");
	for (int i = 0; i < argc; i++)
		argv[i] = (char *)op_str(op, 1 + i);
	for (int i = 0; i < envc; i++)
		envp[i] = (char *)op_str(op, 1 + argc + i);

	if (wait_fifo) {
		/* Block until `runa start` opens the fifo for reading; then tell it we got the go. */
		char fifo[64];
		fd_path(RUNA_FD_FIFO, fifo, sizeof fifo);
		int fd;
		do {
			fd = open(fifo, O_WRONLY | O_CLOEXEC);
		} while (fd < 0 && errno == EINTR);
		if (fd < 0)
			bail(errno, "open the exec fifo");
		if (write(fd, "0", 1) != 1)
			bail(errno, "write the exec fifo");
		close(fd);
		close(RUNA_FD_FIFO);
	}

	/* The user process starts with default signal dispositions, an empty mask, no stray fds. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		bail(errno, "reset the signal mask");
	pass_preserved_fds();
	if (syscall(SYS_close_range, 3 + g_preserved, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		bail(errno, "mark fds close-on-exec");

	execve(g_exe, argv, envp);
	bail_exit(errno == ENOENT ? 127 : 126, errno, "exec %s", g_exe);
}

void run_plan(const uint8_t *payload, uint32_t len)
{
	struct op_reader r = { .p = payload, .end = payload + len };
	struct op op;

	for (g_op_index = 0; next_op(&r, &op); g_op_index++) {
		switch (op.code) {
		case RUNA_OP_ROOTFS:
			set_rootfs(op_str(&op, 0));
			break;
		case RUNA_OP_MOUNT:
			op_mount(&op);
			break;
		case RUNA_OP_MKDIR:
			mkdir_all_in_root(op_str(&op, 0), (mode_t)op_u64(&op, 1));
			break;
		case RUNA_OP_MKFILE:
			op_mkfile(op_str(&op, 0), (mode_t)op_u64(&op, 1));
			break;
		case RUNA_OP_MKNOD:
			need_args(&op, 5);
			op_mknod(op_str(&op, 0), (mode_t)op_u64(&op, 1), (dev_t)op_u64(&op, 2),
				 (uid_t)op_u64(&op, 3), (gid_t)op_u64(&op, 4));
			break;
		case RUNA_OP_SYMLINK:
			op_symlink(op_str(&op, 0), op_str(&op, 1));
			break;
		case RUNA_OP_PIVOT_ROOT:
			op_pivot_root((int)op_u64(&op, 0));
			break;
		case RUNA_OP_MASK:
			op_mask(op_str(&op, 0));
			break;
		case RUNA_OP_READONLY:
			op_readonly(op_str(&op, 0));
			break;
		case RUNA_OP_WRITE_FILE:
			op_write_file(op_str(&op, 0), op_str(&op, 1));
			break;
		case RUNA_OP_SETHOSTNAME: {
			const char *h = op_str(&op, 0);
			if (sethostname(h, strlen(h)) < 0)
				bail(errno, "sethostname %s", h);
			break;
		}
		case RUNA_OP_SETDOMAINNAME: {
			const char *d = op_str(&op, 0);
			if (setdomainname(d, strlen(d)) < 0)
				bail(errno, "setdomainname %s", d);
			break;
		}
		case RUNA_OP_SETRLIMIT: {
			need_args(&op, 3);
			struct rlimit rl = { .rlim_cur = op_u64(&op, 1), .rlim_max = op_u64(&op, 2) };
			if (setrlimit((int)op_u64(&op, 0), &rl) < 0)
				bail(errno, "setrlimit %d (soft %llu, hard %llu)", (int)op_u64(&op, 0),
				     (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
			break;
		}
		case RUNA_OP_CONSOLE:
			op_console((unsigned short)op_u64(&op, 0), (unsigned short)op_u64(&op, 1));
			break;
		case RUNA_OP_UMASK:
			umask((mode_t)op_u64(&op, 0));
			break;
		case RUNA_OP_CAPS_BOUNDING:
			op_caps_bounding(op_u64(&op, 0));
			break;
		case RUNA_OP_USER:
			op_user(&op);
			break;
		case RUNA_OP_CAPS:
			need_args(&op, 4);
			op_caps(op_u64(&op, 0), op_u64(&op, 1), op_u64(&op, 2), op_u64(&op, 3));
			break;
		case RUNA_OP_NO_NEW_PRIVS:
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				bail(errno, "set no_new_privs");
			break;
		case RUNA_OP_CHDIR:
			if (chdir(op_str(&op, 0)) < 0)
				bail(errno, "chdir to cwd %s", op_str(&op, 0));
			break;
		case RUNA_OP_RESOLVE:
			op_resolve(op_str(&op, 0), op_str(&op, 1));
			break;
		case RUNA_OP_READY:
			log_line("debug", "init: ready");
			if (send_packet(RUNA_MSG_READY, NULL, 0, -1) < 0)
				bail(errno, "send ready");
			break;
		case RUNA_OP_CLOSE_LOG:
			close_log();
			break;
		case RUNA_OP_EXEC:
			op_exec(&op, 1);
			break;
		case RUNA_OP_EXEC_NOW:
			op_exec(&op, 0);
			break;
		default:
			bail(EPROTO, "unknown op %u", op.code);
		}
		free_op(&op);
	}
	g_op_index = -1;
}

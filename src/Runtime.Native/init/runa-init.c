/*
 * runa-init: the container side of Runa. Started by the host with posix_spawn from a sealed
 * memfd copy of this binary, it runs two stages:
 *   stage 0 "runa:[0:PARENT]"  joins the namespaces it is told to, clones the container init
 *                               with CLONE_PARENT (so the host is its parent and can hold a
 *                               pidfd on it), writes its uid/gid maps, reports its pid, exits.
 *   stage 1 "runa:[1:INIT]"    the container init: runs the plan, reports READY, waits on the
 *                               exec fifo, execs process.args.
 * Both stages are single-threaded, which is why this is C and not .NET: user namespaces and
 * setns into a mount namespace need a single-threaded caller. See protocol.h for the wire format.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_JOINED 8

struct bootstrap {
	uint64_t clone_flags;
	int njoin;
	struct {
		int fd;
		uint64_t type;
		const char *path; /* points into the bootstrap payload, which is kept */
		int op;           /* the op's index, for errors */
	} join[MAX_JOINED];
	const char *uid_map;
	const char *gid_map;
	const char *setgroups;
};

static void write_proc(pid_t pid, const char *file, const char *content)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		bail(errno, "open %s", path);
	size_t n = strlen(content);
	if (write(fd, content, n) != (ssize_t)n)
		bail(errno, "write %s (\"%s\")", path, content);
	if (close(fd) < 0)
		bail(errno, "close %s", path);
}

static void open_namespace(struct bootstrap *b, uint64_t type, const char *path)
{
	if (b->njoin == MAX_JOINED)
		bail(E2BIG, "more than %d namespaces to join", MAX_JOINED);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		bail(errno, "open namespace %s", path);
	b->join[b->njoin].fd = fd;
	b->join[b->njoin].type = type;
	b->join[b->njoin].path = path;
	b->join[b->njoin].op = g_op_index;
	b->njoin++;
}

/* Field 22 of /proc/<pid>/stat: the start time, which tells a process from a later one with its pid. */
static void check_same_process(uint64_t pid, uint64_t start_time)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%llu/stat", (unsigned long long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		bail(errno == ENOENT ? ESRCH : errno, "the container's init (pid %llu) is gone", (unsigned long long)pid);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n < 0)
		bail(errno, "read %s", path);
	close(fd);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields are counted after the last ')'. */
	char *p = strrchr(buf, ')');
	for (int field = 2; p != NULL && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL)
		bail(EPROTO, "parse %s", path);
	unsigned long long seen = strtoull(p + 1, NULL, 10);
	if (seen != start_time)
		bail(ESRCH, "the container's init (pid %llu) is gone: its pid now names another process",
		     (unsigned long long)pid);
}

static void join_namespaces(struct bootstrap *b)
{
	for (int i = 0; i < b->njoin; i++) {
		g_op_index = b->join[i].op;
		if (setns(b->join[i].fd, (int)b->join[i].type) < 0)
			bail(errno, "setns %s", b->join[i].path);
		if (close(b->join[i].fd) < 0)
			bail(errno, "close namespace %s", b->join[i].path);
	}
	g_op_index = -1;
}

/* Terminating signals that arrive before the exec end the init with the shell's 128+N. */
static void on_signal(int sig)
{
	_exit(128 + sig);
}

static void install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	/*
	 * As pid 1 of a new pid namespace, the init ignores signals it has no handler for, so
	 * without these `runa kill` of a created container would do nothing.
	 */
	int fatal[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM };
	for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
		if (sigaction(fatal[i], &sa, NULL) < 0)
			bail(errno, "sigaction %d", fatal[i]);
	/* A host that went away must cost us only the log line, not our life. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		bail(errno, "ignore SIGPIPE");
}

static _Noreturn void stage1(const struct bootstrap *b, int release_fd)
{
	char go;
	ssize_t n;

	if (prctl(PR_SET_NAME, "runa:[1:INIT]", 0, 0, 0) < 0)
		bail(errno, "prctl PR_SET_NAME");
	do {
		n = read(release_fd, &go, 1);
	} while (n < 0 && errno == EINTR);
	if (n != 1)
		bail_exit(1, n < 0 ? errno : EPIPE, "stage 0 did not release the init");
	close(release_fd);
	if (b->clone_flags & CLONE_NEWUSER) {
		if (setresgid(0, 0, 0) < 0)
			bail(errno, "become gid 0 in the user namespace");
		if (setresuid(0, 0, 0) < 0)
			bail(errno, "become uid 0 in the user namespace");
	}
	/* Modes in the plan are exact; process.user.umask is applied by its own op. */
	umask(0);

	uint32_t len;
	uint8_t *plan = recv_packet(RUNA_MSG_PLAN, &len);
	log_line("debug", "init: running a plan of %u bytes", len);
	run_plan(plan, len);
	bail(EPROTO, "the plan ended without an exec op");
}

int main(int argc, char **argv)
{
	struct bootstrap b = { 0 };
	int release[2];
	struct stat st;

	if (fstat(RUNA_FD_SYNC, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		static const char msg[] = "runa-init: not started by runa (fd 3 is not a socket)\n";
		if (write(2, msg, sizeof msg - 1) < 0)
			_exit(2);
		_exit(2);
	}
	if (argc > 1) {
		char *end;
		errno = 0;
		unsigned long n = strtoul(argv[1], &end, 10);
		if (errno != 0 || *end != '\0' || n > RUNA_MAX_PRESERVED)
			bail(EINVAL, "preserved fd count \"%s\"", argv[1]);
		g_preserved = (int)n;
	}
	/* Only 0-5 and the preserved are ours; the host's staging copies (and anything else) must not reach the container. */
	if (syscall(SYS_close_range, RUNA_FD_PRESERVED + g_preserved, ~0U, 0) < 0)
		bail(errno, "close inherited fds");
	if (prctl(PR_SET_NAME, "runa:[0:PARENT]", 0, 0, 0) < 0)
		bail(errno, "prctl PR_SET_NAME");
	install_signal_handlers();

	uint32_t len;
	uint8_t *payload = recv_packet(RUNA_MSG_BOOTSTRAP, &len);
	struct op_reader r = { .p = payload, .end = payload + len };
	struct op op;
	for (g_op_index = 0; next_op(&r, &op); g_op_index++) {
		switch (op.code) {
		case RUNA_B_CLONE_FLAGS:
			b.clone_flags = op_u64(&op, 0);
			break;
		case RUNA_B_JOIN_NS:
			need_args(&op, 2);
			open_namespace(&b, op_u64(&op, 0), op_str(&op, 1));
			break;
		case RUNA_B_UID_MAP:
			b.uid_map = op_str(&op, 0);
			break;
		case RUNA_B_GID_MAP:
			b.gid_map = op_str(&op, 0);
			break;
		case RUNA_B_SETGROUPS:
			b.setgroups = op_str(&op, 0);
			break;
		case RUNA_B_SAME_PROCESS:
			need_args(&op, 2);
			check_same_process(op_u64(&op, 0), op_u64(&op, 1));
			break;
		default:
			bail(EPROTO, "unknown bootstrap op %u", op.code);
		}
		free_op(&op);
	}
	g_op_index = -1;
	join_namespaces(&b);

	if (pipe2(release, O_CLOEXEC) < 0)
		bail(errno, "pipe");
	/*
	 * A fork-like clone (no new stack): the child continues here with a copy of our memory.
	 * CLONE_PARENT makes the host the init's parent, so the host can reap it and hold a pidfd.
	 */
	long pid = syscall(SYS_clone, (unsigned long)(b.clone_flags | CLONE_PARENT | SIGCHLD), NULL, NULL,
			   NULL, 0UL);
	if (pid < 0)
		bail(errno, "clone the container init (flags %#llx)", (unsigned long long)b.clone_flags);
	if (pid == 0) {
		close(release[1]);
		stage1(&b, release[0]);
	}
	close(release[0]);

	/* Report the pid first: if writing the maps fails, the host must still kill the child. */
	uint32_t p32 = (uint32_t)pid;
	if (send_packet(RUNA_MSG_PID, &p32, sizeof p32, -1) < 0)
		bail(errno, "send the init pid");
	log_line("debug", "stage0: cloned the container init, pid %ld", pid);
	if (b.clone_flags & CLONE_NEWUSER) {
		if (b.setgroups)
			write_proc((pid_t)pid, "setgroups", b.setgroups);
		if (b.uid_map)
			write_proc((pid_t)pid, "uid_map", b.uid_map);
		if (b.gid_map)
			write_proc((pid_t)pid, "gid_map", b.gid_map);
	}
	if (write(release[1], "1", 1) != 1)
		bail(errno, "release the container init");
	return 0;
}

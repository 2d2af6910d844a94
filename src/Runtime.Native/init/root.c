/*
 * Paths beneath the container's rootfs. A rootfs is untrusted content: a symlink in it must
 * never lead a mount or mknod out of it. Every "in root" path is therefore resolved with
 * openat2(RESOLVE_IN_ROOT), which treats the rootfs as "/" for absolute symlinks and "..",
 * and the operation then goes through the resulting fd (/proc/self/fd/N), as runc does.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static int g_rootfd = -1;
static char g_rootfs[PATH_MAX];

void set_rootfs(const char *path)
{
	if (strlen(path) >= sizeof g_rootfs)
		bail(ENAMETOOLONG, "rootfs %s", path);
	strcpy(g_rootfs, path);
	g_rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (g_rootfd < 0)
		bail(errno, "open rootfs %s", path);
}

const char *rootfs_path(void)
{
	return g_rootfs;
}

void reset_root_to_slash(void)
{
	if (g_rootfd >= 0 && close(g_rootfd) < 0)
		bail(errno, "close the old rootfs fd");
	strcpy(g_rootfs, "/");
	g_rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (g_rootfd < 0)
		bail(errno, "open / after pivot_root");
}

/* Returns an fd for `path` resolved beneath the rootfs, or -1 with errno set. */
int open_in_root(const char *path, int flags)
{
	if (g_rootfd < 0)
		bail(EINVAL, "%s: no rootfs set before an in-root path", path);
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	while (*path == '/')
		path++;
	if (*path == '\0')
		path = ".";
	long fd;
	do {
		fd = syscall(SYS_openat2, g_rootfd, path, &how, sizeof how);
	} while (fd < 0 && (errno == EINTR || errno == EAGAIN));
	return (int)fd;
}

void fd_path(int fd, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}

/* mkdir -p beneath the rootfs: each component is created in its resolved parent. */
void mkdir_all_in_root(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	if (strlen(path) >= sizeof buf)
		bail(ENAMETOOLONG, "mkdir %s", path);
	strcpy(buf, path);

	int dirfd = open_in_root("/", O_PATH | O_DIRECTORY);
	if (dirfd < 0)
		bail(errno, "open rootfs %s", g_rootfs);
	char *p = buf;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		char *end = strchr(p, '/');
		char saved = end ? *end : '\0';
		if (end)
			*end = '\0';
		int fd = open_in_root(buf, O_PATH | O_DIRECTORY);
		if (fd < 0 && errno == ENOENT) {
			if (mkdirat(dirfd, p, mode) < 0 && errno != EEXIST)
				bail(errno, "mkdir %s in rootfs %s", buf, g_rootfs);
			fd = open_in_root(buf, O_PATH | O_DIRECTORY);
		}
		if (fd < 0)
			bail(errno, "mkdir %s in rootfs %s", buf, g_rootfs);
		close(dirfd);
		dirfd = fd;
		if (end)
			*end = saved;
		p = end ? end : p + strlen(p);
	}
	close(dirfd);
}

/* Opens the (resolved) parent directory of `path`; *name points at the last component. */
int open_parent_in_root(const char *path, const char **name)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (strlen(path) >= sizeof parent)
		bail(ENAMETOOLONG, "%s", path);
	if (slash == NULL) {
		strcpy(parent, "/");
		*name = path;
	} else {
		size_t n = (size_t)(slash - path);
		memcpy(parent, path, n);
		parent[n] = '\0';
		*name = slash + 1;
	}
	if (**name == '\0' || strcmp(*name, ".") == 0 || strcmp(*name, "..") == 0)
		bail(EINVAL, "%s: not a name", path);
	mkdir_all_in_root(parent[0] ? parent : "/", 0755);
	int fd = open_in_root(parent[0] ? parent : "/", O_PATH | O_DIRECTORY);
	if (fd < 0)
		bail(errno, "open %s in rootfs %s", parent, g_rootfs);
	return fd;
}

/*
 * The flags a remount must keep: in a user namespace the kernel refuses (EPERM) to clear
 * nosuid/nodev/noexec/atime flags that the mount already has, so read them and keep them.
 */
unsigned long locked_flags(const char *path)
{
	struct statvfs st;
	if (statvfs(path, &st) < 0)
		bail(errno, "statvfs %s", path);
	unsigned long f = 0;
	if (st.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (st.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (st.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (st.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (st.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (st.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

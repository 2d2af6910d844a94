/* Shared declarations of runa-init's translation units. */
#ifndef RUNA_INIT_H
#define RUNA_INIT_H

#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol.h"

/* One parsed op of an op list: its code and its arguments (pointers into the packet). */
struct op {
	uint16_t code;
	uint16_t argc;
	const uint8_t **arg;
	uint32_t *len;
};

/* A cursor over an op-list payload. */
struct op_reader {
	const uint8_t *p;
	const uint8_t *end;
};

/* comm.c */
extern int g_op_index; /* index of the op being run, reported with errors; -1 outside ops */
extern int g_sync_fd;  /* RUNA_FD_SYNC, until preserved fds take its place just before the exec */
int send_packet(uint32_t type, const void *payload, uint32_t len, int fd_to_pass);
uint8_t *recv_packet(uint32_t want_type, uint32_t *len);
int next_op(struct op_reader *r, struct op *op);
void free_op(struct op *op);
const char *op_str(const struct op *op, int i);
uint64_t op_u64(const struct op *op, int i);
void need_args(const struct op *op, int n);
_Noreturn void bail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void bail_exit(int code, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void log_line(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void close_log(void);

/* root.c */
void set_rootfs(const char *path);
const char *rootfs_path(void);
void reset_root_to_slash(void);
int open_in_root(const char *path, int flags);
void fd_path(int fd, char *buf, size_t size);
void mkdir_all_in_root(const char *path, mode_t mode);
int open_parent_in_root(const char *path, const char **name);
unsigned long locked_flags(const char *path);

/* ops.c */
extern int g_preserved; /* how many fds to pass on at 3.. (--preserve-fds), from argv[1] */
void run_plan(const uint8_t *payload, uint32_t len);

#endif

/* Talking to the host: packets on the sync socket, op-list parsing, errors, logging. */
#include "init.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int g_op_index = -1;
int g_sync_fd = RUNA_FD_SYNC;
static int g_log_fd = RUNA_FD_LOG;

int send_packet(uint32_t type, const void *payload, uint32_t len, int fd_to_pass)
{
	struct runa_hdr hdr = { .type = type, .len = len };
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof hdr },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	if (fd_to_pass >= 0) {
		memset(&control, 0, sizeof control);
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof control.buf;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd_to_pass, sizeof(int));
	}
	ssize_t n;
	do {
		/* MSG_NOSIGNAL: once the host is gone (create returned), a write must not kill us. */
		n = sendmsg(g_sync_fd, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

uint8_t *recv_packet(uint32_t want_type, uint32_t *len)
{
	uint8_t *buf = malloc(RUNA_MAX_PACKET);
	if (buf == NULL)
		bail(ENOMEM, "allocate the sync buffer");
	ssize_t n;
	do {
		n = recv(g_sync_fd, buf, RUNA_MAX_PACKET, MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		bail(errno, "read the sync socket");
	if (n == 0)
		bail_exit(1, EPIPE, "the host closed the sync socket");
	if ((size_t)n > RUNA_MAX_PACKET || (size_t)n < sizeof(struct runa_hdr))
		bail(EMSGSIZE, "sync packet of %zd bytes", n);
	struct runa_hdr hdr;
	memcpy(&hdr, buf, sizeof hdr);
	if (hdr.type != want_type)
		bail(EPROTO, "expected sync message %u, got %u", want_type, hdr.type);
	if (hdr.len != (size_t)n - sizeof hdr)
		bail(EPROTO, "sync message %u: header says %u bytes, packet has %zu", hdr.type, hdr.len,
		     (size_t)n - sizeof hdr);
	*len = hdr.len;
	memmove(buf, buf + sizeof hdr, hdr.len);
	return buf;
}

static int read_u32(struct op_reader *r, uint32_t *v)
{
	if (r->end - r->p < 4)
		return -1;
	memcpy(v, r->p, 4);
	r->p += 4;
	return 0;
}

int next_op(struct op_reader *r, struct op *op)
{
	if (r->p == r->end)
		return 0;
	if (r->end - r->p < 4)
		bail(EPROTO, "truncated op header");
	memcpy(&op->code, r->p, 2);
	memcpy(&op->argc, r->p + 2, 2);
	r->p += 4;
	op->arg = calloc(op->argc + 1u, sizeof *op->arg);
	op->len = calloc(op->argc + 1u, sizeof *op->len);
	if (op->arg == NULL || op->len == NULL)
		bail(ENOMEM, "allocate op %u", op->code);
	for (int i = 0; i < op->argc; i++) {
		if (read_u32(r, &op->len[i]) < 0 || (uint32_t)(r->end - r->p) < op->len[i])
			bail(EPROTO, "truncated argument %d of op %u", i, op->code);
		op->arg[i] = r->p;
		r->p += op->len[i];
	}
	return 1;
}

void free_op(struct op *op)
{
	free(op->arg);
	free(op->len);
	op->arg = NULL;
	op->len = NULL;
}

void need_args(const struct op *op, int n)
{
	if (op->argc < n)
		bail(EPROTO, "op %u needs %d arguments, has %u", op->code, n, op->argc);
}

const char *op_str(const struct op *op, int i)
{
	if (i >= op->argc || op->len[i] == 0 || op->arg[i][op->len[i] - 1] != '\0')
		bail(EPROTO, "op %u argument %d is not a string", op->code, i);
	return (const char *)op->arg[i];
}

uint64_t op_u64(const struct op *op, int i)
{
	uint64_t v;
	if (i >= op->argc || op->len[i] != sizeof v)
		bail(EPROTO, "op %u argument %d is not an integer", op->code, i);
	memcpy(&v, op->arg[i], sizeof v);
	return v;
}

static void vreport(int code, int err, const char *fmt, va_list ap)
{
	char text[2048];
	int32_t head[2] = { g_op_index, err };
	char packet[sizeof head + sizeof text];

	vsnprintf(text, sizeof text, fmt, ap);
	log_line("error", "%s: %s", text, strerror(err));
	memcpy(packet, head, sizeof head);
	size_t tl = strlen(text) + 1;
	memcpy(packet + sizeof head, text, tl);
	/* If the host is gone there is nobody to tell; the exit status still says it failed. */
	(void)send_packet(RUNA_MSG_ERROR, packet, (uint32_t)(sizeof head + tl), -1);
	_exit(code);
}

_Noreturn void bail(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(1, err, fmt, ap);
	va_end(ap);
	_exit(1);
}

_Noreturn void bail_exit(int code, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(code, err, fmt, ap);
	va_end(ap);
	_exit(code);
}

void log_line(const char *level, const char *fmt, ...)
{
	char line[2048];
	int off;
	va_list ap;

	if (g_log_fd < 0)
		return;
	off = snprintf(line, sizeof line, "%s ", level);
	va_start(ap, fmt);
	vsnprintf(line + off, sizeof line - (size_t)off - 1, fmt, ap);
	va_end(ap);
	size_t n = strlen(line);
	line[n++] = '\n';
	/* SIGPIPE is ignored during setup: a reader that went away only costs us the log. */
	if (write(g_log_fd, line, n) < 0)
		g_log_fd = -1;
}

void close_log(void)
{
	if (g_log_fd >= 0 && close(g_log_fd) < 0)
		bail(errno, "close the log pipe");
	g_log_fd = -1;
}

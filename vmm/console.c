// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "console.h"

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int console_open(struct console *c, const char *path, bool live,
		 struct verdict *v, struct xsvm_err *err)
{
	memset(c, 0, sizeof(*c));
	c->file_fd = -1;
	c->live = live;
	c->verdict = v;
	if (!path)
		return 0;
	c->file_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (c->file_fd < 0)
		return xsvm_err_set(err, errno, "%s: %s", path,
				    strerror(errno));
	return 0;
}

static void write_all(int fd, const char *s, size_t n, int *err)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (err && !*err)
				*err = w < 0 ? errno : EIO;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

void console_flush(struct console *c)
{
	if (!c->len)
		return;
	if (c->live) {
		int e = 0;

		/* the reader went away (EPIPE) or stdout broke: stop copying */
		write_all(STDOUT_FILENO, c->buf, c->len, &e);
		if (e)
			c->live = false;
	}
	if (c->file_fd >= 0)
		write_all(c->file_fd, c->buf, c->len, &c->write_errno);
	c->len = 0;
}

/* Buffer n bytes for the outputs, flushing at newlines. */
static void console_write_raw(struct console *c, const char *s, size_t n)
{
	if (n)
		c->last = s[n - 1];
	while (n) {
		size_t k = n < CONSOLE_BUF - c->len ? n : CONSOLE_BUF - c->len;
		const char *nl = memchr(s, '\n', k);

		memcpy(c->buf + c->len, s, k);
		c->len += k;
		if (nl || c->len == CONSOLE_BUF)
			console_flush(c);
		s += k;
		n -= k;
	}
}

void console_write(struct console *c, const char *s, size_t n)
{
	if (n)
		c->last_byte_ns = monotonic_ns();
	if (!c->bytes && n)
		c->first_byte_ns = c->last_byte_ns;
	c->bytes += n;
	if (c->verdict)
		verdict_feed(c->verdict, s, n);
	console_write_raw(c, s, n);
}

void console_marker(struct console *c, const char *line)
{
	bool nl = c->last && c->last != '\n';
	size_t n = strlen(line);

	if (nl)
		console_write_raw(c, "\n", 1);
	console_write_raw(c, line, n);
	console_write_raw(c, "\n", 1);
	console_flush(c);
}

void console_next_boot(struct console *c, struct verdict *v)
{
	console_flush(c);
	c->verdict = v;
	c->bytes = 0;
	c->first_byte_ns = 0;
	c->last_byte_ns = 0;
}

int console_sync(struct console *c)
{
	console_flush(c);
	if (c->file_fd >= 0 && fsync(c->file_fd) < 0 && !c->write_errno &&
	    errno != EINVAL)
		c->write_errno = errno;
	return c->write_errno ? -c->write_errno : 0;
}

int console_close(struct console *c)
{
	int ret = console_sync(c);

	if (c->file_fd >= 0) {
		close(c->file_fd);
		c->file_fd = -1;
	}
	return ret;
}

// SPDX-License-Identifier: MIT
/*
 * A kernel log against the Linux model (see cli_against_log.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_against_log.h"
#include "cli_util.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "6,1234,567890,-;": three decimal fields, flags, ';' */
static size_t kmsg_prefix(const char *p, size_t n)
{
	size_t i = 0;

	for (int field = 0; field < 3; field++) {
		size_t start = i;

		while (i < n && is_digit(p[i]))
			i++;
		if (i == start || i >= n || p[i] != ',')
			return 0;
		i++;
	}
	while (i < n && i < 32 && p[i] != ';' && p[i] != '\n')
		i++;
	return i < n && p[i] == ';' ? i + 1 : 0;
}

/* "Dec  7 12:00:01 host kernel: ": a month, a day, a time, a host */
static size_t syslog_prefix(const char *p, size_t n)
{
	static const char tag[] = " kernel: ";
	size_t i;

	if (n < 16 || p[0] < 'A' || p[0] > 'Z' || p[3] != ' ' ||
	    p[9] != ':' || p[12] != ':')
		return 0;
	for (i = 15; i + sizeof(tag) - 1 <= n && i < 96; i++) {
		if (p[i] == '\n')
			return 0;
		if (!memcmp(p + i, tag, sizeof(tag) - 1))
			return i + sizeof(tag) - 1;
	}
	return 0;
}

size_t against_log_record_prefix(const char *p, size_t n)
{
	size_t k = kmsg_prefix(p, n);

	return k ? k : syslog_prefix(p, n);
}

/* Feed text to the scanner line by line, each without its record prefix. */
static void feed(struct verdict *v, const char *text, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;
		size_t skip = against_log_record_prefix(text + i, end - i);

		verdict_feed(v, text + i + skip, end - i - skip);
		i = end;
	}
	verdict_finish(v);
}

int against_log_read(struct against_log *a, const char *path,
		     struct xsvm_err *err)
{
	char *text;
	size_t len;
	int ret;

	memset(a, 0, sizeof(*a));
	a->path = path;
	verdict_init(&a->v);
	ret = cli_read_file(path, &text, &len, err);
	if (ret)
		return ret;
	feed(&a->v, text, len);
	free(text);
	if (!a->v.block_started)
		return xsvm_err_set(err, ENOENT,
				    "%s: no x86/fpu lines (the kernel log may have been rotated, or reading it is not permitted: try dmesg as root, journalctl -k -b or /dev/kmsg)",
				    path);
	a->have_release = a->v.have_version &&
			  linux_version_from_banner(a->v.version, &a->release);
	return 0;
}

void against_log_compare(struct against_log *a, const struct linux_result *r)
{
	a->equal = !prediction_compare(&a->v, r, &a->d);
}

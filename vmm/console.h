/* SPDX-License-Identifier: MIT */
/*
 * The guest's console: bytes from the UART go, as they arrive, to standard
 * output (unless quiet), to the console file, and to the verdict scanner.
 * Output is written at each newline and whenever the run loop flushes (at
 * every halt poll, so an unfinished line such as a shell's prompt shows
 * within 20 ms, and at the end), so that nothing is lost on any exit path.
 */
#ifndef XSVM_VMM_CONSOLE_H
#define XSVM_VMM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuid/err.h"
#include "verdict.h"

#define CONSOLE_BUF 4096

struct console {
	int file_fd;	/* -1: no console file */
	bool live;	/* copy to standard output; cleared when that fails */
	struct verdict *verdict;
	uint64_t bytes;
	uint64_t first_byte_ns; /* monotonic time of the first byte, 0 = none */
	uint64_t last_byte_ns;	/* and of the last one */
	size_t len;
	char buf[CONSOLE_BUF];
	int write_errno; /* first failed write to the file, 0 = none */
	char last;	 /* the last byte written, 0 = none */
};

/* path may be NULL. Returns 0 or a negative errno naming the file. */
int console_open(struct console *c, const char *path, bool live,
		 struct verdict *v, struct xsvm_err *err);
void console_write(struct console *c, const char *s, size_t n);
void console_flush(struct console *c);
/*
 * A line of xsvm's own (the marker between boots): written to standard
 * output and the file like the guest's bytes, after whatever the guest
 * left unterminated, but not fed to the verdict scanner or counted.
 */
void console_marker(struct console *c, const char *line);
/* Point the console at another boot's scanner and restart its counts. */
void console_next_boot(struct console *c, struct verdict *v);
/* Flush and fsync the file; returns 0 or -errno of a failed write. */
int console_sync(struct console *c);
/* Flush and close the file; returns 0 or -errno of a failed write. */
int console_close(struct console *c);

uint64_t monotonic_ns(void);

#endif

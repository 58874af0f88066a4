/* SPDX-License-Identifier: MIT */
/*
 * The guest's console input: xsvm's standard input fed to the UART's
 * receiver by a thread of its own.
 *
 * From a pipe or a file, bytes are read only when the receiver has room
 * (the guest has opened its console and its FIFO is not full), at most as
 * many as it can take, so a guest gets its input in order and at its own
 * pace and nothing is read that no guest asked for. After the end of the
 * input the receiver simply gets nothing more.
 *
 * On a terminal, the terminal is put in raw mode (no echo, no line
 * editing, no signals from keys: Ctrl-C goes to the guest) and restored
 * on every way out: the end of the run, exit(), a fatal signal (SIGSEGV,
 * SIGBUS, SIGILL, SIGFPE, SIGABRT), SIGHUP, SIGINT and SIGTERM outside the
 * run loop, and around a stop (SIGTSTP, then SIGCONT makes it raw again).
 * The escape is Ctrl-A: Ctrl-A x ends the run (end reason "quit"),
 * Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A followed by anything else sends
 * both bytes. Keys are read at once, whether the guest reads or not.
 */
#ifndef XSVM_VMM_TERM_H
#define XSVM_VMM_TERM_H

#include <stdbool.h>

#include "cpuid/err.h"

#define TERM_ESCAPE	 0x01 /* Ctrl-A */
#define TERM_ESCAPE_QUIT 'x'

struct uart;
struct term_input;

/* Called from the input thread when the user typed Ctrl-A x. */
typedef void term_quit_fn(void *ctx);

/*
 * Start feeding fd (normally STDIN_FILENO). An fd that is closed or
 * invalid just gives no input. Returns 0 or a negative errno.
 */
int term_input_start(struct term_input **out, int fd, term_quit_fn *quit,
		     void *ctx, struct xsvm_err *err);
/* Feed u from now on (NULL: nobody; bytes wait). */
void term_input_attach(struct term_input *t, struct uart *u);
/* Whether fd was a terminal put in raw mode. */
bool term_input_is_raw(const struct term_input *t);
/* Stop the thread, restore the terminal, free t (NULL is fine). */
void term_input_stop(struct term_input *t);

/*
 * The escape state machine, exposed for tests: filter n bytes of terminal
 * input in place, returning how many remain for the guest (at most n + 1
 * bytes are written: buf must have room for one more) and setting *quit
 * on Ctrl-A x. *pending carries a Ctrl-A across calls.
 */
unsigned int term_escape_filter(unsigned char *buf, unsigned int n,
				bool *pending, bool *quit);

#endif

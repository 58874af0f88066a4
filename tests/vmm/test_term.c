// SPDX-License-Identifier: MIT
/*
 * Tests of vmm/term.c: standard input fed to the 16550's receiver from a
 * pipe (only as the guest takes it) and from a terminal (raw mode, the
 * escape, the mode restored).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/console.h"
#include "vmm/term.h"
#include "vmm/uart.h"
#include "vmm/verdict.h"

struct rig {
	struct verdict v;
	struct console con;
	struct uart u;
	int quits;
};

static void rig_init(struct rig *r)
{
	struct xsvm_err err = {{0}};

	memset(r, 0, sizeof(*r));
	verdict_init(&r->v);
	assert_int_equal(console_open(&r->con, NULL, false, &r->v, &err), 0);
	uart_init(&r->u, &r->con);
}

static void io(struct rig *r, unsigned int off, bool write, uint8_t *v)
{
	uart_io(&r->u, off, write, v);
}

static void arm(struct rig *r)
{
	uint8_t v = UART_MCR_OUT2;

	io(r, UART_MCR, true, &v);
	v = UART_IER_RDI;
	io(r, UART_IER, true, &v);
}

/* Read what the guest would, waiting up to 5 s for n bytes. */
static size_t drain(struct rig *r, char *buf, size_t n)
{
	size_t got = 0;

	for (int i = 0; i < 5000 && got < n; i++) {
		uint8_t lsr, b;

		io(r, UART_LSR, false, &lsr);
		if (!(lsr & UART_LSR_DR)) {
			usleep(1000);
			continue;
		}
		io(r, UART_RBR, false, &b);
		buf[got++] = (char)b;
	}
	return got;
}

/* The fields of a terminal's mode (memcmp would compare the padding). */
static void expect_same_mode(const struct termios *a, const struct termios *b)
{
	assert_int_equal(a->c_iflag, b->c_iflag);
	assert_int_equal(a->c_oflag, b->c_oflag);
	assert_int_equal(a->c_cflag, b->c_cflag);
	assert_int_equal(a->c_lflag, b->c_lflag);
	assert_int_equal(a->c_line, b->c_line);
	assert_memory_equal(a->c_cc, b->c_cc, sizeof(a->c_cc));
	assert_int_equal(cfgetispeed(a), cfgetispeed(b));
	assert_int_equal(cfgetospeed(a), cfgetospeed(b));
}

static void on_quit(void *ctx)
{
	struct rig *r = ctx;

	r->quits++;
}

static void test_pipe(void **state)
{
	struct xsvm_err err = {{0}};
	const char *msg = "echo $((6*7))\nreboot -f\n";
	struct term_input *t;
	struct rig r;
	char buf[64];
	int p[2];

	(void)state;
	rig_init(&r);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], msg, strlen(msg)), (ssize_t)strlen(msg));
	close(p[1]);
	assert_int_equal(term_input_start(&t, p[0], on_quit, &r, &err), 0);
	assert_false(term_input_is_raw(t));
	term_input_attach(t, &r.u);
	usleep(50000);
	/* nothing is taken before the guest arms its receiver */
	assert_int_equal(r.u.rx_bytes, 0);
	arm(&r);
	assert_int_equal(drain(&r, buf, strlen(msg)), strlen(msg));
	assert_memory_equal(buf, msg, strlen(msg));
	term_input_stop(t);
	assert_int_equal(r.u.rx_bytes, strlen(msg));
	assert_int_equal(r.quits, 0);
	close(p[0]);
}

static void test_terminal(void **state)
{
	struct xsvm_err err = {{0}};
	struct termios before, during, after;
	struct term_input *t;
	struct rig r;
	char buf[64];
	int master, slave;

	(void)state;
	rig_init(&r);
	assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
	assert_int_equal(tcgetattr(slave, &before), 0);
	assert_int_equal(term_input_start(&t, slave, on_quit, &r, &err), 0);
	assert_true(term_input_is_raw(t));
	assert_int_equal(tcgetattr(slave, &during), 0);
	assert_int_equal(during.c_lflag & (ICANON | ECHO | ISIG), 0);
	term_input_attach(t, &r.u);
	arm(&r);
	assert_int_equal(write(master, "ls\r\001\001", 5), 5);
	assert_int_equal(drain(&r, buf, 4), 4);
	assert_memory_equal(buf, "ls\r\001", 4);
	assert_int_equal(write(master, "\001x", 2), 2);
	for (int i = 0; i < 5000 && !r.quits; i++)
		usleep(1000);
	assert_int_equal(r.quits, 1);
	term_input_stop(t);
	assert_int_equal(tcgetattr(slave, &after), 0);
	expect_same_mode(&after, &before);
	assert_int_equal(r.u.rx_bytes, 4);
	close(master);
	close(slave);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe),
		cmocka_unit_test(test_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

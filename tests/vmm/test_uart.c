// SPDX-License-Identifier: MIT
/*
 * Tests of vmm/uart.c, the 16550A, driven through its registers and
 * watched through its interrupt line, with the register sequences of
 * Linux's 8250 driver (autoconfig, the THRE test of startup, the transmit
 * and receive interrupt handlers); and of vmm/term.c's escape filter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/console.h"
#include "vmm/term.h"
#include "vmm/uart.h"
#include "vmm/verdict.h"

struct fixture {
	struct verdict v;
	struct console con;
	struct uart u;
	int level;	    /* the line as last driven, -1 never */
	unsigned int calls; /* irq callback calls */
	unsigned int rooms; /* room callback calls */
};

static void on_irq(void *ctx, int level)
{
	struct fixture *f = ctx;

	f->level = level;
	f->calls++;
}

static void on_room(void *ctx)
{
	struct fixture *f = ctx;

	f->rooms++;
}

static struct fixture *fixture_new(void)
{
	struct xsvm_err err = {{0}};
	struct fixture *f = test_calloc(1, sizeof(*f));

	verdict_init(&f->v);
	assert_int_equal(console_open(&f->con, NULL, false, &f->v, &err), 0);
	uart_init(&f->u, &f->con);
	uart_set_irq(&f->u, on_irq, f);
	uart_set_room(&f->u, on_room, f);
	f->level = -1;
	return f;
}

static uint8_t rd(struct fixture *f, unsigned int off)
{
	uint8_t v = 0x5a;

	uart_io(&f->u, off, false, &v);
	return v;
}

static void wr(struct fixture *f, unsigned int off, uint8_t v)
{
	uart_io(&f->u, off, true, &v);
}

static void test_reset_state(void **state)
{
	struct fixture *f = fixture_new();

	(void)state;
	assert_int_equal(rd(f, UART_LSR), 0x60);
	assert_int_equal(rd(f, UART_IIR), 0x01);
	assert_int_equal(rd(f, UART_IER), 0x00);
	assert_int_equal(rd(f, UART_LCR), 0x03);
	assert_int_equal(rd(f, UART_MSR), 0xb0);
	assert_int_equal(rd(f, UART_RBR), 0x00);
	/* every access drives the line; it has stayed low */
	assert_int_equal(f->level, 0);
	assert_int_equal(f->calls, 1);
	assert_int_equal(f->u.irq_edges, 0);
	test_free(f);
}

/* Linux's autoconfig: the IER scratch test and the loopback test. */
static void test_autoconfig(void **state)
{
	struct fixture *f = fixture_new();

	(void)state;
	wr(f, UART_IER, 0);
	assert_int_equal(rd(f, UART_IER), 0x00);
	wr(f, UART_IER, 0x0f);
	assert_int_equal(rd(f, UART_IER), 0x0f);
	wr(f, UART_IER, 0);
	wr(f, UART_MCR, UART_MCR_LOOP | 0x0a);
	assert_int_equal(rd(f, UART_MSR) & 0xf0, 0x90);
	wr(f, UART_MCR, UART_MCR_LOOP | 0x0f);
	assert_int_equal(rd(f, UART_MSR) & 0xf0, 0xf0);
	wr(f, UART_MCR, 0);
	/* FIFO enabled: IIR bits 7:6 read 11, as a 16550A's do */
	wr(f, UART_IIR, UART_FCR_ENABLE_FIFO);
	assert_int_equal(rd(f, UART_IIR), 0xc1);
	wr(f, UART_IIR, 0);
	assert_int_equal(rd(f, UART_IIR), 0x01);
	/* divisor latch and scratch */
	wr(f, UART_LCR, UART_LCR_DLAB | 0x03);
	wr(f, UART_RBR, 0x01);
	wr(f, UART_IER, 0x00);
	assert_int_equal(rd(f, UART_RBR), 0x01);
	assert_int_equal(rd(f, UART_IER), 0x00);
	wr(f, UART_LCR, 0x03);
	wr(f, UART_SCR, 0xa5);
	assert_int_equal(rd(f, UART_SCR), 0xa5);
	assert_int_equal(f->con.bytes, 0);
	test_free(f);
}

/* serial8250_do_startup's THRE test: a working UART re-asserts THRE. */
static void test_thre_reasserts(void **state)
{
	struct fixture *f = fixture_new();

	(void)state;
	wr(f, UART_IER, UART_IER_THRI);
	assert_int_equal(f->level, 1);
	assert_int_equal(rd(f, UART_IIR), 0x02);
	assert_int_equal(f->level, 0); /* the IIR read acknowledged it */
	wr(f, UART_IER, 0);
	wr(f, UART_IER, UART_IER_THRI);
	assert_int_equal(rd(f, UART_IIR), 0x02);
	wr(f, UART_IER, 0);
	assert_int_equal(rd(f, UART_IIR), 0x01);
	assert_int_equal(f->u.irq_edges, 2);
	test_free(f);
}

/*
 * serial8250_tx_chars under the transmit interrupt: each IIR read lowers
 * the line, each write of a FIFO load raises it again, so the
 * edge-triggered PIC sees one new edge per load; THRI off ends it.
 */
static void test_tx_interrupts(void **state)
{
	struct fixture *f = fixture_new();
	const char *msg = "user line 1 0123456789abcdefghijklmnopqrstuvwxyz\n";
	size_t n = strlen(msg), sent = 0;
	unsigned int loads = 0;

	(void)state;
	wr(f, UART_IER, UART_IER_RDI | UART_IER_THRI);
	while (sent < n) {
		assert_int_equal(f->level, 1);
		assert_int_equal(rd(f, UART_IIR), 0x02);
		assert_int_equal(f->level, 0);
		assert_true(rd(f, UART_LSR) & UART_LSR_THRE);
		for (unsigned int i = 0; i < UART_FIFO_LEN && sent < n; i++)
			wr(f, UART_RBR, (uint8_t)msg[sent++]);
		loads++;
	}
	assert_int_equal(rd(f, UART_IIR), 0x02);
	wr(f, UART_IER, UART_IER_RDI);
	assert_int_equal(rd(f, UART_IIR), 0x01);
	assert_int_equal(f->level, 0);
	assert_int_equal(loads, 4);
	assert_int_equal(f->u.irq_edges, 5);
	assert_int_equal(f->con.bytes, n);
	assert_int_equal(f->u.tx_bytes, n);
	assert_int_equal(f->v.nr_console_lines, 1);
	test_free(f);
}

/* Input waits until the guest enables RDI and routes its IRQ (OUT2). */
static void test_rx_armed(void **state)
{
	struct fixture *f = fixture_new();
	const uint8_t in[20] = "echo $((6*7))\nreboot";

	(void)state;
	assert_int_equal(uart_rx_room(&f->u), 0);
	assert_int_equal(uart_receive(&f->u, in, sizeof(in)), 0);
	/* the probe's IER scratch value alone does not arm it */
	wr(f, UART_IER, 0x0f);
	assert_int_equal(uart_rx_room(&f->u), 0);
	wr(f, UART_IER, 0);
	/* each write that sets RDI or OUT2 tells the input side to look */
	assert_int_equal(f->rooms, 1);
	wr(f, UART_MCR, UART_MCR_OUT2 | UART_MCR_RTS | UART_MCR_DTR);
	assert_int_equal(f->rooms, 2);
	assert_int_equal(uart_rx_room(&f->u), 0);
	wr(f, UART_IER, UART_IER_RLSI | UART_IER_RDI);
	assert_int_equal(f->rooms, 3);
	assert_int_equal(uart_rx_room(&f->u), UART_FIFO_LEN);
	assert_int_equal(uart_receive(&f->u, in, sizeof(in)), UART_FIFO_LEN);
	assert_int_equal(uart_rx_room(&f->u), 0);
	assert_int_equal(f->level, 1);
	assert_int_equal(rd(f, UART_LSR), 0x61);
	assert_int_equal(rd(f, UART_IIR), 0x04);
	for (unsigned int i = 0; i < UART_FIFO_LEN; i++) {
		assert_true(rd(f, UART_LSR) & UART_LSR_DR);
		assert_int_equal(rd(f, UART_RBR), in[i]);
	}
	assert_int_equal(rd(f, UART_LSR), 0x60);
	assert_int_equal(rd(f, UART_IIR), 0x01);
	assert_int_equal(f->level, 0);
	assert_int_equal(f->rooms, 3 + UART_FIFO_LEN);
	assert_int_equal(uart_receive(&f->u, in + 16, 4), 4);
	assert_int_equal(f->u.rx_bytes, 20);
	/* received data comes before transmit-empty */
	wr(f, UART_IER, UART_IER_RDI | UART_IER_THRI);
	assert_int_equal(rd(f, UART_IIR), 0x04);
	/* a FIFO reset drops what is buffered */
	wr(f, UART_IIR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	assert_int_equal(rd(f, UART_LSR), 0x60);
	assert_int_equal(rd(f, UART_IIR), 0xc2);
	assert_int_equal(rd(f, UART_IIR), 0xc1);
	/* loopback takes no input from the host, and echoes THR */
	wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	assert_int_equal(uart_rx_room(&f->u), 0);
	wr(f, UART_RBR, 'q');
	assert_int_equal(rd(f, UART_RBR), 'q');
	assert_int_equal(f->con.bytes, 0);
	test_free(f);
}

static void test_escape(void **state)
{
	unsigned char b[17];
	bool pending = false, quit = false;

	(void)state;
	memcpy(b,
	       "ab\x01\x01"
	       "c\x01",
	       6);
	assert_int_equal(term_escape_filter(b, 6, &pending, &quit), 4);
	assert_memory_equal(b,
			    "ab\x01"
			    "c",
			    4);
	assert_true(pending);
	assert_false(quit);
	/* a Ctrl-A left pending, then a key that is not the escape */
	memcpy(b, "z", 1);
	assert_int_equal(term_escape_filter(b, 1, &pending, &quit), 2);
	assert_memory_equal(b, "\x01z", 2);
	assert_false(pending);
	memcpy(b, "ls\x01x", 4);
	assert_int_equal(term_escape_filter(b, 4, &pending, &quit), 2);
	assert_memory_equal(b, "ls", 2);
	assert_true(quit);
	assert_false(pending);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_autoconfig),
		cmocka_unit_test(test_thre_reasserts),
		cmocka_unit_test(test_tx_interrupts),
		cmocka_unit_test(test_rx_armed),
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

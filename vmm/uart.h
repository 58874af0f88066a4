/* SPDX-License-Identifier: MIT */
/*
 * A 16550A UART at 0x3f8 (ttyS0, IRQ 4), in both directions.
 *
 * Transmit is synchronous: a byte written to THR goes to the console at
 * once, so the transmitter is always empty (LSR.THRE and LSR.TEMT stay
 * set) and a guest that writes without polling loses nothing. The
 * transmit-empty interrupt behaves as Linux's 8250 driver expects: it is
 * pending while IER.THRI is set and THR is empty, from the moment THRI is
 * enabled or a byte is written, until IIR is read while it is the highest
 * pending interrupt or THR is written again.
 *
 * Receive goes through a 16-byte FIFO filled by uart_receive() (the host's
 * standard input). The receiver accepts bytes only while the guest takes
 * interrupt-driven input: the receive interrupt enabled (IER.RDI) and the
 * interrupt output routed to the PIC (MCR.OUT2, as on a PC), outside
 * loopback. Linux's 8250 driver sets both when the console is opened and
 * keeps them while the tty is not throttled; its probe, which sets IER to
 * 0x0f for a moment, and its start-up, which clears the FIFO, do not.
 * Until then bytes wait on the host side instead of being lost. The received-data interrupt is
 * pending while the FIFO holds data (the character timeout of a real
 * 16550 is immediate here).
 *
 * IIR reports the highest pending interrupt: received data (0x04) before
 * transmit-empty (0x02); with FCR.FIFO_ENABLE its bits 7:6 read 11. The
 * IRQ line (the irq callback, KVM_IRQ_LINE in a VM) is driven after every
 * access: high while an enabled interrupt is pending, low otherwise, so
 * that the edge-triggered PIC sees a new edge for every new interrupt.
 * MCR.LOOP loops THR back to the receiver and MCR's outputs to MSR, as
 * the driver's autoconfig test expects.
 *
 * Every access takes the device's lock: the vCPU thread and the input
 * thread share it.
 */
#ifndef XSVM_VMM_UART_H
#define XSVM_VMM_UART_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_BASE     0x3f8
#define UART_PORTS    8
#define UART_IRQ      4
#define UART_FIFO_LEN 16

/* Registers (offsets from UART_BASE) */
#define UART_RBR 0 /* read: receive buffer; write: THR; DLAB: DLL */
#define UART_IER 1 /* DLAB: DLM */
#define UART_IIR 2 /* read: interrupt identification; write: FCR */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

/* IER bits */
#define UART_IER_RDI  0x01 /* received data available */
#define UART_IER_THRI 0x02 /* transmitter holding register empty */
#define UART_IER_RLSI 0x04 /* receiver line status */
#define UART_IER_MSI  0x08 /* modem status */

/* IIR values */
#define UART_IIR_NO_INT	   0x01
#define UART_IIR_THRI	   0x02
#define UART_IIR_RDI	   0x04
#define UART_IIR_FIFO_BITS 0xc0

/* FCR bits */
#define UART_FCR_ENABLE_FIFO 0x01
#define UART_FCR_CLEAR_RCVR  0x02
#define UART_FCR_CLEAR_XMIT  0x04

#define UART_LCR_DLAB 0x80

/* MCR bits */
#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10

/* LSR bits */
#define UART_LSR_DR   0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

/* MSR bits */
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI  0x40
#define UART_MSR_DCD 0x80

struct console;

/* Drive the interrupt line: level 1 asserted, 0 deasserted. */
typedef void uart_irq_fn(void *ctx, int level);
/* Called, with the lock dropped, when the receiver may take more bytes. */
typedef void uart_room_fn(void *ctx);

struct uart {
	pthread_mutex_t lock;
	struct console *console;
	uart_irq_fn *irq;
	void *irq_ctx;
	uart_room_fn *room;
	void *room_ctx;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thre_pending; /* the transmit-empty interrupt is pending */
	int level;	   /* the level last driven, -1 none yet */
	uint8_t rx[UART_FIFO_LEN];
	unsigned int rx_head, rx_len;
	uint64_t tx_bytes, rx_bytes; /* bytes to the console, from the host */
	uint64_t irq_edges;	     /* times the line went high */
};

/* A UART with reset register values, no interrupt line and no input. */
void uart_init(struct uart *u, struct console *c);
void uart_set_irq(struct uart *u, uart_irq_fn *fn, void *ctx);
void uart_set_room(struct uart *u, uart_room_fn *fn, void *ctx);

/* One byte access at UART_BASE + off (off < UART_PORTS). */
void uart_io(struct uart *u, unsigned int off, bool write, uint8_t *data);

/*
 * Bytes the receiver can take now: 0 unless IER.RDI and MCR.OUT2 are set
 * (and MCR.LOOP clear), else the room in the FIFO.
 */
size_t uart_rx_room(struct uart *u);

/*
 * Offer n bytes from the host. Returns how many the receiver took (at most
 * uart_rx_room()); the caller keeps the rest for later.
 */
size_t uart_receive(struct uart *u, const uint8_t *buf, size_t n);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * An 8250/16550 UART at 0x3f8 that only transmits: every byte the guest
 * writes to THR goes to the console. The line status register always
 * reports an empty transmitter (0x60), so writers never wait, and no
 * interrupt is ever pending.
 */
#ifndef XSVM_VMM_UART_H
#define XSVM_VMM_UART_H

#include <stdbool.h>
#include <stdint.h>

#define UART_BASE 0x3f8
#define UART_PORTS 8

struct console;

struct uart {
	struct console *console;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
};

void uart_init(struct uart *u, struct console *c);
/* One byte access at UART_BASE + off (off < UART_PORTS). */
void uart_io(struct uart *u, unsigned int off, bool write, uint8_t *data);

#endif

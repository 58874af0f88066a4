// SPDX-License-Identifier: MIT
#include <string.h>

#include "console.h"
#include "uart.h"

#define UART_LCR_DLAB 0x80
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_IIR_NO_INT 0x01
#define UART_MSR_DCD_DSR_CTS 0xb0

void uart_init(struct uart *u, struct console *c)
{
	memset(u, 0, sizeof(*u));
	u->console = c;
	u->lcr = 0x03;
}

static uint8_t uart_read(struct uart *u, unsigned int off)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (off) {
	case 0:
		return dlab ? u->dll : 0; /* nothing ever received */
	case 1:
		return dlab ? u->dlm : u->ier;
	case 2:
		return UART_IIR_NO_INT | (u->fcr & 1 ? 0xc0 : 0);
	case 3:
		return u->lcr;
	case 4:
		return u->mcr;
	case 5:
		return UART_LSR_THRE | UART_LSR_TEMT;
	case 6:
		return UART_MSR_DCD_DSR_CTS;
	default:
		return u->scr;
	}
}

static void uart_write(struct uart *u, unsigned int off, uint8_t v)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (off) {
	case 0:
		if (dlab)
			u->dll = v;
		else
			console_write(u->console, (const char *)&v, 1);
		break;
	case 1:
		if (dlab)
			u->dlm = v;
		else
			u->ier = v & 0x0f;
		break;
	case 2:
		u->fcr = v;
		break;
	case 3:
		u->lcr = v;
		break;
	case 4:
		u->mcr = v & 0x1f;
		break;
	case 7:
		u->scr = v;
		break;
	default:
		break; /* LSR and MSR are read-only */
	}
}

void uart_io(struct uart *u, unsigned int off, bool write, uint8_t *data)
{
	if (write)
		uart_write(u, off, *data);
	else
		*data = uart_read(u, off);
}

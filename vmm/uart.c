// SPDX-License-Identifier: MIT
#include <string.h>

#include "console.h"
#include "uart.h"

void uart_init(struct uart *u, struct console *c)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	u->console = c;
	u->lcr = 0x03;
	u->level = -1;
}

void uart_set_irq(struct uart *u, uart_irq_fn *fn, void *ctx)
{
	pthread_mutex_lock(&u->lock);
	u->irq = fn;
	u->irq_ctx = ctx;
	pthread_mutex_unlock(&u->lock);
}

void uart_set_room(struct uart *u, uart_room_fn *fn, void *ctx)
{
	pthread_mutex_lock(&u->lock);
	u->room = fn;
	u->room_ctx = ctx;
	pthread_mutex_unlock(&u->lock);
}

/* The highest-priority pending interrupt, as IIR bits 3:0. */
static uint8_t pending(const struct uart *u)
{
	if ((u->ier & UART_IER_RDI) && u->rx_len)
		return UART_IIR_RDI;
	if ((u->ier & UART_IER_THRI) && u->thre_pending)
		return UART_IIR_THRI;
	return UART_IIR_NO_INT;
}

static void update_irq(struct uart *u)
{
	int level = pending(u) != UART_IIR_NO_INT;

	if (level == u->level)
		return;
	u->level = level;
	u->irq_edges += level;
	if (u->irq)
		u->irq(u->irq_ctx, level);
}

static void rx_push(struct uart *u, uint8_t b)
{
	if (u->rx_len == UART_FIFO_LEN)
		return; /* overrun: only the loopback can get here */
	u->rx[(u->rx_head + u->rx_len) % UART_FIFO_LEN] = b;
	u->rx_len++;
}

static uint8_t rx_pop(struct uart *u)
{
	uint8_t b;

	if (!u->rx_len)
		return 0;
	b = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_LEN;
	u->rx_len--;
	return b;
}

static uint8_t msr(const struct uart *u)
{
	uint8_t m = u->mcr;

	if (!(m & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	return (m & UART_MCR_DTR ? UART_MSR_DSR : 0) |
	       (m & UART_MCR_RTS ? UART_MSR_CTS : 0) |
	       (m & UART_MCR_OUT1 ? UART_MSR_RI : 0) |
	       (m & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
}

/* Returns whether the receiver gained room. */
static bool uart_read(struct uart *u, unsigned int off, uint8_t *v)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t iir;

	switch (off) {
	case UART_RBR:
		if (dlab) {
			*v = u->dll;
			return false;
		}
		*v = rx_pop(u);
		return true;
	case UART_IER:
		*v = dlab ? u->dlm : u->ier;
		return false;
	case UART_IIR:
		iir = pending(u);
		/* reading IIR acknowledges a transmit-empty interrupt */
		if (iir == UART_IIR_THRI)
			u->thre_pending = false;
		*v = iir |
		     (u->fcr & UART_FCR_ENABLE_FIFO ? UART_IIR_FIFO_BITS : 0);
		return false;
	case UART_LCR:
		*v = u->lcr;
		return false;
	case UART_MCR:
		*v = u->mcr;
		return false;
	case UART_LSR:
		*v = UART_LSR_THRE | UART_LSR_TEMT |
		     (u->rx_len ? UART_LSR_DR : 0);
		return false;
	case UART_MSR:
		*v = msr(u);
		return false;
	default:
		*v = u->scr;
		return false;
	}
}

static void transmit(struct uart *u, uint8_t v)
{
	if (u->mcr & UART_MCR_LOOP) {
		rx_push(u, v);
	} else {
		console_write(u->console, (const char *)&v, 1);
		u->tx_bytes++;
	}
	/* sent at once: THR is empty again */
	u->thre_pending = true;
}

/* Returns whether the receiver gained room. */
static bool uart_write(struct uart *u, unsigned int off, uint8_t v)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t old;

	switch (off) {
	case UART_RBR:
		if (dlab)
			u->dll = v;
		else
			transmit(u, v);
		return false;
	case UART_IER:
		if (dlab) {
			u->dlm = v;
			return false;
		}
		old = u->ier;
		u->ier = v & 0x0f;
		/* enabling THRI with THR empty raises the interrupt */
		if ((u->ier & UART_IER_THRI) && !(old & UART_IER_THRI))
			u->thre_pending = true;
		return (u->ier & UART_IER_RDI) && !(old & UART_IER_RDI);
	case UART_IIR:
		u->fcr = v & ~(UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
		if (v & UART_FCR_CLEAR_RCVR) {
			u->rx_head = u->rx_len = 0;
			return true;
		}
		return false;
	case UART_LCR:
		u->lcr = v;
		return false;
	case UART_MCR:
		old = u->mcr;
		u->mcr = v & 0x1f;
		return (u->mcr & UART_MCR_OUT2) && !(old & UART_MCR_OUT2);
	case UART_SCR:
		u->scr = v;
		return false;
	default:
		return false; /* LSR and MSR are read-only */
	}
}

void uart_io(struct uart *u, unsigned int off, bool write, uint8_t *data)
{
	uart_room_fn *room;
	void *ctx;
	bool more;

	pthread_mutex_lock(&u->lock);
	if (write)
		more = uart_write(u, off, *data);
	else
		more = uart_read(u, off, data);
	update_irq(u);
	room = u->room;
	ctx = u->room_ctx;
	pthread_mutex_unlock(&u->lock);
	if (more && room)
		room(ctx);
}

static size_t rx_room(const struct uart *u)
{
	if (!(u->ier & UART_IER_RDI) || !(u->mcr & UART_MCR_OUT2) ||
	    (u->mcr & UART_MCR_LOOP))
		return 0;
	return UART_FIFO_LEN - u->rx_len;
}

size_t uart_rx_room(struct uart *u)
{
	size_t n;

	pthread_mutex_lock(&u->lock);
	n = rx_room(u);
	pthread_mutex_unlock(&u->lock);
	return n;
}

size_t uart_receive(struct uart *u, const uint8_t *buf, size_t n)
{
	size_t room, i;

	pthread_mutex_lock(&u->lock);
	room = rx_room(u);
	for (i = 0; i < n && i < room; i++)
		rx_push(u, buf[i]);
	u->rx_bytes += i;
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return i;
}

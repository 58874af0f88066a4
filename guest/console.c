// SPDX-License-Identifier: MIT
/*
 * Console output on the 8250 at 0x3f8. xsvm's UART always reports an
 * empty transmitter, so bytes go straight to THR without polling LSR; a
 * whole buffer goes out with one rep outsb.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "guest.h"
#include "io.h"

#define CONSOLE_LINE_MAX 256

/* Held for a whole line: with APs running, lines stay whole. */
static volatile uint32_t console_lock;

static void lock(void)
{
	while (__atomic_exchange_n(&console_lock, 1, __ATOMIC_ACQUIRE))
		__asm__ volatile("pause");
}

static void unlock(void)
{
	__atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE);
}

void console_write(const char *s, size_t len)
{
	if (len)
		outsb(GUEST_UART_PORT, s, len);
}

void console_putline(const char *s)
{
	lock();
	console_write(s, strlen(s));
	console_write("\n", 1);
	unlock();
}

void console_printf(const char *fmt, ...)
{
	char buf[CONSOLE_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	lock();
	console_write(buf, (size_t)n);
	unlock();
}

void guest_fail(const char *fmt, ...)
{
	char buf[CONSOLE_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_printf("xsvm-guest: %s", buf);
	guest_exit(GUEST_EXIT_NO_VERDICT);
}

void guest_exit(uint8_t v)
{
	outb(GUEST_EXIT_PORT, v);
	for (;;) {
		cli();
		hlt();
	}
}

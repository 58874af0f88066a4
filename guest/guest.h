/* SPDX-License-Identifier: MIT */
/*
 * The freestanding test guest that xsvm embeds and boots like a Linux
 * kernel (64-bit boot protocol, see vmm/boot_cpu.h and vmm/boot_params.h).
 * What its files share: the console, the exception table and the way out.
 *
 * The guest runs without interrupts and with no SSE: everything here is
 * plain integer code and port I/O. The BSP runs it all; the APs it starts
 * (smp.h) run only their own checks, and print through the console's lock.
 */
#ifndef XSVM_GUEST_GUEST_H
#define XSVM_GUEST_GUEST_H

#include <stddef.h>
#include <stdint.h>

/* The debug-exit port: writing v ends the run (vmm/run.h). */
#define GUEST_EXIT_PORT	      0xf4
#define GUEST_EXIT_PASSED     0
#define GUEST_EXIT_PROBLEM    1
#define GUEST_EXIT_NO_VERDICT 3

/* The 8250 UART the VMM captures as the console. */
#define GUEST_UART_PORT 0x3f8

/* Raw bytes to the UART (callers hold the console's lock for whole lines). */
void console_write(const char *s, size_t len);
/* s and "\n", whole: one vCPU's line never interleaves with another's. */
void console_putline(const char *s);
/* printf-style, one line: "\n" is appended; longer lines are cut. */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Build the IDT for vectors 0-31 and load it (entry.S calls this). */
void idt_init(void);
/* Load the IDT idt_init() built (an AP's first step). */
void idt_load(void);

/* "xsvm-guest: " and the printf-style message, then no verdict. */
__attribute__((noreturn, format(printf, 1, 2))) void
guest_fail(const char *fmt, ...);

/* Write v to the debug-exit port, then stop for good. */
__attribute__((noreturn)) void guest_exit(uint8_t v);

/* entry.S calls this with RSI as the VMM left it. */
__attribute__((noreturn)) void guest_main(uint64_t boot_params);

#endif

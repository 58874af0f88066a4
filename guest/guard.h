/* SPDX-License-Identifier: MIT */
/*
 * Guarding one instruction against a fault, for measuring what a host lets
 * the guest run. GUARD_BEGIN stores the address after the instruction in
 * guard_resume; if the instruction faults, the exception handler (idt.c)
 * records the vector in guard_vector and resumes there instead of ending
 * the run. Use through guarded(): the asm must clobber r11 and memory.
 */
#ifndef XSVM_GUEST_GUARD_H
#define XSVM_GUEST_GUARD_H

#include <stdint.h>

#define GUARD_NO_FAULT 0xffffffffu

extern volatile uint64_t guard_resume;
extern volatile uint32_t guard_vector;

#define GUARD_BEGIN                                                            \
	"leaq 1f(%%rip), %%r11\n\t"                                            \
	"movq %%r11, guard_resume(%%rip)\n\t"
#define GUARD_END                                                              \
	"\n1:\n\t"                                                             \
	"movq $0, guard_resume(%%rip)"

static inline void guard_arm(void)
{
	guard_vector = GUARD_NO_FAULT;
}

#endif

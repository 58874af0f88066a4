/* SPDX-License-Identifier: MIT */
/*
 * The test guest's APs: started by the BSP itself with INIT and SIPI
 * through the in-kernel local APIC (xAPIC MMIO at LAPIC_BASE), all at
 * once, through the real-mode trampoline of trampoline.S at TRAMP_BASE.
 * Each AP finds its vCPU index from its own APIC ID in the trampoline's
 * table, so one filling of the trampoline serves every AP. Each vCPU has
 * an area of its own (struct vcpu_area, vcpu.h) placed after the image,
 * its stack at the area's end.
 *
 * While the APs work, the BSP halts instead of spinning: a halted vCPU
 * leaves its host CPU to the others. Each AP wakes it with an IPI of
 * SMP_WAKE_VECTOR when its report is done, and the BSP's LAPIC timer
 * wakes it every SMP_TICK_NS so that it keeps its deadlines when no AP
 * does.
 */
#ifndef XSVM_GUEST_SMP_H
#define XSVM_GUEST_SMP_H

/* Low memory the VMM leaves free (vmm/boot_params.h): SIPI vector 0x10. */
#define TRAMP_BASE 0x10000
#define LAPIC_BASE 0xfee00000
#define LAPIC_ID   0x020
/* An APIC ID's slot in the trampoline's table when no vCPU has it. */
#define SMP_NO_INDEX 0xff
/* The one interrupt the guest takes (idt.c): a wake-up. */
#define SMP_WAKE_VECTOR 0x20

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

#define SMP_TICK_NS 10000000u /* the BSP's timer period: 10 ms */

/* Where the APs go: entry(index) on the stack at the end of area index. */
struct smp_boot {
	uint64_t areas;		/* area 0; area i at areas + i * area_size */
	uint32_t area_size;
	void (*entry)(uint32_t index);
	uint8_t index_of[256];	/* APIC ID to vCPU index, or SMP_NO_INDEX */
};

/* The ID the running vCPU's local APIC reports. */
uint32_t lapic_id(void);

/*
 * Software-enable the BSP's APIC and fill the trampoline, once, before
 * the first smp_send_start().
 */
void smp_prepare(const struct smp_boot *b);

/* INIT and SIPI to the AP with APIC ID apic_id; no waiting. */
void smp_send_start(uint32_t apic_id);

/* An AP's way to wake the BSP (APIC ID bsp) from smp_idle(). */
void smp_wake(uint32_t bsp);

/* The BSP's periodic wake-up timer, on and off. */
void smp_timer_start(void);
void smp_timer_stop(void);

/*
 * Halt until an interrupt (a wake-up IPI or the timer). Called with
 * interrupts off after the condition was checked; returns with them off.
 */
void smp_idle(void);

/* rdtsc */
uint64_t smp_tsc(void);
#endif

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The test guest's APs: started by the BSP itself with INIT and SIPI
 * through the in-kernel local APIC (xAPIC MMIO at LAPIC_BASE), one at a
 * time, through the real-mode trampoline of trampoline.S at TRAMP_BASE.
 * Each vCPU has an area of its own (struct vcpu_area, vcpu.h) placed
 * after the image, its stack at the area's end.
 */
#ifndef XSVM_GUEST_SMP_H
#define XSVM_GUEST_SMP_H

/* Low memory the VMM leaves free (vmm/boot_params.h): SIPI vector 0x10. */
#define TRAMP_BASE 0x10000

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

#define LAPIC_BASE 0xfee00000u

/* The ID the running vCPU's local APIC reports. */
uint32_t lapic_id(void);

/*
 * Start the AP with APIC ID apic_id, to run entry(index) on stack_top:
 * INIT, SIPI, and a second SIPI if it has not said *arrived (non-zero)
 * within a while. True when it arrived.
 */
bool smp_start_ap(uint32_t apic_id, unsigned int index, uint64_t stack_top,
		  void (*entry)(uint32_t), volatile uint32_t *arrived);

/* rdtsc */
uint64_t smp_tsc(void);
#endif

#endif

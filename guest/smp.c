// SPDX-License-Identifier: MIT
/*
 * Starting an AP (smp.h): the trampoline copied to TRAMP_BASE once, its
 * words filled for this AP, then the MP specification's INIT-SIPI-SIPI
 * through the ICR. KVM's in-kernel LAPIC needs no delay between them; a
 * second SIPI goes only to an AP that has not arrived, and an AP that
 * never arrives is reported, not waited for.
 */
#include <string.h>

#include "smp.h"

#define LAPIC_ID     0x020
#define LAPIC_SVR    0x0f0
#define SVR_ENABLE   (1u << 8)
#define SVR_SPURIOUS 0xffu
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define ICR_BUSY     (1u << 12)
#define ICR_INIT     0x00004500u /* INIT, level assert, physical */
#define ICR_SIPI     0x00004600u /* start-up, vector in bits 7:0 */

#define EFER_MSR 0xc0000080u
#define EFER_LME (1u << 8)
#define EFER_NXE (1u << 11)

/* TSC ticks to wait for an AP's arrival after a SIPI: seconds on any CPU. */
#define ARRIVAL_TICKS (1ull << 32)
#define FIRST_TICKS   (1ull << 27)

extern const char tramp_start[], tramp_end[];
extern const char tramp_cr3[], tramp_efer[], tramp_stack[], tramp_entry[],
	tramp_index[];

static bool tramp_copied;

static volatile uint32_t *lapic(unsigned int reg)
{
	return (volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg);
}

uint32_t lapic_id(void)
{
	return *lapic(LAPIC_ID) >> 24;
}

uint64_t smp_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static void icr_send(uint32_t apic_id, uint32_t lo)
{
	*lapic(LAPIC_ICR_HI) = apic_id << 24;
	*lapic(LAPIC_ICR_LO) = lo;
	while (*lapic(LAPIC_ICR_LO) & ICR_BUSY)
		__asm__ volatile("pause");
}

static void tramp_put(const char *sym, const void *v, size_t len)
{
	memcpy((char *)(uintptr_t)(TRAMP_BASE + (sym - tramp_start)), v, len);
}

static bool wait_arrival(volatile uint32_t *arrived, uint64_t ticks)
{
	uint64_t t0 = smp_tsc();

	while (!*arrived) {
		if (smp_tsc() - t0 > ticks)
			return false;
		__asm__ volatile("pause");
	}
	return true;
}

bool smp_start_ap(uint32_t apic_id, unsigned int index, uint64_t stack_top,
		  void (*entry)(uint32_t), volatile uint32_t *arrived)
{
	uint64_t cr3, ent = (uint64_t)(uintptr_t)entry;
	uint32_t lo, hi, efer, idx = index;

	if (!tramp_copied) {
		/*
		 * Software-enable the BSP's APIC first, as a kernel does
		 * before its IPIs. Without it, KVM (Linux 6.1, seen in a VM
		 * of two vCPUs) delivered no INIT to the AP: an APIC register
		 * write makes it recompute its map of APIC IDs.
		 */
		*lapic(LAPIC_SVR) = (*lapic(LAPIC_SVR) & ~SVR_SPURIOUS) |
				    SVR_ENABLE | SVR_SPURIOUS;
		memcpy((void *)(uintptr_t)TRAMP_BASE, tramp_start,
		       (size_t)(tramp_end - tramp_start));
		tramp_copied = true;
	}
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(EFER_MSR));
	(void)hi;
	efer = lo & (EFER_LME | EFER_NXE);
	tramp_put(tramp_cr3, &(uint32_t){ (uint32_t)cr3 }, 4);
	tramp_put(tramp_efer, &efer, 4);
	tramp_put(tramp_stack, &stack_top, 8);
	tramp_put(tramp_entry, &ent, 8);
	tramp_put(tramp_index, &idx, 4);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	icr_send(apic_id, ICR_INIT);
	icr_send(apic_id, ICR_SIPI | (TRAMP_BASE >> 12));
	if (wait_arrival(arrived, FIRST_TICKS))
		return true;
	icr_send(apic_id, ICR_INIT);
	icr_send(apic_id, ICR_SIPI | (TRAMP_BASE >> 12));
	return wait_arrival(arrived, ARRIVAL_TICKS);
}

// SPDX-License-Identifier: MIT
/*
 * Starting the APs (smp.h): the trampoline copied to TRAMP_BASE and its
 * words filled once, then the MP specification's INIT and SIPI through the
 * ICR to each AP in turn, without waiting: KVM's in-kernel LAPIC needs no
 * delay between them. The caller waits for all of them at once, and sends
 * a second INIT and SIPI only to an AP that has not arrived.
 */
#include <string.h>

#include "io.h"
#include "smp.h"

#define LAPIC_EOI     0x0b0
#define LAPIC_SVR     0x0f0
#define SVR_ENABLE    (1u << 8)
#define SVR_SPURIOUS  0xffu
#define LAPIC_ICR_LO  0x300
#define LAPIC_ICR_HI  0x310
#define ICR_BUSY      (1u << 12)
#define ICR_INIT      0x00004500u /* INIT, level assert, physical */
#define ICR_SIPI      0x00004600u /* start-up, vector in bits 7:0 */
#define ICR_FIXED     0x00004000u /* fixed, level assert, vector 7:0 */
#define LAPIC_LVT_TMR 0x320
#define LVT_MASKED    (1u << 16)
#define LVT_PERIODIC  (1u << 17)
#define LAPIC_TMR_INIT 0x380
#define LAPIC_TMR_DIV 0x3e0
#define TMR_DIV_1     0xbu
/* KVM's APIC timer counts at 1 GHz; another VMM's may count slower. */
#define TMR_COUNT     SMP_TICK_NS

#define EFER_MSR 0xc0000080u
#define EFER_LME (1u << 8)
#define EFER_NXE (1u << 11)

extern const char tramp_start[], tramp_end[];
extern const char tramp_cr3[], tramp_efer[], tramp_areas[], tramp_entry[],
	tramp_area_size[], tramp_index_of[];

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

/* The running vCPU's APIC, software-enabled. */
static void lapic_enable(void)
{
	*lapic(LAPIC_SVR) = (*lapic(LAPIC_SVR) & ~SVR_SPURIOUS) | SVR_ENABLE |
			    SVR_SPURIOUS;
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

void smp_prepare(const struct smp_boot *b)
{
	uint64_t cr3, ent = (uint64_t)(uintptr_t)b->entry;
	uint32_t lo, hi, efer;

	/*
	 * Software-enable the BSP's APIC first, as a kernel does before its
	 * IPIs, and to take the wake-ups. Without it, KVM (Linux 6.1, seen
	 * in a VM of two vCPUs) delivered no INIT to the AP: an APIC
	 * register write makes it recompute its map of APIC IDs.
	 */
	lapic_enable();
	memcpy((void *)(uintptr_t)TRAMP_BASE, tramp_start,
	       (size_t)(tramp_end - tramp_start));
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(EFER_MSR));
	(void)hi;
	efer = lo & (EFER_LME | EFER_NXE);
	tramp_put(tramp_cr3, &(uint32_t){ (uint32_t)cr3 }, 4);
	tramp_put(tramp_efer, &efer, 4);
	tramp_put(tramp_areas, &b->areas, 8);
	tramp_put(tramp_area_size, &b->area_size, 4);
	tramp_put(tramp_entry, &ent, 8);
	tramp_put(tramp_index_of, b->index_of, sizeof(b->index_of));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void smp_send_start(uint32_t apic_id)
{
	icr_send(apic_id, ICR_INIT);
	icr_send(apic_id, ICR_SIPI | (TRAMP_BASE >> 12));
}

void smp_wake(uint32_t bsp)
{
	lapic_enable();
	icr_send(bsp, ICR_FIXED | SMP_WAKE_VECTOR);
}

void smp_timer_start(void)
{
	*lapic(LAPIC_TMR_DIV) = TMR_DIV_1;
	*lapic(LAPIC_LVT_TMR) = LVT_PERIODIC | SMP_WAKE_VECTOR;
	*lapic(LAPIC_TMR_INIT) = TMR_COUNT;
}

void smp_timer_stop(void)
{
	*lapic(LAPIC_LVT_TMR) = LVT_MASKED | SMP_WAKE_VECTOR;
	*lapic(LAPIC_TMR_INIT) = 0;
}

void smp_idle(void)
{
	/* STI's shadow covers HLT: a wake-up pending already ends it. */
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}


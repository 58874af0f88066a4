// SPDX-License-Identifier: MIT
/*
 * The IDT of the test guest: vectors 0-31 (the CPU's exceptions) go to the
 * stubs of vectors.S and end here. A fault of a guarded instruction (see
 * guard.h) is recorded and the guest goes on after it; anything else ends
 * the run with one console line and the debug exit (no verdict).
 * Interrupts stay off but while the BSP waits for its APs (smp_idle()):
 * then the one vector used is SMP_WAKE_VECTOR, whose stub (vectors.S)
 * ends the interrupt and returns.
 */
#include <stdbool.h>
#include <stdint.h>

#include "guard.h"
#include "guest.h"
#include "smp.h"

#define IDT_VECTORS	   32 /* the exceptions */
#define IDT_GATES	   (SMP_WAKE_VECTOR + 1)
#define IDT_CODE_SELECTOR  0x10 /* the boot protocol's 64-bit CS */
#define IDT_INTERRUPT_GATE 0x8e /* present, DPL 0, 64-bit interrupt gate */

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gates are 16 bytes");

/* What a stub leaves on the stack (see vectors.S). */
struct idt_frame {
	uint64_t vector;
	uint64_t error_code; /* 0 for vectors without one */
	uint64_t rip, cs, rflags, rsp, ss;
};

extern const uint64_t idt_stubs[IDT_VECTORS];
extern const char vector_wake[];

static struct idt_gate idt[IDT_GATES] __attribute__((aligned(16)));

volatile uint64_t guard_resume;
volatile uint32_t guard_vector = GUARD_NO_FAULT;

static const char *const exception_names[IDT_VECTORS] = {
	[0] = "#DE divide error",
	[1] = "#DB debug",
	[2] = "NMI",
	[3] = "#BP breakpoint",
	[4] = "#OF overflow",
	[5] = "#BR bound range",
	[6] = "#UD invalid opcode",
	[7] = "#NM device not available",
	[8] = "#DF double fault",
	[9] = "coprocessor segment overrun",
	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present",
	[12] = "#SS stack fault",
	[13] = "#GP general protection",
	[14] = "#PF page fault",
	[16] = "#MF x87 floating point",
	[17] = "#AC alignment check",
	[18] = "#MC machine check",
	[19] = "#XM SIMD floating point",
	[20] = "#VE virtualization",
	[21] = "#CP control protection",
	[28] = "#HV hypervisor injection",
	[29] = "#VC VMM communication",
	[30] = "#SX security",
};

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = {
		.limit = sizeof(idt) - 1,
		.base = (uint64_t)(uintptr_t)idt,
	};

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

static struct idt_gate gate(uint64_t a)
{
	return (struct idt_gate){
		.offset_lo = (uint16_t)a,
		.selector = IDT_CODE_SELECTOR,
		.type = IDT_INTERRUPT_GATE,
		.offset_mid = (uint16_t)(a >> 16),
		.offset_hi = (uint32_t)(a >> 32),
	};
}

_Static_assert(SMP_WAKE_VECTOR >= IDT_VECTORS,
	       "the wake-up is not an exception");

void idt_init(void)
{
	for (unsigned int v = 0; v < IDT_VECTORS; v++)
		idt[v] = gate(idt_stubs[v]);
	idt[SMP_WAKE_VECTOR] = gate((uint64_t)(uintptr_t)vector_wake);
	idt_load();
}

/* NMI, #DF and #MC are never an instruction's answer to being guarded. */
static bool guardable(uint64_t vector)
{
	return vector != 2 && vector != 8 && vector != 18;
}

/* Called by vectors.S; returns only to resume after a guarded fault. */
void idt_exception(struct idt_frame *f);

void idt_exception(struct idt_frame *f)
{
	const char *name =
		f->vector < IDT_VECTORS ? exception_names[f->vector] : NULL;

	if (guard_resume && guardable(f->vector)) {
		guard_vector = (uint32_t)f->vector;
		f->rip = guard_resume;
		guard_resume = 0;
		return;
	}

	guest_fail("exception %llu (%s) at RIP 0x%llx, error "
		   "code 0x%llx",
		   (unsigned long long)f->vector, name ? name : "reserved",
		   (unsigned long long)f->rip,
		   (unsigned long long)f->error_code);
}

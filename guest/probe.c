// SPDX-License-Identifier: MIT
/*
 * Probe mode of the test guest ("xsvm.probe=1"): measure the KVM the guest
 * runs on and send every measurement to the VMM as a struct probe_record
 * (cpuid/probe.h). Nothing is judged here; the VMM compares.
 *
 * In order: the CPUID instruction for every key of KVM's table, at the
 * entry state; CR4.OSXSAVE and leaf 1 after it; XSETBV to each XCR0 the
 * table allows, growing one component at a time in ascending order, with
 * 0xD.0/0xD.1 after each; IA32_XSS likewise where XSAVES is offered; an
 * XRSTOR of an area that marks every markable component, then XSAVE,
 * XSAVEOPT, XSAVEC and XSAVES into a filled buffer each; CMPXCHG16B.
 * Every instruction that may fault is guarded (guard.h). A write that did
 * not fault counts as done, as it would for a kernel: the state of later
 * records is the one written, and the read-back is a record of its own.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpuid/probe.h"
#include "cpuid/xsave.h"
#include "guard.h"
#include "guest.h"
#include "io.h"
#include "probe.h"
#include "svc.h"

#define CPUID1_ECX_CX16	    (1u << 13)
#define CPUID1_ECX_XSAVE    (1u << 26)
#define CR4_OSXSAVE	    (1ull << 18)
#define MSR_IA32_XSS	    0xda0
#define XSAVE_HDR_XSTATE_BV XSAVE_LEGACY_SIZE

static struct probe_record rec;
static uint8_t mark_area[PROBE_AREA_MAX] __attribute__((aligned(64)));
static uint8_t save_area[PROBE_AREA_MAX] __attribute__((aligned(64)));
static uint64_t cur_xcr0 = XFEATURE_BIT(XFEATURE_FP), cur_xss;
static uint64_t marked;
static unsigned int nr_sent;

static void rec_start(enum probe_rec_kind kind, enum probe_insn insn)
{
	memset(&rec, 0, sizeof(rec));
	rec.kind = kind;
	rec.insn = insn;
	rec.xcr0 = cur_xcr0;
	rec.xss = cur_xss;
}

static void rec_send(void)
{
	outl(PROBE_PORT, (uint32_t)(uintptr_t)&rec);
	nr_sent++;
}

/*
 * How the guarded instruction just run ended (enum probe_fault), and its
 * vector; before = the port's count of host failures before it ran.
 */
static uint32_t guarded_fault(uint32_t before, uint32_t *vector)
{
	uint32_t v = guard_vector;

	*vector = v == GUARD_NO_FAULT ? 0 : v;
	if (v == GUARD_NO_FAULT)
		return PROBE_FAULT_NONE;
	return inl(PROBE_PORT) != before ? PROBE_FAULT_HOST : PROBE_FAULT_CPU;
}

static void rec_fault(uint32_t before)
{
	rec.fault = guarded_fault(before, &rec.vector);
}

static void rec_cpuid(uint32_t leaf, uint32_t subleaf)
{
	rec_start(PROBE_REC_CPUID, PROBE_INSN_NONE);
	rec.leaf = leaf;
	rec.subleaf = subleaf;
	cpuid_insn(leaf, subleaf, rec.regs);
	rec_send();
}

/* Every key of KVM's table, through the CPUID instruction. */
static void probe_leaves(void)
{
	struct svc_regs regs = { 0 };
	struct cpuid_svc_answer a;
	struct svc_walk w;

	svc_state(&regs, CPUID_SVC_TABLE_KVM, cur_xcr0, cur_xss);
	svc_walk_start(&w, CPUID_SVC_TABLE_KVM);
	while (svc_walk_next(&w, &a))
		rec_cpuid(a.leaf, a.subleaf);
}

static uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* XGETBV(0) into regs[0..1]; regs[2] how it ended, regs[3] its vector. */
static void xgetbv0(uint32_t *regs)
{
	uint32_t before = inl(PROBE_PORT), lo = 0, hi = 0;

	guard_arm();
	__asm__ volatile(GUARD_BEGIN "xgetbv" GUARD_END
			 : "+a"(lo), "+d"(hi)
			 : "c"(0)
			 : "r11", "memory");
	regs[0] = lo;
	regs[1] = hi;
	regs[2] = guarded_fault(before, &regs[3]);
}

static void probe_osxsave(void)
{
	rec_start(PROBE_REC_CR4, PROBE_INSN_NONE);
	write_cr4(read_cr4() | CR4_OSXSAVE);
	cpuid_insn(1, 0, rec.regs);
	rec.leaf = 1;
	rec_send();
}

static void probe_state_leaves(void)
{
	rec_cpuid(XSAVE_LEAF, 0);
	rec_cpuid(XSAVE_LEAF, 1);
}

static void try_xsetbv(uint64_t xcr0)
{
	uint32_t before = inl(PROBE_PORT);

	rec_start(PROBE_REC_XSETBV, PROBE_INSN_NONE);
	rec.rfbm = xcr0;
	guard_arm();
	__asm__ volatile(GUARD_BEGIN "xsetbv" GUARD_END
			 :
			 : "c"(0), "a"((uint32_t)xcr0),
			   "d"((uint32_t)(xcr0 >> 32))
			 : "r11", "memory");
	rec_fault(before);
	xgetbv0(rec.regs);
	rec_send();
	/* a kernel takes an XSETBV that did not fault as done */
	if (rec.fault == PROBE_FAULT_NONE) {
		cur_xcr0 = xcr0;
		probe_state_leaves();
	}
}

/* Each valid XCR0, one more supported component at a time. */
static void probe_xcr0(void)
{
	uint32_t r[4];
	uint64_t sup, m = 0;

	cpuid_insn(XSAVE_LEAF, 0, r);
	sup = r[0] | (uint64_t)r[3] << 32;
	probe_state_leaves();
	for (unsigned int i = 0; i < 64; i++) {
		if (!(sup & XFEATURE_BIT(i)))
			continue;
		m |= XFEATURE_BIT(i);
		if (m != XFEATURE_BIT(XFEATURE_FP) && !xsave_xcr0_invalid(m))
			try_xsetbv(m);
	}
}

static void try_wrxss(uint64_t xss)
{
	uint32_t before = inl(PROBE_PORT), lo = 0, hi = 0;

	rec_start(PROBE_REC_WRXSS, PROBE_INSN_NONE);
	rec.rfbm = xss;
	guard_arm();
	__asm__ volatile(GUARD_BEGIN "wrmsr" GUARD_END
			 :
			 : "c"(MSR_IA32_XSS), "a"((uint32_t)xss),
			   "d"((uint32_t)(xss >> 32))
			 : "r11", "memory");
	rec_fault(before);
	if (rec.fault == PROBE_FAULT_NONE) {
		guard_arm();
		__asm__ volatile(GUARD_BEGIN "rdmsr" GUARD_END
				 : "+a"(lo), "+d"(hi)
				 : "c"(MSR_IA32_XSS)
				 : "r11", "memory");
		rec.regs[0] = lo;
		rec.regs[1] = hi;
	}
	rec_send();
	if (rec.fault == PROBE_FAULT_NONE) {
		cur_xss = xss;
		rec_cpuid(XSAVE_LEAF, 1);
	}
}

static void probe_xss(void)
{
	uint32_t r[4];
	uint64_t sup, m = 0;

	cpuid_insn(XSAVE_LEAF, 1, r);
	if (!(r[0] & XSAVE_1_EAX_XSAVES))
		return;
	sup = r[2] | (uint64_t)r[3] << 32;
	try_wrxss(0);
	for (unsigned int i = 0; i < 64; i++) {
		if (!(sup & XFEATURE_BIT(i)))
			continue;
		m |= XFEATURE_BIT(i);
		try_wrxss(m);
	}
}

static void put32(uint8_t *p, uint32_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/* A standard-format area marking each markable component of cur_xcr0. */
static void build_marks(void)
{
	uint64_t m = cur_xcr0 & PROBE_MARKABLE;
	uint32_t r[4], off;

	memset(mark_area, 0, sizeof(mark_area));
	put32(mark_area, 0, 0x0037f); /* FCW; FSW 0 */
	mark_area[4] = 0x01;	      /* abridged FTW: ST0 valid */
	put32(mark_area, PROBE_MXCSR_OFFSET, PROBE_MXCSR_DEFAULT);
	marked = 0;
	for (unsigned int i = 0; i < XFEATURE_KNOWN_NR; i++) {
		if (!(m & XFEATURE_BIT(i)))
			continue;
		if (i == XFEATURE_FP) {
			off = PROBE_X87_MARK_OFFSET;
		} else if (i == XFEATURE_SSE) {
			off = PROBE_SSE_MARK_OFFSET;
		} else {
			cpuid_insn(XSAVE_LEAF, i, r);
			off = r[1];
			if (r[0] < 4 || off < XSAVE_EXT_START ||
			    off > PROBE_AREA_MAX - r[0])
				continue;
		}
		put32(mark_area, off, probe_marker(i));
		marked |= XFEATURE_BIT(i);
	}
	memcpy(mark_area + XSAVE_HDR_XSTATE_BV, &marked, sizeof(marked));
}

static bool restore_marks(bool send)
{
	uint32_t before = inl(PROBE_PORT);

	rec_start(PROBE_REC_RESTORE, PROBE_INSN_XRSTOR);
	rec.rfbm = cur_xcr0;
	rec.marked = marked;
	guard_arm();
	__asm__ volatile(GUARD_BEGIN "xrstor64 (%0)" GUARD_END
			 :
			 : "r"(mark_area), "a"((uint32_t)cur_xcr0),
			   "d"((uint32_t)(cur_xcr0 >> 32))
			 : "r11", "memory");
	rec_fault(before);
	if (send)
		rec_send();
	return rec.fault == PROBE_FAULT_NONE;
}

static void run_save(enum probe_insn insn)
{
	const uint32_t lo = 0xffffffffu, hi = 0xffffffffu;

	switch (insn) {
	case PROBE_INSN_XSAVE:
		__asm__ volatile(GUARD_BEGIN "xsave64 (%0)" GUARD_END
				 :
				 : "r"(save_area), "a"(lo), "d"(hi)
				 : "r11", "memory");
		break;
	case PROBE_INSN_XSAVEOPT:
		__asm__ volatile(GUARD_BEGIN "xsaveopt64 (%0)" GUARD_END
				 :
				 : "r"(save_area), "a"(lo), "d"(hi)
				 : "r11", "memory");
		break;
	case PROBE_INSN_XSAVEC:
		__asm__ volatile(GUARD_BEGIN "xsavec64 (%0)" GUARD_END
				 :
				 : "r"(save_area), "a"(lo), "d"(hi)
				 : "r11", "memory");
		break;
	default:
		__asm__ volatile(GUARD_BEGIN "xsaves64 (%0)" GUARD_END
				 :
				 : "r"(save_area), "a"(lo), "d"(hi)
				 : "r11", "memory");
		break;
	}
}

/* One save instruction, offered or not, into a freshly filled buffer. */
static void probe_save(enum probe_insn insn, bool offered, bool restored)
{
	uint32_t before;

	if (restored)
		restored = restore_marks(false);
	rec_start(PROBE_REC_SAVE, insn);
	rec.rfbm = ~0ull;
	rec.marked = restored ? marked : 0;
	if (!offered) {
		rec.fault = PROBE_FAULT_SKIPPED;
		rec_send();
		return;
	}
	memset(save_area, PROBE_FILL_BYTE, sizeof(save_area));
	memset(save_area + XSAVE_LEGACY_SIZE, 0, XSAVE_HDR_SIZE);
	before = inl(PROBE_PORT);
	guard_arm();
	run_save(insn);
	rec_fault(before);
	rec.area_gpa = (uint64_t)(uintptr_t)save_area;
	rec.area_len = sizeof(save_area);
	rec_send();
}

static void probe_saves(uint32_t ecx1)
{
	uint32_t r[4];
	bool restored;

	if (!(ecx1 & CPUID1_ECX_XSAVE))
		return;
	cpuid_insn(XSAVE_LEAF, 1, r);
	build_marks();
	restored = restore_marks(true);
	probe_save(PROBE_INSN_XSAVE, true, restored);
	probe_save(PROBE_INSN_XSAVEOPT, r[0] & XSAVE_1_EAX_XSAVEOPT, restored);
	probe_save(PROBE_INSN_XSAVEC, r[0] & XSAVE_1_EAX_XSAVEC, restored);
	probe_save(PROBE_INSN_XSAVES, r[0] & XSAVE_1_EAX_XSAVES, restored);
}

static void probe_cx16(uint32_t ecx1)
{
	static uint64_t pair[2] __attribute__((aligned(16)));
	uint32_t before = inl(PROBE_PORT);
	uint64_t a = 0, d = 0;

	rec_start(PROBE_REC_EXEC, PROBE_INSN_CMPXCHG16B);
	if (!(ecx1 & CPUID1_ECX_CX16)) {
		rec.fault = PROBE_FAULT_SKIPPED;
		rec_send();
		return;
	}
	guard_arm();
	__asm__ volatile(GUARD_BEGIN "lock cmpxchg16b (%2)" GUARD_END
			 : "+a"(a), "+d"(d)
			 : "r"(pair), "b"(1ull), "c"(2ull)
			 : "r11", "memory", "cc");
	rec_fault(before);
	rec.regs[0] = (uint32_t)pair[0];
	rec.regs[1] = (uint32_t)pair[1];
	rec_send();
}

void probe_main(void)
{
	uint32_t r[4];

	console_putline("xsvm-guest: probe mode: measuring this host's KVM");
	probe_leaves();
	cpuid_insn(1, 0, r);
	if (r[2] & CPUID1_ECX_XSAVE) {
		probe_osxsave();
		probe_xcr0();
		probe_xss();
		probe_saves(r[2]);
	}
	probe_cx16(r[2]);
	rec_start(PROBE_REC_DONE, PROBE_INSN_NONE);
	rec_send();
	console_printf("xsvm-guest: probe: %u records sent, %u host failures",
		       nr_sent, inl(PROBE_PORT));
	guest_exit(GUEST_EXIT_PASSED);
}

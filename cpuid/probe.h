/* SPDX-License-Identifier: MIT */
/*
 * The KVM fidelity probe: what the test guest measures about the KVM it runs
 * on, how it tells the VMM, and the pure comparison of the measurements with
 * the model of cpuid/xsave.h.
 *
 * The test guest, started with "xsvm.probe=1", measures; it never judges.
 * It writes one struct probe_record at a time to guest memory and the
 * record's guest-physical address to PROBE_PORT (one 32-bit OUT). The VMM
 * copies the record, and for a PROBE_REC_SAVE the area the instruction
 * wrote, before the OUT completes. A 32-bit IN from PROBE_PORT answers how
 * many instructions the host's KVM failed to emulate so far: the VMM turns
 * each such failure into a #UD for the guest, so that the guest can tell
 * "the CPU refused" from "the host could not run it".
 *
 * probe_analyse() then compares every record with the model computed from
 * the table KVM reported back (KVM_GET_CPUID2): one property per line, each
 * with an expected and a measured value.
 */
#ifndef XSVM_CPUID_PROBE_H
#define XSVM_CPUID_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "table.h"
#include "xsave.h"

#define PROBE_PORT 0x5c0
/* The guest's save buffers: everything an instruction can write is here. */
#define PROBE_AREA_MAX 0x4000u

enum probe_rec_kind {
	PROBE_REC_CPUID = 1, /* leaf.subleaf answered at xcr0/xss: regs */
	PROBE_REC_CR4,	     /* CR4.OSXSAVE set; regs = CPUID 1 after it */
	PROBE_REC_XSETBV,    /* XCR0 := rfbm; regs[0..1] = XGETBV(0) after,
			      * regs[2] how XGETBV ended, regs[3] its vector */
	PROBE_REC_WRXSS,     /* IA32_XSS := rfbm; regs[0..1] = RDMSR after */
	PROBE_REC_RESTORE,   /* XRSTOR of the marked standard-format area */
	PROBE_REC_SAVE,	     /* insn wrote the area at area_gpa */
	PROBE_REC_EXEC,	     /* insn ran (CMPXCHG16B) */
	PROBE_REC_DONE,
	PROBE_REC_NR,
};

enum probe_insn {
	PROBE_INSN_NONE,
	PROBE_INSN_XSAVE,
	PROBE_INSN_XSAVEOPT,
	PROBE_INSN_XSAVEC,
	PROBE_INSN_XSAVES,
	PROBE_INSN_XRSTOR,
	PROBE_INSN_CMPXCHG16B,
	PROBE_INSN_XSETBV,
	PROBE_INSN_XGETBV,
	PROBE_INSN_NR,
};

/* How the instruction of a record ended. */
enum probe_fault {
	PROBE_FAULT_NONE, /* it ran */
	PROBE_FAULT_CPU,  /* an exception from the CPU: vector says which */
	PROBE_FAULT_HOST, /* KVM could not emulate it (KVM_EXIT_INTERNAL_ERROR)
			   */
	PROBE_FAULT_SKIPPED, /* not offered by CPUID: not executed */
};

struct probe_record {
	uint32_t kind;	/* enum probe_rec_kind */
	uint32_t insn;	/* enum probe_insn */
	uint32_t fault; /* enum probe_fault */
	uint32_t vector;
	uint32_t leaf, subleaf;
	uint64_t xcr0, xss; /* the state the record was measured in */
	uint64_t rfbm;	    /* PROBE_REC_SAVE/RESTORE: EDX:EAX */
	uint64_t marked;    /* components the restored area marks */
	uint32_t regs[4];
	uint32_t area_len;
	uint32_t reserved;
	uint64_t area_gpa;
};

_Static_assert(sizeof(struct probe_record) == 88, "probe record layout");

/*
 * Markers: the restored area holds, at the start of each marked component
 * (for x87 at ST0, offset 32; for SSE at XMM0, offset 160), the dword
 * probe_marker(i), so that a save shows where the CPU put component i.
 * The low two bits are clear: as PKRU, the marker leaves key 0 usable.
 */
static inline uint32_t probe_marker(unsigned int i)
{
	return 0x6d580058u | ((uint32_t)i << 8);
}

/* Components a marker can safely make non-init (no reserved bits). */
#define PROBE_MARKABLE                                                         \
	(XFEATURE_BIT(XFEATURE_FP) | XFEATURE_BIT(XFEATURE_SSE) |              \
	 XFEATURE_BIT(XFEATURE_YMM) | XFEATURE_MASK_AVX512 |                   \
	 XFEATURE_BIT(XFEATURE_PKRU))
/* Where the marker of component 0 and 1 sits in the legacy area. */
#define PROBE_X87_MARK_OFFSET 32
#define PROBE_SSE_MARK_OFFSET 160
#define PROBE_MXCSR_OFFSET    24
#define PROBE_MXCSR_DEFAULT   0x1f80
/*
 * What the guest fills a save area with before the save; the 64-byte
 * header is zeroed, so that XSTATE_BV bits a save leaves alone read 0.
 */
#define PROBE_FILL_BYTE 0xee

const char *probe_insn_name(enum probe_insn i);

/* ---- the analysis ---- */

#define PROBE_MAX_RECORDS 512
#define PROBE_MAX_SAVES	  4
#define PROBE_MAX_PROPS	  160
#define PROBE_TEXT_LEN	  96

/* One saved area, as the VMM copied it. */
struct probe_save {
	uint32_t record; /* index of its PROBE_REC_SAVE */
	uint32_t len;
	uint8_t data[PROBE_AREA_MAX];
};

/* Everything one probe run produced. */
struct probe_data {
	unsigned int nr_records;
	struct probe_record rec[PROBE_MAX_RECORDS];
	unsigned int nr_saves;
	struct probe_save save[PROBE_MAX_SAVES];
	unsigned int host_failures; /* emulation failures turned into #UD */
	unsigned int bad_writes;    /* records the VMM refused */
	bool done;		    /* PROBE_REC_DONE arrived */
};

enum probe_status {
	PROBE_FAITHFUL,
	PROBE_UNFAITHFUL,
	PROBE_INFO, /* measured, nothing to compare (not offered, ...) */
};

/* What a host defect does, for whoever must explain a guest's warning. */
enum probe_defect {
	PROBE_DEFECT_CPUID,	 /* a leaf differs from KVM's table */
	PROBE_DEFECT_SET_CPUID,	 /* KVM replaced what was installed */
	PROBE_DEFECT_EBX0_STALE, /* 0xD.0 EBX not updated after XSETBV */
	PROBE_DEFECT_EBX0_WRONG, /* updated, to a wrong value */
	PROBE_DEFECT_EBX1_STALE, /* 0xD.1 EBX not updated (XSETBV/XSS) */
	PROBE_DEFECT_EBX1_WRONG,
	PROBE_DEFECT_EBX1_STANDARD, /* 0xD.1 EBX is the standard-format size */
	PROBE_DEFECT_XSETBV,  /* a valid XCR0 refused */
	PROBE_DEFECT_XCR0_IGNORED, /* XSETBV ran, XGETBV shows the old XCR0 */
	PROBE_DEFECT_XSS,     /* a valid IA32_XSS refused */
	PROBE_DEFECT_OSXSAVE, /* CPUID.1 OSXSAVE does not follow CR4 */
	PROBE_DEFECT_LAYOUT,  /* a save wrote where the model says not */
	PROBE_DEFECT_INSN,    /* an offered instruction cannot run */
	PROBE_DEFECT_NR,
};

const char *probe_defect_name(enum probe_defect d);

struct probe_prop {
	char name[40];	  /* "ebx0_after_xsetbv", ... */
	char subject[40]; /* "xcr0=0x207", "xsavec component 2" */
	char expected[PROBE_TEXT_LEN];
	char measured[PROBE_TEXT_LEN];
	enum probe_status status;
	enum probe_defect defect; /* when UNFAITHFUL */
};

struct probe_result {
	unsigned int nr_props;
	bool props_cut; /* more than PROBE_MAX_PROPS */
	struct probe_prop prop[PROBE_MAX_PROPS];
	struct probe_prop spare; /* written instead once the list is full */
	unsigned int nr_faithful, nr_unfaithful;
	uint32_t defects; /* bit d: some property shows defect d */
	/* For PROBE_DEFECT_EBX0_STALE/EBX1_STALE: the value EBX keeps. */
	uint32_t stale_ebx0, stale_ebx1;
	bool complete; /* the guest reached PROBE_REC_DONE */
	/* Instructions the host ran: bit = enum probe_insn. */
	uint32_t insn_ran, insn_failed, insn_offered;
};

/*
 * What a probe found, in short: what verdicts need, and what is kept per
 * host (vmm/probe_cache.h).
 */
struct probe_findings {
	uint32_t defects; /* bit d: enum probe_defect d */
	uint32_t stale_ebx0, stale_ebx1;
	unsigned int nr_faithful, nr_unfaithful;
};

void probe_findings_of(const struct probe_result *r,
		       struct probe_findings *f);

/*
 * Compare d with the model of seen (the table KVM_GET_CPUID2 returned,
 * which is what the guest's CPUID shows on a faithful host); installed is
 * what was given to KVM_SET_CPUID2.
 */
void probe_analyse(const struct cpuid_table *installed,
		   const struct cpuid_table *seen, const struct probe_data *d,
		   struct probe_result *r);

#endif

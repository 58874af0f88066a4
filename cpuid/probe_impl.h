/* SPDX-License-Identifier: MIT */
/*
 * What the files of the probe's analysis share (not an interface for
 * callers: they use probe.h). probe.c fills and judges the properties,
 * compares the CPUID records with KVM's table and the model, and runs the
 * analysis; probe_insn.c judges what the instructions did.
 */
#ifndef XSVM_CPUID_PROBE_IMPL_H
#define XSVM_CPUID_PROBE_IMPL_H

#include <stddef.h>

#include "diff.h"
#include "probe.h"

struct analysis {
	const struct cpuid_table *installed, *seen;
	const struct probe_data *d;
	struct probe_result *r;
	struct cpuid_diff diff;
	struct xsave_layout layout;
	bool have_base; /* the first 0xD.0/0xD.1, at XCR0 = x87 */
	bool xcr0_lost;	/* an XSETBV ran and XGETBV read another XCR0 */
	uint64_t real_xcr0; /* what XGETBV read then */
	uint32_t base_ebx0, base_ebx1;
	unsigned int leaves, leaves_same;
};

/* The property being filled; a dummy once the list is full. */
struct probe_prop *probe_prop_new(struct probe_result *r, const char *name,
				  const char *subject_fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Judge p: faithful when expected and measured agree. */
void probe_prop_judge(struct probe_result *r, struct probe_prop *p, bool ok,
		      enum probe_defect defect);
/* Judge p on two numbers, written in hex. */
void probe_judge_hex(struct probe_result *r, struct probe_prop *p,
		     uint64_t want, uint64_t got, enum probe_defect defect);
/* "ran", "exception 6", ...: how rec's instruction ended. */
const char *probe_fault_text(const struct probe_record *rec, char *buf,
			     size_t len);

/* probe_insn.c: the records of the instructions, one each. */
void probe_xsetbv_record(struct analysis *a, const struct probe_record *rec);
void probe_wrxss_record(struct analysis *a, const struct probe_record *rec);
/* false when it did not run (and the failure is recorded) */
bool probe_insn_ran(struct analysis *a, const struct probe_record *rec);
void probe_save_record(struct analysis *a, const struct probe_record *rec,
		       unsigned int idx);
void probe_exec_record(struct analysis *a, const struct probe_record *rec);

#endif

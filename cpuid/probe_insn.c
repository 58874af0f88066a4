// SPDX-License-Identifier: MIT
/*
 * The probe's instructions against the model (see probe.c): XSETBV and
 * its read-back, the IA32_XSS write, which instructions the host could
 * run, and where the saves wrote each component.
 */
#include <stdio.h>
#include <string.h>

#include "probe_impl.h"

#define XCOMP_BV_COMPACTED (1ull << 63)
#define HDR_XSTATE_BV	   XSAVE_LEGACY_SIZE
#define HDR_XCOMP_BV	   (XSAVE_LEGACY_SIZE + 8)

/* An instruction that could not run: counted, and a property of its own. */
static void insn_failed(struct analysis *a, enum probe_insn insn,
			const struct probe_record *how)
{
	struct probe_result *r = a->r;
	struct probe_prop *p;
	char buf[24];

	r->insn_offered |= 1u << insn;
	if (r->insn_failed & (1u << insn))
		return;
	r->insn_failed |= 1u << insn;
	p = probe_prop_new(r, "insn_runs", "%s", probe_insn_name(insn));
	/* the CPU refusing an XCR0 that XSETBV did not really set is that
	 * defect's consequence, not one of its own */
	if (a->xcr0_lost && how->fault == PROBE_FAULT_CPU &&
	    insn != PROBE_INSN_CMPXCHG16B) {
		snprintf(p->expected, sizeof(p->expected), "runs at XCR0 0x%llx",
			 (unsigned long long)how->xcr0);
		snprintf(p->measured, sizeof(p->measured),
			 "exception %u at XCR0 0x%llx", how->vector,
			 (unsigned long long)a->real_xcr0);
		return;
	}
	snprintf(p->expected, sizeof(p->expected), "runs (offered by CPUID)");
	snprintf(p->measured, sizeof(p->measured), "%s",
		 probe_fault_text(how, buf, sizeof(buf)));
	probe_prop_judge(r, p, false, PROBE_DEFECT_INSN);
}

static void insn_good(struct analysis *a, enum probe_insn insn)
{
	a->r->insn_offered |= 1u << insn;
	a->r->insn_ran |= 1u << insn;
}

/* XSETBV and its XGETBV read-back. */
void probe_xsetbv_record(struct analysis *a, const struct probe_record *rec)
{
	struct probe_record rd = {.fault = rec->regs[2],
				  .vector = rec->regs[3]};
	uint64_t back = rec->regs[0] | (uint64_t)rec->regs[1] << 32;
	struct probe_prop *p;
	char buf[24];

	p = probe_prop_new(a->r, "xsetbv", "0x%llx",
			   (unsigned long long)rec->rfbm);
	snprintf(p->expected, sizeof(p->expected), "accepted");
	snprintf(p->measured, sizeof(p->measured), "%s",
		 rec->fault == PROBE_FAULT_NONE
			 ? "accepted"
			 : probe_fault_text(rec, buf, sizeof(buf)));
	probe_prop_judge(a->r, p, rec->fault == PROBE_FAULT_NONE,
			 PROBE_DEFECT_XSETBV);
	if (rec->fault == PROBE_FAULT_HOST)
		insn_failed(a, PROBE_INSN_XSETBV, rec);
	else if (rec->fault == PROBE_FAULT_NONE)
		insn_good(a, PROBE_INSN_XSETBV);
	if (rec->fault != PROBE_FAULT_NONE)
		return;
	if (rd.fault != PROBE_FAULT_NONE) {
		insn_failed(a, PROBE_INSN_XGETBV, &rd);
		return;
	}
	insn_good(a, PROBE_INSN_XGETBV);
	if (back != rec->rfbm) {
		a->xcr0_lost = true;
		a->real_xcr0 = back;
	}
	p = probe_prop_new(a->r, "xgetbv_reads_back", "0x%llx",
			   (unsigned long long)rec->rfbm);
	probe_judge_hex(a->r, p, rec->rfbm, back, PROBE_DEFECT_XCR0_IGNORED);
}

void probe_wrxss_record(struct analysis *a, const struct probe_record *rec)
{
	struct probe_prop *p = probe_prop_new(a->r, "wrmsr_xss", "0x%llx",
					      (unsigned long long)rec->rfbm);
	uint64_t back = rec->regs[0] | (uint64_t)rec->regs[1] << 32;
	char buf[24];

	if (rec->fault != PROBE_FAULT_NONE) {
		snprintf(p->expected, sizeof(p->expected), "accepted");
		snprintf(p->measured, sizeof(p->measured), "%s",
			 probe_fault_text(rec, buf, sizeof(buf)));
		probe_prop_judge(a->r, p, false, PROBE_DEFECT_XSS);
		return;
	}
	probe_judge_hex(a->r, p, rec->rfbm, back, PROBE_DEFECT_XSS);
}

/* ---- what the instructions ran and wrote ---- */

bool probe_insn_ran(struct analysis *a, const struct probe_record *rec)
{
	if (rec->fault == PROBE_FAULT_SKIPPED)
		return false;
	if (rec->fault == PROBE_FAULT_NONE) {
		insn_good(a, rec->insn);
		return true;
	}
	insn_failed(a, rec->insn, rec);
	return false;
}

static const struct probe_save *save_of(const struct probe_data *d,
					unsigned int record)
{
	for (unsigned int i = 0; i < d->nr_saves && i < PROBE_MAX_SAVES; i++)
		if (d->save[i].record == record &&
		    d->save[i].len <= PROBE_AREA_MAX)
			return &d->save[i];
	return NULL;
}

static uint64_t get64(const struct probe_save *s, uint32_t off)
{
	uint64_t v = 0;

	if (off + sizeof(v) <= s->len)
		memcpy(&v, s->data + off, sizeof(v));
	return v;
}

/* Where the marker of component i is in s, or -1. */
static long find_marker(const struct probe_save *s, unsigned int i)
{
	uint32_t want = probe_marker(i), v;

	for (uint32_t off = 0; off + sizeof(v) <= s->len; off += sizeof(v)) {
		memcpy(&v, s->data + off, sizeof(v));
		if (v == want)
			return off;
	}
	return -1;
}

/* Where the model puts component i's marker in the given format. */
static uint32_t model_offset(const struct xsave_layout *l, unsigned int i,
			     bool compacted)
{
	if (i == XFEATURE_FP)
		return PROBE_X87_MARK_OFFSET;
	if (i == XFEATURE_SSE)
		return PROBE_SSE_MARK_OFFSET;
	for (unsigned int k = 0; k < l->nr; k++)
		if (l->slot[k].comp.index == i)
			return compacted ? l->slot[k].compacted_offset
					 : l->slot[k].standard_offset;
	return 0;
}

void probe_save_record(struct analysis *a, const struct probe_record *rec,
		       unsigned int idx)
{
	struct xsave_layout *l = &a->layout;
	const struct probe_save *s = save_of(a->d, idx);
	const char *in = probe_insn_name(rec->insn);
	bool compacted = rec->insn == PROBE_INSN_XSAVEC ||
			 rec->insn == PROBE_INSN_XSAVES;
	uint64_t rfbm = rec->rfbm & rec->xcr0;
	uint64_t bv, want;
	struct probe_prop *p;

	if (rec->insn == PROBE_INSN_XSAVES)
		rfbm = rec->rfbm & (rec->xcr0 | rec->xss);
	if (!probe_insn_ran(a, rec) || !s)
		return;
	bv = get64(s, HDR_XSTATE_BV);
	p = probe_prop_new(a->r, "save_xstate_bv", "%s", in);
	snprintf(p->expected, sizeof(p->expected),
		 "has 0x%llx, within 0x%llx",
		 (unsigned long long)rec->marked, (unsigned long long)rfbm);
	snprintf(p->measured, sizeof(p->measured), "0x%llx",
		 (unsigned long long)bv);
	probe_prop_judge(a->r, p,
			 (bv & rec->marked) == rec->marked && !(bv & ~rfbm),
			 PROBE_DEFECT_LAYOUT);
	if (compacted) {
		want = XCOMP_BV_COMPACTED | rfbm;
		p = probe_prop_new(a->r, "save_xcomp_bv", "%s", in);
		probe_judge_hex(a->r, p, want, get64(s, HDR_XCOMP_BV),
				PROBE_DEFECT_LAYOUT);
	}
	xsave_layout_compute(a->seen, rfbm, l);
	for (unsigned int i = 0; i < XFEATURE_KNOWN_NR; i++) {
		long at;

		if (!(rec->marked & XFEATURE_BIT(i)))
			continue;
		at = find_marker(s, i);
		p = probe_prop_new(a->r, "save_offset", "%s component %u", in,
				   i);
		snprintf(p->expected, sizeof(p->expected), "%u",
			 model_offset(l, i, compacted));
		if (at < 0)
			snprintf(p->measured, sizeof(p->measured),
				 "not written");
		else
			snprintf(p->measured, sizeof(p->measured), "%ld", at);
		probe_prop_judge(a->r, p,
				 at == (long)model_offset(l, i, compacted),
				 PROBE_DEFECT_LAYOUT);
	}
}

void probe_exec_record(struct analysis *a, const struct probe_record *rec)
{
	struct probe_prop *p;

	if (!probe_insn_ran(a, rec))
		return;
	p = probe_prop_new(a->r, "insn_runs", "%s", probe_insn_name(rec->insn));
	snprintf(p->expected, sizeof(p->expected), "stores 1, 2");
	snprintf(p->measured, sizeof(p->measured), "stores %u, %u",
		 rec->regs[0], rec->regs[1]);
	probe_prop_judge(a->r, p, rec->regs[0] == 1 && rec->regs[1] == 2,
			 PROBE_DEFECT_INSN);
}

// SPDX-License-Identifier: MIT
/*
 * The probe's measurements against the model: each record of struct
 * probe_data becomes one or more properties with the value the model of
 * the table KVM reported back predicts and the value the guest measured.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diff.h"
#include "probe_impl.h"

#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_EDX_APIC	   (1u << 9)
#define CPUID7_ECX_OSPKE   (1u << 4)

static const char *const insn_names[PROBE_INSN_NR] = {
	[PROBE_INSN_NONE] = "none",
	[PROBE_INSN_XSAVE] = "xsave",
	[PROBE_INSN_XSAVEOPT] = "xsaveopt",
	[PROBE_INSN_XSAVEC] = "xsavec",
	[PROBE_INSN_XSAVES] = "xsaves",
	[PROBE_INSN_XRSTOR] = "xrstor",
	[PROBE_INSN_CMPXCHG16B] = "cmpxchg16b",
	[PROBE_INSN_XSETBV] = "xsetbv",
	[PROBE_INSN_XGETBV] = "xgetbv",
};

const char *probe_insn_name(enum probe_insn i)
{
	return i < PROBE_INSN_NR ? insn_names[i] : "?";
}

static const char *const defect_names[PROBE_DEFECT_NR] = {
	[PROBE_DEFECT_CPUID] = "cpuid_differs_from_kvm_table",
	[PROBE_DEFECT_SET_CPUID] = "kvm_replaced_installed_table",
	[PROBE_DEFECT_EBX0_STALE] = "ebx0_not_updated_after_xsetbv",
	[PROBE_DEFECT_EBX0_WRONG] = "ebx0_wrong_after_xsetbv",
	[PROBE_DEFECT_EBX1_STALE] = "ebx1_not_updated",
	[PROBE_DEFECT_EBX1_WRONG] = "ebx1_wrong",
	[PROBE_DEFECT_EBX1_STANDARD] = "ebx1_is_standard_size",
	[PROBE_DEFECT_XSETBV] = "xsetbv_refused",
	[PROBE_DEFECT_XCR0_IGNORED] = "xsetbv_has_no_effect",
	[PROBE_DEFECT_XSS] = "xss_refused",
	[PROBE_DEFECT_OSXSAVE] = "osxsave_does_not_follow_cr4",
	[PROBE_DEFECT_LAYOUT] = "save_layout_differs",
	[PROBE_DEFECT_INSN] = "instruction_cannot_run",
};

const char *probe_defect_name(enum probe_defect d)
{
	return d < PROBE_DEFECT_NR ? defect_names[d] : "?";
}

/* The property being filled; a dummy once the list is full. */
struct probe_prop *probe_prop_new(struct probe_result *r, const char *name,
				  const char *subject_fmt, ...)
{
	struct probe_prop *p;
	va_list ap;

	if (r->nr_props >= PROBE_MAX_PROPS) {
		r->props_cut = true;
		p = &r->spare;
	} else {
		p = &r->prop[r->nr_props++];
	}
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	va_start(ap, subject_fmt);
	vsnprintf(p->subject, sizeof(p->subject), subject_fmt, ap);
	va_end(ap);
	p->status = PROBE_INFO;
	return p;
}

/* Judge p: faithful when expected and measured agree. */
void probe_prop_judge(struct probe_result *r, struct probe_prop *p, bool ok,
		      enum probe_defect defect)
{
	p->status = ok ? PROBE_FAITHFUL : PROBE_UNFAITHFUL;
	p->defect = defect;
	if (ok) {
		r->nr_faithful++;
	} else {
		r->nr_unfaithful++;
		r->defects |= 1u << defect;
	}
}

static void judge_u32(struct probe_result *r, struct probe_prop *p,
		      uint32_t want, uint32_t got, enum probe_defect defect)
{
	snprintf(p->expected, sizeof(p->expected), "%u", want);
	snprintf(p->measured, sizeof(p->measured), "%u", got);
	probe_prop_judge(r, p, want == got, defect);
}

void probe_judge_hex(struct probe_result *r, struct probe_prop *p,
		     uint64_t want, uint64_t got, enum probe_defect defect)
{
	snprintf(p->expected, sizeof(p->expected), "0x%llx",
		 (unsigned long long)want);
	snprintf(p->measured, sizeof(p->measured), "0x%llx",
		 (unsigned long long)got);
	probe_prop_judge(r, p, want == got, defect);
}

const char *probe_fault_text(const struct probe_record *rec, char *buf,
			     size_t len)
{
	switch (rec->fault) {
	case PROBE_FAULT_NONE:
		return "ran";
	case PROBE_FAULT_HOST:
		return "KVM could not emulate it";
	case PROBE_FAULT_SKIPPED:
		return "not offered by CPUID";
	default:
		snprintf(buf, len, "exception %u", rec->vector);
		return buf;
	}
}

/* ---- the CPUID instruction against KVM's table ---- */

static void leaf_record(struct analysis *a, const struct probe_record *rec)
{
	const struct cpuid_entry *e =
		cpuid_table_find(a->seen, rec->leaf, rec->subleaf);
	const uint32_t *want = e ? &e->eax : NULL;
	bool same = true;

	a->leaves++;
	for (unsigned int i = 0; i < CPUID_NR_REGS; i++) {
		struct probe_prop *p;

		if (want && want[i] == rec->regs[i])
			continue;
		same = false;
		p = probe_prop_new(a->r, "cpuid_as_kvm_table", "0x%x.%x %s",
				   rec->leaf, rec->subleaf, cpuid_reg_names[i]);
		probe_judge_hex(a->r, p, want ? want[i] : 0, rec->regs[i],
				PROBE_DEFECT_CPUID);
	}
	a->leaves_same += same;
}

static void leaves_summary(struct analysis *a)
{
	struct probe_prop *p =
		probe_prop_new(a->r, "cpuid_as_kvm_table", "entries matching");

	snprintf(p->expected, sizeof(p->expected), "%u of %u", a->leaves,
		 a->leaves);
	snprintf(p->measured, sizeof(p->measured), "%u of %u", a->leaves_same,
		 a->leaves);
	probe_prop_judge(a->r, p, a->leaves && a->leaves == a->leaves_same,
			 PROBE_DEFECT_CPUID);
}

/* Bits KVM rewrites at run time from the vCPU's state. */
static uint32_t dynamic_bits(uint32_t leaf, uint32_t subleaf,
			     enum cpuid_reg reg)
{
	if (leaf == 1 && reg == CPUID_ECX)
		return CPUID1_ECX_OSXSAVE;
	if (leaf == 1 && reg == CPUID_EDX)
		return CPUID1_EDX_APIC;
	if (leaf == 7 && subleaf == 0 && reg == CPUID_ECX)
		return CPUID7_ECX_OSPKE;
	if (leaf == XSAVE_LEAF && subleaf <= 1 && reg == CPUID_EBX)
		return ~0u;
	return 0;
}

/* KVM_SET_CPUID2 against KVM_GET_CPUID2, apart from the dynamic bits. */
static void set_cpuid(struct analysis *a)
{
	struct cpuid_diff *diff = &a->diff;
	unsigned int replaced = 0;
	struct probe_prop *p;

	cpuid_table_diff(a->installed, a->seen, diff);
	for (unsigned int i = 0; i < diff->nr; i++) {
		const struct cpuid_diff_entry *e = &diff->d[i];

		if (e->kind == CPUID_DIFF_CHANGED &&
		    !((e->a ^ e->b) &
		      ~dynamic_bits(e->leaf, e->subleaf, e->reg)))
			continue;
		replaced++;
		p = probe_prop_new(a->r, "set_cpuid_as_given", "0x%x.%x %s",
				   e->leaf, e->subleaf,
				   e->kind == CPUID_DIFF_CHANGED
					   ? cpuid_reg_names[e->reg]
					   : cpuid_diff_kind_name(e->kind));
		if (e->kind == CPUID_DIFF_CHANGED) {
			probe_judge_hex(a->r, p, e->a, e->b,
					PROBE_DEFECT_SET_CPUID);
		} else {
			snprintf(p->expected, sizeof(p->expected), "%s",
				 e->kind == CPUID_DIFF_MISSING ? "present"
							       : "absent");
			snprintf(p->measured, sizeof(p->measured), "%s",
				 e->kind == CPUID_DIFF_MISSING ? "removed"
							       : "added");
			probe_prop_judge(a->r, p, false,
					 PROBE_DEFECT_SET_CPUID);
		}
	}
	p = probe_prop_new(a->r, "set_cpuid_as_given", "registers replaced");
	judge_u32(a->r, p, 0, replaced + (diff->total - diff->nr),
		  PROBE_DEFECT_SET_CPUID);
}

/* ---- XCR0, XSS and the sizes of 0xD.0/0xD.1 ---- */

static bool has_compacted(const struct cpuid_table *t)
{
	const struct cpuid_entry *e = cpuid_table_find(t, XSAVE_LEAF, 1);

	return e && (e->eax & (XSAVE_1_EAX_XSAVEC | XSAVE_1_EAX_XSAVES));
}

/* One EBX against the model; stale = it kept the value at XCR0 = x87. */
static void judge_ebx(struct analysis *a, const char *name,
		      const struct probe_record *rec, uint32_t want,
		      uint32_t base, bool sub1)
{
	struct probe_prop *p = probe_prop_new(
		a->r, name, "xcr0=0x%llx xss=0x%llx",
		(unsigned long long)rec->xcr0, (unsigned long long)rec->xss);
	uint32_t got = rec->regs[CPUID_EBX];
	bool stale = got != want && got == base;
	/* the standard size where the compacted one is due (Bochs 2.7) */
	bool standard = sub1 && !stale && got != want &&
			got == xsave_standard_size(a->seen, rec->xcr0);
	enum probe_defect d;

	if (sub1)
		d = stale    ? PROBE_DEFECT_EBX1_STALE :
		    standard ? PROBE_DEFECT_EBX1_STANDARD :
			       PROBE_DEFECT_EBX1_WRONG;
	else
		d = stale ? PROBE_DEFECT_EBX0_STALE : PROBE_DEFECT_EBX0_WRONG;
	judge_u32(a->r, p, want, got, d);
	if (stale && sub1)
		a->r->stale_ebx1 = got;
	else if (stale)
		a->r->stale_ebx0 = got;
}

static void state_record(struct analysis *a, const struct probe_record *rec)
{
	uint32_t ebx0, ebx1;

	xsave_state_ebx(a->seen, rec->xcr0, rec->xss, NULL, &ebx0, &ebx1);
	if (!a->have_base && rec->subleaf == 1) {
		a->have_base = true;
		a->base_ebx1 = rec->regs[CPUID_EBX];
	}
	if (rec->subleaf == 0) {
		if (!a->have_base)
			a->base_ebx0 = rec->regs[CPUID_EBX];
		judge_ebx(a, "ebx0_follows_xcr0", rec, ebx0, a->base_ebx0,
			  false);
	} else if (has_compacted(a->seen)) {
		judge_ebx(a, "ebx1_follows_xcr0_xss", rec, ebx1, a->base_ebx1,
			  true);
	}
}

static void cr4_record(struct analysis *a, const struct probe_record *rec)
{
	struct probe_prop *p = probe_prop_new(a->r, "osxsave_follows_cr4",
					      "cpuid 0x1 ecx bit 27");

	judge_u32(a->r, p, 1, !!(rec->regs[CPUID_ECX] & CPUID1_ECX_OSXSAVE),
		  PROBE_DEFECT_OSXSAVE);
}

static void one_record(struct analysis *a, unsigned int i, bool *entry)
{
	const struct probe_record *rec = &a->d->rec[i];

	/* the device keeps only valid records; this holds for any caller */
	if (rec->insn >= PROBE_INSN_NR || rec->fault > PROBE_FAULT_SKIPPED)
		return;

	switch (rec->kind) {
	case PROBE_REC_CPUID:
		if (*entry)
			leaf_record(a, rec);
		else if (rec->leaf == XSAVE_LEAF && rec->subleaf <= 1)
			state_record(a, rec);
		break;
	case PROBE_REC_CR4:
		cr4_record(a, rec);
		break;
	case PROBE_REC_XSETBV:
		probe_xsetbv_record(a, rec);
		break;
	case PROBE_REC_WRXSS:
		probe_wrxss_record(a, rec);
		break;
	case PROBE_REC_RESTORE:
		probe_insn_ran(a, rec);
		break;
	case PROBE_REC_SAVE:
		probe_save_record(a, rec, i);
		break;
	case PROBE_REC_EXEC:
		probe_exec_record(a, rec);
		break;
	default:
		break;
	}
}

void probe_analyse(const struct cpuid_table *installed,
		   const struct cpuid_table *seen, const struct probe_data *d,
		   struct probe_result *r)
{
	struct analysis a = {
		.installed = installed,
		.seen = seen,
		.d = d,
		.r = r,
	};
	unsigned int n = d->nr_records < PROBE_MAX_RECORDS ? d->nr_records :
							     PROBE_MAX_RECORDS;
	bool entry = true;

	memset(r, 0, sizeof(*r));
	r->complete = d->done;
	set_cpuid(&a);
	for (unsigned int i = 0; i < n; i++) {
		/* the leaf walk ends where the guest first changes state */
		if (entry && d->rec[i].kind != PROBE_REC_CPUID) {
			entry = false;
			leaves_summary(&a);
		}
		one_record(&a, i, &entry);
	}
	if (entry && n)
		leaves_summary(&a);
}

void probe_findings_of(const struct probe_result *r, struct probe_findings *f)
{
	memset(f, 0, sizeof(*f));
	f->defects = r->defects;
	f->stale_ebx0 = r->stale_ebx0;
	f->stale_ebx1 = r->stale_ebx1;
	f->nr_faithful = r->nr_faithful;
	f->nr_unfaithful = r->nr_unfaithful;
}

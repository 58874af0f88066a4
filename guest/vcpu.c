// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "cpuid/xsave.h"
#include "guest.h"
#include "io.h"
#include "smp.h"
#include "svc.h"
#include "vcpu.h"

/* The state the built table is enumerated at: x87 only, no XSS. */
#define ENUM_XCR0 1
#define ENUM_XSS  0

/*
 * Like a kernel that has written XCR0 and XSS: ask again for 0xD.0 and
 * 0xD.1, whose EBX depends on that state, with one COPY at that state
 * into a->kvm (filled again by compare_native()).
 */
static void requery_state(struct vcpu_area *a, uint32_t v)
{
	struct vcpu_report *r = &a->rep;

	linux_enter_state(&a->built, v, &r->xcr0, &r->xss);
	svc_state(&a->svc, CPUID_SVC_TABLE_BUILT, r->xcr0, r->xss);
	svc_copy(CPUID_SVC_TABLE_BUILT, a->rec, &a->kvm);
	/* the records are the table's entries, in its order */
	for (unsigned int i = 0; i < a->kvm.nr; i++) {
		const struct cpuid_entry *e = &a->kvm.e[i];

		if (e->leaf != XSAVE_LEAF || e->subleaf > 1)
			continue;
		if (a->rec[i].status != CPUID_SVC_OK) {
			console_printf("xsvm-guest: CPUID service: 0xd.%u at XCR0 0x%llx, XSS 0x%llx: status %u; keeping the answer at XCR0 0x%x",
				       e->subleaf, (unsigned long long)r->xcr0,
				       (unsigned long long)r->xss,
				       a->rec[i].status, ENUM_XCR0);
			continue;
		}
		if (cpuid_table_set(&a->built, XSAVE_LEAF, e->subleaf, e->eax,
				    e->ebx, e->ecx, e->edx))
			guest_fail("CPUID service: the built table does not fit");
	}
	r->ebx0 = cpuid_table_reg(&a->built, XSAVE_LEAF, 0, CPUID_EBX);
	r->ebx1 = cpuid_table_reg(&a->built, XSAVE_LEAF, 1, CPUID_EBX);
}

/* Passed: the check passed, or no XSAVE at all and nothing to warn about. */
static bool model_passed(const struct linux_result *r)
{
	return r->consistent || (!r->xsave_present && !r->warn_site[0]);
}

/*
 * KVM's read-back table (1) against the CPUID instruction, into a->native.
 * print: each difference goes to the console (the BSP's way); else the
 * first is kept in the report.
 */
static void compare_native(struct vcpu_area *a, bool print)
{
	struct vcpu_report *r = &a->rep;

	svc_state(&a->svc, CPUID_SVC_TABLE_KVM, ENUM_XCR0, ENUM_XSS);
	svc_copy(CPUID_SVC_TABLE_KVM, a->rec, &a->kvm);
	cpuid_table_init(&a->native);
	for (unsigned int i = 0; i < a->kvm.nr; i++) {
		const struct cpuid_entry *e = &a->kvm.e[i];
		const uint32_t tab[CPUID_NR_REGS] = {e->eax, e->ebx, e->ecx,
						     e->edx};
		uint32_t cpu[CPUID_NR_REGS];
		bool equal = true;

		cpuid_insn(e->leaf, e->subleaf, cpu);
		(void)cpuid_table_add(&a->native, e->leaf, e->subleaf, cpu[0],
				      cpu[1], cpu[2], cpu[3]);
		for (unsigned int reg = 0; reg < CPUID_NR_REGS; reg++) {
			if (tab[reg] == cpu[reg])
				continue;
			if (print)
				console_printf("xsvm-guest: native CPUID 0x%x.%x %s: table 0x%08x, cpu 0x%08x",
					       e->leaf, e->subleaf,
					       cpuid_reg_names[reg], tab[reg],
					       cpu[reg]);
			else if (equal && !r->native_first[0])
				snprintf(r->native_first,
					 sizeof(r->native_first),
					 "0x%x.%x %s: table 0x%08x, cpu 0x%08x",
					 e->leaf, e->subleaf,
					 cpuid_reg_names[reg], tab[reg],
					 cpu[reg]);
			equal = false;
		}
		r->native_n++;
		r->native_same += equal;
	}
}

/* The leaves a vCPU's table may differ in by its topology alone. */
static bool topology_leaf(uint32_t leaf)
{
	return leaf == 4 || leaf == 0xb || leaf == 0x1f ||
	       leaf == 0x80000008u || leaf == 0x8000001du ||
	       leaf == 0x8000001eu;
}

/*
 * Whether a's table is ref's but for the topology fields (leaf 1 EBX
 * included): then the model, a pure function of the table, says the same.
 */
static bool same_but_topology(const struct cpuid_table *a,
			      const struct cpuid_table *ref)
{
	unsigned int na = 0, nr = 0;

	for (unsigned int i = 0; i < ref->nr; i++) {
		const struct cpuid_entry *e = &ref->e[i], *f;

		if (topology_leaf(e->leaf))
			continue;
		nr++;
		f = cpuid_table_find(a, e->leaf, e->subleaf);
		if (!f || f->eax != e->eax || f->ecx != e->ecx ||
		    f->edx != e->edx || (e->leaf != 1 && f->ebx != e->ebx))
			return false;
	}
	for (unsigned int i = 0; i < a->nr; i++)
		na += !topology_leaf(a->e[i].leaf);
	return na == nr;
}

void vcpu_check_model(struct vcpu_area *a, unsigned int index,
		      const struct vcpu_plan *p, const struct vcpu_area *ref)
{
	struct vcpu_report *r = &a->rep;
	struct xsvm_err err;

	r->lapic_id = lapic_id();
	svc_state(&a->svc, CPUID_SVC_TABLE_BUILT, ENUM_XCR0, ENUM_XSS);
	r->bad_state = svc_copy(CPUID_SVC_TABLE_BUILT, a->rec, &a->built);
	requery_state(a, p->version);
	if (ref && same_but_topology(&a->built, &ref->built)) {
		r->model_failed = ref->rep.model_failed;
		r->passed = ref->rep.passed;
		return;
	}
	if (linux_check(&a->built, p->version, NULL, &a->model, &err)) {
		r->model_failed = true;
		if (!index)
			guest_fail("Linux model: %s", err.msg);
	} else {
		r->passed = model_passed(&a->model);
	}
}

void vcpu_check_view(struct vcpu_area *a, unsigned int index,
		     const struct vcpu_plan *p, bool print)
{
	struct vcpu_report *r = &a->rep;

	if (!p->native)
		return;
	compare_native(a, print);
	if (p->have_topology) {
		r->topo_checked = true;
		topology_check(&a->native, &p->topo, index, r->lapic_id,
			       &r->topo);
	}
}

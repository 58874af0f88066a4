// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "blame.h"

/* The two defects that change what the kernel reads from leaf 0xD. */
static bool stale(const struct probe_findings *f, enum probe_defect d)
{
	return f->defects & (1u << d);
}

static void set_ebx(struct cpuid_table *t, uint32_t subleaf, uint32_t ebx)
{
	struct cpuid_entry *e = cpuid_table_find_mut(t, XSAVE_LEAF, subleaf);

	if (e && e->subleaf == subleaf)
		e->ebx = ebx;
}

static void describe(struct blame *b, const struct cpuid_table *view,
		     enum linux_version v, const struct probe_findings *f,
		     uint32_t size, uint32_t kernel_size)
{
	const char *what, *when;
	char was[64];
	uint32_t kept;

	if (b->defect == PROBE_DEFECT_EBX0_STALE) {
		what = "0xD.0 EBX";
		when = "XSETBV";
		kept = f->stale_ebx0;
	} else {
		what = "0xD.1 EBX";
		when = "XSETBV or the IA32_XSS write";
		kept = f->stale_ebx1;
	}
	if (kept == xsave_standard_size(view, XFEATURE_BIT(XFEATURE_FP)))
		snprintf(was, sizeof(was), "the x87 size (XCR0 0x1)");
	else
		snprintf(was, sizeof(was), "the value before the kernel's %s",
			 when);
	snprintf(b->text, sizeof(b->text),
		 "the host's KVM does not update %s after %s: %u is %s; the table is consistent: with EBX updated the Linux %s model finds size %u = kernel_size %u, and with EBX left at %u it prints exactly the kernel's warning (size %u != kernel_size %u)",
		 what, when, kept, was, linux_version_name(v), b->faithful_size,
		 b->faithful_kernel_size, kept, size, kernel_size);
}

int blame_size_warning(const struct cpuid_table *view, enum linux_version v,
		       uint32_t size, uint32_t kernel_size,
		       const struct probe_findings *f, struct blame *b)
{
	static const enum probe_defect order[] = {PROBE_DEFECT_EBX0_STALE,
						  PROBE_DEFECT_EBX1_STALE};
	struct linux_result r;
	struct cpuid_table t;
	int ret;

	memset(b, 0, sizeof(*b));
	ret = linux_check(view, v, NULL, &r, NULL);
	if (ret)
		return ret;
	b->table_consistent = r.consistent;
	b->faithful_size = r.size;
	b->faithful_kernel_size = r.reported_size;
	if (!r.consistent) {
		snprintf(b->text, sizeof(b->text),
			 "the table is inconsistent: the Linux %s model finds size %u != kernel_size %u on it as a faithful KVM presents it",
			 linux_version_name(v), r.size, r.reported_size);
		return 0;
	}
	for (unsigned int i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!stale(f, order[i]))
			continue;
		t = *view;
		if (order[i] == PROBE_DEFECT_EBX0_STALE)
			set_ebx(&t, 0, f->stale_ebx0);
		else
			set_ebx(&t, 1, f->stale_ebx1);
		ret = linux_check(&t, v, NULL, &r, NULL);
		if (ret)
			return ret;
		if (!r.consistent && r.size == size &&
		    r.reported_size == kernel_size) {
			b->host = true;
			b->defect = order[i];
			describe(b, view, v, f, size, kernel_size);
			return 0;
		}
	}
	snprintf(b->text, sizeof(b->text),
		 "the table is consistent (the Linux %s model finds size %u = kernel_size %u), and no defect the host's probe found gives size %u != kernel_size %u",
		 linux_version_name(v), b->faithful_size,
		 b->faithful_kernel_size, size, kernel_size);
	return 0;
}

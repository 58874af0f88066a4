// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "blame.h"

/* The defects that change what the kernel reads from leaf 0xD. */
static const enum probe_defect blamable[] = {
	PROBE_DEFECT_EBX0_STALE,
	PROBE_DEFECT_EBX1_STALE,
	PROBE_DEFECT_EBX1_STANDARD,
};

static bool found(const struct probe_findings *f, enum probe_defect d)
{
	return f->defects & (1u << d);
}

/* The EBX the defective host shows a kernel that enabled xcr0. */
static uint32_t defective_ebx(const struct cpuid_table *view,
			      const struct probe_findings *f,
			      enum probe_defect d, uint64_t xcr0)
{
	if (d == PROBE_DEFECT_EBX0_STALE)
		return f->stale_ebx0;
	if (d == PROBE_DEFECT_EBX1_STALE)
		return f->stale_ebx1;
	return xsave_standard_size(view, xcr0);
}

static void describe(struct blame *b, const struct cpuid_table *view,
		     uint32_t v, uint32_t ebx, uint32_t size,
		     uint32_t kernel_size)
{
	const char *what = b->defect == PROBE_DEFECT_EBX0_STALE ? "0xD.0 EBX" :
								   "0xD.1 EBX";
	const char *when = b->defect == PROBE_DEFECT_EBX0_STALE ?
				   "XSETBV" :
				   "XSETBV or the IA32_XSS write";
	char defect[160];
	bool std;

	if (b->defect == PROBE_DEFECT_EBX1_STANDARD)
		snprintf(defect, sizeof(defect),
			 "the host's KVM reports the standard-format size in 0xD.1 EBX where the compacted size is due: %u",
			 ebx);
	else if (ebx == xsave_standard_size(view, XFEATURE_BIT(XFEATURE_FP)))
		snprintf(defect, sizeof(defect),
			 "the host's KVM does not update %s after %s: %u is the x87 size (XCR0 0x1)",
			 what, when, ebx);
	else
		snprintf(defect, sizeof(defect),
			 "the host's KVM does not update %s after %s: %u is the value before the kernel's %s",
			 what, when, ebx, when);
	std = b->defect == PROBE_DEFECT_EBX1_STANDARD;
	snprintf(b->text, sizeof(b->text),
		 "%s; the table is consistent: with %s the Linux %s finds size %u = kernel_size %u, and with %s %u it prints exactly the kernel's warning (size %u != kernel_size %u)",
		 defect, std ? "the compacted size in EBX" : "EBX updated",
		 linux_model_name(v).s, b->faithful_size,
		 b->faithful_kernel_size,
		 std ? "the standard size" : "EBX left at", ebx, size,
		 kernel_size);
}

int blame_size_warning(const struct cpuid_table *view, uint32_t v,
		       uint32_t size, uint32_t kernel_size,
		       const struct probe_findings *f, struct blame *b)
{
	struct linux_result r;
	struct cpuid_table t;
	uint64_t xcr0;
	uint32_t ebx;
	int ret;

	memset(b, 0, sizeof(*b));
	ret = linux_check(view, v, NULL, &r, NULL);
	if (ret)
		return ret;
	b->table_consistent = r.consistent;
	b->faithful_size = r.size;
	b->faithful_kernel_size = r.reported_size;
	xcr0 = r.xcr0;
	if (!r.consistent) {
		snprintf(b->text, sizeof(b->text),
			 "the table is inconsistent: the Linux %s finds size %u != kernel_size %u on it as a faithful KVM presents it",
			 linux_model_name(v).s, r.size, r.reported_size);
		return 0;
	}
	for (unsigned int i = 0; i < sizeof(blamable) / sizeof(blamable[0]);
	     i++) {
		if (!found(f, blamable[i]))
			continue;
		t = *view;
		ebx = defective_ebx(view, f, blamable[i], xcr0);
		cpuid_table_set_reg(&t, XSAVE_LEAF,
				    blamable[i] == PROBE_DEFECT_EBX0_STALE ? 0 : 1,
				    CPUID_EBX, ebx);
		ret = linux_check(&t, v, NULL, &r, NULL);
		if (ret)
			return ret;
		if (!r.consistent && r.size == size &&
		    r.reported_size == kernel_size) {
			b->host = true;
			b->defect = blamable[i];
			describe(b, view, v, ebx, size, kernel_size);
			return 0;
		}
	}
	snprintf(b->text, sizeof(b->text),
		 "the table is consistent (the Linux %s finds size %u = kernel_size %u), and no defect the host's probe found gives size %u != kernel_size %u",
		 linux_model_name(v).s, b->faithful_size,
		 b->faithful_kernel_size, size, kernel_size);
	return 0;
}

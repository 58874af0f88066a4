/* SPDX-License-Identifier: MIT */
/*
 * Whose fault is a kernel's "XSAVE consistency problem: size S !=
 * kernel_size K": the table's, or the host's? The table is blameless when
 * the Linux model finds the table, as a faithful KVM presents it,
 * consistent. The host is to blame when, in addition, a defect its probe
 * found (cpuid/probe.h) gives exactly that warning: the model, run on the
 * table as the defective host presents it (0xD.0/0xD.1 EBX left at the
 * value the probe saw them keep), prints size S and kernel_size K.
 */
#ifndef XSVM_CPUID_BLAME_H
#define XSVM_CPUID_BLAME_H

#include <stdbool.h>
#include <stdint.h>

#include "linux.h"
#include "probe.h"
#include "table.h"

#define BLAME_TEXT_LEN 448

struct blame {
	bool host;		  /* a host defect accounts for the warning */
	bool table_consistent;	  /* the model passes the faithful view */
	enum probe_defect defect; /* when host */
	uint32_t faithful_size,
		faithful_kernel_size; /* the model's, faithful */
	char text[BLAME_TEXT_LEN];
};

/*
 * view: the table as the kernel sees it from a faithful KVM (EBX of 0xD.0
 * and 0xD.1 at the kernel's state); size and kernel_size: the kernel's
 * warning. Returns 0, or a negative errno when the model cannot run on
 * view. Pure: no allocation, no I/O.
 */
int blame_size_warning(const struct cpuid_table *view, uint32_t v,
		       uint32_t size, uint32_t kernel_size,
		       const struct probe_findings *f, struct blame *b);

#endif

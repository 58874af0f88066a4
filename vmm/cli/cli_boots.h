/* SPDX-License-Identifier: MIT */
/*
 * `xsvm run --boots N`: the tally of several boots in one process, the
 * share of boots the order analysis predicts to warn, and the binomial
 * interval the count of warned boots should lie in.
 */
#ifndef XSVM_VMM_CLI_BOOTS_H
#define XSVM_VMM_CLI_BOOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "cpuid/linux.h"
#include "cpuid/table.h"
#include "vmm/machine.h"

#define BOOTS_MAX 10000
/* The central interval: 0.5% of the probability below, 0.5% above. */
#define BOOTS_INTERVAL_TAIL 0.005

enum boots_class {
	BOOTS_PASSED,
	BOOTS_PASSED_NO_XSAVE,
	BOOTS_PROBLEM,
	BOOTS_HOST_DEFECT,
	BOOTS_NONE,
	BOOTS_NR,
};

struct boots_tally {
	unsigned int asked, run;
	unsigned int count[BOOTS_NR];
	int status; /* the run's exit status so far */
	/* the prediction: orders of the enabled components that warn */
	bool have_share;
	uint64_t warn_orders, total_orders;
	unsigned int lo, hi; /* the 99% interval for the warned boots */
};

const char *boots_class_name(enum boots_class c);

/*
 * Count one boot: its verdict (host_defect when the host's defect accounts
 * for the warning) and its exit status. The run's status is the worst of
 * its boots: 3 (a boot without a verdict) before 1 (a problem) before 4
 * (a host defect) before 0.
 */
void boots_count(struct boots_tally *b, enum verdict_kind v, bool host_defect,
		 int status);

/*
 * The share of visiting orders for which kernel v warns about t: the
 * enabled components' order analysis (cpuid/orders.h), each distinct
 * compacted size put in 0xD.1 EBX and checked with the Linux model. With
 * ordered (every boot in the ascending order) there is one order, the
 * ascending one. Returns 0 or a negative errno with err set.
 */
int boots_share(const struct cpuid_table *t, uint32_t v, bool ordered,
		uint64_t *warn, uint64_t *total, struct xsvm_err *err);

/*
 * The central 99% interval [lo, hi] of a binomial count over n trials of
 * probability warn/total.
 */
void boots_interval(unsigned int n, uint64_t warn, uint64_t total,
		    unsigned int *lo, unsigned int *hi);

#endif

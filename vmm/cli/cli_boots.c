// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "cli_boots.h"
#include "cpuid/orders.h"
#include "cpuid/xsave.h"
#include "cli_run.h"

static const char *const class_names[BOOTS_NR] = {
	[BOOTS_PASSED] = "passed",
	[BOOTS_PASSED_NO_XSAVE] = "passed_no_xsave",
	[BOOTS_PROBLEM] = "problem",
	[BOOTS_HOST_DEFECT] = "host_defect",
	[BOOTS_NONE] = "none",
};

const char *boots_class_name(enum boots_class c)
{
	return c < BOOTS_NR ? class_names[c] : "?";
}

static int status_rank(int status)
{
	switch (status) {
	case RUN_EXIT_NO_VERDICT:
		return 3;
	case RUN_EXIT_PROBLEM:
		return 2;
	case RUN_EXIT_HOST_DEFECT:
		return 1;
	default:
		return 0;
	}
}

void boots_count(struct boots_tally *b, enum verdict_kind v, bool host_defect,
		 int status)
{
	enum boots_class c;

	if (status == RUN_EXIT_NO_VERDICT)
		c = BOOTS_NONE;
	else if (host_defect)
		c = BOOTS_HOST_DEFECT;
	else if (v == VERDICT_PROBLEM)
		c = BOOTS_PROBLEM;
	else if (v == VERDICT_PASSED_NO_XSAVE)
		c = BOOTS_PASSED_NO_XSAVE;
	else
		c = BOOTS_PASSED;
	b->count[c]++;
	b->run++;
	if (b->run == 1 || status_rank(status) > status_rank(b->status))
		b->status = status;
}

int boots_share(const struct cpuid_table *t, uint32_t v, bool ordered,
		uint64_t *warn, uint64_t *total, struct xsvm_err *err)
{
	struct cpuid_table *copy = malloc(sizeof(*copy));
	struct xsave_layout *l = malloc(sizeof(*l));
	struct orders_result *o = malloc(sizeof(*o));
	struct linux_result *lr = malloc(sizeof(*lr));
	uint64_t xcr0, xss;
	uint32_t ebx0, ebx1;
	int ret = -ENOMEM;

	*warn = *total = 0;
	if (!copy || !l || !o || !lr) {
		xsvm_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	*copy = *t;
	linux_enter_state(copy, v, &xcr0, &xss);
	xsave_state_ebx(copy, xcr0, xss, NULL, &ebx0, &ebx1);
	cpuid_table_set_reg(copy, XSAVE_LEAF, 0, CPUID_EBX, ebx0);
	xsave_layout_compute(copy, xcr0 | xss, l);
	ret = orders_analyse(l, o, err);
	if (ret)
		goto out;
	if (ordered) {
		/* one order for every boot: the ascending one */
		o->orders_total = 1;
		o->nr_sizes = 1;
		o->sizes[0].size = o->ascending_size;
		o->sizes[0].orders = 1;
	}
	*total = o->orders_total;
	for (unsigned int i = 0; i < o->nr_sizes; i++) {
		cpuid_table_set_reg(copy, XSAVE_LEAF, 1, CPUID_EBX,
				    o->sizes[i].size);
		ret = linux_check(copy, v, NULL, lr, err);
		if (ret)
			goto out;
		if (!lr->consistent)
			*warn += o->sizes[i].orders;
	}
out:
	free(copy);
	free(l);
	free(o);
	free(lr);
	return ret;
}

/* log P(X = k) for X ~ Bin(n, p), 0 < p < 1. */
static double log_pmf(unsigned int n, unsigned int k, double p)
{
	return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) +
	       k * log(p) + (n - k) * log1p(-p);
}

void boots_interval(unsigned int n, uint64_t warn, uint64_t total,
		    unsigned int *lo, unsigned int *hi)
{
	double p = total ? (double)warn / (double)total : 0.0;
	double cdf = 0.0;
	bool have_lo = false;

	if (!warn || !total) {
		*lo = *hi = 0;
		return;
	}
	if (warn >= total) {
		*lo = *hi = n;
		return;
	}
	*lo = 0;
	*hi = n;
	for (unsigned int k = 0; k <= n; k++) {
		cdf += exp(log_pmf(n, k, p));
		if (!have_lo && cdf > BOOTS_INTERVAL_TAIL) {
			*lo = k;
			have_lo = true;
		}
		if (cdf >= 1.0 - BOOTS_INTERVAL_TAIL) {
			*hi = k;
			return;
		}
	}
}

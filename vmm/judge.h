/* SPDX-License-Identifier: MIT */
/*
 * After a Linux kernel warned "XSAVE consistency problem: size S !=
 * kernel_size K": ask the host's probe findings (probe_cache.h: from the
 * cache, or probed now) and decide with cpuid/blame.h whether a host
 * defect accounts for the warning. Library code: nothing is printed.
 */
#ifndef XSVM_VMM_JUDGE_H
#define XSVM_VMM_JUDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpuid/blame.h"
#include "machine.h"
#include "probe_cache.h"

struct judgement {
	bool tried;  /* the kernel printed a size warning: the host was asked */
	bool judged; /* the findings were there and the model ran */
	uint32_t size, kernel_size;
	struct probe_lookup lk;
	struct blame b;
	char error[XSVM_ERR_LEN]; /* when tried and not judged */
};

/*
 * Judge r (a run of a Linux kernel, c->kernel_image NULL, whose verdict is
 * a problem); installed is the table given to KVM, probed with when the
 * cache has nothing for this host. j->b.host says whether the host is to
 * blame.
 */
void judge_warning(const struct machine_config *c,
		   const struct cpuid_table *installed,
		   const struct machine_result *r, double timeout_s,
		   struct judgement *j);

#endif

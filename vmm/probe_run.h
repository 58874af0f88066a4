/* SPDX-License-Identifier: MIT */
/*
 * One probe of the host's KVM: boot the built-in test guest in probe mode
 * with a table, collect its records (probe_dev.h) and compare them with
 * the model (cpuid/probe.h). Library code: prints nothing but the guest's
 * own console, and only when asked to.
 */
#ifndef XSVM_VMM_PROBE_RUN_H
#define XSVM_VMM_PROBE_RUN_H

#include <stdbool.h>

#include "cpuid/probe.h"
#include "host_id.h"
#include "machine.h"

#define PROBE_GUEST_CMDLINE "xsvm.probe=1"
#define PROBE_MEM_MIB	    64

struct probe_config {
	double timeout_s;
	const char *console_path; /* NULL: none */
	bool live;		  /* the guest's console to standard output */
};

struct probe_outcome {
	struct host_id host;
	struct machine_result mr;
	struct probe_data data;
	struct probe_result res;
	bool probed; /* the guest ran to PROBE_REC_DONE and was analysed */
};

/*
 * Probe with table t (KVM_SET_CPUID2 as `xsvm run` installs it). Returns 0
 * when the guest ran (o->probed says whether it finished), or a negative
 * errno with err set (o->mr.failure says whether the input or KVM failed).
 */
int probe_run(const struct cpuid_table *t, const struct probe_config *c,
	      struct probe_outcome *o, struct xsvm_err *err);

#endif

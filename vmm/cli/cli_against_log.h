/* SPDX-License-Identifier: MIT */
/*
 * `xsvm cpuid check --against-log LOG`: a real kernel's log against the
 * model. The log's xstate lines go through the console verdict scanner the
 * VMM uses (vmm/verdict.h) and are compared with the model's lines by the
 * rule of vmm/prediction.h, so that a log and a boot are judged alike.
 */
#ifndef XSVM_VMM_CLI_AGAINST_LOG_H
#define XSVM_VMM_CLI_AGAINST_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "cpuid/err.h"
#include "vmm/prediction.h"
#include "vmm/verdict.h"

struct against_log {
	const char *path;
	struct verdict v;
	bool have_release;
	uint32_t release; /* from the banner */
	struct prediction_diff d;
	bool equal;
};

/*
 * Length of a log line's record prefix that printk_prefix_len() does not
 * know: /dev/kmsg's "PRI,SEQ,USEC,FLAGS;" and the journal's and syslog's
 * "Mon DD HH:MM:SS HOST kernel: ". 0 when there is none.
 */
size_t against_log_record_prefix(const char *p, size_t n);

/*
 * Read LOG ("-": standard input) into a: its xstate lines and its banner's
 * release. Returns 0, or -errno with err naming the file: unreadable, or
 * holding no x86/fpu line at all.
 */
int against_log_read(struct against_log *a, const char *path,
		     struct xsvm_err *err);

/* Compare the model's lines with the log's; sets a->d and a->equal. */
void against_log_compare(struct against_log *a, const struct linux_result *r);

#endif

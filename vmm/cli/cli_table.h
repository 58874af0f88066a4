/* SPDX-License-Identifier: MIT */
/*
 * The table pipeline every command that builds a table shares: source ->
 * policy -> vmm (cpuid/normalize.h) -> ordered XSAVE builder, as the
 * command-line options say.
 */
#ifndef XSVM_VMM_CLI_TABLE_H
#define XSVM_VMM_CLI_TABLE_H

#include "cli_cpuid.h"
#include "cli_util.h"
#include "cpuid/builder.h"
#include "cpuid/normalize.h"
#include "cpuid/policy.h"

struct table_build {
	struct cli_source src;
	struct cpuid_table t;
	struct policy pol;
	struct policy_result pr;
	struct normalize_result nr;
	struct xsave_build_params p;
	struct xsave_build_result r;
	char order[64];
};

/*
 * Run the pipeline into tb (large: allocate it). Returns 0, or an exit
 * status after printing the error.
 */
int cli_table_build(const struct cpuid_opts *o, struct table_build *tb);

/*
 * True when cli_table_build() failed asking KVM itself (--cpuid host, no
 * entry read): KVM failing before the guest ran, status 3 for the commands
 * that run one, as when creating the VM fails.
 */
bool cli_table_host_failed(const struct table_build *tb);

/* True when the builder used a deliberately defective order. */
bool cli_table_defective(const struct table_build *tb);

/* The stderr warning that a defective order was used (if it was). */
void cli_table_warn_defective(const struct table_build *tb);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * `xsvm cpuid build|check|orders`: the command-line front end of the CPUID
 * library. Only this layer prints and chooses exit statuses.
 */
#ifndef XSVM_VMM_CLI_CPUID_H
#define XSVM_VMM_CLI_CPUID_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpuid/linux.h"
#include "cpuid/xsave.h"

/* argv[0] is "cpuid"; returns the process exit status. */
int cli_cpuid_main(int argc, char **argv);
void cli_cpuid_usage(FILE *f);

/* Options shared by the subcommands, after parsing. */
struct cpuid_opts {
	const char *source; /* build: --cpuid */
	const char *file;   /* check, orders: FILE or "-" */
	const char *policy; /* build: --policy, "none" by default */
	bool have_xfam;
	uint64_t xfam;
	bool have_xcr0, have_xss;
	uint64_t xcr0, xss;
	struct xsave_order order;
	enum linux_version linux_version;
	bool json;
};

int cli_cpuid_build(const struct cpuid_opts *o);
int cli_cpuid_check(const struct cpuid_opts *o);
int cli_cpuid_orders(const struct cpuid_opts *o);

#endif

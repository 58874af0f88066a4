/* SPDX-License-Identifier: MIT */
/*
 * `xsvm cpuid build|check|orders|diff`: the command-line front end of the CPUID
 * library. Only this layer prints and chooses exit statuses.
 */
#ifndef XSVM_VMM_CLI_CPUID_H
#define XSVM_VMM_CLI_CPUID_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpuid/linux.h"
#include "cpuid/parse.h"
#include "cpuid/xsave.h"

/* argv[0] is "cpuid"; returns the process exit status. */
int cli_cpuid_main(int argc, char **argv);
void cli_cpuid_usage(FILE *f);

/* Options shared by the subcommands, after parsing. */
struct cpuid_opts {
	const char *source; /* build, check: --cpuid */
	bool have_source;   /* --cpuid was given */
	const char *against_log; /* check: --against-log, or NULL */
	const char *file;   /* check, orders: FILE or "-"; diff: A */
	const char *file_b; /* diff: B */
	const char *policy; /* build: --policy, "none" by default */
	bool have_xfam;
	uint64_t xfam;
	bool have_xcr0, have_xss;
	uint64_t xcr0, xss;
	struct xsave_order order;
	uint32_t linux_version;
	bool have_linux; /* --linux was given */
	bool json;
	enum cpuid_format format; /* build --format: DUMP, KVM_JSON or RAW */
};

/* getopt_long values of the options the table-building commands share. */
enum cpuid_opt_id {
	CPUID_OPT_CPUID = 256,
	CPUID_OPT_POLICY,
	CPUID_OPT_XFAM,
	CPUID_OPT_XCR0,
	CPUID_OPT_XSS,
	CPUID_OPT_ORDER,
	CPUID_OPT_LINUX,
	CPUID_OPT_JSON,
	CPUID_OPT_FORMAT,
	CPUID_OPT_AGAINST_LOG,
	CPUID_OPT_END, /* commands number their own options from here */
};

/* The options that say how a table is built (build and run). */
#define CPUID_TABLE_OPTIONS                                              \
	{ "cpuid", required_argument, NULL, CPUID_OPT_CPUID },           \
	{ "policy", required_argument, NULL, CPUID_OPT_POLICY },         \
	{ "xfam", required_argument, NULL, CPUID_OPT_XFAM },             \
	{ "xcr0", required_argument, NULL, CPUID_OPT_XCR0 },             \
	{ "xss", required_argument, NULL, CPUID_OPT_XSS },               \
	{ "xsave-order", required_argument, NULL, CPUID_OPT_ORDER },     \
	{ "linux", required_argument, NULL, CPUID_OPT_LINUX }

/*
 * Apply one option of enum cpuid_opt_id to o. Returns 0, or an exit
 * status after printing what is wrong with the value.
 */
/* The defaults: --cpuid host, --policy none, ascending, FILE "-". */
void cli_cpuid_opts_init(struct cpuid_opts *o);
int cli_cpuid_option(int opt, const char *arg, struct cpuid_opts *o);

int cli_cpuid_build(const struct cpuid_opts *o);
int cli_cpuid_check(const struct cpuid_opts *o);
int cli_cpuid_orders(const struct cpuid_opts *o);
/* Exit status: 0 identical, 1 the tables differ, 2 bad usage or input. */
int cli_cpuid_diff(const struct cpuid_opts *o);

#endif

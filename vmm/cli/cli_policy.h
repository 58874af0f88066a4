/* SPDX-License-Identifier: MIT */
/*
 * Loading a --policy argument (a built-in name or a policy file) and
 * reporting what a policy did, for the commands that apply one.
 */
#ifndef XSVM_VMM_CLI_POLICY_H
#define XSVM_VMM_CLI_POLICY_H

#include <stdio.h>

#include "cpuid/normalize.h"
#include "cpuid/policy.h"
#include "json.h"

/*
 * "none" and "tdx" are built in; anything else is a policy file (write
 * ./tdx for a file of that name). Errors name the file and line.
 */
int cli_policy_load(const char *arg, struct policy *p, struct xsvm_err *err);

/* '#' lines: the XFAM and every change, one per line. */
void cli_policy_print(FILE *f, const struct policy *p,
		      const struct policy_result *r);

/* A "policy" object: name, xfam, kept components and the changes. */
void cli_policy_json(struct json_writer *w, const struct policy *p,
		     const struct policy_result *r);

/* The VMM stage's changes, as "# vmm: ..." lines and as a "vmm" object. */
void cli_normalize_print(FILE *f, const struct normalize_result *r);
void cli_normalize_json(struct json_writer *w, const struct normalize_result *r);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * What the files of the policy stage share (not an interface for callers:
 * they use policy.h). policy.c applies a policy to a table; policy_xfam.c
 * checks an XFAM against a policy.
 */
#ifndef XSVM_CPUID_POLICY_IMPL_H
#define XSVM_CPUID_POLICY_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* policy.c: "avx, pkru" for a component mask (at most len bytes). */
void policy_comp_names(uint64_t mask, char *buf, size_t len);

/*
 * policy_xfam.c: the components whose enumerating feature bit a fixed0
 * rule clears.
 */
uint64_t policy_gated_off(const struct policy *p);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The VMM stage of the table pipeline (source -> policy -> vmm -> builder):
 * what a VMM itself sets in every table it gives a guest, whatever the
 * source said. Today one bit: CPUID.1:ECX[31], "hypervisor present".
 * KVM_GET_SUPPORTED_CPUID never sets it and a CPU on bare metal never
 * reports it, yet without it Linux never reads leaf 0x40000000, so it finds
 * no hypervisor, no kvm-clock and no TSC frequency from KVM, and falls back
 * to calibrating the TSC against the PIT (which a slow or nested host can
 * make fail). Every change is recorded as the policy's are.
 */
#ifndef XSVM_CPUID_NORMALIZE_H
#define XSVM_CPUID_NORMALIZE_H

#include "err.h"
#include "policy.h"
#include "table.h"

#define NORMALIZE_HYPERVISOR_BIT (1u << 31) /* CPUID.1:ECX */
#define NORMALIZE_MAX_CHANGES 4

struct normalize_result {
	unsigned int nr_changes;
	struct policy_change changes[NORMALIZE_MAX_CHANGES];
};

/*
 * Apply the VMM stage to t in place. A table without leaf 1 is left as it
 * is (nothing to mark). Returns 0.
 */
int normalize_apply(struct cpuid_table *t, struct normalize_result *r);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Tables from this machine:
 *
 *  - host_cpuid_kvm(): what KVM can give a guest (KVM_GET_SUPPORTED_CPUID on
 *    /dev/kvm), after asking for AMX guest permission so that the dynamic
 *    TILEDATA component is listed where the host has it; the APIC ID fields
 *    KVM copies from the calling CPU are cleared, so that the table is the
 *    same whichever CPU the VMM runs on;
 *  - host_cpuid_native(): what this CPU's CPUID instruction answers, every
 *    leaf and subleaf enumerated the way Debian's `cpuid -r` does.
 *
 * Both initialise t first and return 0 or a negative errno with err set.
 */
#ifndef XSVM_VMM_HOST_CPUID_H
#define XSVM_VMM_HOST_CPUID_H

#include "cpuid/err.h"
#include "cpuid/table.h"

#define HOST_KVM_DEV "/dev/kvm"
/* Where to turn on a host without /dev/kvm. */
#define HOST_KVM_BOX_HINT \
	"tools/box.sh runs xsvm in an emulated machine with a real KVM"

/* Open /dev/kvm; the error names the box when there is no KVM at all. */
int host_kvm_open(struct xsvm_err *err);

int host_cpuid_kvm(struct cpuid_table *t, struct xsvm_err *err);

/*
 * Ask for AMX TILEDATA (a dynamic XSAVE component) in guests this process
 * creates; KVM_SET_CPUID2 refuses a table that lists it without that
 * permission. Returns 0 or -errno (hosts without AMX refuse).
 */
int host_request_amx_guest_perm(void);
int host_cpuid_native(struct cpuid_table *t, struct xsvm_err *err);

/*
 * The enumeration of host_cpuid_native with CPUID(leaf, subleaf) executed by
 * cpuid(ctx, ...): the subleaf rules of `cpuid -r` on any answers.
 */
typedef void (*host_cpuid_fn)(void *ctx, uint32_t leaf, uint32_t subleaf,
			      uint32_t regs[4]);
int host_cpuid_walk(struct cpuid_table *t, host_cpuid_fn cpuid, void *ctx,
		    struct xsvm_err *err);

#endif

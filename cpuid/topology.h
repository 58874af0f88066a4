/* SPDX-License-Identifier: MIT */
/*
 * The per-vCPU stage of the table pipeline: one table is built for the VM,
 * and topology_vcpu_table() derives each vCPU's copy from it. Only the
 * topology fields change, and every change is recorded as the policy's are.
 *
 * The stated topology is sockets x cores per socket x threads per core.
 * vCPU index i is thread i % threads of core (i / threads) % cores of
 * socket i / (threads * cores). Its APIC ID packs the three the way Intel
 * and AMD number them: thread | core << tw | socket << (tw + cw), where tw and
 * cw are the bits the thread and core counts need (0 for a count of 1).
 *
 * Per vCPU, its own:
 *   1.EBX[31:24]          the initial APIC ID (its low 8 bits)
 *   0xB.n EDX, 0x1F.n EDX  the x2APIC ID, in every subleaf
 *   0x8000001E EAX        the extended APIC ID; EBX[7:0] the core's ID;
 *                          ECX[7:0] the node (the socket)
 * Alike on every vCPU, from the topology:
 *   1.EBX[23:16]          addressable IDs per package, 1 << (tw + cw)
 *   1.EDX[28] HTT         set when a package has more than one thread
 *   4.n EAX[31:26]        addressable core IDs per package - 1
 *   4.n EAX[25:14]        threads sharing the cache - 1 (L1/L2: the core's,
 *                          L3: the package's), and 0x8000001D likewise
 *   0xB, 0x1F levels      SMT (shift tw, threads) then core (shift tw + cw,
 *                          threads per package), then an invalid level
 *   0x8000001E EBX[15:8]  threads per core - 1
 *   0x80000008 ECX        [7:0] threads per package - 1, [15:12] tw + cw
 * A topology leaf the table does not have is not added, except for the
 * missing levels of a 0xB or 0x1F it has (KVM since Linux 6.2 reports
 * only 0xB.0), and, for threads on an AMD table without it, 0x8000001E
 * with TopologyExtensions. Leaf 0xD is never touched.
 *
 * Pure: no allocation, no I/O.
 */
#ifndef XSVM_CPUID_TOPOLOGY_H
#define XSVM_CPUID_TOPOLOGY_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "policy.h"
#include "table.h"

/* The largest count of each level, and of vCPUs. */
#define TOPOLOGY_MAX_CPUS 256u

struct topology {
	unsigned int sockets, cores, threads;
};

/* Every field's change of one vCPU's table. */
#define TOPOLOGY_MAX_CHANGES 64

struct topology_result {
	unsigned int index;
	uint32_t apic_id;
	unsigned int nr_changes;
	struct policy_change changes[TOPOLOGY_MAX_CHANGES];
};

/* sockets * cores * threads */
unsigned int topology_cpus(const struct topology *t);

/* The default for n vCPUs: n cores in one socket, one thread each. */
void topology_default(unsigned int n, struct topology *t);

/*
 * Parse "sockets=S,cores=C,threads=T" (any order, any of them; a missing
 * count is 1) into t. With cpus > 0 the product must be cpus. Errors name
 * --topology.
 */
int topology_parse(const char *s, unsigned int cpus, struct topology *t,
		   struct xsvm_err *err);

/* The bits a count of n needs: 0 for 1, 1 for 2, 2 for 3 or 4, ... */
unsigned int topology_width(unsigned int n);

/* AMD's (and Hygon's) topology leaves apply: the vendor in leaf 0. */
bool topology_vendor_amd(const struct cpuid_table *t);

/* The APIC ID of vCPU index i. */
uint32_t topology_apic_id(const struct topology *t, unsigned int i);

/*
 * Rewrite t, the VM's table, into the copy of vCPU index (below
 * topology_cpus()). Returns 0, or -EINVAL with err set when index is out of
 * range or an APIC ID would not fit 8 bits (leaf 1 and the MP table have no
 * more).
 */
int topology_vcpu_table(struct cpuid_table *t, const struct topology *topo,
			unsigned int index, struct topology_result *r,
			struct xsvm_err *err);

#endif

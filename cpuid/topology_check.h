/* SPDX-License-Identifier: MIT */
/*
 * A vCPU's place in a stated topology, read back from what its CPUID
 * instruction answers: the test guest runs this on every vCPU. Each field
 * is decoded as a kernel decodes it and compared with the position the
 * stated topology gives vCPU index (thread index % threads, core
 * (index / threads) % cores, socket index / (threads * cores)):
 *
 *   the LAPIC's ID and 1.EBX[31:24]   the APIC ID of that position
 *   1.EDX[28] HTT, 1.EBX[23:16]       set, and at least the threads of a
 *                                     package, when a package has several
 *   0xB and 0x1F, each level          the x2APIC ID in EDX; the SMT level
 *                                     counts the threads of a core, the core
 *                                     level those of a package; the ID's
 *                                     fields split at the levels' shifts
 *                                     give the thread, core and socket
 *   4.0 EAX[31:26] (not AMD)          at least the cores of a package - 1
 *   AMD 0x8000001E                    EAX the APIC ID, EBX[15:8] threads per
 *                                     core - 1
 *   AMD 0x80000008 ECX[7:0]           threads per package - 1
 *
 * A leaf the table does not have is not checked. Pure.
 */
#ifndef XSVM_CPUID_TOPOLOGY_CHECK_H
#define XSVM_CPUID_TOPOLOGY_CHECK_H

#include <stdint.h>

#include "table.h"
#include "topology.h"

#define TOPOLOGY_CHECK_MAX     8
#define TOPOLOGY_CHECK_MSG_LEN 112

struct topology_check {
	unsigned int checked;  /* fields compared */
	unsigned int nr;       /* fields that disagree (msg: the first ones) */
	char msg[TOPOLOGY_CHECK_MAX][TOPOLOGY_CHECK_MSG_LEN];
};

/*
 * t: vCPU index's CPUID as its CPUID instruction answers it; lapic_id: the
 * ID its local APIC reports.
 */
void topology_check(const struct cpuid_table *t, const struct topology *topo,
		    unsigned int index, uint32_t lapic_id,
		    struct topology_check *c);

#endif

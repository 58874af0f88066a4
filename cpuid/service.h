/* SPDX-License-Identifier: MIT */
/*
 * The CPUID service: how a guest asks the VMM for CPUID answers, the way a
 * TDX guest's CPUID reaches its paravisor (TDG.VP.VMCALL<Instruction.CPUID>,
 * or every CPUID of the L2 guest under TD partitioning). The VMM answers
 * from the table it built, with EBX of 0xD.0/0xD.1 computed for the XCR0
 * and XSS the guest says it has, accumulated in the builder's order: a
 * defective order answers the way the defective paravisor of OpenVMM #708
 * did.
 *
 * Protocol: 32-bit port I/O at CPUID_SVC_PORT + offset.
 *
 *   offset  write                         read
 *   0x00    leaf                          EAX of the last answer
 *   0x04    subleaf                       EBX
 *   0x08    XCR0 bits 31:0                ECX
 *   0x0c    XCR0 bits 63:32               EDX
 *   0x10    XSS bits 31:0                 status of the last answer
 *   0x14    XSS bits 63:32                leaf of the last answer's entry
 *   0x18    table: 0 built, 1 KVM's       subleaf of the last answer's entry
 *   0x1c    command (CPUID_SVC_CMD_*)     CPUID_SVC_SIGNATURE
 *
 * CPUID_SVC_CMD_QUERY answers (leaf, subleaf) like the CPUID instruction
 * (a leaf without subleaves ignores subleaf). CPUID_SVC_CMD_NEXT answers
 * the first entry after (leaf, subleaf) in (leaf, subleaf) order, so that
 * a guest can enumerate a table; writing leaf = subleaf = CPUID_SVC_FIRST
 * starts at the first entry. Table 1 is the table KVM reported back after
 * KVM_SET_CPUID2 (what the CPUID instruction shows), answered as stored.
 * CPUID_SVC_CMD_COPY answers a whole table at once, as NEXT would entry by
 * entry from the first: the VMM writes each entry as a struct
 * cpuid_svc_record (seven little-endian dwords) to guest-physical memory,
 * in key order, at most CPUID_SVC_COPY_MAX of them. For COPY the leaf and
 * subleaf registers hold the buffer's guest-physical address, bits 31:0 and
 * 63:32. The buffer, CPUID_SVC_COPY_BYTES long, must lie wholly in guest
 * RAM, else the answer is BAD_REQUEST and nothing is written. A COPY
 * answers OK with EAX the number of records, whatever their own statuses
 * (OK or BAD_STATE) say; its entry leaf and subleaf read zero.
 *
 * The service's state (registers and last answer) is per vCPU: each vCPU
 * has its own, answered from its own table (cpuid/topology.h).
 *
 * Every value is checked; anything else gets a defined answer: an absent
 * entry reads all zero with CPUID_SVC_NO_ENTRY; an XCR0 without x87 or
 * with components the table does not support (0xD.0 EDX:EAX), or an XSS
 * outside 0xD.1 EDX:ECX, gives 0xD.0/0xD.1 all zero with
 * CPUID_SVC_BAD_STATE; an unknown table or command gives
 * CPUID_SVC_BAD_REQUEST. Accesses that are not 32-bit and aligned read
 * all-ones and are ignored.
 *
 * In detail:
 * - NO_ENTRY and BAD_REQUEST answers are all zero, entry leaf and subleaf
 *   included. NEXT past the last entry (or on an empty table) is NO_ENTRY.
 * - BAD_STATE is decided per entry, whichever command reached it: QUERY
 *   and NEXT alike answer 0xD.0 and 0xD.1 of the built table with
 *   EAX..EDX zero when the state is bad. The entry leaf and subleaf still
 *   name the entry (0xd, 0 or 1), so that an enumeration with NEXT goes
 *   on past it. Other entries ignore XCR0 and XSS.
 * - Table 1 (KVM's) is answered as stored: XCR0 and XSS are not used.
 * - CPUID_SVC_FIRST starts an enumeration only when written to both leaf
 *   and subleaf; any other (leaf, subleaf) is an ordinary key.
 * - Before the first command the answer registers read as NO_ENTRY.
 */
#ifndef XSVM_CPUID_SERVICE_H
#define XSVM_CPUID_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "table.h"
#include "xsave.h"

#define CPUID_SVC_PORT 0x5a0
#define CPUID_SVC_PORTS 0x20
#define CPUID_SVC_SIGNATURE 0x43565358u /* "XSVC" */

#define CPUID_SVC_LEAF 0x00
#define CPUID_SVC_SUBLEAF 0x04
#define CPUID_SVC_XCR0_LO 0x08
#define CPUID_SVC_XCR0_HI 0x0c
#define CPUID_SVC_XSS_LO 0x10
#define CPUID_SVC_XSS_HI 0x14
#define CPUID_SVC_TABLE 0x18
#define CPUID_SVC_CMD 0x1c
/* read side */
#define CPUID_SVC_EAX 0x00
#define CPUID_SVC_EBX 0x04
#define CPUID_SVC_ECX 0x08
#define CPUID_SVC_EDX 0x0c
#define CPUID_SVC_STATUS 0x10
#define CPUID_SVC_ENTRY_LEAF 0x14
#define CPUID_SVC_ENTRY_SUBLEAF 0x18
#define CPUID_SVC_SIG 0x1c

#define CPUID_SVC_CMD_QUERY 1
#define CPUID_SVC_CMD_NEXT 2
#define CPUID_SVC_CMD_COPY 3
#define CPUID_SVC_FIRST 0xffffffffu

#define CPUID_SVC_TABLE_BUILT 0
#define CPUID_SVC_TABLE_KVM 1

enum cpuid_svc_status {
	CPUID_SVC_OK = 0,
	CPUID_SVC_NO_ENTRY = 1,
	CPUID_SVC_BAD_STATE = 2,
	CPUID_SVC_BAD_REQUEST = 3,
};

struct cpuid_svc_request {
	uint32_t cmd;
	uint32_t table;
	uint32_t leaf, subleaf;
	uint64_t xcr0, xss;
};

struct cpuid_svc_answer {
	uint32_t eax, ebx, ecx, edx;
	uint32_t status;
	uint32_t leaf, subleaf; /* the entry answered (NEXT: the key found) */
};

/* One entry of a COPY, as it lies in guest memory (little-endian). */
struct cpuid_svc_record {
	uint32_t leaf, subleaf;
	uint32_t eax, ebx, ecx, edx;
	uint32_t status; /* CPUID_SVC_OK or CPUID_SVC_BAD_STATE */
};

_Static_assert(sizeof(struct cpuid_svc_record) == 28, "COPY record layout");

#define CPUID_SVC_COPY_MAX   CPUID_TABLE_MAX
#define CPUID_SVC_COPY_BYTES (CPUID_SVC_COPY_MAX * 28u)

/*
 * Answer q from t (the table q->table names; the caller chooses it) with
 * the builder's order o for 0xD.1 EBX (NULL: ascending). dynamic is true
 * for the built table (EBX of 0xD.0/0xD.1 computed for q->xcr0/q->xss)
 * and false for KVM's, which is answered as stored. A NULL t (the table
 * is not there) answers CPUID_SVC_BAD_REQUEST. Pure: no allocation, no
 * I/O; *a is always fully written.
 */
void cpuid_svc_answer(const struct cpuid_table *t, bool dynamic,
		      const struct xsave_order *o,
		      const struct cpuid_svc_request *q,
		      struct cpuid_svc_answer *a);

/*
 * A COPY's records: every entry of t (as cpuid_svc_answer() answers NEXT
 * from the first, at q's table and state) into rec[0..], at most
 * CPUID_SVC_COPY_MAX. Returns how many. Pure.
 */
unsigned int cpuid_svc_copy(const struct cpuid_table *t, bool dynamic,
			    const struct xsave_order *o,
			    const struct cpuid_svc_request *q,
			    struct cpuid_svc_record *rec);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * One vCPU's checks of its own view, the same on the BSP and on every AP:
 * its built table through its CPUID service (with 0xD.0/0xD.1 EBX at the
 * state the Linux model enters), the model on that table, its CPUID
 * instruction against its own KVM table, and, with a stated topology, its
 * topology fields (cpuid/topology_check.h). The results stay in the vCPU's
 * area; only the BSP prints, the APs' after theirs.
 */
#ifndef XSVM_GUEST_VCPU_H
#define XSVM_GUEST_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "cpuid/linux.h"
#include "cpuid/service.h"
#include "cpuid/table.h"
#include "cpuid/topology_check.h"
#include "svc.h"

#define VCPU_NOTE_LEN 160

enum vcpu_state {
	VCPU_ABSENT,  /* not started, or never arrived */
	VCPU_ARRIVED, /* in C on its own stack */
	VCPU_DONE,    /* its report is complete */
};

struct vcpu_report {
	volatile uint32_t state;
	uint32_t lapic_id;
	unsigned int bad_state; /* BAD_STATE records at the enumeration state */
	uint64_t xcr0, xss;	/* the model's state */
	uint32_t ebx0, ebx1;	/* 0xD.0/0xD.1 EBX answered at that state */
	bool model_failed;	/* linux_check() could not run */
	bool passed;		/* the model's check passed */
	unsigned int native_n, native_same;
	char native_first[VCPU_NOTE_LEN]; /* the first difference */
	bool topo_checked;
	struct topology_check topo;
};

struct vcpu_area {
	struct cpuid_table built, kvm, native;
	struct cpuid_svc_record rec[CPUID_SVC_COPY_MAX];
	struct linux_result model;
	struct vcpu_report rep;
	struct svc_regs svc;	/* its CPUID service's state registers */
};

/* What every vCPU checks against, set by the BSP before the APs start. */
struct vcpu_plan {
	uint32_t version;	 /* the Linux model */
	bool native;		 /* compare the CPUID instruction */
	bool have_topology;	 /* xsvm.topology given */
	struct topology topo;
	unsigned int nr;	 /* vCPUs */
};

/*
 * The built table and the model on it (a failure to run the model ends
 * the run on the BSP, and is reported for an AP). ref (an AP's: vCPU 0's
 * area, done) lends its result when the tables differ only in topology
 * fields: the model is a pure function of the table.
 */
void vcpu_check_model(struct vcpu_area *a, unsigned int index,
		      const struct vcpu_plan *p, const struct vcpu_area *ref);
/*
 * The CPUID instruction against KVM's table and, with a topology, the
 * topology fields. print: each difference to the console (the BSP's way);
 * else the first is kept in the report.
 */
void vcpu_check_view(struct vcpu_area *a, unsigned int index,
		     const struct vcpu_plan *p, bool print);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The CPUID service as the test guest uses it (cpuid/service.h has the
 * protocol): set the state, ask one question, or walk a table in key
 * order. A VMM that answers a walk out of order, or endlessly, ends the run
 * with no verdict.
 */
#ifndef XSVM_GUEST_SVC_H
#define XSVM_GUEST_SVC_H

#include <stdbool.h>
#include <stdint.h>

#include "cpuid/service.h"

uint32_t svc_in(unsigned int off);
void svc_out(unsigned int off, uint32_t v);
/*
 * The state registers as one vCPU last wrote them to its service, which
 * keeps them: svc_state() writes only the 32-bit registers that change.
 * Zeroed: none written yet.
 */
struct svc_regs {
	bool written;
	uint32_t table;
	uint64_t xcr0, xss;
};

/* Choose the table and the XCR0/XSS of the answers that follow. */
void svc_state(struct svc_regs *r, uint32_t which, uint64_t xcr0,
	       uint64_t xss);
void svc_command(uint32_t cmd, uint32_t leaf, uint32_t subleaf,
		 struct cpuid_svc_answer *a);

/* Walking a table with CPUID_SVC_CMD_NEXT. */
struct svc_walk {
	uint32_t table;
	uint32_t leaf, subleaf; /* the last key answered */
	bool started;
	unsigned int steps;
};

void svc_walk_start(struct svc_walk *w, uint32_t which);
bool svc_walk_next(struct svc_walk *w, struct cpuid_svc_answer *a);

/*
 * The whole table `which` at the state set last, with one COPY into rec
 * (CPUID_SVC_COPY_MAX records), added to t (initialised here). Checked as a
 * walk is: keys increase, statuses are OK or BAD_STATE. Returns how many
 * records were BAD_STATE. A VMM that answers otherwise ends the run with no
 * verdict.
 */
unsigned int svc_copy(uint32_t which, struct cpuid_svc_record *rec,
		      struct cpuid_table *t);

#endif

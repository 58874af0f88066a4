// SPDX-License-Identifier: MIT
/*
 * The test guest's side of the CPUID service (cpuid/service.h): single
 * 32-bit port accesses, and a checked walk over a whole table.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpuid/table.h"
#include "guest.h"
#include "io.h"
#include "svc.h"

/* The CPUID service, one 32-bit port access at a time. */
uint32_t svc_in(unsigned int off)
{
	return inl(CPUID_SVC_PORT + off);
}

void svc_out(unsigned int off, uint32_t v)
{
	outl(CPUID_SVC_PORT + off, v);
}

/* Register off holds old (if written) and is to hold v. */
static void svc_set(const struct svc_regs *r, unsigned int off, uint32_t old,
		    uint32_t v)
{
	if (!r->written || old != v)
		svc_out(off, v);
}

void svc_state(struct svc_regs *r, uint32_t which, uint64_t xcr0,
	       uint64_t xss)
{
	svc_set(r, CPUID_SVC_TABLE, r->table, which);
	svc_set(r, CPUID_SVC_XCR0_LO, (uint32_t)r->xcr0, (uint32_t)xcr0);
	svc_set(r, CPUID_SVC_XCR0_HI, (uint32_t)(r->xcr0 >> 32),
		(uint32_t)(xcr0 >> 32));
	svc_set(r, CPUID_SVC_XSS_LO, (uint32_t)r->xss, (uint32_t)xss);
	svc_set(r, CPUID_SVC_XSS_HI, (uint32_t)(r->xss >> 32),
		(uint32_t)(xss >> 32));
	*r = (struct svc_regs){ true, which, xcr0, xss };
}

/* One command for (leaf, subleaf) at the state set last. */
void svc_command(uint32_t cmd, uint32_t leaf, uint32_t subleaf,
		 struct cpuid_svc_answer *a)
{
	svc_out(CPUID_SVC_LEAF, leaf);
	svc_out(CPUID_SVC_SUBLEAF, subleaf);
	svc_out(CPUID_SVC_CMD, cmd);
	a->status = svc_in(CPUID_SVC_STATUS);
	a->eax = svc_in(CPUID_SVC_EAX);
	a->ebx = svc_in(CPUID_SVC_EBX);
	a->ecx = svc_in(CPUID_SVC_ECX);
	a->edx = svc_in(CPUID_SVC_EDX);
	a->leaf = svc_in(CPUID_SVC_ENTRY_LEAF);
	a->subleaf = svc_in(CPUID_SVC_ENTRY_SUBLEAF);
}

void svc_walk_start(struct svc_walk *w, uint32_t which)
{
	memset(w, 0, sizeof(*w));
	w->table = which;
	w->leaf = w->subleaf = CPUID_SVC_FIRST;
}

/*
 * The next entry in *a: true while there is one. An entry is OK, or
 * BAD_STATE for 0xD.0/0xD.1 (it exists but the state did not fit). Keys
 * must increase, so a VMM that answers out of order cannot loop us.
 */
bool svc_walk_next(struct svc_walk *w, struct cpuid_svc_answer *a)
{
	svc_command(CPUID_SVC_CMD_NEXT, w->leaf, w->subleaf, a);
	if (a->status == CPUID_SVC_NO_ENTRY)
		return false;
	if (a->status != CPUID_SVC_OK && a->status != CPUID_SVC_BAD_STATE) {
		guest_fail("CPUID service: table %u: NEXT "
			   "after 0x%x.%x: status %u",
			   w->table, w->leaf, w->subleaf, a->status);
	}
	if (w->started && (a->leaf < w->leaf ||
			   (a->leaf == w->leaf && a->subleaf <= w->subleaf))) {
		guest_fail("CPUID service: table %u: NEXT "
			   "after 0x%x.%x answered 0x%x.%x",
			   w->table, w->leaf, w->subleaf, a->leaf,
			   a->subleaf);
	}
	if (++w->steps > CPUID_TABLE_MAX) {
		guest_fail("CPUID service: table %u has more "
			   "than %u entries",
			   w->table, CPUID_TABLE_MAX);
	}
	w->started = true;
	w->leaf = a->leaf;
	w->subleaf = a->subleaf;
	return true;
}

static __attribute__((noreturn)) void copy_fail(uint32_t which,
						 const char *what, uint32_t a,
						 uint32_t b)
{
	guest_fail("CPUID service: table %u: COPY %s (%u, %u)", which, what,
		   a, b);
}

unsigned int svc_copy(uint32_t which, struct cpuid_svc_record *rec,
		      struct cpuid_table *t)
{
	uint64_t gpa = (uint64_t)(uintptr_t)rec;
	uint32_t status, n;
	unsigned int bad = 0;

	svc_out(CPUID_SVC_LEAF, (uint32_t)gpa);
	svc_out(CPUID_SVC_SUBLEAF, (uint32_t)(gpa >> 32));
	svc_out(CPUID_SVC_CMD, CPUID_SVC_CMD_COPY);
	status = svc_in(CPUID_SVC_STATUS);
	n = svc_in(CPUID_SVC_EAX);
	/* the VMM wrote rec during the OUT: read it only now */
	__asm__ volatile("" : : : "memory");
	if (status != CPUID_SVC_OK)
		copy_fail(which, "answered status, count", status, n);
	if (n > CPUID_SVC_COPY_MAX)
		copy_fail(which, "wrote more records than the buffer holds", n,
			  CPUID_SVC_COPY_MAX);
	cpuid_table_init(t);
	for (uint32_t i = 0; i < n; i++) {
		const struct cpuid_svc_record *r = &rec[i];

		if (r->status != CPUID_SVC_OK && r->status != CPUID_SVC_BAD_STATE)
			copy_fail(which, "record with a bad status: record, status",
				  i, r->status);
		if (i && (r->leaf < rec[i - 1].leaf ||
			  (r->leaf == rec[i - 1].leaf &&
			   r->subleaf <= rec[i - 1].subleaf)))
			copy_fail(which, "records out of key order: record, leaf",
				  i, r->leaf);
		bad += r->status == CPUID_SVC_BAD_STATE;
		if (cpuid_table_add(t, r->leaf, r->subleaf, r->eax, r->ebx,
				    r->ecx, r->edx))
			copy_fail(which, "records do not fit a table", i, n);
	}
	return bad;
}

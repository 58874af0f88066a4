// SPDX-License-Identifier: MIT
#include <string.h>

#include "service.h"

/* The first entry strictly after (leaf, subleaf) in key order, or NULL. */
static const struct cpuid_entry *entry_after(const struct cpuid_table *t,
					     uint32_t leaf, uint32_t subleaf)
{
	unsigned int nr = t->nr < CPUID_TABLE_MAX ? t->nr : CPUID_TABLE_MAX;

	if (leaf == CPUID_SVC_FIRST && subleaf == CPUID_SVC_FIRST)
		return nr ? &t->e[0] : NULL;
	for (unsigned int i = 0; i < nr; i++) {
		const struct cpuid_entry *e = &t->e[i];

		if (e->leaf > leaf || (e->leaf == leaf && e->subleaf > subleaf))
			return e;
	}
	return NULL;
}

/* XCR0 with x87 and inside 0xD.0 EDX:EAX, XSS inside 0xD.1 EDX:ECX. */
static bool state_valid(const struct cpuid_table *t, uint64_t xcr0,
			uint64_t xss)
{
	return (xcr0 & XFEATURE_BIT(XFEATURE_FP)) &&
	       !(xcr0 & ~xsave_supported_user(t)) &&
	       !(xss & ~xsave_supported_supervisor(t));
}

/* EBX of 0xD.0/0xD.1 for the guest's state, or BAD_STATE. */
static void answer_state(const struct cpuid_table *t,
			 const struct xsave_order *o,
			 const struct cpuid_svc_request *q,
			 struct cpuid_svc_answer *a)
{
	uint32_t ebx0, ebx1;

	if (!state_valid(t, q->xcr0, q->xss)) {
		a->eax = a->ebx = a->ecx = a->edx = 0;
		a->status = CPUID_SVC_BAD_STATE;
		return;
	}
	xsave_state_ebx(t, q->xcr0, q->xss, o, &ebx0, &ebx1);
	a->ebx = a->subleaf == 0 ? ebx0 : ebx1;
}

void cpuid_svc_answer(const struct cpuid_table *t, bool dynamic,
		      const struct xsave_order *o,
		      const struct cpuid_svc_request *q,
		      struct cpuid_svc_answer *a)
{
	const struct cpuid_entry *e;

	memset(a, 0, sizeof(*a));
	if (!t || q->table > CPUID_SVC_TABLE_KVM) {
		a->status = CPUID_SVC_BAD_REQUEST;
		return;
	}
	switch (q->cmd) {
	case CPUID_SVC_CMD_QUERY:
		e = cpuid_table_find(t, q->leaf, q->subleaf);
		break;
	case CPUID_SVC_CMD_NEXT:
		e = entry_after(t, q->leaf, q->subleaf);
		break;
	default:
		a->status = CPUID_SVC_BAD_REQUEST;
		return;
	}
	if (!e) {
		a->status = CPUID_SVC_NO_ENTRY;
		return;
	}
	a->eax = e->eax;
	a->ebx = e->ebx;
	a->ecx = e->ecx;
	a->edx = e->edx;
	a->leaf = e->leaf;
	a->subleaf = e->subleaf;
	a->status = CPUID_SVC_OK;
	if (dynamic && e->leaf == XSAVE_LEAF && e->subleaf <= 1)
		answer_state(t, o, q, a);
}

unsigned int cpuid_svc_copy(const struct cpuid_table *t, bool dynamic,
			    const struct xsave_order *o,
			    const struct cpuid_svc_request *q,
			    struct cpuid_svc_record *rec)
{
	struct cpuid_svc_request next = *q;
	struct cpuid_svc_answer a;
	unsigned int n = 0;

	next.cmd = CPUID_SVC_CMD_NEXT;
	next.leaf = next.subleaf = CPUID_SVC_FIRST;
	while (n < CPUID_SVC_COPY_MAX) {
		cpuid_svc_answer(t, dynamic, o, &next, &a);
		if (a.status != CPUID_SVC_OK && a.status != CPUID_SVC_BAD_STATE)
			break;
		rec[n++] = (struct cpuid_svc_record){
			.leaf = a.leaf, .subleaf = a.subleaf,
			.eax = a.eax, .ebx = a.ebx, .ecx = a.ecx, .edx = a.edx,
			.status = a.status,
		};
		next.leaf = a.leaf;
		next.subleaf = a.subleaf;
	}
	return n;
}

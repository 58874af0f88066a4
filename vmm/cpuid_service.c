// SPDX-License-Identifier: MIT
#include <string.h>

#include "cpuid_service.h"

void cpuid_service_init(struct cpuid_service *s,
			const struct cpuid_table *built,
			const struct cpuid_table *seen,
			const struct xsave_order *o)
{
	memset(s, 0, sizeof(*s));
	s->built = built;
	s->seen = seen;
	s->order.kind = XSAVE_ORDER_ASCENDING;
	if (o)
		s->order = *o;
	s->ans.status = CPUID_SVC_NO_ENTRY;
}

void cpuid_service_set_mem(struct cpuid_service *s, const struct guest_mem *m)
{
	s->mem = m;
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint64_t set_half(uint64_t v, bool high, uint32_t half)
{
	if (high)
		return (v & 0xffffffffull) | (uint64_t)half << 32;
	return (v & ~0xffffffffull) | half;
}

/*
 * COPY: the records built aside, then written whole (little-endian) to a
 * buffer that is all RAM, or nothing written and BAD_REQUEST.
 */
static void copy(struct cpuid_service *s, const struct cpuid_table *t)
{
	static const struct cpuid_svc_answer bad = {
		.status = CPUID_SVC_BAD_REQUEST,
	};
	struct cpuid_svc_record rec[CPUID_SVC_COPY_MAX];
	uint64_t gpa = (uint64_t)s->req.subleaf << 32 | s->req.leaf;
	uint8_t *p = NULL;
	unsigned int n;

	if (s->mem)
		p = guest_mem_ptr(s->mem, gpa, CPUID_SVC_COPY_BYTES);
	if (!t || s->req.table > CPUID_SVC_TABLE_KVM || !p) {
		s->ans = bad;
		return;
	}
	n = cpuid_svc_copy(t, s->req.table == CPUID_SVC_TABLE_BUILT,
			   &s->order, &s->req, rec);
	for (unsigned int i = 0; i < n; i++) {
		const uint32_t v[7] = {rec[i].leaf, rec[i].subleaf, rec[i].eax,
				       rec[i].ebx,  rec[i].ecx,	    rec[i].edx,
				       rec[i].status};

		for (unsigned int j = 0; j < 7; j++)
			put_le32(p + i * sizeof(rec[0]) + j * 4, v[j]);
	}
	memset(&s->ans, 0, sizeof(s->ans));
	s->ans.status = CPUID_SVC_OK;
	s->ans.eax = n;
}

static void command(struct cpuid_service *s, uint32_t cmd)
{
	const struct cpuid_table *t = NULL;

	s->req.cmd = cmd;
	s->queries++;
	if (s->req.table == CPUID_SVC_TABLE_BUILT)
		t = s->built;
	else if (s->req.table == CPUID_SVC_TABLE_KVM)
		t = s->seen;
	if (cmd == CPUID_SVC_CMD_COPY) {
		copy(s, t);
		return;
	}
	cpuid_svc_answer(t, s->req.table == CPUID_SVC_TABLE_BUILT, &s->order,
			 &s->req, &s->ans);
}

static void reg_write(struct cpuid_service *s, unsigned int off, uint32_t v)
{
	struct cpuid_svc_request *q = &s->req;

	switch (off) {
	case CPUID_SVC_LEAF:
		q->leaf = v;
		break;
	case CPUID_SVC_SUBLEAF:
		q->subleaf = v;
		break;
	case CPUID_SVC_XCR0_LO:
	case CPUID_SVC_XCR0_HI:
		q->xcr0 = set_half(q->xcr0, off == CPUID_SVC_XCR0_HI, v);
		break;
	case CPUID_SVC_XSS_LO:
	case CPUID_SVC_XSS_HI:
		q->xss = set_half(q->xss, off == CPUID_SVC_XSS_HI, v);
		break;
	case CPUID_SVC_TABLE:
		q->table = v;
		break;
	case CPUID_SVC_CMD:
		command(s, v);
		break;
	}
}

static uint32_t reg_read(const struct cpuid_service *s, unsigned int off)
{
	const struct cpuid_svc_answer *a = &s->ans;

	switch (off) {
	case CPUID_SVC_EAX:
		return a->eax;
	case CPUID_SVC_EBX:
		return a->ebx;
	case CPUID_SVC_ECX:
		return a->ecx;
	case CPUID_SVC_EDX:
		return a->edx;
	case CPUID_SVC_STATUS:
		return a->status;
	case CPUID_SVC_ENTRY_LEAF:
		return a->leaf;
	case CPUID_SVC_ENTRY_SUBLEAF:
		return a->subleaf;
	default: /* CPUID_SVC_SIG */
		return CPUID_SVC_SIGNATURE;
	}
}

void cpuid_service_io(struct cpuid_service *s, unsigned int off, bool write,
		      uint8_t *data, unsigned int size)
{
	if (size != 4 || off % 4 || off >= CPUID_SVC_PORTS) {
		if (!write)
			memset(data, 0xff, size);
		s->bad_accesses++;
		return;
	}
	if (write)
		reg_write(s, off, get_le32(data));
	else
		put_le32(data, reg_read(s, off));
}

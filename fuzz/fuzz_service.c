// SPDX-License-Identifier: MIT
/*
 * The CPUID service device driven by any sequence of register accesses
 * (offset, size, direction, value), against the #708 table (Sapphire
 * Rapids built in hash:1 order for XCR0 0x600e7, XSS 0x800) and a KVM
 * read-back, checking the protocol of cpuid/service.h after every access.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpuid/builder.h"
#include "fuzz_util.h"
#include "vmm/cpuid_service.h"

static struct cpuid_table built, seen; /* made once, never written */
static const struct xsave_order hash1 = { XSAVE_ORDER_HASH, 1 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct xsave_build_params p;
	struct xsave_build_result r;
	struct xsvm_err err = { { 0 } };

	(void)argc;
	(void)argv;
	fuzz_load_table(FUZZ_SPR_DUMP, &built);
	xsave_build_params_init(&p);
	p.have_xcr0 = p.have_xss = true;
	p.xcr0 = 0x600e7;
	p.xss = 0x800;
	p.order = hash1;
	FUZZ_CHECK(!xsave_build(&built, &p, &r, &err));
	seen = built;
	cpuid_table_find_mut(&seen, 0xd, 0)->ebx = 0x2b00;
	cpuid_table_find_mut(&seen, 0xd, 1)->ebx = 0x2a00;
	return 0;
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static uint32_t answer_reg(const struct cpuid_service *s, unsigned int off)
{
	switch (off) {
	case CPUID_SVC_EAX:
		return s->ans.eax;
	case CPUID_SVC_EBX:
		return s->ans.ebx;
	case CPUID_SVC_ECX:
		return s->ans.ecx;
	case CPUID_SVC_EDX:
		return s->ans.edx;
	case CPUID_SVC_STATUS:
		return s->ans.status;
	case CPUID_SVC_ENTRY_LEAF:
		return s->ans.leaf;
	case CPUID_SVC_ENTRY_SUBLEAF:
		return s->ans.subleaf;
	default:
		return CPUID_SVC_SIGNATURE;
	}
}

/* The answer to the command just written, against the request. */
static void check_answer(const struct cpuid_service *s)
{
	const struct cpuid_svc_request *q = &s->req;
	const struct cpuid_svc_answer *a = &s->ans;
	const struct cpuid_table *t = q->table == CPUID_SVC_TABLE_BUILT ?
					      s->built :
				      q->table == CPUID_SVC_TABLE_KVM ?
					      s->seen :
					      NULL;
	const struct cpuid_entry *e;
	bool valid = t && (q->cmd == CPUID_SVC_CMD_QUERY ||
			   q->cmd == CPUID_SVC_CMD_NEXT);

	FUZZ_CHECK(a->status <= CPUID_SVC_BAD_REQUEST);
	if (a->status != CPUID_SVC_OK)
		FUZZ_CHECK(!a->eax && !a->ebx && !a->ecx && !a->edx);
	if (a->status == CPUID_SVC_NO_ENTRY ||
	    a->status == CPUID_SVC_BAD_REQUEST)
		FUZZ_CHECK(!a->leaf && !a->subleaf);
	FUZZ_CHECK(valid == (a->status != CPUID_SVC_BAD_REQUEST));
	if (a->status == CPUID_SVC_BAD_STATE)
		FUZZ_CHECK(t == s->built && a->leaf == 0xd && a->subleaf <= 1);
	if (!valid || a->status == CPUID_SVC_NO_ENTRY)
		return;
	/* The entry answered exists, and QUERY answers the key asked. */
	e = cpuid_table_find(t, a->leaf, a->subleaf);
	FUZZ_CHECK(e && e->leaf == a->leaf && e->subleaf == a->subleaf);
	if (q->cmd == CPUID_SVC_CMD_QUERY)
		FUZZ_CHECK(e == cpuid_table_find(t, q->leaf, q->subleaf));
	if (a->status != CPUID_SVC_OK)
		return;
	FUZZ_CHECK(a->eax == e->eax && a->ecx == e->ecx && a->edx == e->edx);
	if (t == s->seen || e->leaf != 0xd || e->subleaf > 1)
		FUZZ_CHECK(a->ebx == e->ebx);
}

static void one_access(struct cpuid_service *s, struct fuzz_in *in)
{
	static const unsigned int sizes[4] = { 4, 1, 2, 8 };
	uint32_t op = fuzz_take(in, 2);
	unsigned int off = op & 0x3f;
	unsigned int size = sizes[(op >> 6) & 3];
	bool write = op & 0x100;
	bool whole = size == 4 && !(off % 4) && off < CPUID_SVC_PORTS;
	uint8_t data[8];
	uint64_t bad = s->bad_accesses, queries = s->queries;
	struct cpuid_svc_request req = s->req;
	uint32_t v;

	/* Values: raw, or the ones the protocol gives a meaning. */
	switch ((op >> 9) & 3) {
	case 0:
		v = fuzz_take(in, 4);
		break;
	case 1:
		v = fuzz_take(in, 1);
		break;
	case 2:
		v = CPUID_SVC_FIRST;
		break;
	default:
		v = 0xd;
		break;
	}
	memset(data, 0xa5, sizeof(data));
	memcpy(data, &v, 4);
	if (!whole && !write) {
		cpuid_service_io(s, off, write, data, size);
		for (unsigned int i = 0; i < size; i++)
			FUZZ_CHECK(data[i] == 0xff);
		FUZZ_CHECK(s->bad_accesses == bad + 1);
		return;
	}
	cpuid_service_io(s, off, write, data, size);
	if (!whole) {
		FUZZ_CHECK(s->bad_accesses == bad + 1);
		FUZZ_CHECK(!memcmp(&req, &s->req, sizeof(req)));
		return;
	}
	FUZZ_CHECK(s->bad_accesses == bad);
	if (!write) {
		FUZZ_CHECK(get32(data) == answer_reg(s, off));
		return;
	}
	if (off == CPUID_SVC_CMD) {
		FUZZ_CHECK(s->queries == queries + 1);
		FUZZ_CHECK(s->req.cmd == v);
		check_answer(s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpuid_service s;
	struct fuzz_in in = { data, size };
	uint32_t mode = fuzz_take(&in, 1);

	cpuid_service_init(&s, &built, mode & 1 ? NULL : &seen,
			   mode & 2 ? NULL : &hash1);
	FUZZ_CHECK(s.ans.status == CPUID_SVC_NO_ENTRY);
	FUZZ_CHECK(!s.ans.eax && !s.ans.ebx && !s.ans.ecx && !s.ans.edx);
	while (in.n)
		one_access(&s, &in);
	return 0;
}

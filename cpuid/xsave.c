// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "scan.h"
#include "xsave.h"

#define C(i, sn, ln, sup, ksz, x, al)                                       \
	[i] = { .index = i, .short_name = sn, .linux_name = ln,          \
		.supervisor = sup, .kernel_size = ksz, .xfd = x, .align64 = al }

static const struct xsave_component_info components[XFEATURE_KNOWN_NR] = {
	C(0, "x87", "x87 floating point registers", false, 0, false, false),
	C(1, "sse", "SSE registers", false, 0, false, false),
	C(2, "avx", "AVX registers", false, 256, false, false),
	C(3, "bndregs", "MPX bounds registers", false, 64, false, false),
	C(4, "bndcsr", "MPX CSR", false, 64, false, false),
	C(5, "opmask", "AVX-512 opmask", false, 64, false, false),
	C(6, "zmm_hi256", "AVX-512 Hi256", false, 512, false, false),
	C(7, "hi16_zmm", "AVX-512 ZMM_Hi256", false, 1024, false, false),
	C(8, "pt", "Processor Trace (unused)", true, 0, false, false),
	C(9, "pkru", "Protection Keys User registers", false, 8, false, false),
	C(10, "pasid", "PASID state", true, 8, false, false),
	C(11, "cet_u", "Control-flow User registers", true, 16, false, false),
	C(12, "cet_s", "Control-flow Kernel registers (unused)", true, 24,
	  false, false),
	C(13, "hdc", "unknown xstate feature", true, 0, false, false),
	C(14, "uintr", "unknown xstate feature", true, 0, false, false),
	C(15, "lbr", "unknown xstate feature", true, 0, false, false),
	C(16, "hwp", "unknown xstate feature", true, 0, false, false),
	C(17, "tilecfg", "AMX Tile config", false, 64, false, true),
	C(18, "tiledata", "AMX Tile data", false, 8192, true, true),
	C(19, "apx", "APX registers", false, 128, false, false),
};

const struct xsave_component_info *xsave_component_info(unsigned int index)
{
	return index < XFEATURE_KNOWN_NR ? &components[index] : NULL;
}

void xsave_comp_read(const struct cpuid_table *t, unsigned int index,
		     struct xsave_comp *c)
{
	const struct cpuid_entry *e = cpuid_table_find(t, XSAVE_LEAF, index);

	memset(c, 0, sizeof(*c));
	c->index = (uint8_t)index;
	if (!e)
		return;
	c->present = true;
	c->size = e->eax;
	c->offset = e->ebx;
	c->flags = e->ecx;
	c->supervisor = e->ecx & XSAVE_ECX_SUPERVISOR;
	c->aligned = e->ecx & XSAVE_ECX_ALIGN64;
	c->xfd = e->ecx & XSAVE_ECX_XFD;
}

uint64_t xsave_supported_user(const struct cpuid_table *t)
{
	return cpuid_table_reg(t, XSAVE_LEAF, 0, CPUID_EAX) |
	       (uint64_t)cpuid_table_reg(t, XSAVE_LEAF, 0, CPUID_EDX) << 32;
}

uint64_t xsave_supported_supervisor(const struct cpuid_table *t)
{
	return cpuid_table_reg(t, XSAVE_LEAF, 1, CPUID_ECX) |
	       (uint64_t)cpuid_table_reg(t, XSAVE_LEAF, 1, CPUID_EDX) << 32;
}

int xsave_order_parse(const char *s, struct xsave_order *o,
		      struct xsvm_err *err)
{
	struct scan t = { s, strlen(s) };
	uint64_t seed;

	if (!strcmp(s, "ascending")) {
		o->kind = XSAVE_ORDER_ASCENDING;
		o->seed = 0;
		return 0;
	}
	if (scan_eat(&t, "hash:") &&
	    scan_number(&t, UINT64_MAX, &seed) == SCAN_NUM_OK && !t.n) {
		o->kind = XSAVE_ORDER_HASH;
		o->seed = seed;
		return 0;
	}
	t = (struct scan){ s, strlen(s) };
	if (scan_eat(&t, "hash-vcpu:") &&
	    scan_number(&t, UINT64_MAX, &seed) == SCAN_NUM_OK && !t.n) {
		o->kind = XSAVE_ORDER_HASH_VCPU;
		o->seed = seed;
		return 0;
	}
	return xsvm_err_set(err, EINVAL,
			    "--xsave-order: '%s' is neither 'ascending', 'hash:SEED' nor 'hash-vcpu:SEED' (SEED a 64-bit number)",
			    s);
}

int xsave_order_format(const struct xsave_order *o, char *buf, size_t len)
{
	if (o->kind == XSAVE_ORDER_ASCENDING)
		return snprintf(buf, len, "ascending");
	return snprintf(buf, len, "%s:%llu",
			o->kind == XSAVE_ORDER_HASH_VCPU ? "hash-vcpu" : "hash",
			(unsigned long long)o->seed);
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct xsave_order xsave_order_for_boot(const struct xsave_order *o,
					unsigned int boot)
{
	struct xsave_order b = *o;
	uint64_t state;

	if (o->kind == XSAVE_ORDER_ASCENDING || boot <= 1)
		return b;
	state = o->seed ^ ((uint64_t)boot * 0xd1342543de82ef95ull);
	(void)splitmix64(&state);
	b.seed = splitmix64(&state);
	return b;
}

struct xsave_order xsave_order_for_vcpu(const struct xsave_order *o,
					unsigned int index)
{
	struct xsave_order v = *o;
	uint64_t state;

	if (o->kind != XSAVE_ORDER_HASH_VCPU || !index)
		return v;
	state = o->seed ^ ((uint64_t)index * 0x9fb21c651e98df25ull);
	(void)splitmix64(&state);
	v.seed = splitmix64(&state);
	return v;
}

void xsave_order_permute(const struct xsave_order *o, const uint8_t *idx,
			 unsigned int n, uint8_t *perm)
{
	uint64_t state;

	memcpy(perm, idx, n);
	if (o->kind == XSAVE_ORDER_ASCENDING || n < 2)
		return;
	state = o->seed;
	for (unsigned int i = n - 1; i > 0; i--) {
		unsigned int j = (unsigned int)(splitmix64(&state) % (i + 1));
		uint8_t tmp = perm[i];

		perm[i] = perm[j];
		perm[j] = tmp;
	}
}

void xsave_layout_compute(const struct cpuid_table *t, uint64_t mask,
			  struct xsave_layout *l)
{
	uint32_t pos = XSAVE_EXT_START;

	memset(l, 0, sizeof(*l));
	l->mask = mask;
	l->standard_size = XSAVE_EXT_START;
	for (unsigned int i = 2; i < XSAVE_MAX_COMPONENTS; i++) {
		struct xsave_slot *s;

		if (!(mask & XFEATURE_BIT(i)))
			continue;
		s = &l->slot[l->nr++];
		xsave_comp_read(t, i, &s->comp);
		s->standard_offset = s->comp.offset;
		if (s->comp.aligned)
			pos = xsave_align_up(pos);
		s->compacted_offset = pos;
		pos += s->comp.size;
		if (!s->comp.supervisor &&
		    s->comp.offset + s->comp.size > l->standard_size)
			l->standard_size = s->comp.offset + s->comp.size;
	}
	l->compacted_size = pos;
}

uint32_t xsave_standard_size(const struct cpuid_table *t, uint64_t mask)
{
	struct xsave_layout l;

	xsave_layout_compute(t, mask, &l);
	return l.standard_size;
}

uint32_t xsave_compacted_size(const struct cpuid_table *t, uint64_t mask)
{
	struct xsave_layout l;

	xsave_layout_compute(t, mask, &l);
	return l.compacted_size;
}

uint32_t xsave_compacted_size_perm(const struct xsave_layout *l,
				   const uint8_t *slot_order)
{
	uint32_t pos = XSAVE_EXT_START;

	for (unsigned int k = 0; k < l->nr; k++) {
		const struct xsave_comp *c = &l->slot[slot_order[k]].comp;

		if (c->aligned)
			pos = xsave_align_up(pos);
		pos += c->size;
	}
	return pos;
}

uint32_t xsave_compacted_size_order(const struct xsave_layout *l,
				    const struct xsave_order *o)
{
	uint8_t slots[XSAVE_MAX_COMPONENTS], perm[XSAVE_MAX_COMPONENTS];

	for (unsigned int k = 0; k < l->nr; k++)
		slots[k] = (uint8_t)k;
	xsave_order_permute(o, slots, l->nr, perm);
	return xsave_compacted_size_perm(l, perm);
}

void xsave_state_ebx(const struct cpuid_table *t, uint64_t xcr0, uint64_t xss,
		     const struct xsave_order *o, uint32_t *ebx0, uint32_t *ebx1)
{
	static const struct xsave_order ascending = {
		.kind = XSAVE_ORDER_ASCENDING,
	};
	struct xsave_layout l;

	*ebx0 = xsave_standard_size(t, xcr0);
	xsave_layout_compute(t, xcr0 | xss, &l);
	*ebx1 = xsave_compacted_size_order(&l, o ? o : &ascending);
}

static bool all_or_none(uint64_t v, uint64_t m)
{
	return (v & m) == 0 || (v & m) == m;
}

const char *xsave_xcr0_invalid(uint64_t xcr0)
{
	if (!(xcr0 & XFEATURE_BIT(XFEATURE_FP)))
		return "x87 (bit 0) must be set";
	if ((xcr0 & XFEATURE_BIT(XFEATURE_YMM)) &&
	    !(xcr0 & XFEATURE_BIT(XFEATURE_SSE)))
		return "AVX (bit 2) requires SSE (bit 1)";
	if (!all_or_none(xcr0, XFEATURE_MASK_AVX512))
		return "AVX-512 bits 5-7 must be all set or all clear";
	if ((xcr0 & XFEATURE_MASK_AVX512) &&
	    !(xcr0 & XFEATURE_BIT(XFEATURE_YMM)))
		return "AVX-512 (bits 5-7) requires AVX (bit 2)";
	if (!all_or_none(xcr0, XFEATURE_MASK_MPX))
		return "MPX bits 3 and 4 must be equal";
	if (!all_or_none(xcr0, XFEATURE_MASK_AMX))
		return "AMX bits 17 and 18 must be equal";
	return NULL;
}

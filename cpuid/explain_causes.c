// SPDX-License-Identifier: MIT
/*
 * The causes of a size mismatch named with their own analysis (see
 * explain_impl.h): the visiting orders that give the reported size and
 * the rule they share, the alignment padding left out, the XCR0/XSS near
 * the enabled one that EBX was sized for.
 */
#include <string.h>

#include "explain_impl.h"

#define BIT(i) XFEATURE_BIT(i)
/* Orders enumerated one by one to find which visiting rule matters. */
#define EXPLAIN_ENUM_MAX 8
/* Masks tried when looking for the state EBX was sized for. */
#define EXPLAIN_MASK_BUDGET 50000u
#define EXPLAIN_MASK_DIST   3
#define EXPLAIN_MAX_MASKS   3

/* ------------------------------------------------- a: visiting orders */

struct order_rules {
	uint64_t after[ORDERS_MAX_COMPONENTS]; /* slot x always after these */
	uint64_t matching;		       /* orders giving the size */
	uint64_t satisfying;		       /* orders obeying the rules */
};

/* Heap's algorithm over slot orders: collect the rules, then check them. */
static void each_order(const struct xsave_layout *l, uint32_t size,
		       struct order_rules *o, bool second)
{
	uint8_t a[EXPLAIN_ENUM_MAX], c[EXPLAIN_ENUM_MAX] = { 0 };
	unsigned int n = l->nr, i = 1;

	for (unsigned int k = 0; k < n; k++)
		a[k] = (uint8_t)k;
	for (;;) {
		uint8_t pos[EXPLAIN_ENUM_MAX];
		bool hit = xsave_compacted_size_perm(l, a) == size;

		for (unsigned int k = 0; k < n; k++)
			pos[a[k]] = (uint8_t)k;
		if (!second && hit) {
			o->matching++;
			for (unsigned int x = 0; x < n; x++) {
				uint64_t before = 0;

				for (unsigned int y = 0; y < n; y++)
					if (pos[y] < pos[x])
						before |= BIT(y);
				o->after[x] &= before;
			}
		} else if (second) {
			bool ok = true;

			for (unsigned int x = 0; x < n && ok; x++)
				for (unsigned int y = 0; y < n && ok; y++)
					if ((o->after[x] & BIT(y)) &&
					    pos[y] > pos[x])
						ok = false;
			if (ok)
				o->satisfying++;
		}
		while (i < n && c[i] >= i)
			c[i++] = 0;
		if (i >= n)
			return;
		{
			unsigned int j = (i & 1) ? c[i] : 0;
			uint8_t tmp = a[j];

			a[j] = a[i];
			a[i] = tmp;
		}
		c[i]++;
		i = 1;
	}
}

/* "visit component 11 after 17 and 18" (or a fallback). */
static void put_order_rule(struct explain_buf *b, const struct xsave_layout *l,
			   uint32_t size)
{
	struct order_rules o;
	bool any = false;

	if (l->nr > EXPLAIN_ENUM_MAX || l->nr < 2)
		return;
	memset(&o, 0, sizeof(o));
	for (unsigned int x = 0; x < l->nr; x++)
		o.after[x] = ~0ull;
	each_order(l, size, &o, false);
	if (!o.matching)
		return;
	each_order(l, size, &o, true);
	for (unsigned int x = 0; x < l->nr; x++) {
		unsigned int v[ORDERS_MAX_COMPONENTS], n = 0;

		if (!o.after[x])
			continue;
		for (unsigned int y = 0; y < l->nr; y++)
			if (o.after[x] & BIT(y))
				v[n++] = l->slot[y].comp.index;
		explain_put(b, any ? "; and " : o.satisfying == o.matching ?
						 ", exactly those that " :
						 ", all of which ");
		explain_put(b, "visit component %u after ", l->slot[x].comp.index);
		explain_put_list(b, v, n);
		any = true;
	}
	if (!any) {
		unsigned int v[ORDERS_MAX_COMPONENTS], n = 0;

		for (unsigned int k = 0; k < l->nr; k++)
			if (l->slot[k].comp.aligned ||
			    l->slot[k].comp.size % XSAVE_ALIGN)
				v[n++] = l->slot[k].comp.index;
		explain_put(b, "; which depends on where components ");
		explain_put_list(b, v, n);
		explain_put(b, " are visited");
	}
}

/* In-order padding before each aligned slot. */
static unsigned int paddings(const struct xsave_layout *l, unsigned int *idx,
			     uint32_t *pad)
{
	uint32_t end = XSAVE_EXT_START;
	unsigned int n = 0;

	for (unsigned int k = 0; k < l->nr; k++) {
		const struct xsave_slot *s = &l->slot[k];

		if (s->compacted_offset > end) {
			idx[n] = s->comp.index;
			pad[n++] = s->compacted_offset - end;
		}
		end = s->compacted_offset + s->comp.size;
	}
	return n;
}

static void put_padding(struct explain_buf *b, const struct explain_result *r)
{
	unsigned int idx[XSAVE_MAX_COMPONENTS], n;
	uint32_t pad[XSAVE_MAX_COMPONENTS], total = 0;
	uint32_t s = r->in_order_size, rep = r->reported_size;

	n = paddings(&r->layout, idx, pad);
	for (unsigned int k = 0; k < n; k++)
		total += pad[k];
	if (rep > s) {
		explain_put(b, "%u bytes of alignment padding more than in order", rep - s);
		return;
	}
	for (unsigned int k = 0; k < n; k++) {
		if (pad[k] == s - rep) {
			explain_put(b, "%u bytes of alignment padding missing before component %u",
				    s - rep, idx[k]);
			return;
		}
	}
	explain_put(b, "%u bytes of alignment padding missing", s - rep);
	if (n && total == s - rep) {
		explain_put(b, " before components ");
		explain_put_list(b, idx, n);
	}
}

bool explain_cause_order(struct explain_result *r,
			 const struct orders_result *o)
{
	struct explain_buf b;

	for (unsigned int k = 0; k < o->nr_sizes; k++) {
		if (o->sizes[k].size != r->reported_size)
			continue;
		r->orders_reported = o->sizes[k].orders;
		b = explain_cause_buf(r, EXPLAIN_ORDER);
		explain_put(&b, "sizes accumulated out of order: ");
		put_padding(&b, r);
		explain_put(&b, "; %llu of %llu orders give %u",
			    (unsigned long long)o->sizes[k].orders,
			    (unsigned long long)o->orders_total,
			    r->reported_size);
		put_order_rule(&b, &r->layout, r->reported_size);
		return true;
	}
	return false;
}

/* b: the size with no alignment at all. */
bool explain_cause_no_align(struct explain_result *r)
{
	unsigned int idx[XSAVE_MAX_COMPONENTS], n;
	uint32_t pad[XSAVE_MAX_COMPONENTS];
	struct explain_buf b;

	if (r->reported_size != r->unaligned_size)
		return false;
	n = paddings(&r->layout, idx, pad);
	b = explain_cause_buf(r, EXPLAIN_NO_ALIGN);
	explain_put(&b, "alignment ignored: %u is the compacted size of 0x%llx with no 64-byte alignment; in order with alignment it is %u (",
		    r->reported_size, (unsigned long long)r->mask,
		    r->in_order_size);
	for (unsigned int k = 0; k < n; k++)
		explain_put(&b, "%s%u bytes of padding before component %u",
			    k ? ", " : "", pad[k], idx[k]);
	explain_put(&b, ")");
	return true;
}

/* ------------------------------------------------- c: another state */

struct mask_search {
	const struct cpuid_table *t;
	const struct explain_result *r;
	uint64_t sup_bits; /* supervisor components (by 0xD.i ECX) */
	unsigned int nbits;
	uint8_t bits[XSAVE_MAX_COMPONENTS]; /* candidate bits to flip */
	unsigned int budget;
	unsigned int nfound;
	uint64_t found[EXPLAIN_MAX_MASKS];
};

static uint32_t size_for(const struct mask_search *m, uint64_t mask)
{
	if (m->r->compacted)
		return xsave_compacted_size(m->t, mask);
	return xsave_standard_size(m->t, mask & ~m->sup_bits);
}

static void try_mask(struct mask_search *m, uint64_t mask)
{
	if (!m->budget)
		return;
	m->budget--;
	if (xsave_xcr0_invalid(mask & ~m->sup_bits))
		return;
	if (!m->r->compacted && (mask & m->sup_bits))
		return;
	if (size_for(m, mask) != m->r->reported_size)
		return;
	if (m->nfound < EXPLAIN_MAX_MASKS)
		m->found[m->nfound] = mask;
	m->nfound++;
}

/* Flip every combination of d of the candidate bits, from index start. */
static void flip(struct mask_search *m, uint64_t mask, unsigned int start,
		 unsigned int d)
{
	if (!d) {
		try_mask(m, mask);
		return;
	}
	for (unsigned int k = start; k + d <= m->nbits && m->budget; k++)
		flip(m, mask ^ BIT(m->bits[k]), k + 1, d - 1);
}

bool explain_cause_wrong_state(const struct cpuid_table *t,
			       struct explain_result *r)
{
	struct mask_search m = { .t = t, .r = r, .budget = EXPLAIN_MASK_BUDGET };
	uint64_t cand = xsave_supported_user(t) | xsave_supported_supervisor(t);
	struct explain_buf b;

	cand = (cand | r->mask) & ~XFEATURE_MASK_FPSSE;
	for (unsigned int i = 2; i < XSAVE_MAX_COMPONENTS; i++) {
		if (cpuid_table_reg(t, XSAVE_LEAF, i, CPUID_ECX) &
		    XSAVE_ECX_SUPERVISOR)
			m.sup_bits |= BIT(i);
		if ((cand & BIT(i)) && cpuid_table_find(t, XSAVE_LEAF, i))
			m.bits[m.nbits++] = (uint8_t)i;
	}
	for (unsigned int d = 1; d <= EXPLAIN_MASK_DIST && !m.nfound; d++)
		flip(&m, r->mask, 0, d);
	if (!m.nfound)
		return false;
	b = explain_cause_buf(r, EXPLAIN_WRONG_STATE);
	explain_put(&b, "EBX computed for the wrong XCR0/XSS: %u is the in-order %s size for ",
		    r->reported_size, r->compacted ? "compacted" : "standard");
	for (unsigned int k = 0; k < m.nfound && k < EXPLAIN_MAX_MASKS; k++) {
		uint64_t more = m.found[k] & ~r->mask, less = r->mask & ~m.found[k];
		bool first = true;

		explain_put(&b, "%s0x%llx (", k ? " or " : "",
			    (unsigned long long)m.found[k]);
		for (unsigned int i = 0; i < XSAVE_MAX_COMPONENTS; i++) {
			if (!((more | less) & BIT(i)))
				continue;
			explain_put(&b, "%scomponent %u (%s) %s",
				    first ? "" : ", ", i, explain_comp_name(i),
				    (more & BIT(i)) ? "added" : "left out");
			first = false;
		}
		explain_put(&b, ")");
	}
	explain_put(&b, ", not for the enabled 0x%llx",
		    (unsigned long long)r->mask);
	if (r->compacted && r->xss && m.found[0] == r->xcr0)
		explain_put(&b, ": 0xd.1 EBX was sized from XCR0 alone, without the supervisor components of XSS 0x%llx",
			    (unsigned long long)r->xss);
	return true;
}

void explain_cause_unexplained(struct explain_result *r)
{
	struct explain_buf b = explain_cause_buf(r, EXPLAIN_UNEXPLAINED);

	explain_put(&b, "size mismatch with no recognised cause: in order the %s size of 0x%llx is %u, the kernel was given %u, and neither the %u candidate computations searched (visiting orders, alignment, earlier or partial XCR0/XSS, the other format, other CPU models' components, the legacy area) nor a nearby XCR0/XSS gives %u",
		    r->compacted ? "compacted" : "standard",
		    (unsigned long long)r->mask, r->in_order_size,
		    r->reported_size, r->candidates_tried, r->reported_size);
}


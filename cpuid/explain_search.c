// SPDX-License-Identifier: MIT
/*
 * The candidate search of `xsvm explain`: when the size the kernel was
 * given is not the in-order size, try the ways a host computes that number
 * wrongly and keep every one that gives exactly the reported size.
 *
 * A candidate computation is one defect, or two defects of different
 * dimensions; its "assumptions" is how many. The defects, in rank order:
 *
 *   formula   order                   sizes accumulated in another order
 *                                     (compacted; tried alone, with the
 *                                     exact share from orders_analyse())
 *   formula   no_alignment            compacted, 0xd.i ECX bit 1 ignored
 *   state     xcr0_without_xss        compacted size over XCR0 alone
 *   state     ebx_not_updated_after_xss_write
 *                                     EBX left at XCR0 written, XSS still 0
 *                                     (the same size as the one above)
 *   state     xss_without_xcr0        compacted size over XSS alone
 *   state     ebx_not_updated_after_xsetbv
 *                                     EBX left at the reset state, XCR0 0x1
 *                                     (x87 only) and XSS 0: 576
 *   formula   standard_size_for_compacted
 *                                     max(offset + size) over the user
 *                                     components where compacted is due
 *   formula   compacted_size_for_standard
 *                                     the reverse, in the standard format
 *   component COMP_from_TAG           one component's size, offset and
 *                                     alignment as another CPU model has
 *                                     them (xsave_variants.c, in its order)
 *   legacy    legacy_area_counted_twice (+512), legacy_area_left_out (-512),
 *             header_counted_twice (+64), header_left_out (-64),
 *             legacy_area_and_header_counted_twice (+576),
 *             legacy_area_and_header_left_out (-576)
 *
 * The XCR0/XSS states only apply in the compacted format with XSS set,
 * the formulas in the format they name; all other defects always.
 *
 * Candidates are ranked by assumptions, then by the rank of their first
 * defect, then of their second. A pair is named and told state first, then
 * formula, component, legacy area: "xcr0_without_xss_and_no_alignment".
 * A candidate counts as tried when each of its defects changes the size
 * it gives: one that does not is a simpler candidate again. The states are
 * subsets of the enabled one, so every size comes from r->layout.
 */
#include <stdio.h>
#include <string.h>

#include "explain_search_impl.h"

/* ------------------------------------------------------------ search */

/* Another visiting order: the exact share of orders giving the size. */
static void search_orders(struct search *s, struct orders_result *o)
{
	struct explain_result *r = s->r;
	struct explain_candidate *k;
	struct explain_buf t;

	if (!r->compacted || r->layout.nr > ORDERS_MAX_COMPONENTS ||
	    orders_analyse(&r->layout, o, NULL))
		return;
	r->have_orders = true;
	r->orders_total = o->orders_total;
	if (o->nr_sizes < 2)
		return;
	r->candidates_tried++;
	for (unsigned int i = 0; i < o->nr_sizes; i++) {
		if (o->sizes[i].size != r->reported_size)
			continue;
		r->orders_reported = o->sizes[i].orders;
		r->candidates_found++;
		k = &r->candidates[r->nr_candidates++];
		memset(k, 0, sizeof(*k));
		snprintf(k->name, sizeof(k->name), "order");
		k->kind = EXPLAIN_ORDER;
		k->size = r->reported_size;
		k->assumptions = 1;
		t = (struct explain_buf){ k->text, sizeof(k->text), 0 };
		explain_put(&t, "sizes accumulated in another order: %llu of the %llu orders of the %u components give %u; in order the compacted size for ",
			    (unsigned long long)o->sizes[i].orders,
			    (unsigned long long)o->orders_total, r->layout.nr,
			    r->reported_size);
		explain_put_enabled(&t, r);
		explain_put(&t, " is %u", r->in_order_size);
	}
}

/*
 * The size of a computation when each of its defects changes it (else it
 * is a simpler computation again, not tried).
 */
static bool distinct(const struct search *s, const struct defect *a,
		     const struct defect *b, uint32_t *size)
{
	uint32_t v, alone;
	bool ok;

	v = explain_size_with(s, a, b, &ok);
	if (!ok)
		return false;
	if (!b) {
		*size = v;
		return v != s->baseline;
	}
	alone = explain_size_with(s, a, NULL, &ok);
	if (ok && alone == v)
		return false;
	alone = explain_size_with(s, b, NULL, &ok);
	if (ok && alone == v)
		return false;
	*size = v;
	return true;
}

static void consider(struct search *s, const struct defect *a,
		     const struct defect *b)
{
	uint32_t size;

	if (!distinct(s, a, b, &size))
		return;
	s->r->candidates_tried++;
	if (size == s->r->reported_size)
		explain_record_candidate(s, a, b, size);
}

void explain_search(struct explain_result *r, struct orders_result *o)
{
	struct search s = { .r = r };
	bool ok;

	s.variants = xsave_variants(&s.nr_variants);
	s.state_mask[ST_ENABLED] = r->mask;
	s.state_mask[ST_XCR0_ONLY] = r->xcr0;
	s.state_mask[ST_XSS_WRITE] = r->xcr0;
	s.state_mask[ST_XSS_ONLY] = r->xss;
	s.state_mask[ST_RESET] = BIT(XFEATURE_FP);
	r->searched = true;
	search_orders(&s, o);
	explain_collect_defects(&s);
	s.baseline = explain_size_with(&s, NULL, NULL, &ok);
	for (unsigned int i = 0; i < s.nr; i++)
		consider(&s, &s.d[i], NULL);
	for (unsigned int i = 0; i < s.nr; i++)
		for (unsigned int j = i + 1; j < s.nr; j++)
			if (s.d[i].dim != s.d[j].dim)
				consider(&s, &s.d[i], &s.d[j]);
}

void explain_cause_candidate(struct explain_result *r,
			     const struct explain_candidate *c)
{
	struct explain_buf b = explain_cause_buf(r, c->kind);

	explain_put(&b, "%s", c->text);
}

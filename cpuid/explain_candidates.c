// SPDX-License-Identifier: MIT
/*
 * The candidates of the search of `xsvm explain` (see explain_search.c):
 * the defects a candidate is made of, which of them apply, the size a
 * computation with them gives, and how a candidate is named and told.
 */
#include <stdio.h>
#include <string.h>

#include "explain_search_impl.h"

/* A candidate: one choice per dimension (the first of each is none). */
struct computation {
	enum state state;
	enum formula formula;
	int variant; /* index in xsave_variants(), or -1 */
	int legacy;  /* index in legacy[], or -1 */
};

/* How a state, formula or legacy-area defect is named and told. */
struct words {
	const char *name, *title;
	enum explain_cause_kind kind;
	const char *figure; /* a formula's size: "compacted size" */
	const char *why;    /* a formula's or legacy area's reason */
};

static const struct words states[] = {
	[ST_XCR0_ONLY] = { "xcr0_without_xss", "EBX sized from XCR0 without XSS",
			   EXPLAIN_WRONG_STATE },
	[ST_XSS_WRITE] = { "ebx_not_updated_after_xss_write",
			   "EBX not updated after the XSS write",
			   EXPLAIN_STALE_EBX },
	[ST_XSS_ONLY] = { "xss_without_xcr0", "EBX sized from XSS without XCR0",
			  EXPLAIN_WRONG_STATE },
	[ST_RESET] = { "ebx_not_updated_after_xsetbv",
		       "EBX not updated after XSETBV", EXPLAIN_STALE_EBX },
};

static const struct words formulas[] = {
	[FO_NO_ALIGN] = { "no_alignment", "alignment ignored",
			  EXPLAIN_NO_ALIGN,
			  "compacted size with no 64-byte alignment",
			  "the host ignores 0xd.i ECX bit 1 (64-byte alignment)" },
	[FO_STANDARD] = { "standard_size_for_compacted",
			  "standard-format size where the compacted one is due",
			  EXPLAIN_WRONG_FORMAT, "standard-format size",
			  "the host reports the standard-format size in 0xd.1 EBX where the compacted format is due" },
	[FO_COMPACTED] = { "compacted_size_for_standard",
			   "compacted size where the standard one is due",
			   EXPLAIN_WRONG_FORMAT, "compacted size",
			   "the host reports a compacted size in 0xd.0 EBX where the standard format is due" },
};

/* Added to the size; the words say why. */
static const struct legacy_defect {
	int32_t delta;
	struct words words;
} legacy[] = {
	{ 512, { "legacy_area_counted_twice", "legacy area counted twice",
		 EXPLAIN_LEGACY_AREA, NULL,
		 "the host adds the 512-byte legacy area twice" } },
	{ -512, { "legacy_area_left_out", "legacy area left out",
		  EXPLAIN_LEGACY_AREA, NULL,
		  "the host leaves out the 512-byte legacy area" } },
	{ 64, { "header_counted_twice", "XSAVE header counted twice",
		EXPLAIN_LEGACY_AREA, NULL,
		"the host adds the 64-byte XSAVE header twice" } },
	{ -64, { "header_left_out", "XSAVE header left out",
		 EXPLAIN_LEGACY_AREA, NULL,
		 "the host leaves out the 64-byte XSAVE header" } },
	{ 576, { "legacy_area_and_header_counted_twice",
		 "legacy area and header counted twice", EXPLAIN_LEGACY_AREA,
		 NULL, "the host adds the legacy area and header (576 bytes) twice" } },
	{ -576, { "legacy_area_and_header_left_out",
		  "legacy area and header left out", EXPLAIN_LEGACY_AREA, NULL,
		  "the host leaves out the legacy area and header (576 bytes)" } },
};

#define NR_LEGACY (sizeof(legacy) / sizeof(legacy[0]))

/* ------------------------------------------------------------ sizes */

static bool formula_compacted(const struct search *s, enum formula f)
{
	switch (f) {
	case FO_IN_ORDER:
		return s->r->compacted;
	case FO_STANDARD:
		return false;
	default:
		return true;
	}
}

/* The size a computation gives; false when it makes no sense (<= 0). */
static bool size_of(const struct search *s, const struct computation *c,
		    uint32_t *out)
{
	const struct xsave_layout *l = &s->r->layout;
	const struct xsave_variant *v =
		c->variant >= 0 ? &s->variants[c->variant] : NULL;
	uint64_t mask = s->state_mask[c->state];
	uint64_t pos = XSAVE_EXT_START, std = XSAVE_EXT_START, size;

	for (unsigned int k = 0; k < l->nr; k++) {
		const struct xsave_slot *sl = &l->slot[k];
		uint64_t sz = sl->comp.size, off = sl->standard_offset;
		bool aligned = sl->comp.aligned;

		if (!(mask & BIT(sl->comp.index)))
			continue;
		if (v && v->index == sl->comp.index) {
			sz = v->size;
			off = v->offset;
			aligned = v->aligned;
		}
		if (aligned && c->formula != FO_NO_ALIGN)
			pos = (pos + XSAVE_ALIGN - 1) &
			      ~(uint64_t)(XSAVE_ALIGN - 1);
		pos += sz;
		if (!sl->comp.supervisor && off + sz > std)
			std = off + sz;
	}
	size = formula_compacted(s, c->formula) ? pos : std;
	if (c->legacy >= 0) {
		int64_t d = legacy[c->legacy].delta;

		if (d < 0 && size <= (uint64_t)-d)
			return false;
		size = (uint64_t)((int64_t)size + d);
	}
	if (size > UINT32_MAX)
		return false;
	*out = (uint32_t)size;
	return true;
}

static void apply(struct computation *c, const struct defect *d)
{
	switch (d->dim) {
	case DIM_FORMULA:
		c->formula = (enum formula)d->arg;
		break;
	case DIM_STATE:
		c->state = (enum state)d->arg;
		break;
	case DIM_COMPONENT:
		c->variant = (int)d->arg;
		break;
	default:
		c->legacy = (int)d->arg;
		break;
	}
}

uint32_t explain_size_with(const struct search *s, const struct defect *a,
			   const struct defect *b, bool *ok)
{
	struct computation c = { ST_ENABLED, FO_IN_ORDER, -1, -1 };
	uint32_t v = 0;

	if (a)
		apply(&c, a);
	if (b)
		apply(&c, b);
	*ok = size_of(s, &c, &v);
	return v;
}

/* ------------------------------------------------------------ family */

static void add_defect(struct search *s, enum dimension dim, unsigned int arg)
{
	if (s->nr < SEARCH_MAX_DEFECTS)
		s->d[s->nr++] = (struct defect){ dim, arg };
}

/* The defects that apply to this format and state, in rank order. */
void explain_collect_defects(struct search *s)
{
	const struct explain_result *r = s->r;
	bool partial = r->compacted && r->xss && r->xcr0;

	if (r->compacted)
		add_defect(s, DIM_FORMULA, FO_NO_ALIGN);
	if (partial) {
		add_defect(s, DIM_STATE, ST_XCR0_ONLY);
		add_defect(s, DIM_STATE, ST_XSS_WRITE);
		add_defect(s, DIM_STATE, ST_XSS_ONLY);
	}
	add_defect(s, DIM_STATE, ST_RESET);
	add_defect(s, DIM_FORMULA, r->compacted ? FO_STANDARD : FO_COMPACTED);
	for (unsigned int i = 0; i < s->nr_variants; i++) {
		const struct xsave_variant *v = &s->variants[i];
		struct xsave_comp c;
		bool same = false;

		if (!(r->mask & BIT(v->index)))
			continue;
		for (unsigned int k = 0; k < r->layout.nr; k++) {
			c = r->layout.slot[k].comp;
			if (c.index == v->index)
				same = c.size == v->size &&
				       c.offset == v->offset &&
				       c.aligned == v->aligned;
		}
		if (!same)
			add_defect(s, DIM_COMPONENT, i);
	}
	for (unsigned int i = 0; i < NR_LEGACY; i++)
		add_defect(s, DIM_LEGACY, i);
}

/* ------------------------------------------------------------ words */

/* The words of a defect; NULL for a component (its words are built). */
static const struct words *words_of(const struct defect *d)
{
	switch (d->dim) {
	case DIM_STATE:
		return &states[d->arg];
	case DIM_FORMULA:
		return &formulas[d->arg];
	case DIM_LEGACY:
		return &legacy[d->arg].words;
	default:
		return NULL;
	}
}

static const char *defect_name(const struct search *s, const struct defect *d,
			       char *buf, size_t len)
{
	const struct words *w = words_of(d);
	const struct xsave_variant *v;

	if (w)
		return w->name;
	v = &s->variants[d->arg];
	snprintf(buf, len, "%s_from_%s", explain_comp_name(v->index), v->tag);
	return buf;
}

static enum explain_cause_kind defect_kind(const struct defect *d)
{
	const struct words *w = words_of(d);

	return w ? w->kind : EXPLAIN_OTHER_MODEL;
}

/* "EBX not updated after XSETBV", the defect in a few words. */
static void put_title(struct explain_buf *b, const struct search *s,
		      const struct defect *d)
{
	const struct words *w = words_of(d);
	const struct xsave_variant *v;

	if (w) {
		explain_put(b, "%s", w->title);
		return;
	}
	v = &s->variants[d->arg];
	explain_put(b, "component %u (%s) as on %s", v->index,
		    explain_comp_name(v->index), v->cpus);
}

void explain_put_enabled(struct explain_buf *b, const struct explain_result *r)
{
	explain_put(b, "XCR0 0x%llx", (unsigned long long)r->xcr0);
	if (r->xss)
		explain_put(b, " | XSS 0x%llx", (unsigned long long)r->xss);
}

/* "the standard size for XCR0 0x1 (x87 only), the reset value" */
static void put_figure(struct explain_buf *b, const struct search *s,
		       const struct computation *c)
{
	const struct explain_result *r = s->r;

	if (c->formula == FO_IN_ORDER)
		explain_put(b, "the %s size for ",
			    r->compacted ? "compacted" : "standard");
	else
		explain_put(b, "the %s for ", formulas[c->formula].figure);
	switch (c->state) {
	case ST_XCR0_ONLY:
		explain_put(b, "XCR0 0x%llx alone",
			    (unsigned long long)r->xcr0);
		break;
	case ST_XSS_WRITE:
		explain_put(b, "XCR0 0x%llx with XSS still 0",
			    (unsigned long long)r->xcr0);
		break;
	case ST_XSS_ONLY:
		explain_put(b, "XSS 0x%llx alone", (unsigned long long)r->xss);
		break;
	case ST_RESET:
		if (r->compacted)
			explain_put(b, "XCR0 0x1 (x87 only) and XSS 0, the reset values");
		else
			explain_put(b, "XCR0 0x1 (x87 only), the reset value");
		break;
	default:
		explain_put_enabled(b, r);
		break;
	}
	if (c->variant >= 0) {
		const struct xsave_variant *v = &s->variants[c->variant];

		explain_put(b, ", with component %u as on %s", v->index,
			    v->cpus);
	}
	if (c->legacy >= 0 && legacy[c->legacy].delta > 0)
		explain_put(b, ", plus %d", legacy[c->legacy].delta);
	else if (c->legacy >= 0)
		explain_put(b, ", minus %d", -legacy[c->legacy].delta);
}

static void put_layout(struct explain_buf *b, uint32_t size, uint32_t offset,
		       bool aligned)
{
	explain_put(b, "%u bytes at %u%s", size, offset,
		    aligned ? ", 64-byte aligned" : "");
}

/* Why a host would compute it so. */
static void put_why(struct explain_buf *b, const struct search *s,
		    const struct defect *d)
{
	const struct explain_result *r = s->r;
	unsigned long long xcr0 = r->xcr0, xss = r->xss;
	const struct xsave_variant *v;

	switch (d->dim) {
	case DIM_STATE:
		if (d->arg == ST_XCR0_ONLY)
			explain_put(b, "0xd.1 EBX sized from XCR0 alone, without the supervisor components of XSS 0x%llx",
				    xss);
		else if (d->arg == ST_XSS_WRITE)
			explain_put(b, "0xd.1 EBX was not updated after the kernel's IA32_XSS write of 0x%llx (it writes XCR0 first, then XSS)",
				    xss);
		else if (d->arg == ST_XSS_ONLY)
			explain_put(b, "0xd.1 EBX sized from XSS alone, without the user components of XCR0 0x%llx",
				    xcr0);
		else
			explain_put(b, "EBX was not updated after the kernel's XSETBV to 0x%llx (a host that does not intercept XSETBV, or does not recompute 0xd.%u EBX)",
				    xcr0, r->compacted ? 1 : 0);
		break;
	case DIM_COMPONENT:
		v = &s->variants[d->arg];
		explain_put(b, "the host takes component %u from another CPU model (",
			    v->index);
		put_layout(b, v->size, v->offset, v->aligned);
		explain_put(b, ", as in %.*s; this table: ",
			    (int)strcspn(v->dumps, " "), v->dumps);
		for (unsigned int k = 0; k < r->layout.nr; k++) {
			const struct xsave_comp *c = &r->layout.slot[k].comp;

			if (c->index == v->index)
				put_layout(b, c->size, c->offset, c->aligned);
		}
		explain_put(b, ")");
		break;
	default:
		explain_put(b, "%s", words_of(d)->why);
		break;
	}
}

void explain_record_candidate(struct search *s, const struct defect *a,
			      const struct defect *b, uint32_t size)
{
	struct explain_result *r = s->r;
	struct computation c = { ST_ENABLED, FO_IN_ORDER, -1, -1 };
	struct explain_candidate *k;
	char n1[EXPLAIN_NAME_LEN], n2[EXPLAIN_NAME_LEN];
	struct explain_buf t;

	r->candidates_found++;
	if (r->nr_candidates >= EXPLAIN_MAX_CANDIDATES)
		return;
	if (b && b->dim < a->dim) {
		const struct defect *first = b;

		b = a;
		a = first;
	}
	k = &r->candidates[r->nr_candidates++];
	memset(k, 0, sizeof(*k));
	k->size = size;
	k->assumptions = b ? 2 : 1;
	k->kind = defect_kind(a);
	snprintf(k->name, sizeof(k->name), b ? "%s_and_%s" : "%s",
		 defect_name(s, a, n1, sizeof(n1)),
		 b ? defect_name(s, b, n2, sizeof(n2)) : "");
	apply(&c, a);
	if (b)
		apply(&c, b);
	t = (struct explain_buf){ k->text, sizeof(k->text), 0 };
	put_title(&t, s, a);
	if (b) {
		explain_put(&t, " and ");
		put_title(&t, s, b);
	}
	explain_put(&t, ": %u is ", size);
	put_figure(&t, s, &c);
	explain_put(&t, ": ");
	put_why(&t, s, a);
	if (b) {
		explain_put(&t, "; ");
		put_why(&t, s, b);
	}
	explain_put(&t, "; in order the %s size for ",
		    r->compacted ? "compacted" : "standard");
	explain_put_enabled(&t, r);
	explain_put(&t, " is %u", r->in_order_size);
}

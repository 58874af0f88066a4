// SPDX-License-Identifier: MIT
/*
 * Applying a CPUID policy to a table: XFAM, leaf 0xD from XFAM, dropped
 * leaves, fixed bits, dependent feature bits. Every change is recorded with
 * the rule that made it.
 */
#include <stdio.h>
#include <string.h>

#include "policy_impl.h"
#include "xsave.h"

void policy_init(struct policy *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->user_mask = ~0ull;
	p->supervisor_mask = ~0ull;
	p->max_subleaf = XSAVE_MAX_COMPONENTS - 1;
}

int policy_builtin(const char *name, struct policy *p, struct xsvm_err *err)
{
	if (!strcmp(name, "none")) {
		policy_init(p, "none");
		return 0;
	}
	if (!strcmp(name, "tdx"))
		return policy_parse("tdx", policy_tdx_text, policy_tdx_len, p,
				    err);
	return xsvm_err_set(err, ENOENT,
			    "no built-in policy '%s' (built in: none, tdx)",
			    name);
}

uint64_t policy_platform(const struct cpuid_table *t)
{
	uint64_t m = xsave_supported_user(t) | xsave_supported_supervisor(t);

	for (unsigned int i = 2; i < XSAVE_MAX_COMPONENTS; i++)
		if ((m & XFEATURE_BIT(i)) && !cpuid_table_find(t, XSAVE_LEAF, i))
			m &= ~XFEATURE_BIT(i);
	return m;
}

/* "avx, pkru" for a component mask (at most len bytes). */
void policy_comp_names(uint64_t mask, char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < XSAVE_MAX_COMPONENTS && pos < len; i++) {
		const struct xsave_component_info *ci = xsave_component_info(i);
		int n;

		if (!(mask & XFEATURE_BIT(i)))
			continue;
		if (ci)
			n = snprintf(buf + pos, len - pos, "%s%s",
				     pos ? ", " : "", ci->short_name);
		else
			n = snprintf(buf + pos, len - pos, "%scomponent %u",
				     pos ? ", " : "", i);
		if (n < 0)
			return;
		pos += (size_t)n;
	}
}

/* Recording changes. */
struct policy_change *policy_change_add(struct policy_change *changes,
					unsigned int *nr, unsigned int max,
					enum policy_change_kind kind,
					uint32_t leaf, uint32_t subleaf,
					enum cpuid_reg reg, uint64_t old,
					uint64_t val, const char *rule)
{
	struct policy_change *c;

	if (*nr >= max)
		return NULL;
	c = &changes[(*nr)++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->leaf = leaf;
	c->subleaf = subleaf;
	c->reg = reg;
	c->cleared = old & ~val;
	c->set = val & ~old;
	snprintf(c->rule, sizeof(c->rule), "%s", rule);
	return c;
}

struct apply_ctx {
	struct cpuid_table *t;
	const struct policy *p;
	struct policy_result *r;
	struct xsvm_err *err;
};

static int overflow(struct apply_ctx *a)
{
	return xsvm_err_set(a->err, ENOSPC,
			    "policy %s: more than %u changes to record",
			    a->p->name, POLICY_MAX_CHANGES);
}

/* Set register reg of e to val, recording the change under rule. */
static int change_reg(struct apply_ctx *a, struct cpuid_entry *e,
		      enum cpuid_reg reg, uint32_t val, const char *rule)
{
	uint32_t old = cpuid_entry_reg(e, reg);

	if (old == val)
		return 0;
	if (!policy_change_add(a->r->changes, &a->r->nr_changes,
			       POLICY_MAX_CHANGES, POLICY_CHANGE_BITS, e->leaf,
			       e->subleaf, reg, old, val, rule))
		return overflow(a);
	cpuid_entry_set_reg(e, reg, val);
	return 0;
}

static void rule_text(const struct policy *p, const char *kw,
		      unsigned int line, const char *extra, char *buf,
		      size_t len)
{
	snprintf(buf, len, "%s (%s:%u)%s%s", kw, p->name, line,
		 extra ? ": " : "", extra ? extra : "");
}

/* Remove one (leaf, subleaf) or, with all, every subleaf of leaf. */
static int remove_entries(struct apply_ctx *a, uint32_t leaf, uint32_t subleaf,
			  bool all, const char *rule)
{
	struct policy_change *c;
	unsigned int n;

	if (all)
		n = cpuid_table_remove_leaf(a->t, leaf);
	else
		n = cpuid_table_remove(a->t, leaf, subleaf) ? 1 : 0;
	if (!n)
		return 0;
	c = policy_change_add(a->r->changes, &a->r->nr_changes,
			      POLICY_MAX_CHANGES, POLICY_CHANGE_REMOVED, leaf,
			      all ? 0 : subleaf, CPUID_EAX, 0, 0, rule);
	if (!c)
		return overflow(a);
	c->whole_leaf = all;
	c->count = n;
	return 0;
}

/* Default XFAM: allowed & platform, incomplete pairs dropped. */
static int xfam_default(struct apply_ctx *a, uint64_t allowed)
{
	const struct policy *p = a->p;
	uint64_t xfam = allowed & a->r->platform;
	bool again = true;

	while (again) {
		again = false;
		for (unsigned int i = 0; i < p->nr_rules; i++) {
			const struct policy_rule *ru = &p->rules[i];
			uint64_t drop = 0;
			char names[96], extra[128], rule[POLICY_RULE_LEN];

			if (ru->kind == POLICY_XFAM_ALL_OR_NONE &&
			    (xfam & ru->comps) != ru->comps)
				drop = xfam & ru->comps;
			if (ru->kind == POLICY_XFAM_REQUIRES &&
			    (xfam & ru->then) != ru->then)
				drop = xfam & ru->comps;
			if (!drop)
				continue;
			policy_comp_names(drop, names, sizeof(names));
			snprintf(extra, sizeof(extra),
				 "default XFAM drops %s", names);
			rule_text(p, policy_rule_keyword(ru->kind), ru->line,
				  extra, rule, sizeof(rule));
			if (!policy_change_add(
				    a->r->changes, &a->r->nr_changes,
				    POLICY_MAX_CHANGES, POLICY_CHANGE_XFAM, 0,
				    0, CPUID_EAX, xfam, xfam & ~drop, rule))
				return overflow(a);
			xfam &= ~drop;
			again = true;
		}
	}
	a->r->xfam = xfam;
	return 0;
}

static int choose_kept(struct apply_ctx *a, const struct policy_params *pp)
{
	const struct policy *p = a->p;
	struct policy_result *r = a->r;
	int ret;

	if (!p->uses_xfam) {
		if (pp && pp->have_xfam)
			return policy_xfam_check(p, r->platform, pp->xfam,
						 a->err);
		r->kept = (r->platform & xsave_supported_user(a->t) &
			   p->user_mask) |
			  (r->platform & xsave_supported_supervisor(a->t) &
			   p->supervisor_mask);
		return 0;
	}
	r->uses_xfam = true;
	if (pp && pp->have_xfam) {
		ret = policy_xfam_check(p, r->platform, pp->xfam, a->err);
		if (ret)
			return ret;
		r->xfam = pp->xfam;
	} else {
		r->xfam_default = true;
		ret = xfam_default(a, p->xfam_allowed & ~policy_gated_off(p));
		if (ret)
			return ret;
		/* the default must itself be valid, e.g. x87/SSE present */
		ret = policy_xfam_check(p, r->platform, r->xfam, a->err);
		if (ret)
			return ret;
	}
	r->kept = r->xfam;
	return 0;
}

/*
 * The rule text for a leaf 0xD change made by directive kw at line (0: the
 * directive is absent and its default applies).
 */
static void xsave_rule(const struct policy *p, const char *kw,
		       unsigned int line, const char *extra, char *buf,
		       size_t len)
{
	if (line)
		rule_text(p, kw, line, extra, buf, len);
	else
		snprintf(buf, len, "%s (default)%s%s", kw, extra ? ": " : "",
			 extra ? extra : "");
}

/* Leaf 0xD from the kept components. */
static int apply_xsave(struct apply_ctx *a)
{
	const struct policy *p = a->p;
	struct policy_result *r = a->r;
	struct cpuid_entry *e;
	char rule[POLICY_RULE_LEN], extra[160], names[64];
	const char *src = p->uses_xfam ? "XFAM" : "the kept components";
	uint64_t allow;
	unsigned int i = 0;
	int ret;

	r->allow_xcr0 = r->kept & p->user_mask;
	r->allow_xss = r->kept & p->supervisor_mask;
	allow = r->allow_xcr0 | r->allow_xss;

	snprintf(extra, sizeof(extra), "masked with %s", src);
	xsave_rule(p, "xsave-user-mask", p->user_mask_line, extra, rule,
		   sizeof(rule));
	e = cpuid_table_find_mut(a->t, XSAVE_LEAF, 0);
	ret = change_reg(a, e, CPUID_EAX, e->eax & (uint32_t)r->allow_xcr0, rule);
	if (!ret)
		ret = change_reg(a, e, CPUID_EDX,
				 e->edx & (uint32_t)(r->allow_xcr0 >> 32), rule);
	e = cpuid_table_find_mut(a->t, XSAVE_LEAF, 1);
	xsave_rule(p, "xsave-supervisor-mask", p->supervisor_mask_line, extra,
		   rule, sizeof(rule));
	if (!ret && e)
		ret = change_reg(a, e, CPUID_ECX,
				 e->ecx & (uint32_t)r->allow_xss, rule);
	if (!ret && e)
		ret = change_reg(a, e, CPUID_EDX,
				 e->edx & (uint32_t)(r->allow_xss >> 32), rule);
	if (ret)
		return ret;

	while (i < a->t->nr) {
		const struct cpuid_entry *s = &a->t->e[i];
		uint32_t sub = s->subleaf;
		bool over = sub > p->max_subleaf;
		bool sup;

		if (s->leaf != XSAVE_LEAF || sub < 2 ||
		    (!over && sub < XSAVE_MAX_COMPONENTS &&
		     (allow & XFEATURE_BIT(sub)))) {
			i++;
			continue;
		}
		if (over) {
			snprintf(extra, sizeof(extra), "subleaf above 0x%x",
				 p->max_subleaf);
			xsave_rule(p, "xsave-max-subleaf", p->max_subleaf_line,
				   extra, rule, sizeof(rule));
		} else {
			sup = s->ecx & XSAVE_ECX_SUPERVISOR;
			policy_comp_names(XFEATURE_BIT(sub), names,
					  sizeof(names));
			snprintf(extra, sizeof(extra),
				 "component %u (%s) not in %s", sub, names, src);
			xsave_rule(p, sup ? "xsave-supervisor-mask" :
					    "xsave-user-mask",
				   sup ? p->supervisor_mask_line :
					 p->user_mask_line,
				   extra, rule, sizeof(rule));
		}
		ret = remove_entries(a, XSAVE_LEAF, sub, false, rule);
		if (ret)
			return ret;
	}

	e = cpuid_table_find_mut(a->t, XSAVE_LEAF, 1);
	if (p->xfd_needs_component && e && (e->eax & XSAVE_1_EAX_XFD)) {
		bool any = false;

		for (unsigned int c = 2; c < XSAVE_MAX_COMPONENTS; c++) {
			struct xsave_comp comp;

			if (!(allow & XFEATURE_BIT(c)))
				continue;
			xsave_comp_read(a->t, c, &comp);
			any |= comp.xfd;
		}
		rule_text(p, "xsave-xfd-needs-component", p->xfd_line,
			  "no XFD-capable component kept", rule, sizeof(rule));
		if (!any)
			return change_reg(a, e, CPUID_EAX,
					  e->eax & ~XSAVE_1_EAX_XFD, rule);
	}
	return 0;
}

static int apply_leaf_rules(struct apply_ctx *a)
{
	const struct policy *p = a->p;
	char rule[POLICY_RULE_LEN], names[64], extra[96];

	for (unsigned int i = 0; i < p->nr_rules; i++) {
		const struct policy_rule *ru = &p->rules[i];
		int ret;

		if (ru->kind == POLICY_DROP_LEAF) {
			rule_text(p, "drop-leaf", ru->line, NULL, rule,
				  sizeof(rule));
		} else if (ru->kind == POLICY_DEPENDS_LEAF &&
			   (a->r->kept & ru->comps) != ru->comps) {
			policy_comp_names(ru->comps & ~a->r->kept, names,
					  sizeof(names));
			snprintf(extra, sizeof(extra), "%s not kept", names);
			rule_text(p, "depends-leaf", ru->line, extra, rule,
				  sizeof(rule));
		} else {
			continue;
		}
		ret = remove_entries(a, ru->leaf, 0, true, rule);
		if (ret)
			return ret;
	}
	return 0;
}

static int apply_bit_rules(struct apply_ctx *a, bool fixed)
{
	const struct policy *p = a->p;
	char rule[POLICY_RULE_LEN], names[64], extra[96];

	for (unsigned int i = 0; i < p->nr_rules; i++) {
		const struct policy_rule *ru = &p->rules[i];
		struct cpuid_entry *e;
		uint32_t old, val;
		int ret;

		if (fixed && ru->kind != POLICY_FIXED0 &&
		    ru->kind != POLICY_FIXED1)
			continue;
		if (!fixed && (ru->kind != POLICY_DEPENDS ||
			       (a->r->kept & ru->comps) == ru->comps))
			continue;
		e = cpuid_table_find_mut(a->t, ru->leaf, ru->subleaf);
		if (!e || e->leaf != ru->leaf || e->subleaf != ru->subleaf)
			continue;
		old = cpuid_entry_reg(e, ru->reg);
		val = ru->kind == POLICY_FIXED1 ? old | ru->bits :
						  old & ~ru->bits;
		if (fixed) {
			rule_text(p, policy_rule_keyword(ru->kind), ru->line,
				  NULL, rule, sizeof(rule));
		} else {
			policy_comp_names(ru->comps & ~a->r->kept, names,
					  sizeof(names));
			snprintf(extra, sizeof(extra), "%s not kept", names);
			rule_text(p, "depends", ru->line, extra, rule,
				  sizeof(rule));
		}
		ret = change_reg(a, e, ru->reg, val, rule);
		if (ret)
			return ret;
	}
	return 0;
}

int policy_apply(struct cpuid_table *t, const struct policy *p,
		 const struct policy_params *pp, struct policy_result *r,
		 struct xsvm_err *err)
{
	struct apply_ctx a = { .t = t, .p = p, .r = r, .err = err };
	int ret;

	memset(r, 0, sizeof(*r));
	if (!cpuid_table_find(t, XSAVE_LEAF, 0))
		return xsvm_err_set(err, ENOENT,
				    "the table has no leaf 0xD subleaf 0: policy %s cannot derive leaf 0xD",
				    p->name);
	r->platform = policy_platform(t);
	ret = choose_kept(&a, pp);
	if (!ret)
		ret = apply_xsave(&a);
	if (!ret)
		ret = apply_leaf_rules(&a);
	if (!ret)
		ret = apply_bit_rules(&a, true);
	if (!ret)
		ret = apply_bit_rules(&a, false);
	return ret;
}

// SPDX-License-Identifier: MIT
/*
 * The XFAM check of a policy (see policy.h): the rules an XFAM must keep,
 * as the TDX module checks them; a failure names its rule and line.
 */
#include <stdio.h>

#include "policy_impl.h"

/* Components whose enumerating feature bit a fixed0 rule clears. */
uint64_t policy_gated_off(const struct policy *p)
{
	uint64_t off = 0;

	for (unsigned int i = 0; i < p->nr_rules; i++) {
		const struct policy_rule *f = &p->rules[i];

		if (f->kind != POLICY_FEATURE)
			continue;
		for (unsigned int j = 0; j < p->nr_rules; j++) {
			const struct policy_rule *z = &p->rules[j];

			if (z->kind == POLICY_FIXED0 && z->leaf == f->leaf &&
			    z->subleaf == f->subleaf && z->reg == f->reg &&
			    (z->bits & f->bits))
				off |= f->comps;
		}
	}
	return off;
}

static const struct policy_rule *gate_rule(const struct policy *p,
					   uint64_t comps)
{
	for (unsigned int i = 0; i < p->nr_rules; i++)
		if (p->rules[i].kind == POLICY_FEATURE &&
		    (p->rules[i].comps & comps))
			return &p->rules[i];
	return NULL;
}

static int xfam_fail(struct xsvm_err *err, uint64_t xfam, const char *what,
		     const char *rule, const char *where, unsigned int line)
{
	return xsvm_err_set(err, EINVAL, "XFAM 0x%llx: %s (%s, %s:%u)",
			    (unsigned long long)xfam, what, rule, where, line);
}

int policy_xfam_check(const struct policy *p, uint64_t platform, uint64_t xfam,
		      struct xsvm_err *err)
{
	uint64_t off = policy_gated_off(p), bad;
	char what[320], na[96], nb[96];

	if (!p->uses_xfam)
		return xsvm_err_set(err, EINVAL,
				    "policy %s has no XFAM (no xfam-allowed line): --xfam does not apply",
				    p->name);
	if ((bad = p->xfam_required & ~xfam)) {
		policy_comp_names(bad, na, sizeof(na));
		snprintf(what, sizeof(what),
			 "required components 0x%llx (%s) are missing",
			 (unsigned long long)bad, na);
		return xfam_fail(err, xfam, what, "xfam-required", p->name,
				 p->xfam_required_line);
	}
	if ((bad = xfam & ~p->xfam_allowed)) {
		policy_comp_names(bad, na, sizeof(na));
		snprintf(what, sizeof(what),
			 "components 0x%llx (%s) are outside the allowed mask 0x%llx",
			 (unsigned long long)bad, na,
			 (unsigned long long)p->xfam_allowed);
		return xfam_fail(err, xfam, what, "xfam-allowed", p->name,
				 p->xfam_allowed_line);
	}
	if ((bad = xfam & off)) {
		const struct policy_rule *g = gate_rule(p, bad);

		policy_comp_names(bad, na, sizeof(na));
		snprintf(what, sizeof(what),
			 "components 0x%llx (%s) are not allowed: a fixed0 rule clears their feature bit",
			 (unsigned long long)bad, na);
		return xfam_fail(err, xfam, what, "feature", p->name,
				 g ? g->line : 0);
	}
	if ((bad = xfam & ~platform)) {
		policy_comp_names(bad, na, sizeof(na));
		snprintf(what, sizeof(what),
			 "components 0x%llx (%s) are not supported by the source table (0xD.0/0xD.1: 0x%llx)",
			 (unsigned long long)bad, na,
			 (unsigned long long)platform);
		return xfam_fail(err, xfam, what, "platform", p->name,
				 p->xfam_allowed_line);
	}
	for (unsigned int i = 0; i < p->nr_rules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if (r->kind == POLICY_XFAM_ALL_OR_NONE &&
		    (xfam & r->comps) && (xfam & r->comps) != r->comps) {
			policy_comp_names(r->comps, na, sizeof(na));
			policy_comp_names(xfam & r->comps, nb, sizeof(nb));
			snprintf(what, sizeof(what),
				 "components 0x%llx (%s) must be all set or all clear; only 0x%llx (%s) is set",
				 (unsigned long long)r->comps, na,
				 (unsigned long long)(xfam & r->comps), nb);
		} else if (r->kind == POLICY_XFAM_REQUIRES &&
			   (xfam & r->comps) && (xfam & r->then) != r->then) {
			policy_comp_names(xfam & r->comps, na, sizeof(na));
			policy_comp_names(r->then, nb, sizeof(nb));
			snprintf(what, sizeof(what),
				 "components 0x%llx (%s) require 0x%llx (%s)",
				 (unsigned long long)(xfam & r->comps), na,
				 (unsigned long long)r->then, nb);
		} else {
			continue;
		}
		return xfam_fail(err, xfam, what, policy_rule_keyword(r->kind),
				 p->name, r->line);
	}
	return 0;
}

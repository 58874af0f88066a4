// SPDX-License-Identifier: MIT
/*
 * The policy text format (see policy.h): one directive per line, parsed
 * into struct policy. Pure: reads a buffer, no I/O, no allocation.
 */
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "scan.h"

#define MAX_WORDS 8
#define WORD_LEN 64

struct line_ctx {
	const char *name;
	unsigned int line;
	struct xsvm_err *err;
	unsigned int nr;
	char w[MAX_WORDS][WORD_LEN];
};

static int line_err(const struct line_ctx *c, const char *what, const char *arg)
{
	return xsvm_err_set(c->err, EINVAL, "%s:%u: %s%s%s%s", c->name, c->line,
			    what, arg ? " '" : "", arg ? arg : "",
			    arg ? "'" : "");
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

static bool is_word_char(char ch)
{
	return !is_space(ch) && ch != '#' && ch != '\0';
}

/* Split one line into words, dropping a '#' comment. */
static int split(struct line_ctx *c, struct scan s)
{
	c->nr = 0;
	for (;;) {
		struct scan word;

		scan_take(&s, is_space);
		if (!s.n || *s.p == '#')
			break;
		if (*s.p == '\0')
			return line_err(c, "NUL byte in policy text", NULL);
		word = scan_take(&s, is_word_char);
		if (c->nr == MAX_WORDS)
			return line_err(c, "too many words", NULL);
		if (word.n >= WORD_LEN)
			return line_err(c, "word too long", NULL);
		scan_copy(c->w[c->nr++], WORD_LEN, word);
	}
	return 0;
}

/*
 * A C number (decimal or 0x-hex) no larger than max. Digits past 64 bits
 * are out of range even when a bad character follows them.
 */
static int number(const struct line_ctx *c, unsigned int i, uint64_t max,
		  uint64_t *out)
{
	struct scan s = { c->w[i], strlen(c->w[i]) };
	uint64_t v;

	switch (scan_number(&s, UINT64_MAX, &v)) {
	case SCAN_NUM_OK:
		break;
	case SCAN_NUM_RANGE:
		return line_err(c, "number out of range", c->w[i]);
	case SCAN_NUM_NONE:
		return line_err(c, "bad number", c->w[i]);
	}
	if (s.n)
		return line_err(c, "bad number", c->w[i]);
	if (v > max)
		return line_err(c, "number out of range", c->w[i]);
	*out = v;
	return 0;
}

static int number32(const struct line_ctx *c, unsigned int i, uint32_t *out)
{
	uint64_t v = 0;
	int ret = number(c, i, UINT32_MAX, &v);

	*out = (uint32_t)v;
	return ret;
}

static int reg_name(const struct line_ctx *c, unsigned int i,
		    enum cpuid_reg *reg)
{
	for (unsigned int r = 0; r < CPUID_NR_REGS; r++) {
		if (!strcmp(c->w[i], cpuid_reg_names[r])) {
			*reg = (enum cpuid_reg)r;
			return 0;
		}
	}
	return line_err(c, "bad register (eax, ebx, ecx or edx)", c->w[i]);
}

/* Parse "LEAF SUBLEAF REG MASK" starting at word i. */
static int leaf_reg_mask(const struct line_ctx *c, unsigned int i,
			 struct policy_rule *r)
{
	int ret = number32(c, i, &r->leaf);

	if (!ret)
		ret = number32(c, i + 1, &r->subleaf);
	if (!ret)
		ret = reg_name(c, i + 2, &r->reg);
	if (!ret)
		ret = number32(c, i + 3, &r->bits);
	return ret;
}

enum directive {
	D_NAME,
	D_XFAM_ALLOWED,
	D_XFAM_REQUIRED,
	D_USER_MASK,
	D_SUPERVISOR_MASK,
	D_MAX_SUBLEAF,
	D_XFD,
	D_RULE,
};

struct keyword {
	const char *word;
	unsigned int args;
	enum directive d;
	enum policy_rule_kind kind;
};

static const struct keyword keywords[] = {
	{ "name", 1, D_NAME, 0 },
	{ "xfam-allowed", 1, D_XFAM_ALLOWED, 0 },
	{ "xfam-required", 1, D_XFAM_REQUIRED, 0 },
	{ "xfam-all-or-none", 1, D_RULE, POLICY_XFAM_ALL_OR_NONE },
	{ "xfam-requires", 2, D_RULE, POLICY_XFAM_REQUIRES },
	{ "xsave-user-mask", 1, D_USER_MASK, 0 },
	{ "xsave-supervisor-mask", 1, D_SUPERVISOR_MASK, 0 },
	{ "xsave-max-subleaf", 1, D_MAX_SUBLEAF, 0 },
	{ "xsave-xfd-needs-component", 0, D_XFD, 0 },
	{ "fixed0", 4, D_RULE, POLICY_FIXED0 },
	{ "fixed1", 4, D_RULE, POLICY_FIXED1 },
	{ "configurable", 4, D_RULE, POLICY_CONFIGURABLE },
	{ "drop-leaf", 1, D_RULE, POLICY_DROP_LEAF },
	{ "depends", 5, D_RULE, POLICY_DEPENDS },
	{ "depends-leaf", 2, D_RULE, POLICY_DEPENDS_LEAF },
	{ "feature", 5, D_RULE, POLICY_FEATURE },
};

const char *policy_rule_keyword(enum policy_rule_kind k)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (keywords[i].d == D_RULE && keywords[i].kind == k)
			return keywords[i].word;
	return "?";
}

static int parse_rule(const struct line_ctx *c, enum policy_rule_kind kind,
		      struct policy_rule *r)
{
	uint64_t bit;
	int ret;

	r->kind = kind;
	r->line = c->line;
	switch (kind) {
	case POLICY_XFAM_ALL_OR_NONE:
		return number(c, 1, UINT64_MAX, &r->comps);
	case POLICY_XFAM_REQUIRES:
		ret = number(c, 1, UINT64_MAX, &r->comps);
		return ret ? ret : number(c, 2, UINT64_MAX, &r->then);
	case POLICY_FIXED0:
	case POLICY_FIXED1:
	case POLICY_CONFIGURABLE:
		return leaf_reg_mask(c, 1, r);
	case POLICY_DROP_LEAF:
		return number32(c, 1, &r->leaf);
	case POLICY_DEPENDS:
		ret = number(c, 1, UINT64_MAX, &r->comps);
		return ret ? ret : leaf_reg_mask(c, 2, r);
	case POLICY_DEPENDS_LEAF:
		ret = number(c, 1, UINT64_MAX, &r->comps);
		return ret ? ret : number32(c, 2, &r->leaf);
	case POLICY_FEATURE:
		ret = number(c, 1, UINT64_MAX, &r->comps);
		if (!ret)
			ret = leaf_reg_mask(c, 2, r);
		if (ret)
			return ret;
		bit = r->bits;
		if (bit > 31)
			return line_err(c, "feature bit must be 0..31", c->w[5]);
		r->bits = 1u << bit;
		return 0;
	}
	return line_err(c, "internal: unhandled rule", NULL);
}

/* Fixed bits and configurable bits of one register may not overlap. */
static int check_overlap(const struct line_ctx *c, const struct policy *p,
			 const struct policy_rule *r)
{
	bool conf = r->kind == POLICY_CONFIGURABLE;

	if (r->kind != POLICY_FIXED0 && r->kind != POLICY_FIXED1 && !conf)
		return 0;
	for (unsigned int i = 0; i < p->nr_rules; i++) {
		const struct policy_rule *o = &p->rules[i];
		bool oconf = o->kind == POLICY_CONFIGURABLE;
		bool ofixed = o->kind == POLICY_FIXED0 || o->kind == POLICY_FIXED1;

		if (!ofixed && !oconf)
			continue;
		if (o->leaf != r->leaf || o->subleaf != r->subleaf ||
		    o->reg != r->reg || !(o->bits & r->bits))
			continue;
		if (o->kind == r->kind)
			continue;
		return xsvm_err_set(c->err, EINVAL,
				    "%s:%u: %s bits 0x%x of leaf 0x%x subleaf 0x%x %s overlap %s at line %u",
				    c->name, c->line,
				    policy_rule_keyword(r->kind),
				    o->bits & r->bits, r->leaf, r->subleaf,
				    cpuid_reg_names[r->reg],
				    policy_rule_keyword(o->kind), o->line);
	}
	return 0;
}

static int directive(struct line_ctx *c, struct policy *p)
{
	const struct keyword *k = NULL;
	uint64_t v = 0;
	int ret = 0;

	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (!strcmp(c->w[0], keywords[i].word))
			k = &keywords[i];
	if (!k)
		return line_err(c, "unknown key", c->w[0]);
	if (c->nr - 1 != k->args)
		return xsvm_err_set(c->err, EINVAL,
				    "%s:%u: '%s' takes %u argument%s, not %u",
				    c->name, c->line, k->word, k->args,
				    k->args == 1 ? "" : "s", c->nr - 1);

	switch (k->d) {
	case D_NAME:
		if (strlen(c->w[1]) >= POLICY_NAME_LEN)
			return line_err(c, "name too long", c->w[1]);
		strcpy(p->name, c->w[1]);
		return 0;
	case D_XFAM_ALLOWED:
		ret = number(c, 1, UINT64_MAX, &p->xfam_allowed);
		p->uses_xfam = true;
		p->xfam_allowed_line = c->line;
		return ret;
	case D_XFAM_REQUIRED:
		p->xfam_required_line = c->line;
		return number(c, 1, UINT64_MAX, &p->xfam_required);
	case D_USER_MASK:
		p->user_mask_line = c->line;
		return number(c, 1, UINT64_MAX, &p->user_mask);
	case D_SUPERVISOR_MASK:
		p->supervisor_mask_line = c->line;
		return number(c, 1, UINT64_MAX, &p->supervisor_mask);
	case D_MAX_SUBLEAF:
		p->max_subleaf_line = c->line;
		ret = number(c, 1, 63, &v);
		p->max_subleaf = (uint32_t)v;
		return ret;
	case D_XFD:
		p->xfd_line = c->line;
		p->xfd_needs_component = true;
		return 0;
	case D_RULE:
		break;
	}

	if (p->nr_rules == POLICY_MAX_RULES)
		return xsvm_err_set(c->err, ENOSPC, "%s:%u: more than %u rules",
				    c->name, c->line, POLICY_MAX_RULES);
	ret = parse_rule(c, k->kind, &p->rules[p->nr_rules]);
	if (!ret)
		ret = check_overlap(c, p, &p->rules[p->nr_rules]);
	if (!ret)
		p->nr_rules++;
	return ret;
}

static int check_whole(const char *name, const struct policy *p,
		       struct xsvm_err *err)
{
	if (!p->uses_xfam) {
		for (unsigned int i = 0; i < p->nr_rules; i++) {
			const struct policy_rule *r = &p->rules[i];

			if (r->kind == POLICY_XFAM_ALL_OR_NONE ||
			    r->kind == POLICY_XFAM_REQUIRES)
				return xsvm_err_set(err, EINVAL,
						    "%s:%u: '%s' needs an xfam-allowed line",
						    name, r->line,
						    policy_rule_keyword(r->kind));
		}
		if (p->xfam_required_line)
			return xsvm_err_set(err, EINVAL,
					    "%s:%u: 'xfam-required' needs an xfam-allowed line",
					    name, p->xfam_required_line);
	}
	if (p->xfam_required & ~p->xfam_allowed)
		return xsvm_err_set(err, EINVAL,
				    "%s:%u: xfam-required 0x%llx has bits outside xfam-allowed 0x%llx",
				    name, p->xfam_required_line,
				    (unsigned long long)p->xfam_required,
				    (unsigned long long)p->xfam_allowed);
	return 0;
}

int policy_parse(const char *name, const char *text, size_t len,
		 struct policy *p, struct xsvm_err *err)
{
	struct line_ctx c = { .name = name, .err = err };
	struct scan_lines lines;
	struct scan line;

	policy_init(p, name);
	scan_lines_init(&lines, text, len);
	while (scan_next_line(&lines, &line)) {
		int ret;

		c.line = lines.lineno;
		ret = split(&c, line);
		if (!ret && c.nr)
			ret = directive(&c, p);
		if (ret)
			return ret;
	}
	return check_whole(name, p, err);
}

// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "cli_policy.h"
#include "cli_util.h"

int cli_policy_load(const char *arg, struct policy *p, struct xsvm_err *err)
{
	char *buf;
	size_t len;
	int ret;

	if (!strcmp(arg, "none") || !strcmp(arg, "tdx"))
		return policy_builtin(arg, p, err);
	ret = cli_read_file(arg, &buf, &len, err);
	if (ret)
		return ret;
	ret = policy_parse(cli_input_name(arg), buf, len, p, err);
	free(buf);
	return ret;
}

static const char *change_kind(enum policy_change_kind k)
{
	switch (k) {
	case POLICY_CHANGE_BITS:
		return "bits";
	case POLICY_CHANGE_REMOVED:
		return "removed";
	case POLICY_CHANGE_XFAM:
		return "xfam";
	case POLICY_CHANGE_ADDED:
		return "added";
	}
	return "?";
}

static void print_change(FILE *f, const char *stage,
			 const struct policy_change *c)
{
	switch (c->kind) {
	case POLICY_CHANGE_BITS:
		fprintf(f, "# %s: leaf 0x%x subleaf 0x%x %s: cleared 0x%llx, set 0x%llx: %s\n",
			stage, c->leaf, c->subleaf, cpuid_reg_names[c->reg],
			(unsigned long long)c->cleared,
			(unsigned long long)c->set, c->rule);
		break;
	case POLICY_CHANGE_REMOVED:
		if (c->whole_leaf)
			fprintf(f, "# %s: leaf 0x%x removed (%u entr%s): %s\n",
				stage, c->leaf, c->count, c->count == 1 ? "y" : "ies",
				c->rule);
		else
			fprintf(f, "# %s: leaf 0x%x subleaf 0x%x removed: %s\n",
				stage, c->leaf, c->subleaf, c->rule);
		break;
	case POLICY_CHANGE_XFAM:
		fprintf(f, "# %s: XFAM: dropped 0x%llx: %s\n", stage,
			(unsigned long long)c->cleared, c->rule);
		break;
	case POLICY_CHANGE_ADDED:
		fprintf(f, "# %s: leaf 0x%x subleaf 0x%x added: %s\n", stage,
			c->leaf, c->subleaf, c->rule);
		break;
	}
}

void cli_policy_print(FILE *f, const struct policy *p,
		      const struct policy_result *r)
{
	fprintf(f, "# policy: %s", p->name);
	if (r->uses_xfam)
		fprintf(f, ", XFAM 0x%llx (%s)", (unsigned long long)r->xfam,
			r->xfam_default ? "default: allowed & platform" :
					  "--xfam");
	fprintf(f, "; components kept 0x%llx of 0x%llx; %u change%s\n",
		(unsigned long long)r->kept, (unsigned long long)r->platform,
		r->nr_changes, r->nr_changes == 1 ? "" : "s");
	for (unsigned int i = 0; i < r->nr_changes; i++)
		print_change(f, "policy", &r->changes[i]);
}

static void json_changes(struct json_writer *w, const struct policy_change *cs,
			 unsigned int nr)
{
	json_begin_array(w, "changes");
	for (unsigned int i = 0; i < nr; i++) {
		const struct policy_change *c = &cs[i];

		json_begin_object(w, NULL);
		json_string(w, "kind", change_kind(c->kind));
		if (c->kind != POLICY_CHANGE_XFAM) {
			json_hex(w, "leaf", c->leaf);
			json_hex(w, "subleaf", c->subleaf);
		}
		if (c->kind == POLICY_CHANGE_BITS)
			json_string(w, "register", cpuid_reg_names[c->reg]);
		if (c->kind == POLICY_CHANGE_REMOVED) {
			json_bool(w, "whole_leaf", c->whole_leaf);
			json_u64(w, "count", c->count);
		}
		if (c->kind != POLICY_CHANGE_REMOVED)
			json_hex(w, "cleared", c->cleared);
		if (c->kind == POLICY_CHANGE_BITS)
			json_hex(w, "set", c->set);
		json_string(w, "rule", c->rule);
		json_end_object(w);
	}
	json_end_array(w);
}

void cli_policy_json(struct json_writer *w, const struct policy *p,
		     const struct policy_result *r)
{
	json_begin_object(w, "policy");
	json_string(w, "name", p->name);
	json_bool(w, "uses_xfam", r->uses_xfam);
	if (r->uses_xfam) {
		json_hex(w, "xfam", r->xfam);
		json_bool(w, "xfam_default", r->xfam_default);
	}
	json_hex(w, "platform", r->platform);
	json_hex(w, "kept", r->kept);
	json_changes(w, r->changes, r->nr_changes);
	json_end_object(w);
}

void cli_normalize_print(FILE *f, const struct normalize_result *r)
{
	fprintf(f, "# vmm: %u change%s\n", r->nr_changes,
		r->nr_changes == 1 ? "" : "s");
	for (unsigned int i = 0; i < r->nr_changes; i++)
		print_change(f, "vmm", &r->changes[i]);
}

void cli_normalize_json(struct json_writer *w, const struct normalize_result *r)
{
	json_begin_object(w, "vmm");
	json_changes(w, r->changes, r->nr_changes);
	json_end_object(w);
}

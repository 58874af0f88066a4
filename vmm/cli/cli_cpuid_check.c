// SPDX-License-Identifier: MIT
/*
 * `xsvm cpuid check`: run the Linux XSAVE model on a table and print what
 * the kernel would log, then a summary. Exit 0 consistent, 1 would warn.
 */
#include <stdlib.h>

#include "cli_cpuid.h"
#include "cli_util.h"
#include "json.h"

struct check_run {
	const struct cpuid_opts *o;
	struct cli_source src;
	struct cpuid_table *t;
	struct linux_result *r;
};

static const char *format_name(const struct linux_result *r)
{
	return r->compacted ? "compacted" : "standard";
}

static const char *comp_name(unsigned int index)
{
	const struct xsave_component_info *ci = xsave_component_info(index);

	return ci ? ci->linux_name : "unknown";
}

/*
 * The three outcomes: the check passes; the table enumerates no XSAVE at
 * all, so the kernel uses FXSAVE and checks nothing (no warning either);
 * or the kernel would complain.
 */
enum verdict { VERDICT_CONSISTENT, VERDICT_NO_XSAVE, VERDICT_PROBLEM };

static enum verdict verdict_of(const struct linux_result *r)
{
	if (r->consistent)
		return VERDICT_CONSISTENT;
	if (!r->xsave_present)
		return VERDICT_NO_XSAVE;
	return VERDICT_PROBLEM;
}

static const char *const verdict_names[] = {
	[VERDICT_CONSISTENT] = "consistent",
	[VERDICT_NO_XSAVE] = "no_xsave",
	[VERDICT_PROBLEM] = "inconsistent",
};

static void print_verdict(const struct linux_result *r)
{
	switch (verdict_of(r)) {
	case VERDICT_CONSISTENT:
		printf("verdict: consistent\n");
		return;
	case VERDICT_NO_XSAVE:
		printf("verdict: no XSAVE: CPUID.1:ECX.XSAVE is clear, the kernel checks nothing and does not use XSAVE\n");
		return;
	case VERDICT_PROBLEM:
		break;
	}
	if (r->warn_site)
		printf("verdict: inconsistent: the kernel would WARN at %s%s\n",
		       r->warn_site, r->xsave_enabled ? "" : " and disable XSAVE");
	else if (!r->xsave_enabled)
		printf("verdict: inconsistent: the kernel would disable XSAVE\n");
	else
		printf("verdict: inconsistent: the kernel would complain and keep XSAVE\n");
}

static void print_text(const struct check_run *c)
{
	const struct linux_result *r = c->r;

	for (unsigned int i = 0; i < r->nr_lines; i++)
		printf("%s\n", r->lines[i]);
	printf("-- xsvm cpuid check: Linux %s of %s (%s format)\n",
	       linux_model_name(r->version).s, c->src.name,
	       cpuid_format_name(c->src.info.format));
	if (r->flags_assumed)
		printf("note: leaves 1 and 7 are missing: the feature flags implied by leaf 0xD were assumed present\n");
	printf("xcr0 0x%llx, xss 0x%llx, %s format\n",
	       (unsigned long long)r->xcr0, (unsigned long long)r->xss,
	       format_name(r));
	printf("size %u, kernel_size %u (0xD.%u EBX), max standard size %u (0xD.0 ECX)\n",
	       r->size, r->reported_size, r->compacted ? 1 : 0,
	       r->max_standard_size);
	print_verdict(r);
}

static void json_components(struct json_writer *w, const struct xsave_layout *l)
{
	json_begin_array(w, "components");
	for (unsigned int i = 0; i < l->nr; i++) {
		const struct xsave_slot *s = &l->slot[i];

		json_begin_object(w, NULL);
		json_u64(w, "index", s->comp.index);
		json_string(w, "name", comp_name(s->comp.index));
		json_u64(w, "size", s->comp.size);
		json_u64(w, "standard_offset", s->standard_offset);
		json_u64(w, "compacted_offset", s->compacted_offset);
		json_bool(w, "aligned", s->comp.aligned);
		json_bool(w, "supervisor", s->comp.supervisor);
		json_end_object(w);
	}
	json_end_array(w);
}

static int print_json(const struct check_run *c)
{
	const struct linux_result *r = c->r;
	struct json_writer w;

	cli_json_begin(&w, stdout);
	json_string(&w, "file", c->src.name);
	json_string(&w, "input_format", cpuid_format_name(c->src.info.format));
	json_string(&w, "linux", linux_release_name(r->version).s);
	if (r->model != r->version)
		json_string(&w, "linux_model", linux_release_name(r->model).s);
	json_hex(&w, "xcr0", r->xcr0);
	json_hex(&w, "xss", r->xss);
	json_string(&w, "format", format_name(r));
	json_u64(&w, "size", r->size);
	json_u64(&w, "standard_size", r->layout.standard_size);
	json_u64(&w, "compacted_size", r->layout.compacted_size);
	json_u64(&w, "max_standard_size", r->max_standard_size);
	json_u64(&w, "reported_size", r->reported_size);
	json_string(&w, "verdict", verdict_names[verdict_of(r)]);
	json_bool(&w, "consistent", r->consistent);
	json_bool(&w, "xsave_present", r->xsave_present);
	json_bool(&w, "xsave_enabled", r->xsave_enabled);
	json_bool(&w, "flags_assumed", r->flags_assumed);
	if (!r->consistent && r->warn_site)
		json_string(&w, "warn_site", r->warn_site);
	json_begin_array(&w, "messages");
	for (unsigned int i = 0; i < r->nr_lines; i++)
		json_string(&w, NULL, r->lines[i]);
	json_end_array(&w);
	json_components(&w, &r->layout);
	if (cli_json_end(&w))
		return cli_fail("writing JSON output failed");
	return CLI_EXIT_OK;
}

static int check(struct check_run *c)
{
	struct linux_state_override ov = {
		.have_xcr0 = c->o->have_xcr0,
		.have_xss = c->o->have_xss,
		.xcr0 = c->o->xcr0,
		.xss = c->o->xss,
	};
	struct xsvm_err err = { { 0 } };
	int ret;

	ret = cli_load_file(c->o->file, c->t, &c->src, &err);
	if (ret)
		return cli_fail_err(&err);
	ret = linux_check(c->t, c->o->linux_version, &ov, c->r, &err);
	if (ret) {
		xsvm_err_prefix(&err, c->src.name);
		return cli_fail_err(&err);
	}
	if (c->o->json)
		ret = print_json(c);
	else
		print_text(c);
	if (ret)
		return ret;
	return verdict_of(c->r) == VERDICT_PROBLEM ? CLI_EXIT_PROBLEM :
							  CLI_EXIT_OK;
}

int cli_cpuid_check(const struct cpuid_opts *o)
{
	struct check_run c = { .o = o };
	int ret;

	c.t = calloc(1, sizeof(*c.t));
	c.r = calloc(1, sizeof(*c.r));
	if (!c.t || !c.r)
		ret = cli_fail("out of memory");
	else
		ret = check(&c);
	free(c.t);
	free(c.r);
	return ret;
}

// SPDX-License-Identifier: MIT
/*
 * `xsvm cpuid check`: run the Linux XSAVE model on a table and print what
 * the kernel would log, then a summary. Exit 0 consistent, 1 would warn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_against_log.h"
#include "cpuid/builder.h"
#include "cli_cpuid.h"
#include "cli_util.h"
#include "json.h"

struct check_run {
	const struct cpuid_opts *o;
	struct cli_source src;
	struct cpuid_table *t;
	struct linux_result *r;
	struct against_log *a; /* --against-log, or NULL */
	uint32_t rel;	       /* the release modelled */
	bool rel_from_log;
	bool live_ebx; /* 0xD EBX recomputed: the table is this machine's */
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
enum check_verdict { CHECK_CONSISTENT, CHECK_NO_XSAVE, CHECK_PROBLEM };

static enum check_verdict verdict_of(const struct linux_result *r)
{
	if (r->consistent)
		return CHECK_CONSISTENT;
	if (!r->xsave_present)
		return CHECK_NO_XSAVE;
	return CHECK_PROBLEM;
}

static const char *const verdict_names[] = {
	[CHECK_CONSISTENT] = "consistent",
	[CHECK_NO_XSAVE] = "no_xsave",
	[CHECK_PROBLEM] = "inconsistent",
};

static void print_verdict(const struct linux_result *r)
{
	switch (verdict_of(r)) {
	case CHECK_CONSISTENT:
		printf("verdict: consistent\n");
		return;
	case CHECK_NO_XSAVE:
		printf("verdict: no XSAVE: CPUID.1:ECX.XSAVE is clear, the kernel checks nothing and does not use XSAVE\n");
		return;
	case CHECK_PROBLEM:
		break;
	}
	if (r->warn_site[0])
		printf("verdict: inconsistent: the kernel would WARN at %s%s\n",
		       r->warn_site, r->xsave_enabled ? "" : " and disable XSAVE");
	else if (!r->xsave_enabled)
		printf("verdict: inconsistent: the kernel would disable XSAVE\n");
	else
		printf("verdict: inconsistent: the kernel would complain and keep XSAVE\n");
}

/* "dump format", or where a live table came from */
static const char *source_text(const struct check_run *c)
{
	static char buf[48];

	if (c->src.kind == CLI_SOURCE_NATIVE)
		return "the CPUID instruction";
	if (c->src.kind == CLI_SOURCE_HOST)
		return "KVM_GET_SUPPORTED_CPUID";
	snprintf(buf, sizeof(buf), "%s format",
		 cpuid_format_name(c->src.info.format));
	return buf;
}

/* How the release was chosen, for the against-log summary. */
static const char *release_origin(const struct check_run *c)
{
	if (c->rel_from_log)
		return "from the log's banner";
	if (c->o->have_linux)
		return "--linux";
	return "the default: the log has no 'Linux version' line";
}

static void print_against(const struct check_run *c)
{
	const struct against_log *a = c->a;
	const struct prediction_diff *d = &a->d;

	printf("against %s: Linux %s (%s): ", a->path,
	       linux_model_name(c->rel).s, release_origin(c));
	if (a->equal) {
		printf("the model's %u lines equal the kernel's\n",
		       d->nr_predicted);
		return;
	}
	printf("DIFFERS: %u of the model's %u lines are not in the log, %u of the log's %u are not predicted\n",
	       d->nr_missing, d->nr_predicted, d->nr_unexpected,
	       d->nr_observed);
	for (unsigned int i = 0; i < d->nr_missing && i < PREDICTION_MAX_LISTED;
	     i++)
		printf("- model line %u: %s\n", d->missing_index[i] + 1,
		       d->missing[i]);
	for (unsigned int i = 0;
	     i < d->nr_unexpected && i < PREDICTION_MAX_LISTED; i++)
		printf("+ log line %u: %s\n", d->unexpected_index[i] + 1,
		       d->unexpected[i]);
	if (d->observed_truncated)
		printf("note: the log's x86/fpu block has more lines than were kept\n");
}

static void print_text(const struct check_run *c)
{
	const struct linux_result *r = c->r;

	for (unsigned int i = 0; i < r->nr_lines; i++)
		printf("%s\n", r->lines[i]);
	printf("-- xsvm cpuid check: Linux %s of %s (%s)\n",
	       linux_model_name(r->version).s, c->src.name, source_text(c));
	if (r->flags_assumed)
		printf("note: leaves 1 and 7 are missing: the feature flags implied by leaf 0xD were assumed present\n");
	if (c->live_ebx)
		printf("note: 0xD.0 and 0xD.1 EBX as the CPU gives them once Linux %s has entered its state, not as read now\n",
		       linux_release_name(c->rel).s);
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
	if (!r->consistent && r->warn_site[0])
		json_string(&w, "warn_site", r->warn_site);
	json_begin_array(&w, "messages");
	for (unsigned int i = 0; i < r->nr_lines; i++)
		json_string(&w, NULL, r->lines[i]);
	json_end_array(&w);
	json_components(&w, &r->layout);
	if (c->a) {
		const struct prediction_diff *d = &c->a->d;

		json_begin_object(&w, "against_log");
		json_string(&w, "file", c->a->path);
		json_bool(&w, "release_from_log", c->rel_from_log);
		json_bool(&w, "equal", c->a->equal);
		json_u64(&w, "model_lines", d->nr_predicted);
		json_u64(&w, "log_lines", d->nr_observed);
		json_u64(&w, "matched", d->nr_matched);
		json_begin_array(&w, "missing");
		for (unsigned int i = 0;
		     i < d->nr_missing && i < PREDICTION_MAX_LISTED; i++)
			json_string(&w, NULL, d->missing[i]);
		json_end_array(&w);
		json_begin_array(&w, "unexpected");
		for (unsigned int i = 0;
		     i < d->nr_unexpected && i < PREDICTION_MAX_LISTED; i++)
			json_string(&w, NULL, d->unexpected[i]);
		json_end_array(&w);
		json_end_object(&w);
	}
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
	const char *from = c->o->have_source ? c->o->source : c->o->file;
	int ret;

	if (c->o->have_source && strcmp(c->o->file, "-"))
		return cli_fail("cpuid check: give FILE or --cpuid SOURCE, not both");
	c->rel = c->o->linux_version;
	if (c->a) {
		if (!strcmp(c->a->path, "-") && !strcmp(from, "-"))
			return cli_fail("cpuid check: --against-log -: standard input already holds the table");
		ret = against_log_read(c->a, c->a->path, &err);
		if (ret)
			return cli_fail_err(&err);
		if (!c->o->have_linux && c->a->have_release) {
			c->rel = c->a->release;
			c->rel_from_log = true;
		}
	}
	ret = cli_load_source(from, c->t, &c->src, &err);
	if (ret)
		return cli_fail_err(&err);
	/*
	 * The CPU's 0xD EBX follows XCR0 and IA32_XSS as they are now; the
	 * kernel read them at the state it entered.
	 */
	if (c->src.kind != CLI_SOURCE_FILE) {
		xsave_dynamic_ebx(c->t, c->rel);
		c->live_ebx = true;
	}
	ret = linux_check(c->t, c->rel, &ov, c->r, &err);
	if (ret) {
		xsvm_err_prefix(&err, c->src.name);
		return cli_fail_err(&err);
	}
	if (c->a)
		against_log_compare(c->a, c->r);
	if (c->o->json) {
		ret = print_json(c);
	} else {
		print_text(c);
		if (c->a)
			print_against(c);
	}
	if (ret)
		return ret;
	if (c->a)
		return c->a->equal ? CLI_EXIT_OK : CLI_EXIT_PROBLEM;
	return verdict_of(c->r) == CHECK_PROBLEM ? CLI_EXIT_PROBLEM :
							  CLI_EXIT_OK;
}

int cli_cpuid_check(const struct cpuid_opts *o)
{
	struct check_run c = { .o = o };
	int ret;

	c.t = calloc(1, sizeof(*c.t));
	c.r = calloc(1, sizeof(*c.r));
	if (o->against_log) {
		c.a = calloc(1, sizeof(*c.a));
		if (c.a)
			c.a->path = o->against_log;
	}
	if (!c.t || !c.r || (o->against_log && !c.a))
		ret = cli_fail("out of memory");
	else
		ret = check(&c);
	free(c.t);
	free(c.r);
	free(c.a);
	return ret;
}

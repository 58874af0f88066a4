// SPDX-License-Identifier: MIT
/*
 * `xsvm explain FILE|- [--linux VER] [--json]`: read a guest console log,
 * a dmesg or any table dump, reconstruct leaf 0xD, recompute the sizes for
 * the state the kernel used and name the cause of a mismatch
 * (cpuid/explain.h). Exit 0 no problem, 1 a problem explained, 2 bad input.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli_explain.h"
#include "cli_util.h"
#include "cpuid/explain.h"
#include "json.h"

enum { OPT_LINUX = 0x100, OPT_JSON, OPT_HELP = 'h' };

static const struct option explain_opts[] = {
	{ "linux", required_argument, NULL, OPT_LINUX },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

struct explain_opts {
	const char *file;
	bool json;
	bool have_linux;
	uint32_t linux_version;
};

struct explain_run {
	const struct explain_opts *o;
	const char *name;
	char *text;
	size_t len;
	struct explain_log log;
	struct cpuid_table t;
	struct cpuid_parse_info info;
	bool table_from_log;
	bool passed_only; /* "Supporting" lines only, no sizes */
	struct explain_result r;
};

void cli_explain_usage(FILE *f)
{
	fputs("usage: xsvm explain FILE|- [--linux VER] [--json]\n"
	      "\n"
	      "Read a guest console log or dmesg (timestamps, CRLF, other lines and a\n"
	      "cut-off last line are fine) or any table dump, reconstruct CPUID leaf 0xD,\n"
	      "work out the XCR0/XSS the kernel used, recompute every size in order and\n"
	      "name the cause of a mismatch with the figures. A reported size that is\n"
	      "not the in-order one is searched: every way of computing it wrongly that\n"
	      "gives exactly that size is listed, fewest assumptions first, with the\n"
	      "number of computations tried.\n"
	      "\n"
	      "  --linux VER   the kernel release (X.Y or X.Y.Z) when the log has no\n"
	      "                'Linux version' line (default 6.8); given, it overrides\n"
	      "                the log's\n"
	      "  --json        one JSON object with the same fields (the search:\n"
	      "                candidates_tried, candidates_found and candidates, each\n"
	      "                with name, size, assumptions, kind and text)\n"
	      "  -h, --help    this help\n"
	      "\n"
	      "Exit status: 0 no problem, 1 a problem explained, 2 unreadable input.\n",
	      f);
}

static const char *comp_name(unsigned int i)
{
	const struct xsave_component_info *ci = xsave_component_info(i);

	return ci ? ci->short_name : "unknown";
}

static const char *input_kind(const struct explain_run *x)
{
	if (x->table_from_log)
		return "x86/fpu lines";
	return cpuid_format_name(x->info.format);
}

static const char *state_text(const struct explain_run *x)
{
	switch (x->r.state_source) {
	case EXPLAIN_STATE_ENABLED:
		return "from the log's 'Enabled xstate features' line";
	case EXPLAIN_STATE_SUPPORTING:
		return "from the log's 'Supporting XSAVE feature' lines";
	default:
		return "from the Linux";
	}
}

static const char *reported_text(enum explain_reported_source s)
{
	switch (s) {
	case EXPLAIN_REPORTED_WARNING:
		return "the warning's kernel_size";
	case EXPLAIN_REPORTED_ENABLED:
		return "the 'Enabled xstate features' context size";
	case EXPLAIN_REPORTED_EBX1:
		return "0xd.1 EBX";
	default:
		return "0xd.0 EBX";
	}
}

static void print_kernel(const struct explain_run *x)
{
	const struct explain_result *r = &x->r;
	struct linux_model_name n = linux_model_name(r->version);

	if (r->version_from_option)
		printf("kernel: Linux %s (--linux)\n", n.s);
	else if (r->version_from_log)
		printf("kernel: Linux %s (the %s, from the log's banner)\n",
		       x->log.release, n.s);
	else
		printf("kernel: Linux %s (the default: the log has no 'Linux version' line)\n",
		       n.s);
}

static void print_state(const struct explain_run *x)
{
	const struct explain_result *r = &x->r;

	printf("state: XCR0 0x%llx, XSS 0x%llx (0x%llx enabled), %s format, %s",
	       (unsigned long long)r->xcr0, (unsigned long long)r->xss,
	       (unsigned long long)r->mask,
	       r->compacted ? "compacted" : "standard", state_text(x));
	if (r->state_source == EXPLAIN_STATE_MODEL)
		printf(" %s (the log has no 'Enabled xstate features' line)",
		       linux_model_name(r->version).s);
	printf("\n");
	if (r->compacted && r->xss)
		printf("note: with XSAVES the compacted size includes the supervisor components of XSS 0x%llx\n",
		       (unsigned long long)r->xss);
}

static void print_layout(const struct explain_result *r)
{
	uint32_t end = XSAVE_EXT_START;

	printf("in order (%s offsets):\n",
	       r->compacted ? "compacted" : "standard");
	for (unsigned int k = 0; k < r->layout.nr; k++) {
		const struct xsave_slot *s = &r->layout.slot[k];
		uint32_t off = r->compacted ? s->compacted_offset :
					      s->standard_offset;

		printf("  component %2u (%s): %u bytes at %u", s->comp.index,
		       comp_name(s->comp.index), s->comp.size, off);
		if (r->compacted && s->compacted_offset > end)
			printf(" (aligned: %u bytes of padding)",
			       s->compacted_offset - end);
		else if (s->comp.aligned)
			printf(" (aligned)");
		printf("\n");
		end = s->compacted_offset + s->comp.size;
	}
}

/* The candidate search, ranked: fewest assumptions first. */
static void print_candidates(const struct explain_result *r)
{
	if (!r->searched)
		return;
	printf("searched %u candidate computations; ", r->candidates_tried);
	if (r->candidates_found)
		printf("%u give%s %u\n", r->candidates_found,
		       r->candidates_found == 1 ? "s" : "", r->reported_size);
	else
		printf("none gives %u\n", r->reported_size);
	for (unsigned int i = 0; i < r->nr_candidates; i++) {
		const struct explain_candidate *c = &r->candidates[i];

		printf("candidate %u (%s, %u assumption%s): %s\n", i + 1,
		       c->name, c->assumptions, c->assumptions == 1 ? "" : "s",
		       c->text);
	}
	if (r->candidates_found > r->nr_candidates)
		printf("candidates %u to %u not listed (more assumptions)\n",
		       r->nr_candidates + 1, r->candidates_found);
}

static void print_text(const struct explain_run *x)
{
	const struct explain_result *r = &x->r;

	printf("xsvm explain: %s (%s", x->name, input_kind(x));
	if (x->log.dump == EXPLAIN_DUMP_DMESG)
		printf(", %u CPUID dump lines", x->log.dump_lines);
	printf(")\n");
	print_kernel(x);
	print_state(x);
	print_layout(r);
	if (r->sizes_checked)
		printf("in-order size: %u (%s)\n", r->in_order_size,
		       r->compacted ? "compacted" : "standard");
	else
		printf("in-order size: not recomputed (the kernel stops before its size check or subleaves are missing)\n");
	printf("reported size: %u (%s)\n", r->reported_size,
	       reported_text(r->reported_source));
	for (unsigned int i = 0; i < r->nr_notes; i++)
		printf("note: %s\n", r->notes[i]);
	for (unsigned int i = 0; i < r->nr_causes; i++)
		printf("cause: %s\n", r->causes[i].text);
	print_candidates(r);
	if (!r->nr_causes)
		printf("no problem: the reported size equals the in-order size and the table is consistent\n");
}

static void json_layout(struct json_writer *w, const struct explain_result *r)
{
	uint32_t end = XSAVE_EXT_START;

	json_begin_array(w, "components");
	for (unsigned int k = 0; k < r->layout.nr; k++) {
		const struct xsave_slot *s = &r->layout.slot[k];

		json_begin_object(w, NULL);
		json_u64(w, "index", s->comp.index);
		json_string(w, "name", comp_name(s->comp.index));
		json_u64(w, "size", s->comp.size);
		json_u64(w, "compacted_offset", s->compacted_offset);
		json_u64(w, "standard_offset", s->standard_offset);
		json_bool(w, "aligned", s->comp.aligned);
		json_bool(w, "supervisor", s->comp.supervisor);
		json_u64(w, "padding",
			 s->compacted_offset > end ? s->compacted_offset - end : 0);
		json_end_object(w);
		end = s->compacted_offset + s->comp.size;
	}
	json_end_array(w);
}

static void json_missing(struct json_writer *w, const struct explain_run *x)
{
	json_begin_array(w, "missing_subleaves");
	for (unsigned int i = 0; i < XSAVE_MAX_COMPONENTS; i++)
		if (x->r.missing_subleaves & XFEATURE_BIT(i))
			json_u64(w, NULL, i);
	json_end_array(w);
}

static void json_candidates(struct json_writer *w,
			    const struct explain_result *r)
{
	json_u64(w, "candidates_tried", r->candidates_tried);
	json_u64(w, "candidates_found", r->candidates_found);
	json_begin_array(w, "candidates");
	for (unsigned int i = 0; i < r->nr_candidates; i++) {
		const struct explain_candidate *c = &r->candidates[i];

		json_begin_object(w, NULL);
		json_string(w, "name", c->name);
		json_u64(w, "size", c->size);
		json_u64(w, "assumptions", c->assumptions);
		json_string(w, "kind", explain_cause_name(c->kind));
		json_string(w, "text", c->text);
		json_end_object(w);
	}
	json_end_array(w);
}

static int print_json(const struct explain_run *x)
{
	const struct explain_result *r = &x->r;
	struct json_writer w;

	cli_json_begin(&w, stdout);
	json_string(&w, "file", x->name);
	json_string(&w, "input_format", input_kind(x));
	json_string(&w, "linux", linux_release_name(r->version).s);
	if (linux_model_release(r->version) != r->version)
		json_string(&w, "linux_model",
			    linux_release_name(linux_model_release(r->version)).s);
	json_string(&w, "linux_release", x->log.release);
	json_string(&w, "linux_source", r->version_from_option ? "option" :
					r->version_from_log ? "log" :
							      "default");
	json_hex(&w, "xcr0", r->xcr0);
	json_hex(&w, "xss", r->xss);
	json_hex(&w, "features", r->mask);
	json_string(&w, "state_source",
		    explain_state_source_name(r->state_source));
	json_string(&w, "format", r->compacted ? "compacted" : "standard");
	json_bool(&w, "sizes_checked", r->sizes_checked);
	json_u64(&w, "in_order_size", r->in_order_size);
	json_u64(&w, "unaligned_size", r->unaligned_size);
	json_u64(&w, "reported_size", r->reported_size);
	json_string(&w, "reported_source",
		    explain_reported_source_name(r->reported_source));
	if (r->have_orders) {
		json_u64(&w, "orders_total", r->orders_total);
		json_u64(&w, "orders_reported", r->orders_reported);
	}
	json_u64(&w, "dump_lines", x->log.dump_lines);
	json_bool(&w, "dump_cut", x->log.dump_cut);
	json_missing(&w, x);
	json_layout(&w, r);
	json_begin_array(&w, "notes");
	for (unsigned int i = 0; i < r->nr_notes; i++)
		json_string(&w, NULL, r->notes[i]);
	json_end_array(&w);
	json_begin_array(&w, "causes");
	for (unsigned int i = 0; i < r->nr_causes; i++) {
		json_begin_object(&w, NULL);
		json_string(&w, "kind", explain_cause_name(r->causes[i].kind));
		json_string(&w, "text", r->causes[i].text);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_candidates(&w, r);
	json_string(&w, "verdict", r->nr_causes ? "problem" : "no_problem");
	if (cli_json_end(&w))
		return cli_fail("writing JSON output failed");
	return CLI_EXIT_OK;
}

/*
 * A log that ends after "Supporting XSAVE feature" lines but before the
 * context size (e.g. a run stopped at the kernel's first XRSTOR): the
 * kernel prints those lines only once its consistency check has passed.
 */
static int passed_without_sizes(struct explain_run *x)
{
	const struct explain_log *log = &x->log;

	x->passed_only = true;
	if (x->o->json) {
		struct json_writer w;

		cli_json_begin(&w, stdout);
		json_string(&w, "file", x->name);
		json_string(&w, "kernel", log->have_version ? log->release : "");
		json_bool(&w, "problem", false);
		json_hex(&w, "supporting_mask", log->supporting_mask);
		json_bool(&w, "xsave_used", !!log->nr_supporting);
		json_bool(&w, "sizes_recomputed", false);
		json_begin_array(&w, "causes");
		json_end_array(&w);
		if (cli_json_end(&w))
			return cli_fail("writing JSON output failed");
		return -1;
	}
	printf("xsvm explain: %s (log, %u XSAVE lines)\n", x->name,
	       log->nr_fpu_lines);
	if (log->have_version)
		printf("kernel: Linux %s\n", log->release);
	if (!log->nr_supporting)
		printf("no problem: the kernel does not use XSAVE ('x86/fpu: x87 FPU will use ...'), so it checks no XSAVE size\n");
	else
		printf("no problem: the kernel printed 'Supporting XSAVE feature' for 0x%llx, which it does only after its XSAVE consistency check has passed; the log ends before the context size, so no size is recomputed\n",
		       (unsigned long long)log->supporting_mask);
	return -1;
}

/* The table: the log's dump, else the x86/fpu lines of a passed check. */
static int load_table(struct explain_run *x)
{
	struct xsvm_err err = { { 0 } };
	const struct explain_log *log = &x->log;
	int ret;

	if (log->dump == EXPLAIN_DUMP_DMESG) {
		/* from the start, so that messages give the file's line numbers */
		ret = cpuid_parse(&x->t, x->name, x->text,
				  log->dump_off + log->dump_len,
				  CPUID_FORMAT_DMESG, &x->info, &err);
		return ret ? cli_fail_err(&err) : 0;
	}
	if (log->dump == EXPLAIN_DUMP_TABLE) {
		ret = cpuid_parse(&x->t, x->name, x->text, x->len,
				  CPUID_FORMAT_AUTO, &x->info, &err);
		return ret ? cli_fail_err(&err) : 0;
	}
	if (!explain_log_table(log, &x->t)) {
		x->table_from_log = true;
		return 0;
	}
	if (log->nr_warnings)
		return cli_fail("%s: the log shows '%s' but has no CPUID[0d, NN] dump and no 'x86/fpu: Enabled xstate features' line to recompute it from",
				x->name, log->warnings[0]);
	if (log->nr_supporting || log->no_xsave)
		return passed_without_sizes(x);
	return cli_fail("%s: no leaf-0xD dump and no 'x86/fpu: Enabled xstate features' line: nothing to explain",
			x->name);
}

static int explain(struct explain_run *x)
{
	struct xsvm_err err = { { 0 } };
	int ret;

	x->name = cli_input_name(x->o->file);
	ret = cli_read_file(x->o->file, &x->text, &x->len, &err);
	if (ret)
		return cli_fail_err(&err);
	x->len = explain_log_strip_nul(x->text, x->len);
	if (explain_log_scan(x->text, x->len, &x->log))
		return cli_fail("%s: no leaf-0xD dump and no x86/fpu or XSAVE lines%s: nothing to explain",
				x->name,
				x->log.nr_nul || x->log.nr_binary ?
					" (binary data)" : "");
	if (x->o->have_linux) {
		x->log.have_version = true;
		x->log.version_option = true;
		x->log.version = x->o->linux_version;
	}
	ret = load_table(x);
	if (ret < 0)
		return CLI_EXIT_OK; /* passed, nothing to recompute */
	if (ret)
		return ret;
	if (explain_table(&x->t, &x->log, &x->r))
		return cli_fail("%s: the table has no leaf 0xd subleaf 0: nothing to explain",
				x->name);
	if (x->o->json)
		ret = print_json(x);
	else
		print_text(x);
	if (ret)
		return ret;
	return x->r.nr_causes ? CLI_EXIT_PROBLEM : CLI_EXIT_OK;
}

static int apply_option(int opt, const char *arg, void *ctx)
{
	struct explain_opts *o = ctx;
	struct xsvm_err err = { { 0 } };

	if (opt == OPT_JSON) {
		o->json = true;
		return 0;
	}
	if (linux_version_parse(arg, &o->linux_version, &err))
		return cli_fail_err(&err);
	o->have_linux = true;
	return 0;
}

/* Returns -1 to explain, else an exit status. */
static int parse_args(int argc, char **argv, struct explain_opts *o)
{
	const struct cli_command cmd = {
		.name = "explain", .opts = explain_opts, .apply = apply_option,
		.ctx = o, .usage = cli_explain_usage,
	};
	int next, ret = cli_options(&cmd, argc, argv, &next);

	if (ret >= 0)
		return ret;
	if (next >= argc)
		return cli_fail("explain: missing FILE (see xsvm explain --help)");
	if (next + 1 < argc)
		return cli_fail("explain: unexpected argument '%s' (see xsvm explain --help)",
				argv[next + 1]);
	o->file = argv[next];
	return -1;
}

int cli_explain_main(int argc, char **argv)
{
	struct explain_opts o = { .linux_version = LINUX_DEFAULT_VERSION };
	struct explain_run *x;
	int ret = parse_args(argc, argv, &o);

	if (ret >= 0)
		return ret;
	x = calloc(1, sizeof(*x));
	if (!x)
		return cli_fail("out of memory");
	x->o = &o;
	ret = explain(x);
	free(x->text);
	free(x);
	return ret;
}

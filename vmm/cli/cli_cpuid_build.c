// SPDX-License-Identifier: MIT
/*
 * `xsvm cpuid build`: load a table, rewrite leaf 0xD with the ordered XSAVE
 * builder and print the result (dump, kvm-json or cpuid -r format, or the
 * JSON build report).
 */
#include <stdlib.h>

#include "cli_cpuid.h"
#include "cli_policy.h"
#include "cli_table.h"
#include "cpuid/builder.h"
#include "cpuid/parse.h"
#include "cli_util.h"
#include "json.h"

struct build_run {
	const struct cpuid_opts *o;
	struct table_build *tb;
};

static const char *source_desc(const struct cli_source *s)
{
	switch (s->kind) {
	case CLI_SOURCE_HOST:
		return "KVM_GET_SUPPORTED_CPUID";
	case CLI_SOURCE_NATIVE:
		return "CPUID instruction";
	default:
		return cpuid_format_name(s->info.format);
	}
}

/* Where a state value came from: the option, or the Linux model. */
static void print_state(const struct build_run *b, const char *name,
			uint64_t val, bool given)
{
	printf("# %s: 0x%llx (", name, (unsigned long long)val);
	if (given)
		printf("--%s)\n", name);
	else
		printf("Linux %s)\n",
		       linux_model_name(b->tb->p.linux_version).s);
}

static void print_header(const struct build_run *b)
{
	const struct xsave_build_result *r = &b->tb->r;

	printf("# xsvm cpuid build\n");
	printf("# source: %s (%s)\n", b->tb->src.name, source_desc(&b->tb->src));
	cli_policy_print(stdout, &b->tb->pol, &b->tb->pr);
	cli_normalize_print(stdout, &b->tb->nr);
	print_state(b, "xcr0", r->xcr0, b->tb->p.have_xcr0);
	print_state(b, "xss", r->xss, b->tb->p.have_xss);
	printf("# supported: xcr0 0x%llx, xss 0x%llx; %u subleaves removed\n",
	       (unsigned long long)r->supported_xcr0,
	       (unsigned long long)r->supported_xss, r->removed_subleaves);
	printf("# 0xD.0 ebx %u ecx %u; 0xD.1 ebx %u\n", r->ebx0, r->ecx0,
	       r->ebx1);
	printf("# order: %s\n", b->tb->order);
	if (!cli_table_defective(b->tb))
		return;
	printf("# WARNING: order %s is deliberately defective: it reproduces OpenVMM #708\n",
	       b->tb->order);
	printf("# WARNING: 0xD.1 EBX = %u here; the ascending (architectural) order gives %u\n",
	       r->ebx1, r->ascending_ebx1);
}

/*
 * The table in --format: the dump format with its '#' header, or kvm-json
 * or cpuid -r alone, for other tools (neither has comments).
 */
static int print_text(const struct build_run *b)
{
	enum cpuid_format f = b->o->format;
	size_t need = cpuid_table_print_format(&b->tb->t, f, NULL, 0);
	char *buf = malloc(need + 1);

	if (!buf)
		return cli_fail("out of memory");
	cpuid_table_print_format(&b->tb->t, f, buf, need + 1);
	if (f == CPUID_FORMAT_DUMP)
		print_header(b);
	fputs(buf, stdout);
	free(buf);
	return CLI_EXIT_OK;
}

static void json_entries(struct json_writer *w, const struct cpuid_table *t)
{
	json_begin_array(w, "entries");
	for (unsigned int i = 0; i < t->nr; i++) {
		const struct cpuid_entry *e = &t->e[i];

		json_begin_object(w, NULL);
		json_hex(w, "leaf", e->leaf);
		json_hex(w, "subleaf", e->subleaf);
		json_hex(w, "eax", e->eax);
		json_hex(w, "ebx", e->ebx);
		json_hex(w, "ecx", e->ecx);
		json_hex(w, "edx", e->edx);
		json_end_object(w);
	}
	json_end_array(w);
}

static int print_json(const struct build_run *b)
{
	const struct xsave_build_result *r = &b->tb->r;
	struct json_writer w;

	cli_json_begin(&w, stdout);
	json_string(&w, "source", b->tb->src.name);
	json_string(&w, "source_kind", source_desc(&b->tb->src));
	cli_policy_json(&w, &b->tb->pol, &b->tb->pr);
	cli_normalize_json(&w, &b->tb->nr);
	json_string(&w, "order", b->tb->order);
	json_bool(&w, "defective_order", cli_table_defective(b->tb));
	json_string(&w, "linux", linux_release_name(b->tb->p.linux_version).s);
	json_hex(&w, "xcr0", r->xcr0);
	json_hex(&w, "xss", r->xss);
	json_bool(&w, "state_from_model", r->state_from_model);
	json_hex(&w, "supported_xcr0", r->supported_xcr0);
	json_hex(&w, "supported_xss", r->supported_xss);
	json_u64(&w, "ebx0", r->ebx0);
	json_u64(&w, "ecx0", r->ecx0);
	json_u64(&w, "ebx1", r->ebx1);
	json_u64(&w, "ascending_ebx1", r->ascending_ebx1);
	json_u64(&w, "removed_subleaves", r->removed_subleaves);
	json_hex(&w, "table_hash", cpuid_table_hash(&b->tb->t));
	json_u64(&w, "nr_entries", b->tb->t.nr);
	json_entries(&w, &b->tb->t);
	if (cli_json_end(&w))
		return cli_fail("writing JSON output failed");
	return CLI_EXIT_OK;
}

int cli_cpuid_build(const struct cpuid_opts *o)
{
	struct build_run b = { .o = o };
	int ret;

	if (o->json && o->format != CPUID_FORMAT_DUMP)
		return cli_fail("cpuid build: --json (the build report) and --format %s cannot be combined",
				cpuid_export_format_name(o->format));
	b.tb = calloc(1, sizeof(*b.tb));
	if (!b.tb)
		return cli_fail("out of memory");
	ret = cli_table_build(o, b.tb);
	if (!ret) {
		cli_table_warn_defective(b.tb);
		ret = o->json ? print_json(&b) : print_text(&b);
	}
	free(b.tb);
	return ret;
}

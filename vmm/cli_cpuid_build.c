// SPDX-License-Identifier: MIT
/*
 * `xsvm cpuid build`: load a table, rewrite leaf 0xD with the ordered XSAVE
 * builder and print the result (dump format or JSON).
 */
#include <stdlib.h>

#include "cli_cpuid.h"
#include "cli_policy.h"
#include "cli_util.h"
#include "cpuid/builder.h"
#include "cpuid/parse.h"
#include "json.h"

struct build_run {
	const struct cpuid_opts *o;
	struct cli_source src;
	struct cpuid_table *t;
	struct policy *pol;
	struct policy_result *pr;
	struct xsave_build_params p;
	struct xsave_build_result r;
	char order[64];
};

static bool defective(const struct build_run *b)
{
	return b->p.order.kind == XSAVE_ORDER_HASH;
}

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
		printf("Linux %s model)\n",
		       linux_version_name(b->p.linux_version));
}

static void warn_defective(const struct build_run *b)
{
	if (!defective(b))
		return;
	fprintf(stderr,
		"xsvm: warning: --xsave-order %s is a deliberately defective accumulation order reproducing OpenVMM #708: 0xD.1 EBX = %u, the ascending order gives %u%s\n",
		b->order, b->r.ebx1, b->r.ascending_ebx1,
		b->r.ebx1 == b->r.ascending_ebx1 ? " (same for this state)" : "");
}

static void print_header(const struct build_run *b)
{
	const struct xsave_build_result *r = &b->r;

	printf("# xsvm cpuid build\n");
	printf("# source: %s (%s)\n", b->src.name, source_desc(&b->src));
	cli_policy_print(stdout, b->pol, b->pr);
	print_state(b, "xcr0", r->xcr0, b->p.have_xcr0);
	print_state(b, "xss", r->xss, b->p.have_xss);
	printf("# supported: xcr0 0x%llx, xss 0x%llx; %u subleaves removed\n",
	       (unsigned long long)r->supported_xcr0,
	       (unsigned long long)r->supported_xss, r->removed_subleaves);
	printf("# 0xD.0 ebx %u ecx %u; 0xD.1 ebx %u\n", r->ebx0, r->ecx0,
	       r->ebx1);
	printf("# order: %s\n", b->order);
	if (!defective(b))
		return;
	printf("# WARNING: order %s is deliberately defective: it reproduces OpenVMM #708\n",
	       b->order);
	printf("# WARNING: 0xD.1 EBX = %u here; the ascending (architectural) order gives %u\n",
	       r->ebx1, r->ascending_ebx1);
}

static int print_text(const struct build_run *b)
{
	size_t need = cpuid_table_print(b->t, NULL, 0);
	char *buf = malloc(need + 1);

	if (!buf)
		return cli_fail("out of memory");
	cpuid_table_print(b->t, buf, need + 1);
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
	const struct xsave_build_result *r = &b->r;
	struct json_writer w;

	json_init(&w, stdout);
	json_begin_object(&w, NULL);
	json_string(&w, "source", b->src.name);
	json_string(&w, "source_kind", source_desc(&b->src));
	cli_policy_json(&w, b->pol, b->pr);
	json_string(&w, "order", b->order);
	json_bool(&w, "defective_order", defective(b));
	json_string(&w, "linux", linux_version_name(b->p.linux_version));
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
	json_hex(&w, "table_hash", cpuid_table_hash(b->t));
	json_u64(&w, "nr_entries", b->t->nr);
	json_entries(&w, b->t);
	json_end_object(&w);
	if (json_finish(&w))
		return cli_fail("writing JSON output failed");
	return CLI_EXIT_OK;
}

static void params_from_opts(struct build_run *b)
{
	const struct cpuid_opts *o = b->o;

	xsave_build_params_init(&b->p);
	b->p.have_xcr0 = o->have_xcr0;
	b->p.xcr0 = o->xcr0;
	b->p.have_xss = o->have_xss;
	b->p.xss = o->xss;
	b->p.linux_version = o->linux_version;
	b->p.order = o->order;
	b->p.allow_xcr0 = b->pr->allow_xcr0;
	b->p.allow_xss = b->pr->allow_xss;
	xsave_order_format(&b->p.order, b->order, sizeof(b->order));
}

static int build(struct build_run *b)
{
	struct xsvm_err err = { { 0 } };
	int ret;

	struct policy_params pp = { .have_xfam = b->o->have_xfam,
				    .xfam = b->o->xfam };

	ret = cli_policy_load(b->o->policy, b->pol, &err);
	if (ret)
		return cli_fail_err(&err);
	ret = cli_load_source(b->o->source, b->t, &b->src, &err);
	if (ret)
		return cli_fail_err(&err);
	ret = policy_apply(b->t, b->pol, &pp, b->pr, &err);
	if (ret) {
		xsvm_err_prefix(&err, b->src.name);
		return cli_fail_err(&err);
	}
	params_from_opts(b);
	ret = xsave_build(b->t, &b->p, &b->r, &err);
	if (ret) {
		xsvm_err_prefix(&err, b->src.name);
		return cli_fail_err(&err);
	}
	warn_defective(b);
	return b->o->json ? print_json(b) : print_text(b);
}

int cli_cpuid_build(const struct cpuid_opts *o)
{
	struct build_run b = { .o = o };
	int ret;

	b.t = calloc(1, sizeof(*b.t));
	b.pol = calloc(1, sizeof(*b.pol));
	b.pr = calloc(1, sizeof(*b.pr));
	if (b.t && b.pol && b.pr)
		ret = build(&b);
	else
		ret = cli_fail("out of memory");
	free(b.t);
	free(b.pol);
	free(b.pr);
	return ret;
}

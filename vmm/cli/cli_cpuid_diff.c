// SPDX-License-Identifier: MIT
/*
 * `xsvm cpuid diff A B`: register-level differences between two tables and
 * leaf 0xD interpreted (cpuid_table_diff, cpuid_xsave_diff). Exit 0 when the
 * tables are identical, 1 when they differ, 2 on bad input, like diff(1).
 */
#include <stdlib.h>
#include <string.h>

#include "cli_cpuid.h"
#include "cli_util.h"
#include "cpuid/diff.h"
#include "json.h"

struct diff_run {
	const struct cpuid_opts *o;
	struct cli_source src_a, src_b;
	struct cpuid_table *a, *b;
	struct cpuid_diff *d;
	struct cpuid_xsave_diff *x;
};

/* How each size is labelled in the text output. */
static const char *const size_labels[CPUID_XSAVE_NR_SIZES] = {
	"0xD.0 EBX",
	"0xD.0 ECX",
	"0xD.1 EBX",
	"standard size of 0xD.0 EDX:EAX",
	"compacted size of 0xD.0 EDX:EAX | 0xD.1 EDX:ECX",
};

static const char *comp_name(unsigned int index)
{
	const struct xsave_component_info *ci = xsave_component_info(index);

	return ci ? ci->short_name : NULL;
}

static const char *yes_no(bool v)
{
	return v ? "yes" : "no";
}

static void print_reg_diffs(const struct cpuid_diff *d)
{
	for (unsigned int i = 0; i < d->nr; i++) {
		const struct cpuid_diff_entry *e = &d->d[i];

		printf("%s leaf 0x%08x subleaf 0x%x",
		       cpuid_diff_kind_name(e->kind), e->leaf, e->subleaf);
		if (e->kind == CPUID_DIFF_CHANGED)
			printf(" %s: 0x%08x -> 0x%08x\n",
			       cpuid_reg_names[e->reg], e->a, e->b);
		else
			printf(" (only in %s)\n",
			       e->kind == CPUID_DIFF_MISSING ? "a" : "b");
	}
	if (d->total > d->nr)
		printf("... and %u more differences (the first %u are listed)\n",
		       d->total - d->nr, d->nr);
}

/* "0x200 (pkru)", "0x3 (x87, sse)" */
static void print_mask_names(uint64_t mask)
{
	const char *sep = " (";

	printf("0x%llx", (unsigned long long)mask);
	for (unsigned int i = 0; i < XSAVE_MAX_COMPONENTS; i++) {
		const char *name = comp_name(i);

		if (!(mask & XFEATURE_BIT(i)))
			continue;
		if (name)
			printf("%s%s", sep, name);
		else
			printf("%s%u", sep, i);
		sep = ", ";
	}
	printf("%s\n", mask ? ")" : "");
}

/* "xsave: component 9 (pkru): removed; subleaf 0xD.9 present -> absent; ..." */
static void print_comp(const struct cpuid_xsave_comp_diff *c)
{
	const struct xsave_comp *a = &c->a, *b = &c->b;
	const char *name = comp_name(c->index);
	unsigned int ch = c->changes;
	const char *sep = ": ";

	printf("xsave: component %u", c->index);
	if (name)
		printf(" (%s)", name);
#define ITEM(bit, ...)                         \
	do {                                   \
		if (ch & (bit)) {              \
			printf("%s", sep);     \
			printf(__VA_ARGS__);   \
			sep = "; ";            \
		}                              \
	} while (0)
	ITEM(CPUID_XSAVE_ADDED, "added");
	ITEM(CPUID_XSAVE_REMOVED, "removed");
	ITEM(CPUID_XSAVE_SUBLEAF, "subleaf 0xD.%u %s -> %s", c->index,
	     a->present ? "present" : "absent",
	     b->present ? "present" : "absent");
	ITEM(CPUID_XSAVE_SIZE, "size %u -> %u", a->size, b->size);
	ITEM(CPUID_XSAVE_OFFSET, "offset %u -> %u", a->offset, b->offset);
	ITEM(CPUID_XSAVE_ALIGN64, "align64 %s -> %s", yes_no(a->aligned),
	     yes_no(b->aligned));
	ITEM(CPUID_XSAVE_SUPERVISOR, "supervisor %s -> %s",
	     yes_no(a->supervisor), yes_no(b->supervisor));
	ITEM(CPUID_XSAVE_XFD, "xfd %s -> %s", yes_no(a->xfd), yes_no(b->xfd));
#undef ITEM
	printf("\n");
}

static void print_xsave(const struct cpuid_xsave_diff *x)
{
	if (x->a.user != x->b.user)
		printf("xsave: user components (0xD.0 EDX:EAX): 0x%llx -> 0x%llx\n",
		       (unsigned long long)x->a.user,
		       (unsigned long long)x->b.user);
	if (x->a.supervisor != x->b.supervisor)
		printf("xsave: supervisor components (0xD.1 EDX:ECX): 0x%llx -> 0x%llx\n",
		       (unsigned long long)x->a.supervisor,
		       (unsigned long long)x->b.supervisor);
	if (x->removed) {
		printf("xsave: components removed: ");
		print_mask_names(x->removed);
	}
	if (x->added) {
		printf("xsave: components added: ");
		print_mask_names(x->added);
	}
	for (unsigned int i = 0; i < x->nr; i++)
		print_comp(&x->c[i]);
	for (unsigned int i = 0; i < CPUID_XSAVE_NR_SIZES; i++) {
		enum cpuid_xsave_size_id id = (enum cpuid_xsave_size_id)i;

		if (x->sizes_changed & (1u << i))
			printf("xsave: %s: %u -> %u\n", size_labels[i],
			       cpuid_xsave_size(&x->a, id),
			       cpuid_xsave_size(&x->b, id));
	}
}

static unsigned int count_kind(const struct cpuid_diff *d,
			       enum cpuid_diff_kind k)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->nr; i++)
		n += d->d[i].kind == k;
	return n;
}

static unsigned int popcount(unsigned int v)
{
	unsigned int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

static void print_text(const struct diff_run *r)
{
	const struct cpuid_diff *d = r->d;

	printf("# xsvm cpuid diff: a = %s (%s, %u entries), b = %s (%s, %u entries)\n",
	       r->src_a.name, cpuid_format_name(r->src_a.info.format),
	       r->a->nr, r->src_b.name,
	       cpuid_format_name(r->src_b.info.format), r->b->nr);
	if (!d->total) {
		printf("summary: identical\n");
		return;
	}
	print_reg_diffs(d);
	print_xsave(r->x);
	printf("summary: %u register differences", d->total);
	if (d->total == d->nr)
		printf(" (%u changed, %u missing, %u added)",
		       count_kind(d, CPUID_DIFF_CHANGED),
		       count_kind(d, CPUID_DIFF_MISSING),
		       count_kind(d, CPUID_DIFF_ADDED));
	printf("; xsave: %u components, %u sizes changed\n", r->x->nr,
	       popcount(r->x->sizes_changed));
}

static void json_source(struct json_writer *w, const char *key,
			const struct cli_source *s,
			const struct cpuid_table *t)
{
	json_begin_object(w, key);
	json_string(w, "file", s->name);
	json_string(w, "format", cpuid_format_name(s->info.format));
	json_u64(w, "nr_entries", t->nr);
	json_hex(w, "table_hash", cpuid_table_hash(t));
	json_end_object(w);
}

/* A changed register: its name and the values of table A and table B. */
static const char *const diff_keys[3] = { "reg", "a", "b" };

static void json_comp_side(struct json_writer *w, const char *key, bool in,
			   const struct xsave_comp *c)
{
	json_begin_object(w, key);
	json_bool(w, "supported", in);
	json_bool(w, "subleaf", c->present);
	json_u64(w, "size", c->size);
	json_u64(w, "offset", c->offset);
	json_bool(w, "align64", c->aligned);
	json_bool(w, "supervisor", c->supervisor);
	json_bool(w, "xfd", c->xfd);
	json_end_object(w);
}

static void json_comp(struct json_writer *w,
		      const struct cpuid_xsave_comp_diff *c)
{
	const char *name = comp_name(c->index);

	json_begin_object(w, NULL);
	json_u64(w, "index", c->index);
	json_string(w, "name", name ? name : "unknown");
	json_begin_array(w, "changes");
	for (unsigned int bit = 0; bit < CPUID_XSAVE_NR_CHANGES; bit++)
		if (c->changes & (1u << bit))
			json_string(w, NULL, cpuid_xsave_change_name(bit));
	json_end_array(w);
	json_comp_side(w, "a", c->in_a, &c->a);
	json_comp_side(w, "b", c->in_b, &c->b);
	json_end_object(w);
}

static void json_xsave(struct json_writer *w, const struct cpuid_xsave_diff *x)
{
	json_begin_object(w, "xsave");
	json_hex(w, "user_a", x->a.user);
	json_hex(w, "user_b", x->b.user);
	json_hex(w, "supervisor_a", x->a.supervisor);
	json_hex(w, "supervisor_b", x->b.supervisor);
	json_hex(w, "added", x->added);
	json_hex(w, "removed", x->removed);
	json_begin_array(w, "components");
	for (unsigned int i = 0; i < x->nr; i++)
		json_comp(w, &x->c[i]);
	json_end_array(w);
	json_begin_object(w, "sizes");
	for (unsigned int i = 0; i < CPUID_XSAVE_NR_SIZES; i++) {
		enum cpuid_xsave_size_id id = (enum cpuid_xsave_size_id)i;

		json_begin_object(w, cpuid_xsave_size_name(id));
		json_u64(w, "a", cpuid_xsave_size(&x->a, id));
		json_u64(w, "b", cpuid_xsave_size(&x->b, id));
		json_bool(w, "changed", x->sizes_changed & (1u << i));
		json_end_object(w);
	}
	json_end_object(w);
	json_end_object(w);
}

static int print_json(const struct diff_run *r)
{
	struct json_writer w;

	cli_json_begin(&w, stdout);
	json_source(&w, "a", &r->src_a, r->a);
	json_source(&w, "b", &r->src_b, r->b);
	json_bool(&w, "identical", !r->d->total);
	json_u64(&w, "differences_total", r->d->total);
	cli_json_diff(&w, "differences", r->d, diff_keys);
	json_xsave(&w, r->x);
	if (cli_json_end(&w))
		return cli_fail("writing JSON output failed");
	return CLI_EXIT_OK;
}

static int compare(struct diff_run *r)
{
	struct xsvm_err err = { { 0 } };
	int ret;

	if (!strcmp(r->o->file, "-") && !strcmp(r->o->file_b, "-"))
		return cli_fail("cpuid diff: only one of A and B can be '-' (stdin)");
	ret = cli_load_file(r->o->file, r->a, &r->src_a, &err);
	if (!ret)
		ret = cli_load_file(r->o->file_b, r->b, &r->src_b, &err);
	if (ret)
		return cli_fail_err(&err);
	cpuid_table_diff(r->a, r->b, r->d);
	cpuid_xsave_diff(r->a, r->b, r->x);
	if (r->o->json)
		ret = print_json(r);
	else
		print_text(r);
	if (ret)
		return ret;
	return r->d->total ? CLI_EXIT_PROBLEM : CLI_EXIT_OK;
}

int cli_cpuid_diff(const struct cpuid_opts *o)
{
	struct diff_run r = { .o = o };
	int ret;

	r.a = calloc(1, sizeof(*r.a));
	r.b = calloc(1, sizeof(*r.b));
	r.d = calloc(1, sizeof(*r.d));
	r.x = calloc(1, sizeof(*r.x));
	if (!r.a || !r.b || !r.d || !r.x)
		ret = cli_fail("out of memory");
	else
		ret = compare(&r);
	free(r.a);
	free(r.b);
	free(r.d);
	free(r.x);
	return ret;
}

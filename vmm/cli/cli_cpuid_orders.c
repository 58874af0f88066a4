// SPDX-License-Identifier: MIT
/*
 * `xsvm cpuid orders`: how many visiting orders of the enabled components
 * give each compacted size, for the layout a table describes.
 */
#include <stdlib.h>

#include "cli_cpuid.h"
#include "cli_util.h"
#include "cpuid/orders.h"
#include "json.h"

struct orders_run {
	const struct cpuid_opts *o;
	struct cli_source src;
	struct cpuid_table *t;
	struct xsave_layout *l;
	struct orders_result *r;
};

/* Every enabled extended component needs its 0xD subleaf to be sized. */
static int check_described(const struct orders_run *c, uint64_t mask)
{
	for (unsigned int i = 2; i < XSAVE_MAX_COMPONENTS; i++) {
		if (!(mask & XFEATURE_BIT(i)))
			continue;
		if (!cpuid_table_find(c->t, XSAVE_LEAF, i))
			return cli_fail("%s: component %u of --xcr0/--xss 0x%llx has no leaf 0xD subleaf 0x%x in the table",
					c->src.name, i,
					(unsigned long long)mask, i);
	}
	return 0;
}

static void print_text(const struct orders_run *c)
{
	const struct orders_result *r = c->r;

	printf("# xsvm cpuid orders: %s, xcr0 0x%llx, xss 0x%llx, %u components:",
	       c->src.name, (unsigned long long)c->o->xcr0,
	       (unsigned long long)c->o->xss, r->nr_components);
	for (unsigned int i = 0; i < c->l->nr; i++)
		printf(" %u", c->l->slot[i].comp.index);
	printf("\n");
	for (unsigned int i = 0; i < r->nr_sizes; i++)
		printf("size %u: %llu orders%s\n", r->sizes[i].size,
		       (unsigned long long)r->sizes[i].orders,
		       r->sizes[i].size == r->ascending_size ? " (ascending)" :
							       "");
	printf("total: %llu orders\n", (unsigned long long)r->orders_total);
}

static int print_json(const struct orders_run *c)
{
	const struct orders_result *r = c->r;
	struct json_writer w;

	cli_json_begin(&w, stdout);
	json_string(&w, "file", c->src.name);
	json_hex(&w, "xcr0", c->o->xcr0);
	json_hex(&w, "xss", c->o->xss);
	json_begin_array(&w, "components");
	for (unsigned int i = 0; i < c->l->nr; i++)
		json_u64(&w, NULL, c->l->slot[i].comp.index);
	json_end_array(&w);
	json_u64(&w, "orders_total", r->orders_total);
	json_u64(&w, "ascending_size", r->ascending_size);
	json_begin_array(&w, "sizes");
	for (unsigned int i = 0; i < r->nr_sizes; i++) {
		json_begin_object(&w, NULL);
		json_u64(&w, "size", r->sizes[i].size);
		json_u64(&w, "orders", r->sizes[i].orders);
		json_end_object(&w);
	}
	json_end_array(&w);
	if (cli_json_end(&w))
		return cli_fail("writing JSON output failed");
	return CLI_EXIT_OK;
}

static int analyse(struct orders_run *c)
{
	uint64_t mask = c->o->xcr0 | c->o->xss;
	struct xsvm_err err = { { 0 } };
	int ret;

	ret = cli_load_file(c->o->file, c->t, &c->src, &err);
	if (ret)
		return cli_fail_err(&err);
	ret = check_described(c, mask);
	if (ret)
		return ret;
	xsave_layout_compute(c->t, mask, c->l);
	ret = orders_analyse(c->l, c->r, &err);
	if (ret) {
		xsvm_err_prefix(&err, c->src.name);
		return cli_fail_err(&err);
	}
	if (c->o->json)
		return print_json(c);
	print_text(c);
	return CLI_EXIT_OK;
}

int cli_cpuid_orders(const struct cpuid_opts *o)
{
	struct orders_run c = { .o = o };
	int ret;

	c.t = calloc(1, sizeof(*c.t));
	c.l = calloc(1, sizeof(*c.l));
	c.r = calloc(1, sizeof(*c.r));
	if (!c.t || !c.l || !c.r)
		ret = cli_fail("out of memory");
	else
		ret = analyse(&c);
	free(c.t);
	free(c.l);
	free(c.r);
	return ret;
}

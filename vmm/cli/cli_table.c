// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "cli_policy.h"
#include "cli_table.h"

bool cli_table_defective(const struct table_build *tb)
{
	return tb->p.order.kind != XSAVE_ORDER_ASCENDING;
}

void cli_table_warn_defective(const struct table_build *tb)
{
	if (!cli_table_defective(tb))
		return;
	fprintf(stderr,
		"xsvm: warning: --xsave-order %s is a deliberately defective accumulation order reproducing OpenVMM #708: 0xD.1 EBX = %u, the ascending order gives %u%s\n",
		tb->order, tb->r.ebx1, tb->r.ascending_ebx1,
		tb->r.ebx1 == tb->r.ascending_ebx1 ? " (same for this state)" :
						     "");
}

static void params_from_opts(const struct cpuid_opts *o, struct table_build *tb)
{
	xsave_build_params_init(&tb->p);
	tb->p.have_xcr0 = o->have_xcr0;
	tb->p.xcr0 = o->xcr0;
	tb->p.have_xss = o->have_xss;
	tb->p.xss = o->xss;
	tb->p.linux_version = o->linux_version;
	tb->p.order = o->order;
	tb->p.allow_xcr0 = tb->pr.allow_xcr0;
	tb->p.allow_xss = tb->pr.allow_xss;
	xsave_order_format(&tb->p.order, tb->order, sizeof(tb->order));
}

int cli_table_build(const struct cpuid_opts *o, struct table_build *tb)
{
	struct policy_params pp = { .have_xfam = o->have_xfam,
				    .xfam = o->xfam };
	struct xsvm_err err = { { 0 } };
	int ret;

	ret = cli_policy_load(o->policy, &tb->pol, &err);
	if (ret)
		return cli_fail_err(&err);
	ret = cli_load_source(o->source, &tb->t, &tb->src, &err);
	if (ret)
		return cli_fail_err(&err);
	ret = policy_apply(&tb->t, &tb->pol, &pp, &tb->pr, &err);
	if (!ret)
		ret = normalize_apply(&tb->t, &tb->nr);
	if (!ret) {
		params_from_opts(o, tb);
		ret = xsave_build(&tb->t, &tb->p, &tb->r, &err);
	}
	if (ret) {
		xsvm_err_prefix(&err, tb->src.name);
		return cli_fail_err(&err);
	}
	return 0;
}

bool cli_table_host_failed(const struct table_build *tb)
{
	return tb->src.name && !strcmp(tb->src.name, "host") && !tb->t.nr;
}

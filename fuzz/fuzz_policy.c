// SPDX-License-Identifier: MIT
/*
 * policy_parse() on any text; a policy that parses is applied to the
 * Sapphire Rapids table without an XFAM and with one taken from the input,
 * and every result goes through the XSAVE builder and the Linux model.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpuid/builder.h"
#include "cpuid/linux.h"
#include "cpuid/policy.h"
#include "fuzz_util.h"

static struct cpuid_table spr; /* read once, never written */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_load_table(FUZZ_SPR_DUMP, &spr);
	return 0;
}

struct work {
	struct policy p;
	struct policy_result r;
	struct cpuid_table t;
	struct linux_result lr;
};

static void apply(struct work *w, const struct policy_params *pp)
{
	struct xsvm_err err = { { 0 } };
	struct xsave_build_params bp;
	struct xsave_build_result br;
	uint64_t before = spr.nr;
	int ret;

	w->t = spr;
	ret = policy_apply(&w->t, &w->p, pp, &w->r, &err);
	FUZZ_CHECK(w->t.nr <= CPUID_TABLE_MAX);
	if (ret) {
		FUZZ_CHECK(ret < 0 && err.msg[0]);
		return;
	}
	FUZZ_CHECK(w->r.nr_changes <= POLICY_MAX_CHANGES);
	FUZZ_CHECK(w->t.nr <= before); /* a policy never invents a leaf */
	for (unsigned int i = 1; i < w->t.nr; i++)
		FUZZ_CHECK(w->t.e[i - 1].leaf < w->t.e[i].leaf ||
			   (w->t.e[i - 1].leaf == w->t.e[i].leaf &&
			    w->t.e[i - 1].subleaf < w->t.e[i].subleaf));
	xsave_build_params_init(&bp);
	bp.allow_xcr0 = w->r.allow_xcr0;
	bp.allow_xss = w->r.allow_xss;
	if (xsave_build(&w->t, &bp, &br, &err))
		return;
	FUZZ_CHECK(!(br.supported_xcr0 & ~(w->r.allow_xcr0 | 3)));
	FUZZ_CHECK(!(br.supported_xss & ~w->r.allow_xss));
	static const uint32_t rels[] = {
		LINUX_REL(5, 10, 0), LINUX_5_15, LINUX_REL(5, 16, 0),
		LINUX_REL(5, 19, 0), LINUX_REL(6, 0, 6), LINUX_6_1,
		LINUX_6_8, LINUX_REL(6, 15, 0), LINUX_REL(6, 16, 0),
		LINUX_7_1, LINUX_REL(9, 0, 0),
	};
	for (size_t k = 0; k < sizeof(rels) / sizeof(rels[0]); k++)
		if (!linux_check(&w->t, rels[k], NULL, &w->lr, &err))
			FUZZ_CHECK(w->lr.nr_lines <= LINUX_MAX_LINES);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xsvm_err err = { { 0 } };
	struct policy_params pp = { 0 };
	struct work *w = malloc(sizeof(*w));
	uint64_t xfam = 0;

	FUZZ_CHECK(w);
	if (policy_parse("fuzz", (const char *)data, size, &w->p, &err)) {
		FUZZ_CHECK(err.msg[0]);
		free(w);
		return 0;
	}
	FUZZ_CHECK(w->p.nr_rules <= POLICY_MAX_RULES);
	FUZZ_CHECK(memchr(w->p.name, 0, sizeof(w->p.name)));
	apply(w, &pp);
	/* An XFAM from the input's last eight bytes (FNV-1a of all of it
	 * when shorter), and the same with x87 and SSE forced on. */
	if (size >= 8) {
		memcpy(&xfam, data + size - 8, 8);
	} else {
		xfam = 0xcbf29ce484222325ull;
		for (size_t i = 0; i < size; i++)
			xfam = (xfam ^ data[i]) * 0x100000001b3ull;
	}
	pp.have_xfam = true;
	pp.xfam = xfam;
	apply(w, &pp);
	pp.xfam = (xfam & policy_platform(&spr)) | 3;
	apply(w, &pp);
	free(w);
	return 0;
}

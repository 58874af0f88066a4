// SPDX-License-Identifier: MIT
#include <string.h>

#include "builder.h"

void xsave_build_params_init(struct xsave_build_params *p)
{
	memset(p, 0, sizeof(*p));
	p->allow_xcr0 = ~0ull;
	p->allow_xss = ~0ull;
	p->linux_version = LINUX_DEFAULT_VERSION;
	p->order.kind = XSAVE_ORDER_ASCENDING;
}

/*
 * The components that stay supported: allowed, and described by a subleaf
 * (x87 and SSE need none). A component without its subleaf cannot be sized.
 */
static uint64_t keep_mask(const struct cpuid_table *t, uint64_t supported,
			  uint64_t allowed)
{
	uint64_t keep = supported & allowed;

	for (unsigned int i = 2; i < XSAVE_MAX_COMPONENTS; i++)
		if ((keep & XFEATURE_BIT(i)) &&
		    !cpuid_table_find(t, XSAVE_LEAF, i))
			keep &= ~XFEATURE_BIT(i);
	return keep;
}

/* Drop 0xD.i (i >= 2) for every component not in keep. */
static unsigned int drop_subleaves(struct cpuid_table *t, uint64_t keep)
{
	unsigned int removed = 0, i = 0;

	while (i < t->nr) {
		const struct cpuid_entry *e = &t->e[i];

		if (e->leaf == XSAVE_LEAF && e->subleaf >= 2 &&
		    (e->subleaf >= XSAVE_MAX_COMPONENTS ||
		     !(keep & XFEATURE_BIT(e->subleaf)))) {
			cpuid_table_remove(t, e->leaf, e->subleaf);
			removed++;
			continue;
		}
		i++;
	}
	return removed;
}

static int choose_state(const struct cpuid_table *t,
			const struct xsave_build_params *p,
			struct xsave_build_result *r, struct xsvm_err *err)
{
	uint64_t xcr0, xss;
	const char *why;

	linux_enter_state(t, p->linux_version, &xcr0, &xss);
	r->state_from_model = !p->have_xcr0 && !p->have_xss;
	r->xcr0 = p->have_xcr0 ? p->xcr0 : xcr0;
	r->xss = p->have_xss ? p->xss : xss;
	if (r->xcr0 & ~r->supported_xcr0)
		return xsvm_err_set(err, EINVAL,
				    "--xcr0 0x%llx names components 0x%llx that the table does not support (0xD.0 EDX:EAX = 0x%llx)",
				    (unsigned long long)r->xcr0,
				    (unsigned long long)(r->xcr0 & ~r->supported_xcr0),
				    (unsigned long long)r->supported_xcr0);
	if (r->xss & ~r->supported_xss)
		return xsvm_err_set(err, EINVAL,
				    "--xss 0x%llx names components 0x%llx that the table does not support (0xD.1 EDX:ECX = 0x%llx)",
				    (unsigned long long)r->xss,
				    (unsigned long long)(r->xss & ~r->supported_xss),
				    (unsigned long long)r->supported_xss);
	why = p->have_xcr0 ? xsave_xcr0_invalid(r->xcr0) : NULL;
	if (why)
		return xsvm_err_set(err, EINVAL, "--xcr0 0x%llx is not a valid XCR0: %s",
				    (unsigned long long)r->xcr0, why);
	return 0;
}

int xsave_build(struct cpuid_table *t, const struct xsave_build_params *p,
		struct xsave_build_result *r, struct xsvm_err *err)
{
	struct cpuid_entry *e0, *e1;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!cpuid_table_find(t, XSAVE_LEAF, 0))
		return xsvm_err_set(err, ENOENT,
				    "the table has no leaf 0xD subleaf 0: nothing to build");
	r->supported_xcr0 = keep_mask(t, xsave_supported_user(t), p->allow_xcr0);
	r->supported_xss = keep_mask(t, xsave_supported_supervisor(t),
				     p->allow_xss);
	r->removed_subleaves =
		drop_subleaves(t, r->supported_xcr0 | r->supported_xss);

	e0 = cpuid_table_find_mut(t, XSAVE_LEAF, 0);
	e0->eax = (uint32_t)r->supported_xcr0;
	e0->edx = (uint32_t)(r->supported_xcr0 >> 32);
	e0->ecx = xsave_standard_size(t, r->supported_xcr0);
	e1 = cpuid_table_find_mut(t, XSAVE_LEAF, 1);
	if (e1) {
		e1->ecx = (uint32_t)r->supported_xss;
		e1->edx = (uint32_t)(r->supported_xss >> 32);
	}

	ret = choose_state(t, p, r, err);
	if (ret)
		return ret;

	r->ecx0 = e0->ecx;
	xsave_state_ebx(t, r->xcr0, r->xss, &p->order, &r->ebx0, &r->ebx1);
	/* the same state in ascending order, for contrast */
	xsave_state_ebx(t, r->xcr0, r->xss, NULL, &r->ebx0,
			&r->ascending_ebx1);
	cpuid_table_set_reg(t, XSAVE_LEAF, 0, CPUID_EBX, r->ebx0);
	cpuid_table_set_reg(t, XSAVE_LEAF, 1, CPUID_EBX, r->ebx1);
	return 0;
}

void xsave_dynamic_ebx(struct cpuid_table *t, uint32_t v)
{
	uint64_t xcr0, xss;
	uint32_t ebx0, ebx1;

	linux_enter_state(t, v, &xcr0, &xss);
	xsave_state_ebx(t, xcr0, xss, NULL, &ebx0, &ebx1);
	cpuid_table_set_reg(t, XSAVE_LEAF, 0, CPUID_EBX, ebx0);
	cpuid_table_set_reg(t, XSAVE_LEAF, 1, CPUID_EBX, ebx1);
}

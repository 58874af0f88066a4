/* SPDX-License-Identifier: MIT */
/*
 * The ordered XSAVE builder: rewrites leaf 0xD of a table for the allowed
 * XCR0/XSS masks and sizes EBX of 0xD.0/0xD.1 for a given XCR0/XSS state.
 *
 *   0xD.0 EAX/EDX = supported user components & allowed (x87/SSE kept)
 *   0xD.0 ECX     = standard size with every supported user component
 *   0xD.0 EBX     = standard size for XCR0
 *   0xD.1 ECX/EDX = supported supervisor components & allowed
 *   0xD.1 EBX     = compacted size for XCR0 | XSS, accumulated in the
 *                   builder's order (ascending unless a hash order is asked)
 *   0xD.i         = removed for every component no longer supported
 *
 * Deterministic: the same table and parameters give the same table.
 */
#ifndef XSVM_CPUID_BUILDER_H
#define XSVM_CPUID_BUILDER_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "linux.h"
#include "table.h"
#include "xsave.h"

struct xsave_build_params {
	uint64_t allow_xcr0; /* components that may stay in 0xD.0 EDX:EAX */
	uint64_t allow_xss;  /* components that may stay in 0xD.1 EDX:ECX */
	bool have_xcr0, have_xss; /* explicit state; else the Linux model's */
	uint64_t xcr0, xss;
	uint32_t linux_version; /* for the default state */
	struct xsave_order order;
};

struct xsave_build_result {
	uint64_t supported_xcr0, supported_xss; /* after the rewrite */
	uint64_t xcr0, xss;			/* the state EBX was sized for */
	bool state_from_model;			/* xcr0/xss came from the model */
	uint32_t ebx0, ebx1, ecx0;
	uint32_t ascending_ebx1; /* what ascending order gives, for contrast */
	unsigned int removed_subleaves;
};

/* Defaults: allow everything, model state, ascending order, Linux 6.8. */
void xsave_build_params_init(struct xsave_build_params *p);

/*
 * Rewrite leaf 0xD of t in place. Returns 0, or a negative errno with err
 * set: -ENOENT when t has no 0xD.0, -EINVAL when the explicit XCR0/XSS names
 * components that are not supported after the rewrite.
 */
int xsave_build(struct cpuid_table *t, const struct xsave_build_params *p,
		struct xsave_build_result *r, struct xsvm_err *err);

/*
 * What a KVM-style host reports in 0xD.0 EBX and 0xD.1 EBX once kernel v
 * has written the XCR0/XSS it enters for t: the host recomputes both from
 * the live state, in ascending order, whatever the table said. Rewrites
 * those two registers of t (when the entries exist).
 */
void xsave_dynamic_ebx(struct cpuid_table *t, uint32_t v);

#endif

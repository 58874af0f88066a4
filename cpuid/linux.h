/* SPDX-License-Identifier: MIT */
/*
 * A model of the Linux kernel's XSAVE initialisation (arch/x86/kernel/fpu/
 * xstate.c), release by release from 5.15 on: from a CPUID table it
 * predicts the XCR0/XSS the kernel enters, whether the consistency check
 * passes, and exactly the lines the kernel prints about XSAVE.
 *
 * Pure: no allocation, no I/O; the result is a value. The same code runs in
 * the CLI, the VMM and the freestanding test guest.
 */
#ifndef XSVM_CPUID_LINUX_H
#define XSVM_CPUID_LINUX_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "table.h"
#include "xsave.h"

/*
 * A kernel release as LINUX_VERSION_CODE encodes it: major << 16 | minor << 8
 * | sublevel, the sublevel capped at 255. A release named without a sublevel
 * ("6.1") is its stable series as the distributions ship it: every backport
 * made to that series applies, which LINUX_SERIES (255) expresses.
 */
#define LINUX_SERIES 255u
#define LINUX_REL(a, b, c)                                                    \
	((uint32_t)(a) << 16 | (uint32_t)(b) << 8 |                           \
	 ((c) > LINUX_SERIES ? LINUX_SERIES : (uint32_t)(c)))
#define LINUX_REL_MAJOR(r) ((unsigned int)((r) >> 16))
#define LINUX_REL_MINOR(r) ((unsigned int)((r) >> 8 & 0xff))
#define LINUX_REL_SUB(r) ((unsigned int)((r) & 0xff))

/* The four releases the tests and recordings name. */
#define LINUX_5_15 LINUX_REL(5, 15, LINUX_SERIES)
#define LINUX_6_1 LINUX_REL(6, 1, LINUX_SERIES)
#define LINUX_6_8 LINUX_REL(6, 8, LINUX_SERIES)
#define LINUX_7_1 LINUX_REL(7, 1, LINUX_SERIES)

/*
 * The range the model knows release by release. An older release gets
 * the oldest's behaviour and a newer one the newest's (linux_model_release()),
 * and the output says so.
 */
#define LINUX_OLDEST LINUX_REL(5, 15, 0)
#define LINUX_NEWEST LINUX_REL(7, 3, LINUX_SERIES)
#define LINUX_DEFAULT_VERSION LINUX_6_8

/* "6.1", "6.1.4", "6.18": the release as a user writes it. */
struct linux_release_name {
	char s[24];
};
struct linux_release_name linux_release_name(uint32_t rel);

/*
 * Accepts "X.Y" (the series as shipped) and "X.Y.Z", X.Y.Z from 2.6 up to
 * 99.255.*; returns -EINVAL with err set naming --linux otherwise.
 */
int linux_version_parse(const char *s, uint32_t *rel, struct xsvm_err *err);

/*
 * How the output names the model of rel: "6.18.44 model" inside the known
 * range, "7.1 model, the newest modelled (for 7.3)" past it, "5.15 model, the
 * oldest modelled (for 4.19)" before it.
 */
struct linux_model_name {
	char s[96];
};
struct linux_model_name linux_model_name(uint32_t rel);

/* The release whose behaviour models rel: rel clamped to the known range. */
uint32_t linux_model_release(uint32_t rel);

/*
 * The release in a kernel's banner: line (NUL-terminated) contains "Linux
 * version X.Y[.Z]...". Debian's banners carry the ABI name ("6.1.0-28-amd64")
 * and, later in the line, the package's release ("Debian 6.1.119-1"): that
 * sublevel counts. A ".0-N" ABI name without such a release (Ubuntu's
 * "5.15.0-91-generic") is the series as shipped. Returns false when there is
 * no such text.
 */
bool linux_version_from_banner(const char *line, uint32_t *rel);

/* Lines of kernel rel's leaf-0xD dump (XFEATURE_MAX + 10: 26, 29 or 30). */
unsigned int linux_dump_lines(uint32_t rel);

#define LINUX_MAX_LINES 96
#define LINUX_LINE_LEN 128

struct linux_state_override {
	bool have_xcr0, have_xss;
	uint64_t xcr0, xss;
};

struct linux_result {
	uint32_t version; /* the release asked for */
	uint32_t model;	  /* the release whose behaviour was modelled */
	/* Feature flags of leaves 1/7 that were missing and assumed present. */
	bool flags_assumed;
	bool xsave_present;   /* CPUID.1:ECX.XSAVE (or assumed) */
	bool xsaves, xsavec;  /* from 0xD.1 EAX */
	bool compacted;	      /* the format the kernel uses */
	uint64_t max_features; /* what the kernel enables: XCR0 | XSS */
	uint64_t xcr0;	       /* user part, written to XCR0 */
	uint64_t xss;	       /* supervisor part, written to IA32_XSS */
	uint32_t size;	       /* the kernel's own computation */
	uint32_t reported_size; /* kernel_size: 0xD.1 EBX or 0xD.0 EBX */
	uint32_t max_standard_size; /* 0xD.0 ECX */
	/*
	 * Independent components (arch LBR) fpu__init_cpu_xstate() adds to
	 * IA32_XSS once the checks are done; the checks themselves run
	 * without them, so no line depends on them.
	 */
	uint64_t xss_independent;
	bool consistent; /* the check passed and XSAVE stays enabled */
	bool xsave_enabled; /* XSAVE in use after init */
	struct xsave_layout layout; /* of max_features, in the kernel's format */
	unsigned int nr_lines;
	char lines[LINUX_MAX_LINES][LINUX_LINE_LEN]; /* without "\n" */
	/* Where the kernel's WARN fires for this version, e.g. "xstate.c:602". */
	char warn_site[48];
};

/*
 * Run the model. ov (may be NULL) replaces the XCR0/XSS the kernel would
 * enter, to check a table's EBX values as read at a known state. Returns 0,
 * or a negative errno with err set when the table cannot be evaluated at
 * all (no leaf 0xD).
 */
int linux_check(const struct cpuid_table *t, uint32_t v,
		const struct linux_state_override *ov, struct linux_result *r,
		struct xsvm_err *err);

/*
 * The XCR0 and XSS that kernel v would enter for t (steps 1-3 of the
 * check): the default state the builder sizes EBX for.
 */
void linux_enter_state(const struct cpuid_table *t, uint32_t v,
		       uint64_t *xcr0, uint64_t *xss);

#endif

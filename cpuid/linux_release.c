// SPDX-License-Identifier: MIT
/*
 * Kernel releases for the Linux model: their names, the release in a
 * kernel's banner, and the behaviour of each release, derived from the
 * commits that changed arch/x86/kernel/fpu/xstate.c's boot-time lines
 * (../shared/facts/linux-xstate-history.md collects them with sources).
 *
 * Each field of struct linux_version_info is gated by the first release
 * that has the change; where a stable series took a backport that changes
 * what the kernel prints, the gate names the series' first sublevel with
 * it. A release named without a sublevel is its series as shipped, so it
 * has every such backport.
 */
#include <stdio.h>
#include <string.h>

#include "linux_impl.h"
#include "scan.h"

#define REL LINUX_REL

struct linux_release_name linux_release_name(uint32_t rel)
{
	struct linux_release_name n;

	if (LINUX_REL_SUB(rel) == LINUX_SERIES)
		snprintf(n.s, sizeof(n.s), "%u.%u", LINUX_REL_MAJOR(rel),
			 LINUX_REL_MINOR(rel));
	else
		snprintf(n.s, sizeof(n.s), "%u.%u.%u", LINUX_REL_MAJOR(rel),
			 LINUX_REL_MINOR(rel), LINUX_REL_SUB(rel));
	return n;
}

struct linux_model_name linux_model_name(uint32_t rel)
{
	uint32_t m = linux_model_release(rel);
	struct linux_model_name n;

	if (m == rel)
		snprintf(n.s, sizeof(n.s), "%s model", linux_release_name(m).s);
	else
		snprintf(n.s, sizeof(n.s), "%s model, the %s modelled (for %s)",
			 linux_release_name(m).s, rel > m ? "newest" : "oldest",
			 linux_release_name(rel).s);
	return n;
}

uint32_t linux_model_release(uint32_t rel)
{
	if (rel < LINUX_OLDEST)
		return LINUX_5_15;
	if (rel > LINUX_NEWEST)
		return LINUX_NEWEST;
	return rel;
}

/*
 * Decimal digits, all consumed; *out is the value of the first 9 of them.
 * False when there is none.
 */
static bool number(struct scan *s, unsigned int *out)
{
	struct scan head = {s->p, s->n < 9 ? s->n : 9};
	uint64_t v, all;

	if (scan_dec(&head, UINT64_MAX, &v) != SCAN_NUM_OK)
		return false;
	/* past every digit, whatever the value */
	scan_dec(s, UINT64_MAX, &all);
	*out = (unsigned int)v;
	return true;
}

/* "X.Y" with an optional ".Z"; *have_sub says whether Z was there. */
static bool release_numbers(struct scan *s, unsigned int n[3], bool *have_sub)
{
	if (!number(s, &n[0]) || !scan_eat(s, ".") || !number(s, &n[1]))
		return false;
	*have_sub = false;
	n[2] = 0;
	if (s->n >= 2 && s->p[0] == '.' && s->p[1] >= '0' && s->p[1] <= '9') {
		scan_eat(s, ".");
		*have_sub = number(s, &n[2]);
	}
	return true;
}

int linux_version_parse(const char *s, uint32_t *rel, struct xsvm_err *err)
{
	struct scan sc = {s, strlen(s)};
	unsigned int n[3];
	bool have_sub;

	if (!release_numbers(&sc, n, &have_sub) || sc.n || n[0] < 2 ||
	    n[0] > 99 || n[1] > 255 || (have_sub && n[2] > 9999))
		return xsvm_err_set(
			err, EINVAL,
			"--linux: '%s' is not a kernel release: want X.Y or "
			"X.Y.Z, such as 6.1, 6.1.4 or 6.18",
			s);
	*rel = REL(n[0], n[1], have_sub ? n[2] : LINUX_SERIES);
	return 0;
}

/* The sublevel of "Debian X.Y.Z" later in the banner, for release X.Y. */
static bool debian_sublevel(const char *line, unsigned int major,
			    unsigned int minor, unsigned int *sub)
{
	struct scan s = {line, strlen(line)};

	while (scan_seek(&s, "Debian ")) {
		struct scan t = s;
		unsigned int n[3];
		bool have_sub;

		if (release_numbers(&t, n, &have_sub) && have_sub &&
		    n[0] == major && n[1] == minor) {
			*sub = n[2];
			return true;
		}
	}
	return false;
}

bool linux_version_from_banner(const char *line, uint32_t *rel)
{
	struct scan s;
	unsigned int n[3];
	bool have_sub, abi;

	if (!line)
		return false;
	s = (struct scan){line, strlen(line)};
	if (!scan_seek(&s, "Linux version ") ||
	    !release_numbers(&s, n, &have_sub))
		return false;
	/* "6.1.0-28-amd64": an ABI name, not the sublevel */
	abi = have_sub && n[2] == 0 && s.n >= 2 && s.p[0] == '-' &&
	      s.p[1] >= '0' && s.p[1] <= '9';
	if (abi && !debian_sublevel(line, n[0], n[1], &n[2]))
		n[2] = LINUX_SERIES;
	else if (!have_sub)
		n[2] = LINUX_SERIES;
	/* a banner's numbers are read as they come; each field keeps 8 bits */
	*rel = REL(n[0] > 255 ? 255 : n[0], n[1] > 255 ? 255 : n[1], n[2]);
	return true;
}

unsigned int linux_dump_lines(uint32_t rel)
{
	struct linux_version_info vi;

	linux_release_info(linux_model_release(rel), &vi);
	return vi.xfeature_max + 10;
}

/* rel is in the stable series a.b from sublevel c on. */
static bool series_from(uint32_t rel, unsigned int a, unsigned int b,
			unsigned int c)
{
	return rel >= REL(a, b, c) && rel <= REL(a, b, LINUX_SERIES);
}

/*
 * The line of the size WARN in xstate.c, as a gcc-built kernel reports it
 * (the first line of the call), release by release. It moves with every
 * commit above it, stable backports included: 5.15.168 (the LBR fix),
 * 6.0.18 and 6.1.4 (the sized WARN texts), 6.1.84, 6.6.24, 6.7.12 and
 * 6.8.3 (the xfd_set_state fix of 6.9).
 */
static unsigned int warn_line(uint32_t rel)
{
	static const struct {
		uint32_t from;
		unsigned int line;
	} lines[] = {
		{REL(5, 15, 168), 598}, {REL(5, 16, 0), 700},
		{REL(5, 18, 0), 604},	{REL(5, 19, 0), 606},
		{REL(6, 0, 18), 605},	{REL(6, 1, 0), 606},
		{REL(6, 1, 4), 605},	{REL(6, 1, 84), 606},
		{REL(6, 2, 0), 605},	{REL(6, 6, 0), 601},
		{REL(6, 6, 24), 602},	{REL(6, 7, 0), 601},
		{REL(6, 7, 12), 602},	{REL(6, 8, 0), 601},
		{REL(6, 8, 3), 602},	{REL(6, 12, 0), 605},
		{REL(6, 14, 0), 606},	{REL(6, 15, 0), 594},
		{REL(6, 16, 0), 635},	{REL(6, 17, 0), 638},
		{REL(6, 19, 0), 639},
	};
	unsigned int line = 593; /* 5.15.0 to 5.15.167 */

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (rel >= lines[i].from)
			line = lines[i].line;
	return line;
}

void linux_release_info(uint32_t rel, struct linux_version_info *vi)
{
	memset(vi, 0, sizeof(*vi));
	/* the state of 5.15 */
	vi->xfeature_max = 16;
	vi->user_supported = 0x2ff;
	vi->sup_supported = BIT(XFEATURE_PASID);
	vi->has_struct = 0x6fc;
	vi->named = 0x7ff;
	vi->printed = 0x6ff;
	snprintf(vi->warn_site, sizeof(vi->warn_site),
		 "arch/x86/kernel/fpu/xstate.c:%u", warn_line(rel));
	vi->sup_without_xsaves = true;
	vi->misordered_warn = true;
	vi->misordered_late = true;
	if (rel < REL(5, 16, 0)) {
		vi->old_check = true;
		vi->sup_fixed_offset = BIT(XFEATURE_PT) | BIT(XFEATURE_PASID) |
				       BIT(XFEATURE_LBR);
	} else {
		/*
		 * 5.16: 2308ee57d93d (AMX), db3e7321b4b8 (XFD),
		 * cd9ae7617449 (paranoid_xstate_size_valid() fails).
		 */
		vi->amx = true;
		vi->xfeature_max = 19;
		vi->user_supported |= XFEATURE_MASK_AMX;
		vi->has_struct |= XFEATURE_MASK_AMX;
		vi->named |= XFEATURE_MASK_AMX;
		vi->printed |= XFEATURE_MASK_AMX;
		/* 6.1 and 6.0.7: d3e021adac7c (the init_fpstate check) */
		vi->old_buffer_check = rel < REL(6, 0, 7);
		/*
		 * 6.2, 6.1.4 (3b7ff0da44cc) and 6.0.18 (70f9388dcab6):
		 * 48280042f2c6 (the WARNs give sizes)
		 */
		vi->old_warn_texts =
			rel < REL(6, 1, 4) && !series_from(rel, 6, 0, 18);
		/* 5.18: the order check moved before the size check */
		vi->misordered_late = rel < REL(5, 18, 0);
	}
	/* 5.19: 8ad7e8f69695 (XSAVEC compacts without XSAVES) */
	if (rel >= REL(5, 19, 0)) {
		vi->xsavec_compacts = true;
		vi->sup_without_xsaves = false;
	}
	/* 6.6: 18032b47adf1 (PKRU needs OSPKE) */
	vi->pkru_ospke = rel >= REL(6, 6, 0);
	/* 6.6: x86_shstk_for_6.6 (CET user state, named struct warnings) */
	if (rel >= REL(6, 6, 0)) {
		vi->cet_user = true;
		vi->named_struct_warn = true;
		vi->sup_supported |= BIT(XFEATURE_CET_U);
		vi->has_struct |= BIT(XFEATURE_CET_U);
		vi->named |= XFEATURE_MASK_CET;
		vi->printed |= BIT(XFEATURE_CET_U);
	}
	/*
	 * 6.11 and 5.15.168: 2848ff28d180 (LBR in IA32_XSS only when 0xD.1
	 * ECX enumerates it).
	 */
	vi->lbr_needs_enum =
		rel >= REL(6, 11, 0) || series_from(rel, 5, 15, 168);
	/* 6.15: 69a2fdf44604 (every enabled component is printed) */
	if (rel >= REL(6, 15, 0))
		vi->printed = ~0ull;
	if (rel >= REL(6, 16, 0)) {
		/* 031b33ef1a6a (no offset order check) */
		vi->misordered_warn = false;
		/* a758ae2885ea (standard size from the last-placed) */
		vi->largest_offset = true;
		/* 39cd7fad39ce ("x86/fpu: XSAVE disabled") */
		vi->says_disabled = true;
		/* 50c5b071e283 (APX) */
		vi->apx = true;
		vi->xfeature_max = 20;
		vi->user_supported |= BIT(XFEATURE_APX);
		vi->has_struct |= BIT(XFEATURE_APX);
		vi->named |= BIT(XFEATURE_APX);
	}
	/* 6.17: 8b05b3c98816 (CET supervisor, guest-only) */
	if (rel >= REL(6, 17, 0)) {
		vi->cet_kernel = true;
		vi->sup_supported |= BIT(XFEATURE_CET_S);
		vi->has_struct |= BIT(XFEATURE_CET_S);
	}
}

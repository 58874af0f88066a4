// SPDX-License-Identifier: MIT
/*
 * The console scanner behind the verdict of `xsvm run`: lines, printk
 * prefixes, the kernel's XSAVE messages and the end of the x86/fpu block.
 */
#include <string.h>

#include "verdict.h"
#include "text.h"
#include "cpuid/scan.h"

/* A WARN splat (registers, modules, call trace) is never longer than this. */
#define SPLAT_MAX_LINES 256
/* Ordinary lines after a 6.x problem before giving up on its dump. */
#define DUMP_WAIT_LINES 64

/* What an xstate line tells about the block. */
enum block_effect {
	BLOCK_GOES_ON,
	BLOCK_ENDS,	       /* the block ends at the next ordinary line */
	BLOCK_ENDS_AFTER_DUMP, /* ... once the CPUID[ dump has been seen */
};

struct xstate_rule {
	const char *prefix;
	enum verdict_kind verdict; /* VERDICT_NONE: no decision */
	enum block_effect effect;
};

/* The first matching prefix applies: 6.x's "problem:" before 5.15's. */
static const struct xstate_rule rules[] = {
	{"XSAVE consistency problem:", VERDICT_PROBLEM, BLOCK_ENDS_AFTER_DUMP},
	{"XSAVE consistency problem", VERDICT_PROBLEM, BLOCK_GOES_ON},
	{"x86/fpu: xstate buffer too small", VERDICT_PROBLEM, BLOCK_ENDS},
	{"x86/fpu: init_fpstate buffer too small", VERDICT_PROBLEM, BLOCK_ENDS},
	{"x86/fpu: FP/SSE not present amongst the CPU's xstate features",
	 VERDICT_PROBLEM, BLOCK_ENDS},
	{"x86/fpu: Both APX/MPX present", VERDICT_PROBLEM, BLOCK_ENDS},
	{"x86/fpu: XSAVE disabled", VERDICT_PROBLEM, BLOCK_ENDS},
	{"x86/fpu: Supporting XSAVE feature ", VERDICT_PASSED, BLOCK_GOES_ON},
	{"x86/fpu: Enabled xstate features ", VERDICT_PASSED, BLOCK_ENDS},
	{"x86/fpu: x87 FPU will use ", VERDICT_PASSED_NO_XSAVE, BLOCK_ENDS},
	{"x86/fpu: No FPU detected", VERDICT_NONE, BLOCK_ENDS},
};

#define NR_RULES (sizeof(rules) / sizeof(rules[0]))

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* The message text after the printk prefix (cpuid/scan.h's rule). */
static const char *strip_prefix(const char *s)
{
	return s + printk_prefix_len(s, strlen(s));
}

/* A line the kernel prints about XSAVE, or the model would predict. */
static bool is_xstate_line(const char *s)
{
	const char *b;

	if (starts(s, "x86/fpu:") || starts(s, "CPUID[") ||
	    starts(s, "XSAVE consistency problem") || starts(s, "XFEATURE_") ||
	    starts(s, "no structure for xstate") ||
	    starts(s, "No fixed offset for xstate"))
		return true;
	/* 6.8+: "[AVX registers]: struct is 256 bytes, cpu state 128 bytes" */
	if (*s != '[')
		return false;
	b = strchr(s, ']');
	return b && starts(b, "]: struct is ");
}

static bool is_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return !*s;
}

static const struct xstate_rule *find_rule(const char *s)
{
	for (size_t i = 0; i < NR_RULES; i++)
		if (starts(s, rules[i].prefix))
			return &rules[i];
	return NULL;
}

static void apply_rule(struct verdict *v, const struct xstate_rule *r,
		       const char *s)
{
	struct verdict_scan *sc = &v->scan;

	if (r->verdict == VERDICT_PROBLEM) {
		if (v->verdict != VERDICT_PROBLEM)
			text_copy(v->problem, sizeof(v->problem), s);
		v->verdict = VERDICT_PROBLEM;
	} else if (r->verdict != VERDICT_NONE && v->verdict == VERDICT_NONE) {
		v->verdict = r->verdict;
	}
	if (r->effect == BLOCK_ENDS)
		sc->ended = true;
	else if (r->effect == BLOCK_ENDS_AFTER_DUMP)
		sc->dump_wait = true;
}

static void keep_line(struct verdict *v, const char *s)
{
	v->block_started = true;
	if (v->block_done)
		v->nr_late++;
	else if (v->nr_lines < VERDICT_MAX_LINES)
		text_copy(v->lines[v->nr_lines++], VERDICT_XLINE_LEN, s);
	else
		v->nr_dropped++;
}

static void xstate_line(struct verdict *v, const char *s)
{
	struct verdict_scan *sc = &v->scan;
	const struct xstate_rule *r = find_rule(s);

	/* printed outside any WARN splat: one that never ended is over */
	if (starts(s, "x86/fpu:") || starts(s, "CPUID["))
		sc->splat = 0;
	if (starts(s, "CPUID["))
		sc->dumped = true;
	if (r)
		apply_rule(v, r, s);
	keep_line(v, s);
}

/* A line that is neither an xstate line, nor blank, nor part of a splat. */
static void ordinary_line(struct verdict *v)
{
	struct verdict_scan *sc = &v->scan;

	if (v->block_done)
		return;
	if (sc->dump_wait && !sc->dumped)
		sc->waited++;
	if (sc->ended ||
	    (sc->dump_wait && (sc->dumped || sc->waited >= DUMP_WAIT_LINES)))
		v->block_done = true;
}

static void note_markers(struct verdict *v, const char *s)
{
	if (!v->have_version && starts(s, "Linux version ")) {
		text_copy(v->version, sizeof(v->version), s);
		v->have_version = true;
	}
	if (starts(s, "xsvm-guest: init started"))
		v->init_started = true;
	if (starts(s, "xsvm-guest: dmesg done"))
		v->dmesg_done = true;
	/* the test guest's own finding, beyond the kernel's lines */
	if (starts(s, "xsvm-guest: problem: ")) {
		if (v->verdict != VERDICT_PROBLEM)
			text_copy(v->problem, sizeof(v->problem),
				  s + strlen("xsvm-guest: problem: "));
		v->verdict = VERDICT_PROBLEM;
	}
	if (!v->have_guest_verdict && starts(s, "xsvm-guest: verdict ")) {
		text_copy(v->guest_verdict, sizeof(v->guest_verdict),
			  s + strlen("xsvm-guest: verdict "));
		v->have_guest_verdict = true;
	}
	if (!v->panic && starts(s, "Kernel panic - not syncing")) {
		text_copy(v->panic_line, sizeof(v->panic_line), s);
		v->panic = true;
	}
	if (v->panic && starts(s, "---[ end Kernel panic - not syncing"))
		v->panic_end = true;
	if (starts(s, "reboot: System halted") || starts(s, "reboot: Power down"))
		v->halted = true;
}

static void scan_line(struct verdict *v, const char *line)
{
	struct verdict_scan *sc = &v->scan;
	const char *s = strip_prefix(line);

	v->nr_console_lines++;
	note_markers(v, s);
	if (is_xstate_line(s)) {
		xstate_line(v, s);
		return;
	}
	if (starts(s, "------------[ cut here ]------------") ||
	    starts(s, "WARNING: ")) {
		sc->splat = SPLAT_MAX_LINES;
		return;
	}
	if (starts(s, "---[ end trace")) {
		sc->splat = 0;
		return;
	}
	if (sc->splat) {
		sc->splat--;
		return;
	}
	if (!is_blank(s))
		ordinary_line(v);
}

static void end_line(struct verdict *v)
{
	struct verdict_scan *sc = &v->scan;

	sc->buf[sc->len] = '\0';
	if (sc->truncated)
		v->nr_truncated++;
	scan_line(v, sc->buf);
	sc->len = 0;
	sc->truncated = false;
}

void verdict_init(struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->verdict = VERDICT_NONE;
}

void verdict_feed(struct verdict *v, const char *buf, size_t len)
{
	struct verdict_scan *sc = &v->scan;

	if (len)
		v->seen_byte = true;
	v->bytes += len;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (c == '\n') {
			end_line(v);
		} else if (c == '\r' || c == '\0') {
			continue;
		} else if (sc->len < VERDICT_LINE_MAX - 1) {
			sc->buf[sc->len++] = c;
		} else {
			sc->truncated = true;
		}
	}
}

void verdict_finish(struct verdict *v)
{
	struct verdict_scan *sc = &v->scan;

	if (!sc->len && !sc->truncated)
		return;
	v->ended_mid_line = true;
	end_line(v);
}

enum verdict_kind verdict_result(const struct verdict *v)
{
	return v->verdict;
}

bool verdict_block_done(const struct verdict *v)
{
	return v->block_done;
}

const char *verdict_name(enum verdict_kind k)
{
	switch (k) {
	case VERDICT_NONE:
		return "none";
	case VERDICT_PASSED:
		return "passed";
	case VERDICT_PASSED_NO_XSAVE:
		return "passed_no_xsave";
	case VERDICT_PROBLEM:
		return "problem";
	}
	return "?";
}

/* SPDX-License-Identifier: MIT */
/*
 * The verdict of a boot, read from the guest's serial console.
 *
 * The run loop feeds console bytes as they arrive, in chunks of any size;
 * the scanner splits them into lines, strips the printk prefix
 * ("<6>" syslog level, "[    0.123456] " timestamp, "[    T1] " caller id)
 * and recognises:
 *
 *   - the kernel version line ("Linux version ..."), kept whole;
 *   - the xstate lines: every line that starts with "x86/fpu:" or "CPUID[",
 *     and the unprefixed warnings of the XSAVE check ("XSAVE consistency
 *     problem...", "[AVX registers]: struct is ...", "XFEATURE_...: ...",
 *     "no structure for xstate: ...", "No fixed offset for xstate ..."),
 *     kept in order for the comparison with the Linux model;
 *   - the verdict:
 *       problem          "XSAVE consistency problem" (any version's
 *                        wording), "x86/fpu: xstate buffer too small",
 *                        "x86/fpu: init_fpstate buffer too small",
 *                        "x86/fpu: FP/SSE not present amongst the CPU's
 *                        xstate features", "x86/fpu: Both APX/MPX present",
 *                        "x86/fpu: XSAVE disabled"; a problem always wins;
 *       passed           "x86/fpu: Supporting XSAVE feature ..." or
 *                        "x86/fpu: Enabled xstate features ...";
 *       passed_no_xsave  "x86/fpu: x87 FPU will use ..." (no XSAVE);
 *   - the end of the x86/fpu block (see verdict_block_done());
 *   - the project's guest markers ("xsvm-guest: init started",
 *     "xsvm-guest: dmesg done", "xsvm-guest: verdict ..."), a kernel
 *     panic ("Kernel panic - not syncing..." and, when the kernel stays
 *     there, "---[ end Kernel panic - not syncing...") and the kernel's
 *     last line before it halts ("reboot: System halted", "reboot: Power
 *     down").
 *
 * Pure: no I/O, no allocation, fixed buffers. Bytes may take any value:
 * "\r" and NUL are dropped, a line ends at "\n", and a line longer than
 * VERDICT_LINE_MAX - 1 bytes is truncated but still ends at its "\n".
 * The caller records times by looking at the flags after each feed.
 */
#ifndef XSVM_VMM_VERDICT_H
#define XSVM_VMM_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VERDICT_LINE_MAX  1024 /* longest console line kept, with the NUL */
#define VERDICT_MAX_LINES 96   /* xstate lines kept */
#define VERDICT_XLINE_LEN 256  /* longest xstate line kept, with the NUL */
#define VERDICT_NOTE_LEN  256  /* problem, panic and guest verdict lines */

enum verdict_kind {
	VERDICT_NONE,		 /* nothing decided yet */
	VERDICT_PASSED,		 /* the check ran and XSAVE is enabled */
	VERDICT_PASSED_NO_XSAVE, /* no XSAVE: the check never ran */
	VERDICT_PROBLEM,	 /* the kernel warned or disabled XSAVE */
};

/* Scanner state between feeds; no caller-visible meaning. */
struct verdict_scan {
	char buf[VERDICT_LINE_MAX]; /* the line being received */
	size_t len;
	bool truncated;	     /* bytes of this line were dropped */
	bool ended;	     /* a line that ends the block was seen */
	bool dump_wait;	     /* a 6.x problem waits for its CPUID dump */
	bool dumped;	     /* a CPUID[ dump line was seen */
	unsigned int splat;  /* lines left in a WARN splat, 0 outside one */
	unsigned int waited; /* ordinary lines while waiting for a dump */
};

struct verdict {
	enum verdict_kind verdict;
	bool seen_byte;		 /* the first console byte arrived */
	bool have_version;	 /* version[] holds the "Linux version" line */
	bool block_started;	 /* the first xstate line arrived */
	bool block_done;	 /* see verdict_block_done() */
	bool init_started;	 /* "xsvm-guest: init started" */
	bool dmesg_done;	 /* "xsvm-guest: dmesg done" */
	bool have_guest_verdict; /* "xsvm-guest: verdict ..." */
	bool panic;		 /* "Kernel panic - not syncing" */
	/* "---[ end Kernel panic - not syncing": it stays (panic=0) */
	bool panic_end;
	/* "reboot: System halted" or "reboot: Power down" */
	bool halted;
	bool ended_mid_line; /* verdict_finish() found an unterminated line */
	char version[VERDICT_LINE_MAX];
	char problem[VERDICT_NOTE_LEN];	      /* the first problem line */
	char panic_line[VERDICT_NOTE_LEN];    /* the first panic line */
	char guest_verdict[VERDICT_NOTE_LEN]; /* text after "verdict " */
	/* The xstate lines of the block, in order, prefix stripped. */
	unsigned int nr_lines;
	char lines[VERDICT_MAX_LINES][VERDICT_XLINE_LEN];
	unsigned int nr_dropped;   /* block lines beyond VERDICT_MAX_LINES */
	unsigned int nr_late;	   /* xstate lines after the block, not kept */
	uint64_t bytes;		   /* console bytes fed */
	uint64_t nr_console_lines; /* lines completed */
	unsigned int nr_truncated; /* lines longer than VERDICT_LINE_MAX - 1 */
	struct verdict_scan scan;
};

void verdict_init(struct verdict *v);

/* Scan len bytes of console output; a line may span any number of calls. */
void verdict_feed(struct verdict *v, const char *buf, size_t len);

/*
 * The console ended (the guest stopped): scan a pending unterminated line
 * as if its "\n" had arrived, and note it in ended_mid_line.
 */
void verdict_finish(struct verdict *v);

/* v->verdict: what the console has shown so far. */
enum verdict_kind verdict_result(const struct verdict *v);

/*
 * Whether the x86/fpu block is complete, so the VM may be stopped: true at
 * the first ordinary line (not an xstate line, not blank, not inside a WARN
 * splat from "------------[ cut here ]" or "WARNING: " to "---[ end trace")
 * after
 *   - "x86/fpu: Enabled xstate features ...", "x86/fpu: x87 FPU will use
 *     ...", "x86/fpu: No FPU detected", or a problem line that disables
 *     XSAVE without a dump ("buffer too small", "FP/SSE not present",
 *     "Both APX/MPX present", "XSAVE disabled");
 *   - a 6.x "XSAVE consistency problem: ..." once the kernel's CPUID[ dump
 *     has been seen (it is printed once per boot, so a dump before the
 *     problem counts), or 64 ordinary lines after the problem without one.
 * 5.15's "XSAVE consistency problem, dumping leaves" keeps XSAVE enabled:
 * its block ends after "Enabled xstate features" like a passing one.
 */
bool verdict_block_done(const struct verdict *v);

/* "none", "passed", "passed_no_xsave", "problem" (stable: JSON reports) */
const char *verdict_name(enum verdict_kind k);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Explaining a failing guest: from a console log or dmesg (or any table
 * dump), reconstruct leaf 0xD, work out the XCR0 | XSS the kernel was
 * using, recompute every size in order and name the cause of a mismatch in
 * plain words with the figures.
 *
 * Two steps, both pure (no allocation, no I/O; fixed-size results):
 *
 *   explain_log_scan()  reads the log's own lines: the kernel banner, the
 *                       XSAVE warnings (every wording of FACTS.md section 3),
 *                       the x86/fpu lines of a passed check, and where the
 *                       kernel's CPUID dump is and whether it is complete;
 *   explain_table()     recomputes the sizes for the table cpuid_parse()
 *                       made of the dump (or explain_log_table() made of the
 *                       x86/fpu lines) and diagnoses; when the size the
 *                       kernel was given is not the in-order size, it
 *                       searches the ways a host computes that number
 *                       wrongly (the candidates below).
 *
 * Lines may carry a printk prefix ("<4>", "[    1.234567] ", "[    T1] ",
 * printk_prefix_len() of scan.h), end in CRLF, and the last one may be cut
 * off. cpuid_parse() refuses NUL
 * bytes, so a caller whose log has some (serial consoles emit them) drops
 * them first with explain_log_strip_nul().
 */
#ifndef XSVM_CPUID_EXPLAIN_H
#define XSVM_CPUID_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linux.h"
#include "orders.h"
#include "parse.h"
#include "table.h"
#include "xsave.h"

#define EXPLAIN_LINE_LEN 192	/* kept log lines, with the NUL */
#define EXPLAIN_MAX_WARNINGS 8	/* warning lines kept */
#define EXPLAIN_TEXT_LEN 512	/* one cause, candidate or note, with the NUL */
#define EXPLAIN_MAX_CAUSES 8
#define EXPLAIN_MAX_NOTES 6
#define EXPLAIN_MAX_CANDIDATES 12 /* candidates kept, the best ranked */
#define EXPLAIN_NAME_LEN 96
#define EXPLAIN_RELEASE_LEN 64
/* Subleaves a dump line may name and the scan tracks (0..63). */
#define EXPLAIN_MAX_SUBLEAF 64

/* Where the table comes from. */
enum explain_dump {
	EXPLAIN_DUMP_NONE,  /* no table in the text */
	EXPLAIN_DUMP_DMESG, /* the kernel's "CPUID[0d, NN]:" lines */
	EXPLAIN_DUMP_TABLE, /* a dump file or `cpuid -r` output: the whole text */
};

/* What explain_log_scan() found. */
struct explain_log {
	/* "Linux version X.Y..."; a caller may set version_option (and
	 * version) to override it, as `xsvm explain --linux` does. */
	bool have_version;
	bool version_option;
	uint32_t version;
	char release[EXPLAIN_RELEASE_LEN]; /* "6.8.0-1017-azure" */

	/* "XSAVE consistency problem: size %u != kernel_size %u" */
	bool have_size_warning;
	uint32_t warn_size, warn_kernel_size;
	/* "... Got supervisor feature %d, but XSAVES not advertised" */
	bool have_supervisor_warning;
	unsigned int warn_supervisor_feature;
	/* "... No structure for xstate: %d" / 5.15 "no structure for xstate" */
	bool have_no_struct_warning;
	unsigned int warn_no_struct_feature;
	/* "XFEATURE_XTILE_DATA: calculated size is %u bytes, cpu state %d
	 * bytes": TILEDATA against the tile size of leaf 0x1D */
	bool have_tile_warning;
	uint32_t warn_tile_calculated, warn_tile_state;
	/* Every XSAVE warning line, in order (the first EXPLAIN_MAX_WARNINGS). */
	unsigned int nr_warnings;
	char warnings[EXPLAIN_MAX_WARNINGS][EXPLAIN_LINE_LEN];

	/* "x86/fpu: Enabled xstate features 0x%llx, context size is %d bytes,
	 * using '%s' format." */
	bool have_enabled;
	uint64_t enabled_mask;
	uint32_t context_size;
	bool enabled_compacted;
	/* "x86/fpu: x87 FPU will use FXSAVE|FSAVE": the kernel uses no XSAVE */
	bool no_xsave;
	/* "x86/fpu: Supporting XSAVE feature 0x%03llx: ..." */
	unsigned int nr_supporting;
	uint64_t supporting_mask;
	/* "x86/fpu: xstate_offset[%d]: %4d, xstate_sizes[%d]: %4d" */
	uint64_t offset_mask;
	uint32_t xstate_offset[EXPLAIN_MAX_SUBLEAF];
	uint32_t xstate_size[EXPLAIN_MAX_SUBLEAF];

	/* The table: where it is and how much of the kernel's dump is there. */
	enum explain_dump dump;
	size_t dump_off, dump_len; /* the text to give cpuid_parse() */
	unsigned int dump_lines;   /* CPUID[0d, NN] lines in that range */
	uint64_t dump_subleaves;   /* bit n: subleaf n was dumped */
	bool dump_cut;		   /* the last dump line was cut off (left out) */
	bool dump_repeated;	   /* a second dump follows (left out of the range) */

	/* The text itself. */
	unsigned int nr_lines;
	bool ended_mid_line; /* the last line has no newline */
	bool crlf;	     /* some line ends in CR LF */
	size_t nr_nul;	     /* NUL bytes (see explain_log_strip_nul()) */
	size_t nr_binary;    /* other control bytes and invalid characters */
	unsigned int nr_fpu_lines; /* x86/fpu and XSAVE lines recognised */
};

/* Drop NUL bytes from text in place; returns the new length. */
size_t explain_log_strip_nul(char *text, size_t len);

/*
 * Scan text[0..len) (need not be NUL-terminated). Returns 0; -ENODATA when
 * the text holds neither a table nor any x86/fpu or XSAVE line (nothing to
 * explain: empty, binary or unrelated), with log still filled in.
 */
int explain_log_scan(const char *text, size_t len, struct explain_log *log);

/*
 * A table made of the x86/fpu lines of a passed check when the log has no
 * dump: 0xD.0/0xD.1 from the "Enabled" line, 0xD.i from the xstate_offset
 * and xstate_sizes lines (aligned where the compacted offset shows padding).
 * Returns 0, or -ENOENT when the log has no "Enabled" line.
 */
int explain_log_table(const struct explain_log *log, struct cpuid_table *t);

/* The causes explain_table() names. */
enum explain_cause_kind {
	EXPLAIN_ORDER,		 /* a: sizes accumulated out of order */
	EXPLAIN_NO_ALIGN,	 /* b: 64-byte alignment ignored altogether */
	EXPLAIN_WRONG_STATE,	 /* c: EBX sized for another XCR0/XSS */
	EXPLAIN_STRUCT_SIZE,	 /* d: a size differs from the kernel's struct */
	EXPLAIN_NO_XSAVES,	 /* e: supervisor component without XSAVES */
	EXPLAIN_MISSING_SUBLEAF, /* f: no 0xD.i for an enabled component */
	EXPLAIN_OFFSETS,	 /* g: standard offsets overlap or descend */
	EXPLAIN_NO_STRUCT,	 /* a component the kernel has no struct for */
	EXPLAIN_UNEXPLAINED,	 /* sizes differ and nothing above fits */
	EXPLAIN_KERNEL_WARNING,	 /* another warning the log shows */
	EXPLAIN_STALE_EBX,	 /* EBX left at an earlier XCR0 or XSS */
	EXPLAIN_WRONG_FORMAT,	 /* the size of the other format */
	EXPLAIN_OTHER_MODEL,	 /* a component as another CPU model has it */
	EXPLAIN_LEGACY_AREA,	 /* legacy area, header: twice or left out */
	EXPLAIN_NR_KINDS,
};

/* "order", "no_alignment", ...: stable names for --json. */
const char *explain_cause_name(enum explain_cause_kind k);

struct explain_cause {
	enum explain_cause_kind kind;
	char text[EXPLAIN_TEXT_LEN];
};

/*
 * One way a host may compute the reported size wrongly that gives exactly
 * that size for this table and state (explain_candidates.c has the family).
 */
struct explain_candidate {
	char name[EXPLAIN_NAME_LEN]; /* stable snake_case: "no_alignment" */
	enum explain_cause_kind kind; /* the family of its first defect */
	uint32_t size;		      /* what it gives: the reported size */
	unsigned int assumptions;     /* defects it combines: 1, 2 */
	char text[EXPLAIN_TEXT_LEN];  /* in words, with the figures */
};

/* Where the XCR0 | XSS came from. */
enum explain_state_source {
	EXPLAIN_STATE_ENABLED,	  /* the log's "Enabled xstate features" */
	EXPLAIN_STATE_SUPPORTING, /* the union of "Supporting XSAVE feature" */
	EXPLAIN_STATE_MODEL,	  /* linux_enter_state() for the version */
};

/* Where the size the kernel was given came from. */
enum explain_reported_source {
	EXPLAIN_REPORTED_WARNING, /* the warning's kernel_size */
	EXPLAIN_REPORTED_ENABLED, /* the "Enabled" line's context size */
	EXPLAIN_REPORTED_EBX1,	  /* 0xD.1 EBX of the dump */
	EXPLAIN_REPORTED_EBX0,	  /* 0xD.0 EBX of the dump */
};

const char *explain_state_source_name(enum explain_state_source s);
const char *explain_reported_source_name(enum explain_reported_source s);

struct explain_result {
	uint32_t version;
	bool version_from_log;	  /* the banner */
	bool version_from_option; /* log->version_option */
	enum explain_state_source state_source;
	uint64_t mask, xcr0, xss;
	bool compacted;	/* the format the kernel used */
	bool xsaves;	/* 0xD.1 EAX bit 3 */
	/* The layout of mask, in ascending order (compacted offsets). */
	struct xsave_layout layout;
	uint32_t in_order_size;	 /* in the kernel's format */
	uint32_t unaligned_size; /* compacted, no alignment at all */
	uint32_t reported_size;
	enum explain_reported_source reported_source;
	bool sizes_checked;	 /* every enabled subleaf was there */
	bool have_orders;	 /* orders_analyse() ran */
	uint64_t orders_total;	 /* n! */
	uint64_t orders_reported; /* orders that give reported_size */
	uint64_t missing_subleaves; /* enabled components with no 0xD.i */
	/*
	 * The candidate search (sizes checked and reported_size differs from
	 * in_order_size): every candidate computation tried is counted, the
	 * ones giving reported_size are found, the best ranked are kept.
	 */
	bool searched;
	unsigned int candidates_tried;
	unsigned int candidates_found;
	unsigned int nr_candidates; /* kept: min(found, MAX_CANDIDATES) */
	struct explain_candidate candidates[EXPLAIN_MAX_CANDIDATES];
	unsigned int nr_notes;
	char notes[EXPLAIN_MAX_NOTES][EXPLAIN_TEXT_LEN];
	unsigned int nr_causes; /* 0: no problem */
	struct explain_cause causes[EXPLAIN_MAX_CAUSES];
};

/*
 * Explain t (from cpuid_parse() of the log's dump range, or from
 * explain_log_table()) in the light of log: the kernel version is the
 * log's (or the caller's override), else LINUX_DEFAULT_VERSION. Returns 0,
 * or -ENOENT when t has no 0xD.0 (nothing to explain).
 */
int explain_table(const struct cpuid_table *t, const struct explain_log *log,
		  struct explain_result *r);

#endif

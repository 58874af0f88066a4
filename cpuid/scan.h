/* SPDX-License-Identifier: MIT */
/*
 * The text scanner of cpuid/: every reader of text here (the table
 * parsers of parse.c and parse_kvm_json.c, the log reader of
 * explain_log.c, the policy parser of policy_parse.c, the banner and
 * --xsave-order readers of linux.c and xsave.c) walks its buffer with it.
 *
 * A struct scan is a slice of the caller's buffer: never copied, never
 * NUL-terminated. Functions that match advance the slice only on success,
 * except the number readers, which always consume the digits they see (a
 * number too large for its range is consumed and reported as such).
 *
 * Pure: no allocation, no I/O, no state outside the arguments.
 */
#ifndef XSVM_CPUID_SCAN_H
#define XSVM_CPUID_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scan {
	const char *p;
	size_t n;
};

/* A cursor over the lines of text[0..len). */
struct scan_lines {
	const char *text;
	size_t len;
	size_t pos;	     /* where the next line starts */
	unsigned int lineno; /* of the line last returned, from 1 */
	size_t start;	     /* offset of the line last returned */
	bool newline;	     /* it ended in '\n' (else the text ended) */
	bool cr;	     /* a CR before that '\n' was dropped */
};

static inline void scan_lines_init(struct scan_lines *c, const char *text,
				   size_t len)
{
	*c = (struct scan_lines){.text = text, .len = len};
}

/*
 * The next line, without its '\n' and without one CR before it. Returns
 * false at the end of the text.
 */
bool scan_next_line(struct scan_lines *c, struct scan *line);

/* Space or tab. */
bool scan_is_blank(char ch);
/* Drop blanks at the front / at the end. */
void scan_skip_blanks(struct scan *s);
void scan_trim_blanks(struct scan *s);

/* s begins with lit. */
bool scan_starts(struct scan s, const char *lit);
/* Consume lit when s begins with it. */
bool scan_eat(struct scan *s, const char *lit);
/* Move s to just after the first occurrence of lit; false (s kept) if none. */
bool scan_seek(struct scan *s, const char *lit);
/* lit occurs in s. */
bool scan_has(struct scan s, const char *lit);
/* Consume the longest run of characters ch with in(ch); returns that run. */
struct scan scan_take(struct scan *s, bool (*in)(char));

/* The value of a hex digit, or -1. */
int scan_hex_digit(char ch);

enum scan_num {
	SCAN_NUM_OK,
	SCAN_NUM_NONE,	/* no digit: nothing consumed */
	SCAN_NUM_RANGE, /* digits consumed, the value is over max */
};

/* Hex digits (no prefix, leading zeros allowed) up to max into *out. */
enum scan_num scan_hex(struct scan *s, uint64_t max, uint64_t *out);
/* "0x" or "0X", then hex digits; NONE (nothing consumed) without them. */
enum scan_num scan_hex_0x(struct scan *s, uint64_t max, uint64_t *out);
/* Decimal digits up to max into *out. */
enum scan_num scan_dec(struct scan *s, uint64_t max, uint64_t *out);
/*
 * A C number: "0x" or "0X" then hex digits, else decimal digits (leading
 * zeros do not make it octal). "0x" without a hex digit reads the '0'.
 */
enum scan_num scan_number(struct scan *s, uint64_t max, uint64_t *out);

/* Copy s into a NUL-terminated buffer of len > 0 bytes, cut to fit. */
void scan_copy(char *dst, size_t len, struct scan s);

/*
 * Bytes of printk prefix at the front of a console line of n bytes: an
 * optional "<6>" syslog level, then a "[    0.123456]" timestamp with an
 * optional "[    T1]" caller id and one space. Without a timestamp only
 * the level is a prefix ("[drm] ..." is message text). The console
 * verdict scanner of the VMM uses the same rule.
 */
size_t printk_prefix_len(const char *p, size_t n);

/* Drop the printk prefix from the front of s. */
void scan_skip_printk(struct scan *s);

#endif

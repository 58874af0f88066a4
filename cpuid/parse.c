// SPDX-License-Identifier: MIT
/*
 * Table parsers. Each format is line-oriented; the line cursor of scan.h
 * walks the buffer and a per-format function turns a line into an entry or
 * a reason. Nothing here allocates: lines are slices of the caller's buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "parse_impl.h"
#include "scan.h"

/* Longest line accepted in the dump and raw formats. */
#define LINE_MAX_LEN 4096

/* A number reader of scan.h: scan_hex or scan_hex_0x. */
typedef enum scan_num (*num_reader)(struct scan *, uint64_t, uint64_t *);

const char *cpuid_format_name(enum cpuid_format f)
{
	switch (f) {
	case CPUID_FORMAT_DUMP:
		return "dump";
	case CPUID_FORMAT_RAW:
		return "cpuid -r";
	case CPUID_FORMAT_DMESG:
		return "dmesg";
	case CPUID_FORMAT_KVM_JSON:
		return "kvm-json";
	default:
		return "auto";
	}
}

int parse_fail(const struct parser *ps, int code, const char *what)
{
	return xsvm_err_set(ps->err, code, "%s:%u: %s", ps->name, ps->lineno,
			    what);
}

/* Parse "NAME=" then a value, with the given number reader. */
static int field(const struct parser *ps, struct scan *s, const char *key,
		 num_reader num, uint32_t *out)
{
	char why[96];
	enum scan_num st;
	uint64_t v = 0;

	scan_skip_blanks(s);
	if (!scan_eat(s, key)) {
		snprintf(why, sizeof(why), "expected '%s'", key);
		return parse_fail(ps, EINVAL, why);
	}
	st = num(s, UINT32_MAX, &v);
	*out = (uint32_t)v;
	if (st == SCAN_NUM_NONE) {
		snprintf(why, sizeof(why), "'%s' has no hex value", key);
		return parse_fail(ps, EINVAL, why);
	}
	if (st == SCAN_NUM_RANGE) {
		snprintf(why, sizeof(why), "'%s' value out of range (over 32 bits)",
			 key);
		return parse_fail(ps, ERANGE, why);
	}
	if (s->n && !scan_is_blank(*s->p)) {
		snprintf(why, sizeof(why), "'%s' value is followed by '%c'", key,
			 *s->p);
		return parse_fail(ps, EINVAL, why);
	}
	return 0;
}

/* The four registers "eax=.. ebx=.. ecx=.. edx=..", then end of line. */
static int regs(const struct parser *ps, struct scan *s, num_reader num,
		uint32_t r[CPUID_NR_REGS])
{
	static const char *const keys[CPUID_NR_REGS] = { "eax=", "ebx=", "ecx=",
							 "edx=" };
	int ret;

	for (int i = 0; i < CPUID_NR_REGS; i++) {
		ret = field(ps, s, keys[i], num, &r[i]);
		if (ret)
			return ret;
	}
	scan_trim_blanks(s);
	if (s->n)
		return parse_fail(ps, EINVAL, "unexpected text after 'edx='");
	return 0;
}

int parse_add(const struct parser *ps, struct cpuid_table *t, uint32_t leaf,
	      uint32_t sub, const uint32_t r[CPUID_NR_REGS])
{
	char why[96];
	int ret = cpuid_table_add(t, leaf, sub, r[0], r[1], r[2], r[3]);

	if (ret == -EEXIST) {
		snprintf(why, sizeof(why),
			 "duplicate entry for leaf 0x%x subleaf 0x%x", leaf, sub);
		return parse_fail(ps, EEXIST, why);
	}
	if (ret)
		return parse_fail(ps, ENOSPC,
				  "too many entries (table is full)");
	return 0;
}

/* leaf=0x0000000d subleaf=0x2 eax=0x... ebx=0x... ecx=0x... edx=0x... */
static int dump_line(struct parser *ps, struct scan s, struct cpuid_table *t)
{
	uint32_t leaf, sub, r[CPUID_NR_REGS];
	int ret;

	scan_skip_blanks(&s);
	scan_trim_blanks(&s);
	if (!s.n || *s.p == '#')
		return 0;
	if (s.n > LINE_MAX_LEN)
		return parse_fail(ps, E2BIG, "line too long for a dump line");
	ret = field(ps, &s, "leaf=", scan_hex_0x, &leaf);
	if (!ret)
		ret = field(ps, &s, "subleaf=", scan_hex_0x, &sub);
	if (!ret)
		ret = regs(ps, &s, scan_hex_0x, r);
	return ret ? ret : parse_add(ps, t, leaf, sub, r);
}

/*
 * cpuid -r: "CPU n:" (or "CPU:") headers, entries
 * "   0x0000000d 0x02: eax=0x... ebx=0x... ecx=0x... edx=0x...".
 */
static int raw_entry(struct parser *ps, struct scan *s, uint32_t *leaf,
		     uint32_t *sub, uint32_t r[CPUID_NR_REGS])
{
	enum scan_num st;
	uint64_t v = 0;

	scan_skip_blanks(s);
	st = scan_hex_0x(s, UINT32_MAX, &v);
	*leaf = (uint32_t)v;
	if (st == SCAN_NUM_RANGE)
		return parse_fail(ps, ERANGE,
				  "leaf out of range (over 32 bits)");
	if (st != SCAN_NUM_OK || !s->n || !scan_is_blank(*s->p))
		return parse_fail(ps, EINVAL,
				  "expected a leaf such as '0x0000000d'");
	scan_skip_blanks(s);
	st = scan_hex_0x(s, UINT32_MAX, &v);
	*sub = (uint32_t)v;
	if (st == SCAN_NUM_RANGE)
		return parse_fail(ps, ERANGE,
				  "subleaf out of range (over 32 bits)");
	if (st != SCAN_NUM_OK || !scan_eat(s, ":"))
		return parse_fail(ps, EINVAL,
				  "expected a subleaf such as '0x02:'");
	return regs(ps, s, scan_hex_0x, r);
}

/* Same CPUID answer on two CPUs, ignoring the fields that identify a CPU. */
static bool same_but_ids(const struct cpuid_entry *e,
			 const uint32_t r[CPUID_NR_REGS])
{
	uint32_t m[CPUID_NR_REGS] = { ~0u, ~0u, ~0u, ~0u };

	switch (e->leaf) {
	case 0x1: /* initial APIC ID */
		m[CPUID_EBX] = 0x00ffffffu;
		break;
	case 0xb:
	case 0x1f: /* x2APIC ID */
		m[CPUID_EDX] = 0;
		break;
	case 0x8000001e: /* extended APIC ID, core and node IDs */
		m[CPUID_EAX] = 0;
		m[CPUID_EBX] = 0xffffff00u;
		m[CPUID_ECX] = 0xffffff00u;
		break;
	default:
		break;
	}
	for (int i = 0; i < CPUID_NR_REGS; i++)
		if ((cpuid_entry_reg(e, (enum cpuid_reg)i) ^ r[i]) & m[i])
			return false;
	return true;
}

static int raw_parse(struct parser *ps, struct scan_lines *c,
		     struct cpuid_table *t, struct cpuid_parse_info *info)
{
	int cpu = -1; /* CPU number of the current block; -1 before any */
	bool seen_header = false;
	struct scan line;

	while (scan_next_line(c, &line)) {
		uint32_t leaf = 0, sub = 0, r[CPUID_NR_REGS];
		const struct cpuid_entry *e;
		struct scan s = line;
		int ret;

		ps->lineno = c->lineno;
		scan_skip_blanks(&s);
		scan_trim_blanks(&s);
		if (!s.n)
			continue;
		if (s.n > LINE_MAX_LEN)
			return parse_fail(ps, E2BIG,
					  "line too long for a cpuid -r line");
		if (scan_eat(&s, "CPU")) {
			uint64_t n = 0;

			scan_skip_blanks(&s);
			if (s.n && *s.p != ':' &&
			    scan_hex(&s, UINT32_MAX, &n) != SCAN_NUM_OK)
				return parse_fail(ps, EINVAL,
						  "bad 'CPU n:' header");
			if (!scan_eat(&s, ":") || s.n)
				return parse_fail(ps, EINVAL,
						  "bad 'CPU n:' header");
			cpu = seen_header ? cpu + 1 : 0;
			seen_header = true;
			info->cpus++;
			continue;
		}
		ret = raw_entry(ps, &s, &leaf, &sub, r);
		if (ret)
			return ret;
		if (cpu <= 0) {
			ret = parse_add(ps, t, leaf, sub, r);
			if (ret)
				return ret;
			continue;
		}
		e = cpuid_table_find(t, leaf, sub);
		if ((!e || e->subleaf != sub || !same_but_ids(e, r)) &&
		    !info->cpus_differ) {
			info->cpus_differ = true;
			info->first_diff_cpu = (unsigned int)cpu;
		}
	}
	if (!info->cpus)
		info->cpus = 1;
	return 0;
}

/* [    0.000000] CPUID[0d, 02]: eax=00000100 ebx=00000240 ecx=... edx=... */
static int dmesg_line(struct parser *ps, struct scan s, struct cpuid_table *t,
		      bool *found)
{
	uint32_t r[CPUID_NR_REGS];
	uint64_t leaf, sub;

	if (!scan_seek(&s, "CPUID["))
		return 0;
	*found = true;
	if (scan_hex(&s, UINT32_MAX, &leaf) != SCAN_NUM_OK ||
	    !scan_eat(&s, ","))
		return parse_fail(ps, EINVAL, "bad leaf in 'CPUID[' dump line");
	scan_skip_blanks(&s);
	if (scan_hex(&s, UINT32_MAX, &sub) != SCAN_NUM_OK ||
	    !scan_eat(&s, "]:"))
		return parse_fail(ps, EINVAL,
				  "bad subleaf in 'CPUID[' dump line");
	if (regs(ps, &s, scan_hex, r))
		return parse_fail(ps, EINVAL,
				  "truncated or malformed 'CPUID[' dump line");
	return parse_add(ps, t, (uint32_t)leaf, (uint32_t)sub, r);
}

static int dmesg_parse(struct parser *ps, struct scan_lines *c,
		       struct cpuid_table *t)
{
	struct scan line;
	bool found = false;

	while (scan_next_line(c, &line)) {
		int ret;

		ps->lineno = c->lineno;
		ret = dmesg_line(ps, line, t, &found);
		if (ret)
			return ret;
	}
	if (!found)
		return xsvm_err_set(ps->err, ENOENT,
				    "%s: no 'CPUID[0d, NN]:' dump lines found",
				    ps->name);
	return 0;
}

/* The format of the first line that tells; AUTO when none does. */
static enum cpuid_format detect(const char *text, size_t len)
{
	struct scan_lines c;
	bool content = false;
	struct scan line;

	scan_lines_init(&c, text, len);
	while (scan_next_line(&c, &line)) {
		struct scan s = line;

		scan_skip_blanks(&s);
		if (!s.n || *s.p == '#')
			continue;
		content = true;
		if (*s.p == '{')
			return CPUID_FORMAT_KVM_JSON;
		if (scan_eat(&s, "leaf="))
			return CPUID_FORMAT_DUMP;
		if (scan_has(line, "CPUID["))
			return CPUID_FORMAT_DMESG;
		if (scan_eat(&s, "CPU") || scan_eat(&s, "0x"))
			return CPUID_FORMAT_RAW;
	}
	/* only comments and blank lines: an empty dump */
	return content ? CPUID_FORMAT_AUTO : CPUID_FORMAT_DUMP;
}

int cpuid_parse(struct cpuid_table *t, const char *name, const char *text,
		size_t len, enum cpuid_format fmt, struct cpuid_parse_info *info,
		struct xsvm_err *err)
{
	struct parser ps = { .name = name, .err = err };
	struct cpuid_parse_info local;
	struct scan_lines c;
	struct scan line;
	int ret = 0;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	cpuid_table_init(t);
	if (!len)
		return xsvm_err_set(err, ENODATA, "%s: empty file", name);
	if (memchr(text, '\0', len))
		return xsvm_err_set(err, EINVAL,
				    "%s: binary data (NUL byte), not a CPUID table",
				    name);
	scan_lines_init(&c, text, len);
	if (fmt == CPUID_FORMAT_AUTO)
		fmt = detect(text, len);
	info->format = fmt;
	switch (fmt) {
	case CPUID_FORMAT_DUMP:
		while (!ret && scan_next_line(&c, &line)) {
			ps.lineno = c.lineno;
			ret = dump_line(&ps, line, t);
		}
		break;
	case CPUID_FORMAT_RAW:
		ret = raw_parse(&ps, &c, t, info);
		break;
	case CPUID_FORMAT_DMESG:
		ret = dmesg_parse(&ps, &c, t);
		break;
	case CPUID_FORMAT_KVM_JSON:
		ret = kvm_json_parse(&ps, text, len, t);
		break;
	default:
		return xsvm_err_set(err, EINVAL,
				    "%s: not a CPUID table (expected 'leaf=' dump lines, cpuid -r output or a dmesg with 'CPUID[0d, NN]:' lines)",
				    name);
	}
	if (ret)
		return ret;
	if (!t->nr)
		return xsvm_err_set(err, ENODATA, "%s: no CPUID entries found",
				    name);
	info->entries = t->nr;
	return 0;
}

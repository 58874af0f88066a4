// SPDX-License-Identifier: MIT
/*
 * Table parsers. Each format is line-oriented; a cursor walks the buffer one
 * line at a time and a per-format function turns a line into an entry or a
 * reason. Nothing here allocates: lines are slices of the caller's buffer.
 */
#include <stdio.h>
#include <string.h>

#include "parse.h"

/* Longest line accepted in the dump and raw formats. */
#define LINE_MAX_LEN 4096

struct slice {
	const char *p;
	size_t n;
};

struct cursor {
	const char *text;
	size_t len, pos;
	unsigned int lineno;
};

static bool next_line(struct cursor *c, struct slice *line)
{
	const char *nl;

	if (c->pos >= c->len)
		return false;
	line->p = c->text + c->pos;
	nl = memchr(line->p, '\n', c->len - c->pos);
	line->n = nl ? (size_t)(nl - line->p) : c->len - c->pos;
	c->pos += line->n + (nl ? 1 : 0);
	c->lineno++;
	/* Windows line endings */
	if (line->n && line->p[line->n - 1] == '\r')
		line->n--;
	return true;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

static void skip_space(struct slice *s)
{
	while (s->n && is_space(*s->p)) {
		s->p++;
		s->n--;
	}
}

static void trim_end(struct slice *s)
{
	while (s->n && is_space(s->p[s->n - 1]))
		s->n--;
}

static bool eat(struct slice *s, const char *lit)
{
	size_t n = strlen(lit);

	if (s->n < n || memcmp(s->p, lit, n))
		return false;
	s->p += n;
	s->n -= n;
	return true;
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

enum num_status { NUM_OK, NUM_NONE, NUM_RANGE };

/* Hex digits (no prefix) into a 32-bit value; leading zeros allowed. */
static enum num_status hex32(struct slice *s, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	bool big = false;

	while (i < s->n && hex_digit(s->p[i]) >= 0) {
		v = (v << 4) | (uint64_t)hex_digit(s->p[i]);
		if (v > 0xffffffffull)
			big = true;
		i++;
	}
	if (!i)
		return NUM_NONE;
	s->p += i;
	s->n -= i;
	*out = (uint32_t)v;
	return big ? NUM_RANGE : NUM_OK;
}

/* "0x" followed by hex digits. */
static enum num_status hex32_0x(struct slice *s, uint32_t *out)
{
	if (!eat(s, "0x") && !eat(s, "0X"))
		return NUM_NONE;
	return hex32(s, out);
}

const char *cpuid_format_name(enum cpuid_format f)
{
	switch (f) {
	case CPUID_FORMAT_DUMP:
		return "dump";
	case CPUID_FORMAT_RAW:
		return "cpuid -r";
	case CPUID_FORMAT_DMESG:
		return "dmesg";
	default:
		return "auto";
	}
}

struct parser {
	const char *name;
	unsigned int lineno;
	struct xsvm_err *err;
};

static int fail(const struct parser *ps, int code, const char *what)
{
	return xsvm_err_set(ps->err, code, "%s:%u: %s", ps->name, ps->lineno,
			    what);
}

/* Parse "NAME=" then a value, with the given number reader. */
static int field(const struct parser *ps, struct slice *s, const char *key,
		 enum num_status (*num)(struct slice *, uint32_t *),
		 uint32_t *out)
{
	char why[96];
	enum num_status st;

	skip_space(s);
	if (!eat(s, key)) {
		snprintf(why, sizeof(why), "expected '%s'", key);
		return fail(ps, EINVAL, why);
	}
	st = num(s, out);
	if (st == NUM_NONE) {
		snprintf(why, sizeof(why), "'%s' has no hex value", key);
		return fail(ps, EINVAL, why);
	}
	if (st == NUM_RANGE) {
		snprintf(why, sizeof(why), "'%s' value out of range (over 32 bits)",
			 key);
		return fail(ps, ERANGE, why);
	}
	if (s->n && !is_space(*s->p)) {
		snprintf(why, sizeof(why), "'%s' value is followed by '%c'", key,
			 *s->p);
		return fail(ps, EINVAL, why);
	}
	return 0;
}

/* The four registers "eax=.. ebx=.. ecx=.. edx=..", then end of line. */
static int regs(const struct parser *ps, struct slice *s,
		enum num_status (*num)(struct slice *, uint32_t *),
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
	trim_end(s);
	if (s->n)
		return fail(ps, EINVAL, "unexpected text after 'edx='");
	return 0;
}

static int add(const struct parser *ps, struct cpuid_table *t, uint32_t leaf,
	       uint32_t sub, const uint32_t r[CPUID_NR_REGS])
{
	char why[96];
	int ret = cpuid_table_add(t, leaf, sub, r[0], r[1], r[2], r[3]);

	if (ret == -EEXIST) {
		snprintf(why, sizeof(why),
			 "duplicate entry for leaf 0x%x subleaf 0x%x", leaf, sub);
		return fail(ps, EEXIST, why);
	}
	if (ret)
		return fail(ps, ENOSPC, "too many entries (table is full)");
	return 0;
}

/* leaf=0x0000000d subleaf=0x2 eax=0x... ebx=0x... ecx=0x... edx=0x... */
static int dump_line(struct parser *ps, struct slice s, struct cpuid_table *t)
{
	uint32_t leaf, sub, r[CPUID_NR_REGS];
	int ret;

	skip_space(&s);
	trim_end(&s);
	if (!s.n || *s.p == '#')
		return 0;
	if (s.n > LINE_MAX_LEN)
		return fail(ps, E2BIG, "line too long for a dump line");
	ret = field(ps, &s, "leaf=", hex32_0x, &leaf);
	if (!ret)
		ret = field(ps, &s, "subleaf=", hex32_0x, &sub);
	if (!ret)
		ret = regs(ps, &s, hex32_0x, r);
	return ret ? ret : add(ps, t, leaf, sub, r);
}

/*
 * cpuid -r: "CPU n:" (or "CPU:") headers, entries
 * "   0x0000000d 0x02: eax=0x... ebx=0x... ecx=0x... edx=0x...".
 */
static int raw_entry(struct parser *ps, struct slice *s, uint32_t *leaf,
		     uint32_t *sub, uint32_t r[CPUID_NR_REGS])
{
	enum num_status st;

	skip_space(s);
	st = hex32_0x(s, leaf);
	if (st == NUM_RANGE)
		return fail(ps, ERANGE, "leaf out of range (over 32 bits)");
	if (st != NUM_OK || !s->n || !is_space(*s->p))
		return fail(ps, EINVAL, "expected a leaf such as '0x0000000d'");
	skip_space(s);
	st = hex32_0x(s, sub);
	if (st == NUM_RANGE)
		return fail(ps, ERANGE, "subleaf out of range (over 32 bits)");
	if (st != NUM_OK || !eat(s, ":"))
		return fail(ps, EINVAL, "expected a subleaf such as '0x02:'");
	return regs(ps, s, hex32_0x, r);
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

static int raw_parse(struct parser *ps, struct cursor *c, struct cpuid_table *t,
		     struct cpuid_parse_info *info)
{
	int cpu = -1; /* CPU number of the current block; -1 before any */
	bool seen_header = false;
	struct slice line;

	while (next_line(c, &line)) {
		uint32_t leaf, sub, r[CPUID_NR_REGS];
		const struct cpuid_entry *e;
		struct slice s = line;
		int ret;

		ps->lineno = c->lineno;
		skip_space(&s);
		trim_end(&s);
		if (!s.n)
			continue;
		if (s.n > LINE_MAX_LEN)
			return fail(ps, E2BIG, "line too long for a cpuid -r line");
		if (eat(&s, "CPU")) {
			uint32_t n = 0;

			skip_space(&s);
			if (s.n && *s.p != ':' && hex32(&s, &n) != NUM_OK)
				return fail(ps, EINVAL, "bad 'CPU n:' header");
			if (!eat(&s, ":") || s.n)
				return fail(ps, EINVAL, "bad 'CPU n:' header");
			cpu = seen_header ? cpu + 1 : 0;
			seen_header = true;
			info->cpus++;
			continue;
		}
		ret = raw_entry(ps, &s, &leaf, &sub, r);
		if (ret)
			return ret;
		if (cpu <= 0) {
			ret = add(ps, t, leaf, sub, r);
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

/* Find "CPUID[" in a line (a dmesg line may have any prefix). */
static bool find_dmesg_dump(struct slice *s)
{
	for (size_t i = 0; i + 6 <= s->n; i++) {
		if (!memcmp(s->p + i, "CPUID[", 6)) {
			s->p += i + 6;
			s->n -= i + 6;
			return true;
		}
	}
	return false;
}

/* [    0.000000] CPUID[0d, 02]: eax=00000100 ebx=00000240 ecx=... edx=... */
static int dmesg_line(struct parser *ps, struct slice s, struct cpuid_table *t,
		      bool *found)
{
	uint32_t leaf, sub, r[CPUID_NR_REGS];

	if (!find_dmesg_dump(&s))
		return 0;
	*found = true;
	if (hex32(&s, &leaf) != NUM_OK || !eat(&s, ","))
		return fail(ps, EINVAL, "bad leaf in 'CPUID[' dump line");
	skip_space(&s);
	if (hex32(&s, &sub) != NUM_OK || !eat(&s, "]:"))
		return fail(ps, EINVAL, "bad subleaf in 'CPUID[' dump line");
	if (regs(ps, &s, hex32, r))
		return fail(ps, EINVAL,
			    "truncated or malformed 'CPUID[' dump line");
	return add(ps, t, leaf, sub, r);
}

static int dmesg_parse(struct parser *ps, struct cursor *c,
		       struct cpuid_table *t)
{
	struct slice line;
	bool found = false;

	while (next_line(c, &line)) {
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

static bool contains(struct slice s, const char *lit)
{
	size_t n = strlen(lit);

	for (size_t i = 0; i + n <= s.n; i++)
		if (!memcmp(s.p + i, lit, n))
			return true;
	return false;
}

/* The format of the first line that tells; AUTO when none does. */
static enum cpuid_format detect(const char *text, size_t len)
{
	struct cursor c = { .text = text, .len = len };
	bool content = false;
	struct slice line;

	while (next_line(&c, &line)) {
		struct slice s = line;

		skip_space(&s);
		if (!s.n || *s.p == '#')
			continue;
		content = true;
		if (eat(&s, "leaf="))
			return CPUID_FORMAT_DUMP;
		if (contains(line, "CPUID["))
			return CPUID_FORMAT_DMESG;
		if (eat(&s, "CPU") || eat(&s, "0x"))
			return CPUID_FORMAT_RAW;
	}
	/* only comments and blank lines: an empty dump */
	return content ? CPUID_FORMAT_AUTO : CPUID_FORMAT_DUMP;
}

int cpuid_parse(struct cpuid_table *t, const char *name, const char *text,
		size_t len, enum cpuid_format fmt, struct cpuid_parse_info *info,
		struct xsvm_err *err)
{
	struct cursor c = { .text = text, .len = len };
	struct parser ps = { .name = name, .err = err };
	struct cpuid_parse_info local;
	struct slice line;
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
	if (fmt == CPUID_FORMAT_AUTO)
		fmt = detect(text, len);
	info->format = fmt;
	switch (fmt) {
	case CPUID_FORMAT_DUMP:
		while (!ret && next_line(&c, &line)) {
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

size_t cpuid_table_print(const struct cpuid_table *t, char *buf, size_t len)
{
	size_t need = 0;

	for (unsigned int i = 0; i < t->nr; i++) {
		char line[128];
		int n = cpuid_entry_format(&t->e[i], line, sizeof(line));

		if (need + (size_t)n + 1 < len) {
			memcpy(buf + need, line, (size_t)n);
			buf[need + (size_t)n] = '\n';
		}
		need += (size_t)n + 1;
	}
	if (len)
		buf[need < len ? need : len - 1] = '\0';
	return need;
}

// SPDX-License-Identifier: MIT
/*
 * Table parsers. Each format is line-oriented; the line cursor of scan.h
 * walks the buffer and a per-format function turns a line into an entry or
 * a reason. Nothing here allocates: lines are slices of the caller's buffer.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
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

struct parser {
	const char *name;
	unsigned int lineno;
	struct xsvm_err *err;
};

static int parse_fail(const struct parser *ps, int code, const char *what)
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

static int parse_add(const struct parser *ps, struct cpuid_table *t,
		     uint32_t leaf, uint32_t sub,
		     const uint32_t r[CPUID_NR_REGS])
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

/*
 * kvm-json: a strict reader for exactly one shape,
 *   {"nent": N, "entries": [{"function": .., "index": .., "flags": ..,
 *    "eax": .., "ebx": .., "ecx": .., "edx": ..}, ...]}
 * with keys in any order. There is no recursion: the shape is fixed, every
 * loop consumes input, and the table's capacity bounds the entries.
 */
#define JSON_KEY_MAX 31

struct json_reader {
	struct parser *ps;
	const char *p, *end;
};

static int json_fail(struct json_reader *j, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int json_fail(struct json_reader *j, int code, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return parse_fail(j->ps, code, why);
}

static void json_space(struct json_reader *j)
{
	while (j->p < j->end && (scan_is_blank(*j->p) || *j->p == '\n' ||
				 *j->p == '\r')) {
		if (*j->p == '\n')
			j->ps->lineno++;
		j->p++;
	}
}

/* Skip blanks, then consume ch if it is next. */
static bool json_eat(struct json_reader *j, char ch)
{
	json_space(j);
	if (j->p < j->end && *j->p == ch) {
		j->p++;
		return true;
	}
	return false;
}

/* What stands at the cursor, for messages: "'x'" or "end of file". */
static const char *json_found(const struct json_reader *j, char *buf,
			      size_t len)
{
	if (j->p >= j->end)
		return "end of file";
	if ((unsigned char)*j->p < 0x20 || (unsigned char)*j->p >= 0x7f)
		snprintf(buf, len, "byte 0x%02x", (unsigned char)*j->p);
	else
		snprintf(buf, len, "'%c'", *j->p);
	return buf;
}

static int json_expected(struct json_reader *j, const char *what)
{
	char found[16];

	return json_fail(j, EINVAL, "expected %s, found %s", what,
			 json_found(j, found, sizeof(found)));
}

/* A key string and its ':'. Keys have no escapes and at most 31 chars. */
static int json_key(struct json_reader *j, char key[JSON_KEY_MAX + 1])
{
	size_t n = 0;

	if (!json_eat(j, '"'))
		return json_expected(j, "a key string");
	for (;;) {
		if (j->p >= j->end || *j->p == '\n')
			return json_fail(j, EINVAL, "unterminated key string");
		if (*j->p == '"')
			break;
		if (*j->p == '\\')
			return json_fail(j, EINVAL,
					 "escape sequences are not supported in keys");
		if (n == JSON_KEY_MAX)
			return json_fail(j, EINVAL,
					 "key too long (over %d characters)",
					 JSON_KEY_MAX);
		key[n++] = *j->p++;
	}
	j->p++;
	key[n] = '\0';
	if (!json_eat(j, ':'))
		return json_expected(j, "':' after the key");
	return 0;
}

static bool is_alnum_or_sign(char ch)
{
	return scan_hex_digit(ch) >= 0 || (ch >= 'a' && ch <= 'z') ||
	       (ch >= 'A' && ch <= 'Z') || ch == '.' || ch == '+' || ch == '-';
}

/* A JSON integer from 0 to UINT32_MAX; ctx ("entries[3]: ") prefixes messages. */
static int json_u32(struct json_reader *j, const char *ctx, const char *key,
		    uint32_t *out)
{
	struct scan s;
	enum scan_num st;
	uint64_t v = 0;

	json_space(j);
	s = (struct scan){ j->p, (size_t)(j->end - j->p) };
	st = scan_dec(&s, UINT32_MAX, &v);
	if (st == SCAN_NUM_NONE || (s.n && is_alnum_or_sign(*s.p)) ||
	    (*j->p == '0' && s.p - j->p > 1)) {
		return json_fail(j, EINVAL,
				 "%s'%s' is not a decimal number from 0 to 4294967295",
				 ctx, key);
	}
	j->p = s.p;
	if (st == SCAN_NUM_RANGE)
		return json_fail(j, ERANGE,
				 "%s'%s' value out of range (over 32 bits)", ctx,
				 key);
	*out = (uint32_t)v;
	return 0;
}

static const char *const kvm_json_keys[] = { "function", "index", "flags",
					     "eax",	 "ebx",	  "ecx",
					     "edx" };
enum { KJ_FUNCTION, KJ_INDEX, KJ_FLAGS, KJ_EAX, KJ_NR_KEYS = 7 };

static int kvm_json_key_index(const char *key)
{
	for (int i = 0; i < KJ_NR_KEYS; i++)
		if (!strcmp(key, kvm_json_keys[i]))
			return i;
	return -1;
}

/* The members of one entry object, after its '{'; *seen marks the keys. */
static int kvm_json_members(struct json_reader *j, const char *ctx,
			    uint32_t v[KJ_NR_KEYS], unsigned int *seen)
{
	char key[JSON_KEY_MAX + 1];
	int k, ret;

	if (json_eat(j, '}'))
		return 0;
	for (;;) {
		ret = json_key(j, key);
		if (ret)
			return ret;
		k = kvm_json_key_index(key);
		if (k < 0)
			return json_fail(j, EINVAL,
					 "%sunknown key '%s' (expected function, index, flags, eax, ebx, ecx, edx)",
					 ctx, key);
		if (*seen & (1u << k))
			return json_fail(j, EINVAL, "%sduplicate key '%s'",
					 ctx, key);
		*seen |= 1u << k;
		ret = json_u32(j, ctx, key, &v[k]);
		if (ret)
			return ret;
		if (json_eat(j, ','))
			continue;
		if (json_eat(j, '}'))
			return 0;
		return json_expected(j, "',' or '}' in an entry");
	}
}

/* Checks of a whole entry and its insertion; errors name its first line. */
static int kvm_json_add(struct parser *ps, struct cpuid_table *t,
			const char *ctx, const uint32_t v[KJ_NR_KEYS],
			unsigned int seen)
{
	uint32_t want;
	char why[160];

	for (int k = 0; k < KJ_NR_KEYS; k++) {
		if (seen & (1u << k))
			continue;
		snprintf(why, sizeof(why), "%smissing key '%s'", ctx,
			 kvm_json_keys[k]);
		return parse_fail(ps, EINVAL, why);
	}
	want = cpuid_leaf_is_indexed(v[KJ_FUNCTION]) ? CPUID_FLAG_INDEXED : 0;
	if (v[KJ_FLAGS] != want) {
		snprintf(why, sizeof(why),
			 "%s'flags' %u does not match leaf 0x%x, which is %s (flags %u)",
			 ctx, v[KJ_FLAGS], v[KJ_FUNCTION],
			 want ? "indexed" : "not indexed", want);
		return parse_fail(ps, EINVAL, why);
	}
	return parse_add(ps, t, v[KJ_FUNCTION], v[KJ_INDEX], &v[KJ_EAX]);
}

static int kvm_json_entry(struct json_reader *j, struct cpuid_table *t,
			  unsigned int idx)
{
	uint32_t v[KJ_NR_KEYS] = { 0 };
	unsigned int line, now, seen = 0;
	char ctx[32];
	int ret;

	snprintf(ctx, sizeof(ctx), "entries[%u]: ", idx);
	if (!json_eat(j, '{'))
		return json_expected(j, "'{' starting an entry");
	line = j->ps->lineno;
	ret = kvm_json_members(j, ctx, v, &seen);
	if (ret)
		return ret;
	now = j->ps->lineno;
	j->ps->lineno = line;
	ret = kvm_json_add(j->ps, t, ctx, v, seen);
	j->ps->lineno = now;
	return ret;
}

static int kvm_json_entries(struct json_reader *j, struct cpuid_table *t)
{
	unsigned int idx = 0;
	int ret;

	if (!json_eat(j, '['))
		return json_expected(j, "'[' starting 'entries'");
	if (json_eat(j, ']'))
		return 0;
	for (;; idx++) {
		ret = kvm_json_entry(j, t, idx);
		if (ret)
			return ret;
		if (json_eat(j, ','))
			continue;
		if (json_eat(j, ']'))
			return 0;
		return json_expected(j, "',' or ']' in 'entries'");
	}
}

/* One top-level member, "nent" or "entries". */
static int kvm_json_member(struct json_reader *j, struct cpuid_table *t,
			   uint32_t *nent, unsigned int *seen)
{
	char key[JSON_KEY_MAX + 1];
	int ret;

	ret = json_key(j, key);
	if (ret)
		return ret;
	if (!strcmp(key, "nent")) {
		if (*seen & 1)
			return json_fail(j, EINVAL, "duplicate key 'nent'");
		*seen |= 1;
		ret = json_u32(j, "", "nent", nent);
		if (!ret && *nent > CPUID_TABLE_MAX)
			ret = json_fail(j, ENOSPC,
					"'nent' %u is over the table's %u entries",
					*nent, CPUID_TABLE_MAX);
		return ret;
	}
	if (!strcmp(key, "entries")) {
		if (*seen & 2)
			return json_fail(j, EINVAL, "duplicate key 'entries'");
		*seen |= 2;
		return kvm_json_entries(j, t);
	}
	return json_fail(j, EINVAL,
			 "unknown key '%s' (expected 'nent' and 'entries')",
			 key);
}

static int kvm_json_parse(struct parser *ps, const char *text, size_t len,
			  struct cpuid_table *t)
{
	struct json_reader j = { .ps = ps, .p = text, .end = text + len };
	unsigned int seen = 0;
	uint32_t nent = 0;
	int ret;

	ps->lineno = 1;
	if (!json_eat(&j, '{'))
		return json_expected(&j, "'{'");
	if (!json_eat(&j, '}')) {
		for (;;) {
			ret = kvm_json_member(&j, t, &nent, &seen);
			if (ret)
				return ret;
			if (json_eat(&j, ','))
				continue;
			if (json_eat(&j, '}'))
				break;
			return json_expected(&j, "',' or '}' after a member");
		}
	}
	/* the object's own errors name the line of its '}' */
	if (!(seen & 1))
		return json_fail(&j, EINVAL, "missing key 'nent'");
	if (!(seen & 2))
		return json_fail(&j, EINVAL, "missing key 'entries'");
	if (nent != t->nr)
		return json_fail(&j, EINVAL,
				 "'nent' is %u but 'entries' has %u entries",
				 nent, t->nr);
	json_space(&j);
	if (j.p < j.end)
		return json_fail(&j, EINVAL,
				 "unexpected text after the JSON object");
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

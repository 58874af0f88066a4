// SPDX-License-Identifier: MIT
/*
 * The kvm-json reader of cpuid_parse() (the format is described in
 * parse.h). Errors name the file and line, as the line formats' do.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "parse_impl.h"
#include "scan.h"

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

int kvm_json_parse(struct parser *ps, const char *text, size_t len,
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

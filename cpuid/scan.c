// SPDX-License-Identifier: MIT
/* The text scanner of cpuid/ (see scan.h). */
#include <string.h>

#include "scan.h"

bool scan_next_line(struct scan_lines *c, struct scan *line)
{
	const char *nl;

	if (c->pos >= c->len)
		return false;
	c->start = c->pos;
	line->p = c->text + c->pos;
	nl = memchr(line->p, '\n', c->len - c->pos);
	line->n = nl ? (size_t)(nl - line->p) : c->len - c->pos;
	c->pos += line->n + (nl ? 1 : 0);
	c->lineno++;
	c->newline = nl != NULL;
	c->cr = line->n && line->p[line->n - 1] == '\r';
	if (c->cr)
		line->n--;
	return true;
}

bool scan_is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

void scan_skip_blanks(struct scan *s)
{
	while (s->n && scan_is_blank(*s->p)) {
		s->p++;
		s->n--;
	}
}

void scan_trim_blanks(struct scan *s)
{
	while (s->n && scan_is_blank(s->p[s->n - 1]))
		s->n--;
}

bool scan_starts(struct scan s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n >= n && !memcmp(s.p, lit, n);
}

bool scan_eat(struct scan *s, const char *lit)
{
	size_t n = strlen(lit);

	if (!scan_starts(*s, lit))
		return false;
	s->p += n;
	s->n -= n;
	return true;
}

bool scan_seek(struct scan *s, const char *lit)
{
	size_t n = strlen(lit);

	for (size_t i = 0; i + n <= s->n; i++) {
		if (!memcmp(s->p + i, lit, n)) {
			s->p += i + n;
			s->n -= i + n;
			return true;
		}
	}
	return false;
}

bool scan_has(struct scan s, const char *lit)
{
	return scan_seek(&s, lit);
}

struct scan scan_take(struct scan *s, bool (*in)(char))
{
	struct scan run = { s->p, 0 };

	while (run.n < s->n && in(s->p[run.n]))
		run.n++;
	s->p += run.n;
	s->n -= run.n;
	return run;
}

int scan_hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int dec_digit(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : -1;
}

/* Digits of one base, consumed all; the value saturates past max. */
static enum scan_num digits(struct scan *s, unsigned int base,
			    int (*digit)(char), uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	bool over = false;
	size_t i = 0;

	for (; i < s->n && digit(s->p[i]) >= 0; i++) {
		uint64_t d = (uint64_t)digit(s->p[i]);

		if (over || v > (max - d) / base)
			over = true;
		else
			v = v * base + d;
	}
	if (!i)
		return SCAN_NUM_NONE;
	s->p += i;
	s->n -= i;
	if (over)
		return SCAN_NUM_RANGE;
	*out = v;
	return SCAN_NUM_OK;
}

enum scan_num scan_hex(struct scan *s, uint64_t max, uint64_t *out)
{
	return digits(s, 16, scan_hex_digit, max, out);
}

enum scan_num scan_hex_0x(struct scan *s, uint64_t max, uint64_t *out)
{
	struct scan t = *s;
	enum scan_num st;

	if (!scan_eat(&t, "0x") && !scan_eat(&t, "0X"))
		return SCAN_NUM_NONE;
	st = scan_hex(&t, max, out);
	if (st != SCAN_NUM_NONE)
		*s = t;
	return st;
}

enum scan_num scan_dec(struct scan *s, uint64_t max, uint64_t *out)
{
	return digits(s, 10, dec_digit, max, out);
}

enum scan_num scan_number(struct scan *s, uint64_t max, uint64_t *out)
{
	enum scan_num st = scan_hex_0x(s, max, out);

	return st == SCAN_NUM_NONE ? scan_dec(s, max, out) : st;
}

void scan_copy(char *dst, size_t len, struct scan s)
{
	size_t n = s.n < len - 1 ? s.n : len - 1;

	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static size_t digits_at(const char *p, size_t n, size_t at)
{
	size_t i = at;

	while (i < n && dec_digit(p[i]) >= 0)
		i++;
	return i - at;
}

/* "[" and spaces at p[at]: the index after them, or 0. */
static size_t open_bracket(const char *p, size_t n, size_t at)
{
	size_t i = at + 1;

	if (at >= n || p[at] != '[')
		return 0;
	while (i < n && p[i] == ' ')
		i++;
	return i;
}

/* Digits at p[i], then ch: the index after ch, or 0. */
static size_t digits_then(const char *p, size_t n, size_t i, char ch)
{
	size_t d = digits_at(p, n, i);

	if (!d || i + d >= n || p[i + d] != ch)
		return 0;
	return i + d + 1;
}

/* "[    0.123456]" at p[at]: its length, or 0. */
static size_t stamp_len(const char *p, size_t n, size_t at)
{
	size_t i = open_bracket(p, n, at);

	if (i)
		i = digits_then(p, n, i, '.');
	if (i)
		i = digits_then(p, n, i, ']');
	return i ? i - at : 0;
}

/* CONFIG_PRINTK_CALLER's "[    T1]" or "[  C0]" at p[at]: its length, or 0. */
static size_t caller_len(const char *p, size_t n, size_t at)
{
	size_t i = open_bracket(p, n, at);

	if (!i || i >= n || (p[i] != 'T' && p[i] != 'C'))
		return 0;
	i = digits_then(p, n, i + 1, ']');
	return i ? i - at : 0;
}

size_t printk_prefix_len(const char *p, size_t n)
{
	size_t at = 0, d, k;

	if (n && p[0] == '<') {
		d = digits_at(p, n, 1);
		if (d && 1 + d < n && p[1 + d] == '>')
			at = d + 2;
	}
	k = stamp_len(p, n, at);
	if (!k)
		return at;
	at += k;
	at += caller_len(p, n, at);
	if (at < n && p[at] == ' ')
		at++;
	return at;
}

void scan_skip_printk(struct scan *s)
{
	size_t k = printk_prefix_len(s->p, s->n);

	s->p += k;
	s->n -= k;
}

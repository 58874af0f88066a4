// SPDX-License-Identifier: MIT
/*
 * Explaining a failing guest from its log (see explain.h).
 *
 * The scan walks the text once, line by line, with the printk prefix
 * stripped; it never trusts a number it has not bounds-checked. The
 * diagnosis recomputes sizes with the XSAVE arithmetic of xsave.c, the
 * kernel's own size rule through linux_check() and the order counts through
 * orders_analyse(): nothing here re-implements them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "explain.h"

#define BIT(i) XFEATURE_BIT(i)
/* Orders enumerated one by one to find which visiting rule matters. */
#define EXPLAIN_ENUM_MAX 8
/* Masks tried when looking for the state EBX was sized for. */
#define EXPLAIN_MASK_BUDGET 50000u
#define EXPLAIN_MASK_DIST 3
#define EXPLAIN_MAX_MASKS 3

/* ------------------------------------------------------------ text */

struct slice {
	const char *p;
	size_t n;
};

static bool starts(struct slice s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n >= n && !memcmp(s.p, lit, n);
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

/* Move s to just after the first occurrence of lit; false if none. */
static bool seek(struct slice *s, const char *lit)
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

static bool has(struct slice s, const char *lit)
{
	return seek(&s, lit);
}

static void skip_spaces(struct slice *s)
{
	while (s->n && (*s->p == ' ' || *s->p == '\t')) {
		s->p++;
		s->n--;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits into a 64-bit value; false when none or too many. */
static bool num_hex(struct slice *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < s->n && hexval(s->p[i]) >= 0) {
		if (v >> 60)
			return false;
		v = v << 4 | (uint64_t)hexval(s->p[i]);
		i++;
	}
	if (!i)
		return false;
	s->p += i;
	s->n -= i;
	*out = v;
	return true;
}

/* "0x" and hex digits. */
static bool num_0x(struct slice *s, uint64_t *out)
{
	return eat(s, "0x") && num_hex(s, out);
}

/* Decimal (after optional spaces) into a 32-bit value; false on overflow. */
static bool num_dec(struct slice *s, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	skip_spaces(s);
	while (i < s->n && s->p[i] >= '0' && s->p[i] <= '9') {
		v = v * 10 + (uint64_t)(s->p[i] - '0');
		if (v > UINT32_MAX)
			return false;
		i++;
	}
	if (!i)
		return false;
	s->p += i;
	s->n -= i;
	*out = (uint32_t)v;
	return true;
}

/* Copy a slice into a NUL-terminated buffer, cut to fit. */
static void copy_line(char *dst, size_t len, struct slice s)
{
	size_t n = s.n < len - 1 ? s.n : len - 1;

	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

size_t explain_log_strip_nul(char *text, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++)
		if (text[i])
			text[w++] = text[i];
	return w;
}

static size_t digits_at(const char *p, size_t n, size_t at)
{
	size_t i = at;

	while (i < n && p[i] >= '0' && p[i] <= '9')
		i++;
	return i - at;
}

/* "[    0.123456]" at p[at]: its length, or 0. */
static size_t stamp_len(const char *p, size_t n, size_t at)
{
	size_t i = at + 1, d;

	if (at >= n || p[at] != '[')
		return 0;
	while (i < n && p[i] == ' ')
		i++;
	d = digits_at(p, n, i);
	if (!d || i + d >= n || p[i + d] != '.')
		return 0;
	i += d + 1;
	d = digits_at(p, n, i);
	if (!d || i + d >= n || p[i + d] != ']')
		return 0;
	return i + d + 1 - at;
}

/* CONFIG_PRINTK_CALLER's "[    T1]" or "[  C0]" at p[at]: its length, or 0. */
static size_t caller_len(const char *p, size_t n, size_t at)
{
	size_t i = at + 1, d;

	if (at >= n || p[at] != '[')
		return 0;
	while (i < n && p[i] == ' ')
		i++;
	if (i >= n || (p[i] != 'T' && p[i] != 'C'))
		return 0;
	d = digits_at(p, n, i + 1);
	if (!d || i + 1 + d >= n || p[i + 1 + d] != ']')
		return 0;
	return i + 2 + d - at;
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

static void strip_prefix(struct slice *s)
{
	size_t k = printk_prefix_len(s->p, s->n);

	s->p += k;
	s->n -= k;
}

/* ------------------------------------------------------------ scan */

static void add_warning(struct explain_log *log, struct slice s)
{
	if (log->nr_warnings < EXPLAIN_MAX_WARNINGS)
		copy_line(log->warnings[log->nr_warnings], EXPLAIN_LINE_LEN, s);
	log->nr_warnings++;
	log->nr_fpu_lines++;
}

static void scan_banner(struct explain_log *log, struct slice s)
{
	char buf[EXPLAIN_LINE_LEN];
	struct slice rel = s;
	size_t n = 0;

	if (log->have_version)
		return;
	copy_line(buf, sizeof(buf), s);
	if (!linux_version_from_banner(buf, &log->version))
		return;
	log->have_version = true;
	seek(&rel, "Linux version ");
	while (n < rel.n && rel.p[n] != ' ' && n < EXPLAIN_RELEASE_LEN - 1)
		n++;
	rel.n = n;
	copy_line(log->release, sizeof(log->release), rel);
}

/* The wordings of the XSAVE check's warnings (FACTS.md section 3). */
static bool scan_warning(struct explain_log *log, struct slice line)
{
	static const char *const other[] = {
		"x86/fpu: xstate buffer too small",
		"x86/fpu: init_fpstate buffer too small",
		"x86/fpu: FP/SSE not present amongst",
		"x86/fpu: Both APX/MPX present",
		"x86/fpu: XSAVE disabled",
		"No fixed offset for xstate",
		"XFEATURE_XTILE_DATA: calculated size is",
	};
	struct slice s = line;
	uint32_t a, b;

	if (seek(&s, "XSAVE consistency problem")) {
		struct slice w = s;

		add_warning(log, line);
		if (eat(&w, ": size ") && num_dec(&w, &a) &&
		    eat(&w, " != kernel_size ") && num_dec(&w, &b) &&
		    !log->have_size_warning) {
			log->have_size_warning = true;
			log->warn_size = a;
			log->warn_kernel_size = b;
		}
		w = s;
		if (seek(&w, "Got supervisor feature ") && num_dec(&w, &a) &&
		    !log->have_supervisor_warning) {
			log->have_supervisor_warning = true;
			log->warn_supervisor_feature = a;
		}
		w = s;
		if (seek(&w, "No structure for xstate: ") && num_dec(&w, &a) &&
		    !log->have_no_struct_warning) {
			log->have_no_struct_warning = true;
			log->warn_no_struct_feature = a;
		}
		return true;
	}
	if (starts(line, "no structure for xstate: ")) {
		s = line;
		eat(&s, "no structure for xstate: ");
		if (num_dec(&s, &a) && !log->have_no_struct_warning) {
			log->have_no_struct_warning = true;
			log->warn_no_struct_feature = a;
		}
		add_warning(log, line);
		return true;
	}
	s = line;
	if (eat(&s, "XFEATURE_XTILE_DATA: calculated size is ") &&
	    num_dec(&s, &a) && eat(&s, " bytes, cpu state ") &&
	    num_dec(&s, &b) && !log->have_tile_warning) {
		log->have_tile_warning = true;
		log->warn_tile_calculated = a;
		log->warn_tile_state = b;
	}
	/* "[AVX registers]: struct is" (6.8+), "XFEATURE_YMM: struct is" */
	if ((starts(line, "[") || starts(line, "XFEATURE_")) &&
	    has(line, ": struct is ")) {
		add_warning(log, line);
		return true;
	}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		if (starts(line, other[i])) {
			add_warning(log, line);
			return true;
		}
	}
	return false;
}

static void scan_fpu(struct explain_log *log, struct slice s)
{
	uint64_t v;
	uint32_t i, off, i2, sz;

	if (eat(&s, "Enabled xstate features ")) {
		struct slice f = s;
		uint32_t size;

		if (!num_0x(&f, &v) || !eat(&f, ", context size is ") ||
		    !num_dec(&f, &size) || !eat(&f, " bytes, using '"))
			return;
		if (log->have_enabled)
			return;
		log->have_enabled = true;
		log->enabled_mask = v;
		log->context_size = size;
		log->enabled_compacted = starts(f, "compacted");
		log->nr_fpu_lines++;
		return;
	}
	if (eat(&s, "x87 FPU will use ")) {
		/* no XSAVE: the kernel checks nothing */
		log->no_xsave = true;
		log->nr_fpu_lines++;
		return;
	}
	if (eat(&s, "Supporting XSAVE feature ")) {
		if (num_0x(&s, &v)) {
			log->supporting_mask |= v;
			log->nr_supporting++;
			log->nr_fpu_lines++;
		}
		return;
	}
	if (eat(&s, "xstate_offset[") && num_dec(&s, &i) && eat(&s, "]:") &&
	    num_dec(&s, &off) && eat(&s, ", xstate_sizes[") &&
	    num_dec(&s, &i2) && eat(&s, "]:") && num_dec(&s, &sz) && i == i2 &&
	    i >= 2 && i < EXPLAIN_MAX_SUBLEAF) {
		log->offset_mask |= BIT(i);
		log->xstate_offset[i] = off;
		log->xstate_size[i] = sz;
		log->nr_fpu_lines++;
	}
}

/* "eax=XXXXXXXX ebx=... ecx=... edx=XXXXXXXX": a whole dump line. */
static bool dump_regs_complete(struct slice s)
{
	static const char *const keys[] = { "eax=", "ebx=", "ecx=", "edx=" };

	for (int k = 0; k < 4; k++) {
		struct slice d;
		uint64_t v;

		skip_spaces(&s);
		if (!eat(&s, keys[k]))
			return false;
		d = s;
		if (!num_hex(&s, &v) || d.n - s.n != 8)
			return false;
	}
	skip_spaces(&s);
	return s.n == 0;
}

struct scan_state {
	bool in_dump, dump_done;
	int last_sub;
};

/*
 * A "CPUID[" line at offset off: the first dump begins here; a subleaf
 * that does not follow the previous one starts another dump, which ends
 * the first one's range.
 */
static void scan_dump(struct explain_log *log, struct scan_state *st,
		      struct slice line, struct slice s, size_t off,
		      size_t line_end, bool last_unterminated)
{
	uint64_t leaf, sub;

	log->nr_fpu_lines++;
	if (st->dump_done)
		return;
	if (!num_hex(&s, &leaf) || !eat(&s, ",")) {
		sub = 0;
		leaf = 0;
	} else {
		skip_spaces(&s);
		if (!num_hex(&s, &sub) || !eat(&s, "]:"))
			sub = 0;
	}
	if (st->in_dump && (int64_t)sub <= st->last_sub) {
		log->dump_repeated = true;
		st->dump_done = true;
		return;
	}
	if (last_unterminated && !dump_regs_complete(s)) {
		log->dump_cut = true;
		st->dump_done = true;
		(void)line;
		return;
	}
	if (!st->in_dump) {
		st->in_dump = true;
		log->dump = EXPLAIN_DUMP_DMESG;
		log->dump_off = off;
	}
	log->dump_len = line_end - log->dump_off;
	log->dump_lines++;
	st->last_sub = sub < EXPLAIN_MAX_SUBLEAF ? (int)sub : EXPLAIN_MAX_SUBLEAF;
	if (leaf == XSAVE_LEAF && sub < EXPLAIN_MAX_SUBLEAF)
		log->dump_subleaves |= BIT(sub);
}

/* A dump file or `cpuid -r` output, told by its first content line. */
static bool looks_like_table(const char *text, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		struct slice s = { text + pos,
				   nl ? (size_t)(nl - text - pos) : len - pos };

		pos += s.n + 1;
		skip_spaces(&s);
		while (s.n && (s.p[s.n - 1] == '\r' || s.p[s.n - 1] == ' '))
			s.n--;
		if (!s.n || *s.p == '#')
			continue;
		if (starts(s, "leaf=0x") || starts(s, "0x") || *s.p == '{')
			return true;
		if (eat(&s, "CPU")) {
			while (s.n && (*s.p == ' ' || hexval(*s.p) >= 0)) {
				s.p++;
				s.n--;
			}
			return s.n == 1 && *s.p == ':';
		}
		return false;
	}
	return false;
}

static void count_bytes(struct explain_log *log, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (!c)
			log->nr_nul++;
		else if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') ||
			 c == 0x7f)
			log->nr_binary++;
	}
}

static void scan_line(struct explain_log *log, struct scan_state *st,
		      struct slice line, size_t off, size_t end, bool last)
{
	struct slice s = line, d;

	strip_prefix(&s);
	if (has(s, "Linux version ")) {
		struct slice b = s;

		seek(&b, "Linux version ");
		if (b.n && b.p[0] >= '0' && b.p[0] <= '9')
			scan_banner(log, s);
	}
	d = s;
	if (seek(&d, "CPUID[")) {
		scan_dump(log, st, line, d, off, end, last);
		return;
	}
	if (scan_warning(log, s))
		return;
	if (eat(&s, "x86/fpu: "))
		scan_fpu(log, s);
}

int explain_log_scan(const char *text, size_t len, struct explain_log *log)
{
	struct scan_state st = { .last_sub = -1 };
	size_t pos = 0;

	memset(log, 0, sizeof(*log));
	count_bytes(log, text, len);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text - pos) : len - pos;
		struct slice line = { text + pos, n };
		size_t end = pos + n + (nl ? 1 : 0);

		log->nr_lines++;
		if (!nl)
			log->ended_mid_line = true;
		if (line.n && line.p[line.n - 1] == '\r') {
			line.n--;
			log->crlf = true;
		}
		scan_line(log, &st, line, pos, end, !nl);
		pos = end;
	}
	if (log->dump == EXPLAIN_DUMP_NONE && !st.dump_done &&
	    looks_like_table(text, len)) {
		log->dump = EXPLAIN_DUMP_TABLE;
		log->dump_off = 0;
		log->dump_len = len;
	}
	if (log->dump == EXPLAIN_DUMP_NONE && !log->nr_fpu_lines)
		return -ENODATA;
	return 0;
}

/* ------------------------------------------------- table from x86/fpu */

int explain_log_table(const struct explain_log *log, struct cpuid_table *t)
{
	uint64_t user = 0, sup = 0, mask = log->enabled_mask;
	uint32_t prev_end = XSAVE_EXT_START;
	int ret = 0;

	cpuid_table_init(t);
	if (!log->have_enabled)
		return -ENOENT;
	for (unsigned int i = 0; i < EXPLAIN_MAX_SUBLEAF; i++) {
		const struct xsave_component_info *ci = xsave_component_info(i);
		uint32_t ecx = 0, ebx;

		if (!(mask & BIT(i)))
			continue;
		if (ci && ci->supervisor)
			sup |= BIT(i);
		else
			user |= BIT(i);
		if (i < 2 || !(log->offset_mask & BIT(i)))
			continue;
		ebx = log->xstate_offset[i];
		if (ci && ci->supervisor)
			ecx |= XSAVE_ECX_SUPERVISOR;
		if (log->enabled_compacted) {
			if (ebx != prev_end)
				ecx |= XSAVE_ECX_ALIGN64;
			prev_end = ebx + log->xstate_size[i];
			/* the standard offset is unknown: keep the compacted one */
			if (ci && ci->supervisor)
				ebx = 0;
		} else if (ci && ci->align64) {
			ecx |= XSAVE_ECX_ALIGN64;
		}
		if (!ret)
			ret = cpuid_table_set(t, XSAVE_LEAF, i,
					      log->xstate_size[i], ebx, ecx, 0);
	}
	if (!ret)
		ret = cpuid_table_set(t, XSAVE_LEAF, 0, (uint32_t)user,
				      log->enabled_compacted ? 0 :
							       log->context_size,
				      0, (uint32_t)(user >> 32));
	if (!ret)
		ret = cpuid_table_set(t, XSAVE_LEAF, 1,
				      log->enabled_compacted ?
					      XSAVE_1_EAX_XSAVEC |
						      (sup ? XSAVE_1_EAX_XSAVES : 0) :
					      0,
				      log->enabled_compacted ? log->context_size : 0,
				      (uint32_t)sup, (uint32_t)(sup >> 32));
	return ret;
}

/* ------------------------------------------------------------ names */

const char *explain_cause_name(enum explain_cause_kind k)
{
	static const char *const names[EXPLAIN_NR_KINDS] = {
		[EXPLAIN_ORDER] = "order",
		[EXPLAIN_NO_ALIGN] = "no_alignment",
		[EXPLAIN_WRONG_STATE] = "wrong_state",
		[EXPLAIN_STRUCT_SIZE] = "struct_size",
		[EXPLAIN_NO_XSAVES] = "supervisor_without_xsaves",
		[EXPLAIN_MISSING_SUBLEAF] = "missing_subleaf",
		[EXPLAIN_OFFSETS] = "standard_offsets",
		[EXPLAIN_NO_STRUCT] = "no_struct",
		[EXPLAIN_UNEXPLAINED] = "unexplained",
		[EXPLAIN_KERNEL_WARNING] = "kernel_warning",
	};

	return k < EXPLAIN_NR_KINDS ? names[k] : "?";
}

const char *explain_state_source_name(enum explain_state_source s)
{
	switch (s) {
	case EXPLAIN_STATE_ENABLED:
		return "enabled_line";
	case EXPLAIN_STATE_SUPPORTING:
		return "supporting_lines";
	default:
		return "model";
	}
}

const char *explain_reported_source_name(enum explain_reported_source s)
{
	switch (s) {
	case EXPLAIN_REPORTED_WARNING:
		return "warning";
	case EXPLAIN_REPORTED_ENABLED:
		return "enabled_line";
	case EXPLAIN_REPORTED_EBX1:
		return "cpuid_0xd_1_ebx";
	default:
		return "cpuid_0xd_0_ebx";
	}
}

/* ------------------------------------------------------------ output */

/* Append to a fixed buffer; text that does not fit is cut. */
struct buf {
	char *p;
	size_t len, pos;
};

static void bput(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void bput(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->pos >= b->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->pos, b->len - b->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->pos += (size_t)n;
	if (b->pos >= b->len)
		b->pos = b->len;
}

static struct buf cause_buf(struct explain_result *r,
			    enum explain_cause_kind k)
{
	struct buf b = { NULL, 0, 0 };

	if (r->nr_causes >= EXPLAIN_MAX_CAUSES)
		return b; /* len 0: everything is dropped */
	r->causes[r->nr_causes].kind = k;
	b.p = r->causes[r->nr_causes].text;
	b.len = EXPLAIN_TEXT_LEN;
	b.p[0] = '\0';
	r->nr_causes++;
	return b;
}

static struct buf note_buf(struct explain_result *r)
{
	struct buf b = { NULL, 0, 0 };

	if (r->nr_notes >= EXPLAIN_MAX_NOTES)
		return b;
	b.p = r->notes[r->nr_notes++];
	b.len = EXPLAIN_TEXT_LEN;
	b.p[0] = '\0';
	return b;
}

static const char *comp_name(unsigned int i)
{
	const struct xsave_component_info *ci = xsave_component_info(i);

	return ci ? ci->short_name : "unknown";
}

/* "17", "17 and 18", "11, 17 and 18" */
static void put_list(struct buf *b, const unsigned int *v, unsigned int n)
{
	for (unsigned int k = 0; k < n; k++)
		bput(b, "%s%u", k == 0 ? "" : k + 1 == n ? " and " : ", ", v[k]);
}

/* ------------------------------------------------------------ causes */

/* f: enabled components whose subleaf is absent or reports size 0. */
static void check_missing(const struct cpuid_table *t,
			  const struct explain_log *log,
			  struct explain_result *r)
{
	unsigned int idx[EXPLAIN_MAX_SUBLEAF], n = 0;
	struct buf b;

	for (unsigned int i = 2; i < XSAVE_MAX_COMPONENTS; i++) {
		const struct cpuid_entry *e;

		if (!(r->mask & BIT(i)))
			continue;
		e = cpuid_table_find(t, XSAVE_LEAF, i);
		if (e && e->eax)
			continue;
		r->missing_subleaves |= BIT(i);
		idx[n++] = i;
	}
	if (!n)
		return;
	b = cause_buf(r, EXPLAIN_MISSING_SUBLEAF);
	bput(&b, "%s for enabled component%s ",
	     n == 1 ? "subleaf missing" : "subleaves missing", n == 1 ? "" : "s");
	for (unsigned int k = 0; k < n; k++)
		bput(&b, "%s0xd.%u (%s)",
		     k == 0 ? "" : k + 1 == n ? " and " : ", ", idx[k],
		     comp_name(idx[k]));
	if (log->dump == EXPLAIN_DUMP_DMESG && log->dump_lines &&
	    (log->dump_cut ||
	     log->dump_lines < linux_dump_lines(r->version)))
		bput(&b, ": the log's CPUID dump stops before %s",
		     n == 1 ? "it" : "them");
	else
		bput(&b, ": the kernel reads %s as 0 bytes",
		     n == 1 ? "its size" : "their sizes");
}

/* e: a supervisor component in the state without XSAVES. */
static bool check_no_xsaves(const struct cpuid_table *t,
			    const struct explain_log *log,
			    struct explain_result *r)
{
	int found = -1;
	struct buf b;

	if (r->xsaves)
		return false;
	for (unsigned int i = 2; i < XSAVE_MAX_COMPONENTS && found < 0; i++)
		if ((r->mask & BIT(i)) &&
		    (cpuid_table_reg(t, XSAVE_LEAF, i, CPUID_ECX) &
		     XSAVE_ECX_SUPERVISOR))
			found = (int)i;
	if (found < 0 && log->have_supervisor_warning &&
	    log->warn_supervisor_feature < XSAVE_MAX_COMPONENTS)
		found = (int)log->warn_supervisor_feature;
	if (found < 0)
		return false;
	b = cause_buf(r, EXPLAIN_NO_XSAVES);
	bput(&b, "supervisor component without XSAVES: component %d (%s) has 0xd.%d ECX bit 0 (supervisor) set but 0xd.1 EAX bit 3 (XSAVES) is clear, so the kernel stops before the size check and disables XSAVE",
	     found, comp_name((unsigned int)found), found);
	return true;
}

/* A component the kernel has no structure for (it stops there). */
static bool check_no_struct(const struct explain_log *log,
			    struct explain_result *r)
{
	struct buf b;
	unsigned int i;

	if (!log->have_no_struct_warning ||
	    log->warn_no_struct_feature >= XSAVE_MAX_COMPONENTS)
		return false;
	i = log->warn_no_struct_feature;
	b = cause_buf(r, EXPLAIN_NO_STRUCT);
	bput(&b, "component %u (%s) is enabled but the kernel has no structure for it, so it stops before the size check",
	     i, comp_name(i));
	return r->version != LINUX_5_15;
}

/* d: sizes that differ from the kernel's own structs. */
static void check_struct_sizes(const struct cpuid_table *t,
			       struct explain_result *r)
{
	for (unsigned int i = 2; i < XFEATURE_KNOWN_NR; i++) {
		const struct xsave_component_info *ci = xsave_component_info(i);
		uint32_t sz = cpuid_table_reg(t, XSAVE_LEAF, i, CPUID_EAX);
		struct buf b;

		if (!(r->mask & BIT(i)) || !ci->kernel_size || !sz ||
		    sz == ci->kernel_size)
			continue;
		b = cause_buf(r, EXPLAIN_STRUCT_SIZE);
		bput(&b, "component %u (%s) is %u bytes in 0xd.%u EAX but the kernel's struct is %u bytes",
		     i, ci->short_name, sz, i, ci->kernel_size);
	}
}

/* d, for TILEDATA: the kernel's size comes from leaf 0x1D (the log says). */
static void check_tile(const struct explain_log *log, struct explain_result *r)
{
	struct buf b;

	if (!log->have_tile_warning)
		return;
	b = cause_buf(r, EXPLAIN_STRUCT_SIZE);
	bput(&b, "component 18 (tiledata) is %u bytes in 0xd.18 EAX but the kernel's size from the tile palettes of leaf 0x1d is %u bytes",
	     log->warn_tile_state, log->warn_tile_calculated);
}

/* g: standard offsets of user components overlapping or descending. */
static void check_offsets(struct explain_result *r)
{
	const struct xsave_slot *prev = NULL;
	struct buf b;

	for (unsigned int k = 0; k < r->layout.nr; k++) {
		const struct xsave_slot *s = &r->layout.slot[k];
		uint64_t prev_end;

		if (s->comp.supervisor || !s->comp.size)
			continue;
		if (s->standard_offset < XSAVE_EXT_START) {
			b = cause_buf(r, EXPLAIN_OFFSETS);
			bput(&b, "standard offsets out of order: component %u (%s) is at %u (0xd.%u EBX), inside the legacy area and header that end at %u",
			     s->comp.index, comp_name(s->comp.index),
			     s->standard_offset, s->comp.index, XSAVE_EXT_START);
			return;
		}
		if (prev) {
			prev_end = (uint64_t)prev->standard_offset + prev->comp.size;
			if (s->standard_offset < prev_end) {
				b = cause_buf(r, EXPLAIN_OFFSETS);
				bput(&b, "standard offsets %s: component %u (%s) is at %u (0xd.%u EBX) but component %u (%s) occupies %u..%llu",
				     s->standard_offset < prev->standard_offset ?
					     "out of ascending order" :
					     "overlap",
				     s->comp.index, comp_name(s->comp.index),
				     s->standard_offset, s->comp.index,
				     prev->comp.index,
				     comp_name(prev->comp.index),
				     prev->standard_offset,
				     (unsigned long long)prev_end);
				return;
			}
		}
		prev = s;
	}
}

/* ------------------------------------------------- a: visiting orders */

struct order_rules {
	uint64_t after[ORDERS_MAX_COMPONENTS]; /* slot x always after these */
	uint64_t matching;		       /* orders giving the size */
	uint64_t satisfying;		       /* orders obeying the rules */
};

/* Heap's algorithm over slot orders: collect the rules, then check them. */
static void each_order(const struct xsave_layout *l, uint32_t size,
		       struct order_rules *o, bool second)
{
	uint8_t a[EXPLAIN_ENUM_MAX], c[EXPLAIN_ENUM_MAX] = { 0 };
	unsigned int n = l->nr, i = 1;

	for (unsigned int k = 0; k < n; k++)
		a[k] = (uint8_t)k;
	for (;;) {
		uint8_t pos[EXPLAIN_ENUM_MAX];
		bool hit = xsave_compacted_size_perm(l, a) == size;

		for (unsigned int k = 0; k < n; k++)
			pos[a[k]] = (uint8_t)k;
		if (!second && hit) {
			o->matching++;
			for (unsigned int x = 0; x < n; x++) {
				uint64_t before = 0;

				for (unsigned int y = 0; y < n; y++)
					if (pos[y] < pos[x])
						before |= BIT(y);
				o->after[x] &= before;
			}
		} else if (second) {
			bool ok = true;

			for (unsigned int x = 0; x < n && ok; x++)
				for (unsigned int y = 0; y < n && ok; y++)
					if ((o->after[x] & BIT(y)) &&
					    pos[y] > pos[x])
						ok = false;
			if (ok)
				o->satisfying++;
		}
		while (i < n && c[i] >= i)
			c[i++] = 0;
		if (i >= n)
			return;
		{
			unsigned int j = (i & 1) ? c[i] : 0;
			uint8_t tmp = a[j];

			a[j] = a[i];
			a[i] = tmp;
		}
		c[i]++;
		i = 1;
	}
}

/* "visit component 11 after 17 and 18" (or a fallback). */
static void put_order_rule(struct buf *b, const struct xsave_layout *l,
			   uint32_t size)
{
	struct order_rules o;
	bool any = false;

	if (l->nr > EXPLAIN_ENUM_MAX || l->nr < 2)
		return;
	memset(&o, 0, sizeof(o));
	for (unsigned int x = 0; x < l->nr; x++)
		o.after[x] = ~0ull;
	each_order(l, size, &o, false);
	if (!o.matching)
		return;
	each_order(l, size, &o, true);
	for (unsigned int x = 0; x < l->nr; x++) {
		unsigned int v[ORDERS_MAX_COMPONENTS], n = 0;

		if (!o.after[x])
			continue;
		for (unsigned int y = 0; y < l->nr; y++)
			if (o.after[x] & BIT(y))
				v[n++] = l->slot[y].comp.index;
		bput(b, any ? "; and " : o.satisfying == o.matching ?
					  ", exactly those that " :
					  ", all of which ");
		bput(b, "visit component %u after ", l->slot[x].comp.index);
		put_list(b, v, n);
		any = true;
	}
	if (!any) {
		unsigned int v[ORDERS_MAX_COMPONENTS], n = 0;

		for (unsigned int k = 0; k < l->nr; k++)
			if (l->slot[k].comp.aligned ||
			    l->slot[k].comp.size % XSAVE_ALIGN)
				v[n++] = l->slot[k].comp.index;
		bput(b, "; which depends on where components ");
		put_list(b, v, n);
		bput(b, " are visited");
	}
}

/* In-order padding before each aligned slot. */
static unsigned int paddings(const struct xsave_layout *l, unsigned int *idx,
			     uint32_t *pad)
{
	uint32_t end = XSAVE_EXT_START;
	unsigned int n = 0;

	for (unsigned int k = 0; k < l->nr; k++) {
		const struct xsave_slot *s = &l->slot[k];

		if (s->compacted_offset > end) {
			idx[n] = s->comp.index;
			pad[n++] = s->compacted_offset - end;
		}
		end = s->compacted_offset + s->comp.size;
	}
	return n;
}

static void put_padding(struct buf *b, const struct explain_result *r)
{
	unsigned int idx[XSAVE_MAX_COMPONENTS], n;
	uint32_t pad[XSAVE_MAX_COMPONENTS], total = 0;
	uint32_t s = r->in_order_size, rep = r->reported_size;

	n = paddings(&r->layout, idx, pad);
	for (unsigned int k = 0; k < n; k++)
		total += pad[k];
	if (rep > s) {
		bput(b, "%u bytes of alignment padding more than in order", rep - s);
		return;
	}
	for (unsigned int k = 0; k < n; k++) {
		if (pad[k] == s - rep) {
			bput(b, "%u bytes of alignment padding missing before component %u",
			     s - rep, idx[k]);
			return;
		}
	}
	bput(b, "%u bytes of alignment padding missing", s - rep);
	if (n && total == s - rep) {
		bput(b, " before components ");
		put_list(b, idx, n);
	}
}

static bool cause_order(struct explain_result *r, const struct orders_result *o)
{
	struct buf b;

	for (unsigned int k = 0; k < o->nr_sizes; k++) {
		if (o->sizes[k].size != r->reported_size)
			continue;
		r->orders_reported = o->sizes[k].orders;
		b = cause_buf(r, EXPLAIN_ORDER);
		bput(&b, "sizes accumulated out of order: ");
		put_padding(&b, r);
		bput(&b, "; %llu of %llu orders give %u",
		     (unsigned long long)o->sizes[k].orders,
		     (unsigned long long)o->orders_total, r->reported_size);
		put_order_rule(&b, &r->layout, r->reported_size);
		return true;
	}
	return false;
}

/* b: the size with no alignment at all. */
static bool cause_no_align(struct explain_result *r)
{
	unsigned int idx[XSAVE_MAX_COMPONENTS], n;
	uint32_t pad[XSAVE_MAX_COMPONENTS];
	struct buf b;

	if (r->reported_size != r->unaligned_size)
		return false;
	n = paddings(&r->layout, idx, pad);
	b = cause_buf(r, EXPLAIN_NO_ALIGN);
	bput(&b, "alignment ignored: %u is the compacted size of 0x%llx with no 64-byte alignment; in order with alignment it is %u (",
	     r->reported_size, (unsigned long long)r->mask, r->in_order_size);
	for (unsigned int k = 0; k < n; k++)
		bput(&b, "%s%u bytes of padding before component %u",
		     k ? ", " : "", pad[k], idx[k]);
	bput(&b, ")");
	return true;
}

/* ------------------------------------------------- c: another state */

struct mask_search {
	const struct cpuid_table *t;
	const struct explain_result *r;
	uint64_t sup_bits; /* supervisor components (by 0xD.i ECX) */
	unsigned int nbits;
	uint8_t bits[XSAVE_MAX_COMPONENTS]; /* candidate bits to flip */
	unsigned int budget;
	unsigned int nfound;
	uint64_t found[EXPLAIN_MAX_MASKS];
};

static uint32_t size_for(const struct mask_search *m, uint64_t mask)
{
	if (m->r->compacted)
		return xsave_compacted_size(m->t, mask);
	return xsave_standard_size(m->t, mask & ~m->sup_bits);
}

static void try_mask(struct mask_search *m, uint64_t mask)
{
	if (!m->budget)
		return;
	m->budget--;
	if (xsave_xcr0_invalid(mask & ~m->sup_bits))
		return;
	if (!m->r->compacted && (mask & m->sup_bits))
		return;
	if (size_for(m, mask) != m->r->reported_size)
		return;
	if (m->nfound < EXPLAIN_MAX_MASKS)
		m->found[m->nfound] = mask;
	m->nfound++;
}

/* Flip every combination of d of the candidate bits, from index start. */
static void flip(struct mask_search *m, uint64_t mask, unsigned int start,
		 unsigned int d)
{
	if (!d) {
		try_mask(m, mask);
		return;
	}
	for (unsigned int k = start; k + d <= m->nbits && m->budget; k++)
		flip(m, mask ^ BIT(m->bits[k]), k + 1, d - 1);
}

static bool cause_wrong_state(const struct cpuid_table *t,
			      struct explain_result *r)
{
	struct mask_search m = { .t = t, .r = r, .budget = EXPLAIN_MASK_BUDGET };
	uint64_t cand = xsave_supported_user(t) | xsave_supported_supervisor(t);
	struct buf b;

	cand = (cand | r->mask) & ~XFEATURE_MASK_FPSSE;
	for (unsigned int i = 2; i < XSAVE_MAX_COMPONENTS; i++) {
		if (cpuid_table_reg(t, XSAVE_LEAF, i, CPUID_ECX) &
		    XSAVE_ECX_SUPERVISOR)
			m.sup_bits |= BIT(i);
		if ((cand & BIT(i)) && cpuid_table_find(t, XSAVE_LEAF, i))
			m.bits[m.nbits++] = (uint8_t)i;
	}
	for (unsigned int d = 1; d <= EXPLAIN_MASK_DIST && !m.nfound; d++)
		flip(&m, r->mask, 0, d);
	if (!m.nfound)
		return false;
	b = cause_buf(r, EXPLAIN_WRONG_STATE);
	bput(&b, "EBX computed for the wrong XCR0/XSS: %u is the in-order %s size for ",
	     r->reported_size, r->compacted ? "compacted" : "standard");
	for (unsigned int k = 0; k < m.nfound && k < EXPLAIN_MAX_MASKS; k++) {
		uint64_t more = m.found[k] & ~r->mask, less = r->mask & ~m.found[k];
		bool first = true;

		bput(&b, "%s0x%llx (", k ? " or " : "",
		     (unsigned long long)m.found[k]);
		for (unsigned int i = 0; i < XSAVE_MAX_COMPONENTS; i++) {
			if (!((more | less) & BIT(i)))
				continue;
			bput(&b, "%scomponent %u (%s) %s", first ? "" : ", ", i,
			     comp_name(i), (more & BIT(i)) ? "added" : "left out");
			first = false;
		}
		bput(&b, ")");
	}
	bput(&b, ", not for the enabled 0x%llx", (unsigned long long)r->mask);
	if (r->compacted && r->xss && m.found[0] == r->xcr0)
		bput(&b, ": 0xd.1 EBX was sized from XCR0 alone, without the supervisor components of XSS 0x%llx",
		     (unsigned long long)r->xss);
	return true;
}

/* ------------------------------------------------------------ sizes */

static void cause_unexplained(struct explain_result *r)
{
	struct buf b = cause_buf(r, EXPLAIN_UNEXPLAINED);

	bput(&b, "size mismatch with no recognised cause: in order the %s size of 0x%llx is %u, the kernel was given %u, and no visiting order, alignment rule or nearby XCR0/XSS gives %u",
	     r->compacted ? "compacted" : "standard",
	     (unsigned long long)r->mask, r->in_order_size, r->reported_size,
	     r->reported_size);
}

/* The kernel's own size for the state, through the Linux model. */
static uint32_t kernel_size_for(const struct cpuid_table *t,
				struct explain_result *r)
{
	struct linux_result lr;
	struct linux_state_override ov = {
		.have_xcr0 = true, .have_xss = true,
		.xcr0 = r->xcr0, .xss = r->xss,
	};

	if (r->compacted)
		return r->layout.compacted_size;
	if (linux_check(t, r->version, &ov, &lr, NULL) || !lr.size ||
	    lr.compacted)
		return r->layout.standard_size;
	return lr.size;
}

static void check_sizes(const struct cpuid_table *t,
			const struct explain_log *log,
			struct explain_result *r)
{
	struct orders_result o;
	uint32_t unaligned = XSAVE_EXT_START;
	struct buf b;

	for (unsigned int k = 0; k < r->layout.nr; k++)
		unaligned += r->layout.slot[k].comp.size;
	r->unaligned_size = unaligned;
	r->in_order_size = kernel_size_for(t, r);
	r->sizes_checked = true;
	if (log->have_size_warning && log->warn_size != r->in_order_size) {
		b = note_buf(r);
		bput(&b, "the kernel computed %u; the recomputation for 0x%llx gives %u",
		     log->warn_size, (unsigned long long)r->mask,
		     r->in_order_size);
	}
	if (r->reported_size == r->in_order_size)
		return;
	if (r->compacted && r->layout.nr <= ORDERS_MAX_COMPONENTS &&
	    !orders_analyse(&r->layout, &o, NULL)) {
		r->have_orders = true;
		r->orders_total = o.orders_total;
		if (cause_order(r, &o)) {
			if (r->reported_size == r->unaligned_size) {
				b = note_buf(r);
				bput(&b, "%u is also what ignoring alignment altogether gives; the visiting orders above explain it as well",
				     r->reported_size);
			}
			return;
		}
	}
	if (r->compacted && cause_no_align(r))
		return;
	if (cause_wrong_state(t, r))
		return;
	cause_unexplained(r);
}

/* ------------------------------------------------------------ state */

static void choose_state(const struct cpuid_table *t,
			 const struct explain_log *log,
			 struct explain_result *r)
{
	uint64_t sup = xsave_supported_supervisor(t);
	uint32_t eax1 = cpuid_table_reg(t, XSAVE_LEAF, 1, CPUID_EAX);
	bool xsavec = eax1 & XSAVE_1_EAX_XSAVEC;

	r->xsaves = eax1 & XSAVE_1_EAX_XSAVES;
	if (log->have_enabled) {
		r->state_source = EXPLAIN_STATE_ENABLED;
		r->mask = log->enabled_mask;
	} else if (log->nr_supporting) {
		r->state_source = EXPLAIN_STATE_SUPPORTING;
		r->mask = log->supporting_mask;
	} else {
		r->state_source = EXPLAIN_STATE_MODEL;
		linux_enter_state(t, r->version, &r->xcr0, &r->xss);
		r->mask = r->xcr0 | r->xss;
	}
	if (r->state_source != EXPLAIN_STATE_MODEL) {
		for (unsigned int i = 2; i < XSAVE_MAX_COMPONENTS; i++)
			if (cpuid_table_reg(t, XSAVE_LEAF, i, CPUID_ECX) &
			    XSAVE_ECX_SUPERVISOR)
				sup |= BIT(i);
		r->xss = r->mask & sup;
		r->xcr0 = r->mask & ~sup;
	}
	if (log->have_enabled)
		r->compacted = log->enabled_compacted;
	else if (r->version == LINUX_5_15)
		r->compacted = r->xsaves;
	else
		r->compacted = r->xsaves || xsavec;
}

static void choose_reported(const struct cpuid_table *t,
			    const struct explain_log *log,
			    struct explain_result *r)
{
	if (log->have_size_warning) {
		r->reported_source = EXPLAIN_REPORTED_WARNING;
		r->reported_size = log->warn_kernel_size;
	} else if (log->have_enabled) {
		r->reported_source = EXPLAIN_REPORTED_ENABLED;
		r->reported_size = log->context_size;
	} else if (r->compacted) {
		r->reported_source = EXPLAIN_REPORTED_EBX1;
		r->reported_size = cpuid_table_reg(t, XSAVE_LEAF, 1, CPUID_EBX);
	} else {
		r->reported_source = EXPLAIN_REPORTED_EBX0;
		r->reported_size = cpuid_table_reg(t, XSAVE_LEAF, 0, CPUID_EBX);
	}
}

/* Which of the kernel's dump lines the log lacks. */
static void note_dump(const struct explain_log *log, struct explain_result *r)
{
	unsigned int want = linux_dump_lines(r->version);
	struct buf b;
	bool first = true;

	if (log->dump != EXPLAIN_DUMP_DMESG)
		return;
	if (log->dump_lines >= want && !log->dump_cut)
		return;
	b = note_buf(r);
	bput(&b, "the CPUID dump is incomplete: %u of the %u lines Linux %s prints%s; missing subleaves ",
	     log->dump_lines, want, linux_version_name(r->version),
	     log->dump_cut ? " (the last one cut off)" : "");
	for (unsigned int i = 0; i < want && i < EXPLAIN_MAX_SUBLEAF; i++) {
		unsigned int j = i;

		if (log->dump_subleaves & BIT(i))
			continue;
		while (j + 1 < want && j + 1 < EXPLAIN_MAX_SUBLEAF &&
		       !(log->dump_subleaves & BIT(j + 1)))
			j++;
		if (j > i)
			bput(&b, "%s0x%02x-0x%02x", first ? "" : ", ", i, j);
		else
			bput(&b, "%s0x%02x", first ? "" : ", ", i);
		first = false;
		i = j;
	}
}

int explain_table(const struct cpuid_table *t, const struct explain_log *log,
		  struct explain_result *r)
{
	bool stopped;

	memset(r, 0, sizeof(*r));
	if (!cpuid_table_find(t, XSAVE_LEAF, 0))
		return -ENOENT;
	r->version = LINUX_DEFAULT_VERSION;
	if (log->have_version && log->version < LINUX_NR_VERSIONS) {
		r->version = log->version;
		r->version_from_log = !log->version_option;
		r->version_from_option = log->version_option;
	}
	choose_state(t, log, r);
	choose_reported(t, log, r);
	xsave_layout_compute(t, r->mask, &r->layout);
	r->in_order_size = r->compacted ? r->layout.compacted_size :
					  r->layout.standard_size;
	note_dump(log, r);
	check_missing(t, log, r);
	stopped = check_no_xsaves(t, log, r);
	stopped |= check_no_struct(log, r);
	check_struct_sizes(t, r);
	check_tile(log, r);
	check_offsets(r);
	if (!r->missing_subleaves && !stopped)
		check_sizes(t, log, r);
	if (!r->nr_causes && log->nr_warnings) {
		struct buf b = cause_buf(r, log->have_size_warning ?
						    EXPLAIN_UNEXPLAINED :
						    EXPLAIN_KERNEL_WARNING);

		bput(&b, "the kernel warned '%s' but the recomputation for 0x%llx finds nothing wrong in the table",
		     log->warnings[0], (unsigned long long)r->mask);
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * The log reader of `xsvm explain` (see explain.h): the text is walked once,
 * line by line with the printk prefix stripped, by the scanner of scan.h;
 * no number is trusted before it is bounds-checked.
 */
#include <string.h>

#include "explain.h"
#include "scan.h"

#define BIT(i) XFEATURE_BIT(i)

size_t explain_log_strip_nul(char *text, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++)
		if (text[i])
			text[w++] = text[i];
	return w;
}

/* Decimal (after optional blanks) into a 32-bit value; false on overflow. */
static bool num_dec(struct scan *s, uint32_t *out)
{
	uint64_t v;

	scan_skip_blanks(s);
	if (scan_dec(s, UINT32_MAX, &v) != SCAN_NUM_OK)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool num_hex(struct scan *s, uint64_t *out)
{
	return scan_hex(s, UINT64_MAX, out) == SCAN_NUM_OK;
}

/* "0x" and hex digits. */
static bool num_0x(struct scan *s, uint64_t *out)
{
	return scan_hex_0x(s, UINT64_MAX, out) == SCAN_NUM_OK;
}

static void add_warning(struct explain_log *log, struct scan s)
{
	if (log->nr_warnings < EXPLAIN_MAX_WARNINGS)
		scan_copy(log->warnings[log->nr_warnings], EXPLAIN_LINE_LEN, s);
	log->nr_warnings++;
	log->nr_fpu_lines++;
}

static void read_banner(struct explain_log *log, struct scan s)
{
	char buf[EXPLAIN_LINE_LEN];
	struct scan rel = s;
	size_t n = 0;

	if (log->have_version)
		return;
	scan_copy(buf, sizeof(buf), s);
	if (!linux_version_from_banner(buf, &log->version))
		return;
	log->have_version = true;
	scan_seek(&rel, "Linux version ");
	while (n < rel.n && rel.p[n] != ' ' && n < EXPLAIN_RELEASE_LEN - 1)
		n++;
	rel.n = n;
	scan_copy(log->release, sizeof(log->release), rel);
}

/* The wordings of the XSAVE check's warnings (FACTS.md section 3). */
static bool read_warning(struct explain_log *log, struct scan line)
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
	struct scan s = line;
	uint32_t a, b;

	if (scan_seek(&s, "XSAVE consistency problem")) {
		struct scan w = s;

		add_warning(log, line);
		if (scan_eat(&w, ": size ") && num_dec(&w, &a) &&
		    scan_eat(&w, " != kernel_size ") && num_dec(&w, &b) &&
		    !log->have_size_warning) {
			log->have_size_warning = true;
			log->warn_size = a;
			log->warn_kernel_size = b;
		}
		w = s;
		if (scan_seek(&w, "Got supervisor feature ") &&
		    num_dec(&w, &a) && !log->have_supervisor_warning) {
			log->have_supervisor_warning = true;
			log->warn_supervisor_feature = a;
		}
		w = s;
		if (scan_seek(&w, "No structure for xstate: ") &&
		    num_dec(&w, &a) && !log->have_no_struct_warning) {
			log->have_no_struct_warning = true;
			log->warn_no_struct_feature = a;
		}
		return true;
	}
	if (scan_starts(line, "no structure for xstate: ")) {
		s = line;
		scan_eat(&s, "no structure for xstate: ");
		if (num_dec(&s, &a) && !log->have_no_struct_warning) {
			log->have_no_struct_warning = true;
			log->warn_no_struct_feature = a;
		}
		add_warning(log, line);
		return true;
	}
	s = line;
	if (scan_eat(&s, "XFEATURE_XTILE_DATA: calculated size is ") &&
	    num_dec(&s, &a) && scan_eat(&s, " bytes, cpu state ") &&
	    num_dec(&s, &b) && !log->have_tile_warning) {
		log->have_tile_warning = true;
		log->warn_tile_calculated = a;
		log->warn_tile_state = b;
	}
	/* "[AVX registers]: struct is" (6.8+), "XFEATURE_YMM: struct is" */
	if ((scan_starts(line, "[") || scan_starts(line, "XFEATURE_")) &&
	    scan_has(line, ": struct is ")) {
		add_warning(log, line);
		return true;
	}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		if (scan_starts(line, other[i])) {
			add_warning(log, line);
			return true;
		}
	}
	return false;
}

static void read_fpu(struct explain_log *log, struct scan s)
{
	uint64_t v;
	uint32_t i, off, i2, sz;

	if (scan_eat(&s, "Enabled xstate features ")) {
		struct scan f = s;
		uint32_t size;

		if (!num_0x(&f, &v) || !scan_eat(&f, ", context size is ") ||
		    !num_dec(&f, &size) || !scan_eat(&f, " bytes, using '"))
			return;
		if (log->have_enabled)
			return;
		log->have_enabled = true;
		log->enabled_mask = v;
		log->context_size = size;
		log->enabled_compacted = scan_starts(f, "compacted");
		log->nr_fpu_lines++;
		return;
	}
	if (scan_eat(&s, "x87 FPU will use ")) {
		/* no XSAVE: the kernel checks nothing */
		log->no_xsave = true;
		log->nr_fpu_lines++;
		return;
	}
	if (scan_eat(&s, "Supporting XSAVE feature ")) {
		if (num_0x(&s, &v)) {
			log->supporting_mask |= v;
			log->nr_supporting++;
			log->nr_fpu_lines++;
		}
		return;
	}
	if (scan_eat(&s, "xstate_offset[") && num_dec(&s, &i) &&
	    scan_eat(&s, "]:") && num_dec(&s, &off) &&
	    scan_eat(&s, ", xstate_sizes[") && num_dec(&s, &i2) &&
	    scan_eat(&s, "]:") && num_dec(&s, &sz) && i == i2 && i >= 2 &&
	    i < EXPLAIN_MAX_SUBLEAF) {
		log->offset_mask |= BIT(i);
		log->xstate_offset[i] = off;
		log->xstate_size[i] = sz;
		log->nr_fpu_lines++;
	}
}

/* "eax=XXXXXXXX ebx=... ecx=... edx=XXXXXXXX": a whole dump line. */
static bool dump_regs_complete(struct scan s)
{
	static const char *const keys[] = { "eax=", "ebx=", "ecx=", "edx=" };

	for (int k = 0; k < 4; k++) {
		struct scan d;
		uint64_t v;

		scan_skip_blanks(&s);
		if (!scan_eat(&s, keys[k]))
			return false;
		d = s;
		if (!num_hex(&s, &v) || d.n - s.n != 8)
			return false;
	}
	scan_skip_blanks(&s);
	return s.n == 0;
}

struct log_state {
	bool in_dump, dump_done;
	int last_sub;
};

/*
 * A "CPUID[" line at offset off: the first dump begins here; a subleaf
 * that does not follow the previous one starts another dump, which ends
 * the first one's range.
 */
static void read_dump(struct explain_log *log, struct log_state *st,
		      struct scan s, size_t off, size_t line_end,
		      bool last_unterminated)
{
	uint64_t leaf, sub;

	log->nr_fpu_lines++;
	if (st->dump_done)
		return;
	if (!num_hex(&s, &leaf) || !scan_eat(&s, ",")) {
		sub = 0;
		leaf = 0;
	} else {
		scan_skip_blanks(&s);
		if (!num_hex(&s, &sub) || !scan_eat(&s, "]:"))
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
	struct scan_lines c;
	struct scan s;

	scan_lines_init(&c, text, len);
	while (scan_next_line(&c, &s)) {
		scan_skip_blanks(&s);
		scan_trim_blanks(&s);
		if (!s.n || *s.p == '#')
			continue;
		if (scan_starts(s, "leaf=0x") || scan_starts(s, "0x") ||
		    *s.p == '{')
			return true;
		if (scan_eat(&s, "CPU")) {
			while (s.n &&
			       (*s.p == ' ' || scan_hex_digit(*s.p) >= 0)) {
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

static void read_line(struct explain_log *log, struct log_state *st,
		      struct scan s, const struct scan_lines *c)
{
	struct scan d;

	scan_skip_printk(&s);
	if (scan_has(s, "Linux version ")) {
		struct scan b = s;

		scan_seek(&b, "Linux version ");
		if (b.n && b.p[0] >= '0' && b.p[0] <= '9')
			read_banner(log, s);
	}
	d = s;
	if (scan_seek(&d, "CPUID[")) {
		read_dump(log, st, d, c->start, c->pos, !c->newline);
		return;
	}
	if (read_warning(log, s))
		return;
	if (scan_eat(&s, "x86/fpu: "))
		read_fpu(log, s);
}

int explain_log_scan(const char *text, size_t len, struct explain_log *log)
{
	struct log_state st = { .last_sub = -1 };
	struct scan_lines c;
	struct scan line;

	memset(log, 0, sizeof(*log));
	count_bytes(log, text, len);
	scan_lines_init(&c, text, len);
	while (scan_next_line(&c, &line)) {
		log->nr_lines++;
		if (!c.newline)
			log->ended_mid_line = true;
		if (c.cr)
			log->crlf = true;
		read_line(log, &st, line, &c);
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


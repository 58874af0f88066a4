// SPDX-License-Identifier: MIT
/*
 * Explaining a failing guest from its log (see explain.h): the state and
 * the reported size chosen, the table checked (explain_checks.c), the
 * sizes recomputed and a mismatch searched (explain_search.c) and named
 * (explain_causes.c). The XSAVE arithmetic is xsave.c's, the kernel's own
 * size rule linux_check()'s and the order counts orders_analyse()'s:
 * nothing here re-implements them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "explain_impl.h"

#define BIT(i) XFEATURE_BIT(i)

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
		[EXPLAIN_STALE_EBX] = "stale_ebx",
		[EXPLAIN_WRONG_FORMAT] = "wrong_format",
		[EXPLAIN_OTHER_MODEL] = "other_cpu_model",
		[EXPLAIN_LEGACY_AREA] = "legacy_area",
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

void explain_put(struct explain_buf *b, const char *fmt, ...)
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

struct explain_buf explain_cause_buf(struct explain_result *r,
				     enum explain_cause_kind k)
{
	struct explain_buf b = { NULL, 0, 0 };

	if (r->nr_causes >= EXPLAIN_MAX_CAUSES)
		return b; /* len 0: everything is dropped */
	r->causes[r->nr_causes].kind = k;
	b.p = r->causes[r->nr_causes].text;
	b.len = EXPLAIN_TEXT_LEN;
	b.p[0] = '\0';
	r->nr_causes++;
	return b;
}

struct explain_buf explain_note_buf(struct explain_result *r)
{
	struct explain_buf b = { NULL, 0, 0 };

	if (r->nr_notes >= EXPLAIN_MAX_NOTES)
		return b;
	b.p = r->notes[r->nr_notes++];
	b.len = EXPLAIN_TEXT_LEN;
	b.p[0] = '\0';
	return b;
}

const char *explain_comp_name(unsigned int i)
{
	const struct xsave_component_info *ci = xsave_component_info(i);

	return ci ? ci->short_name : "unknown";
}

void explain_put_list(struct explain_buf *b, const unsigned int *v,
		      unsigned int n)
{
	for (unsigned int k = 0; k < n; k++)
		explain_put(b, "%s%u",
			    k == 0 ? "" : k + 1 == n ? " and " : ", ", v[k]);
}

/* ------------------------------------------------------------ sizes */

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

/* The cause of a reported size other than the in-order one. */
static void name_size_cause(const struct cpuid_table *t,
			    struct explain_result *r,
			    const struct orders_result *o)
{
	const struct explain_candidate *c = &r->candidates[0];
	struct explain_buf b;

	if (!r->nr_candidates) {
		if (!explain_cause_wrong_state(t, r))
			explain_cause_unexplained(r);
		return;
	}
	/* single defects with an analysis of their own */
	if (c->assumptions == 1 && c->kind == EXPLAIN_ORDER &&
	    explain_cause_order(r, o)) {
		if (r->reported_size == r->unaligned_size) {
			b = explain_note_buf(r);
			explain_put(&b, "%u is also what ignoring alignment altogether gives; the visiting orders above explain it as well",
				    r->reported_size);
		}
		return;
	}
	if (c->assumptions == 1 && c->kind == EXPLAIN_NO_ALIGN &&
	    explain_cause_no_align(r))
		return;
	if (!strcmp(c->name, "xcr0_without_xss") &&
	    explain_cause_wrong_state(t, r))
		return;
	explain_cause_candidate(r, c);
}

static void check_sizes(const struct cpuid_table *t,
			const struct explain_log *log,
			struct explain_result *r)
{
	uint32_t unaligned = XSAVE_EXT_START;
	struct orders_result o;
	struct explain_buf b;

	for (unsigned int k = 0; k < r->layout.nr; k++)
		unaligned += r->layout.slot[k].comp.size;
	r->unaligned_size = unaligned;
	r->in_order_size = kernel_size_for(t, r);
	r->sizes_checked = true;
	if (log->have_size_warning && log->warn_size != r->in_order_size) {
		b = explain_note_buf(r);
		explain_put(&b, "the kernel computed %u; the recomputation for 0x%llx gives %u",
			    log->warn_size, (unsigned long long)r->mask,
			    r->in_order_size);
	}
	if (r->reported_size == r->in_order_size)
		return;
	explain_search(r, &o);
	name_size_cause(t, r, &o);
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
	struct explain_buf b;
	bool first = true;

	if (log->dump != EXPLAIN_DUMP_DMESG)
		return;
	if (log->dump_lines >= want && !log->dump_cut)
		return;
	b = explain_note_buf(r);
	explain_put(&b, "the CPUID dump is incomplete: %u of the %u lines Linux %s prints%s; missing subleaves ",
		    log->dump_lines, want, linux_release_name(r->version).s,
		    log->dump_cut ? " (the last one cut off)" : "");
	for (unsigned int i = 0; i < want && i < EXPLAIN_MAX_SUBLEAF; i++) {
		unsigned int j = i;

		if (log->dump_subleaves & BIT(i))
			continue;
		while (j + 1 < want && j + 1 < EXPLAIN_MAX_SUBLEAF &&
		       !(log->dump_subleaves & BIT(j + 1)))
			j++;
		if (j > i)
			explain_put(&b, "%s0x%02x-0x%02x", first ? "" : ", ", i, j);
		else
			explain_put(&b, "%s0x%02x", first ? "" : ", ", i);
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
	if (log->have_version) {
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
	explain_check_missing(t, log, r);
	stopped = explain_check_no_xsaves(t, log, r);
	stopped |= explain_check_no_struct(log, r);
	explain_check_struct_sizes(t, r);
	explain_check_tile(log, r);
	explain_check_offsets(r);
	if (!r->missing_subleaves && !stopped)
		check_sizes(t, log, r);
	if (!r->nr_causes && log->nr_warnings) {
		enum explain_cause_kind k = log->have_size_warning ?
						    EXPLAIN_UNEXPLAINED :
						    EXPLAIN_KERNEL_WARNING;
		struct explain_buf b = explain_cause_buf(r, k);

		explain_put(&b, "the kernel warned '%s' but the recomputation for 0x%llx finds nothing wrong in the table",
			    log->warnings[0], (unsigned long long)r->mask);
	}
	return 0;
}


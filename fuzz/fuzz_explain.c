// SPDX-License-Identifier: MIT
/*
 * `xsvm explain` without the printing: NUL bytes dropped, the log scanned,
 * the table parsed from the dump range (or made of the x86/fpu lines) and
 * explained, as vmm/cli/cli_explain.c does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpuid/explain.h"
#include "fuzz_util.h"

struct work {
	struct explain_log log;
	struct cpuid_table t;
	struct explain_result r;
};

static void explain(struct work *w)
{
	if (explain_table(&w->t, &w->log, &w->r)) {
		FUZZ_CHECK(!cpuid_table_find(&w->t, 0xd, 0));
		return;
	}
	FUZZ_CHECK(w->r.nr_causes <= EXPLAIN_MAX_CAUSES);
	FUZZ_CHECK(w->r.nr_notes <= EXPLAIN_MAX_NOTES);
	FUZZ_CHECK(w->r.layout.nr <= XSAVE_MAX_COMPONENTS);
	for (unsigned int i = 0; i < w->r.nr_causes; i++) {
		FUZZ_CHECK(w->r.causes[i].kind < EXPLAIN_NR_KINDS);
		FUZZ_CHECK(memchr(w->r.causes[i].text, 0, EXPLAIN_TEXT_LEN));
		FUZZ_CHECK(explain_cause_name(w->r.causes[i].kind));
	}
	for (unsigned int i = 0; i < w->r.nr_notes; i++)
		FUZZ_CHECK(memchr(w->r.notes[i], 0, EXPLAIN_TEXT_LEN));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xsvm_err err = { { 0 } };
	struct work *w = malloc(sizeof(*w));
	char *text = malloc(size + 1);
	size_t len;
	int ret;

	FUZZ_CHECK(w && text);
	memcpy(text, data, size);
	len = explain_log_strip_nul(text, size);
	FUZZ_CHECK(len <= size && !memchr(text, 0, len));
	memset(w, 0, sizeof(*w));
	if (explain_log_scan(text, len, &w->log))
		goto out;
	/* nr_warnings counts them all; the first few are kept. */
	for (unsigned int i = 0;
	     i < w->log.nr_warnings && i < EXPLAIN_MAX_WARNINGS; i++)
		FUZZ_CHECK(memchr(w->log.warnings[i], 0, EXPLAIN_LINE_LEN));
	FUZZ_CHECK(w->log.dump_off <= len &&
		   w->log.dump_len <= len - w->log.dump_off);
	/* The version option path of `--linux`, on odd-sized inputs. */
	if (size & 1) {
		w->log.have_version = true;
		w->log.version_option = true;
		/* any release, modelled or not */
		w->log.version = (uint32_t)(size / 2 * 2654435761u);
	}
	if (w->log.dump == EXPLAIN_DUMP_DMESG)
		ret = cpuid_parse(&w->t, "fuzz", text,
				  w->log.dump_off + w->log.dump_len,
				  CPUID_FORMAT_DMESG, NULL, &err);
	else if (w->log.dump == EXPLAIN_DUMP_TABLE)
		ret = cpuid_parse(&w->t, "fuzz", text, len, CPUID_FORMAT_AUTO,
				  NULL, &err);
	else
		ret = explain_log_table(&w->log, &w->t);
	if (!ret)
		explain(w);
out:
	free(text);
	free(w);
	return 0;
}

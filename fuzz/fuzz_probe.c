// SPDX-License-Identifier: MIT
/*
 * The probe port and the probe's analysis fed what a hostile guest could
 * send: the input is guest memory (records and save areas anywhere in it)
 * followed by the port accesses, each a 32-bit value written (a record's
 * address, in or out of RAM) or a read. Every record the device keeps is
 * then analysed against the Sapphire Rapids table; the results must stay
 * within their bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "vmm/probe_dev.h"

#define FUZZ_MEM (64u << 10)

static struct cpuid_table table; /* made once, never written */
static struct probe_data data;
static struct probe_result result;
static uint8_t ram[FUZZ_MEM];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_load_table(FUZZ_SPR_DUMP, &table);
	return 0;
}

static void check_text(const char *s, size_t len)
{
	FUZZ_CHECK(memchr(s, '\0', len));
}

static void check_result(const struct probe_result *r)
{
	FUZZ_CHECK(r->nr_props <= PROBE_MAX_PROPS);
	FUZZ_CHECK(r->nr_faithful + r->nr_unfaithful <= r->nr_props ||
		   r->props_cut);
	FUZZ_CHECK(!(r->defects >> PROBE_DEFECT_NR));
	FUZZ_CHECK(!(r->insn_ran >> PROBE_INSN_NR));
	FUZZ_CHECK(!(r->insn_failed >> PROBE_INSN_NR));
	for (unsigned int i = 0; i < r->nr_props; i++) {
		const struct probe_prop *p = &r->prop[i];

		check_text(p->name, sizeof(p->name));
		check_text(p->subject, sizeof(p->subject));
		check_text(p->expected, sizeof(p->expected));
		check_text(p->measured, sizeof(p->measured));
		FUZZ_CHECK(p->status <= PROBE_INFO);
		FUZZ_CHECK(p->defect < PROBE_DEFECT_NR);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	struct guest_mem mem = { .hva = ram, .size = FUZZ_MEM };
	size_t n = len < FUZZ_MEM ? len : FUZZ_MEM;
	struct probe_dev dev;
	uint8_t io[4];

	memset(ram, 0, sizeof(ram));
	memcpy(ram, in, n);
	probe_dev_init(&dev, &data, &mem);
	/* the accesses: whatever follows the memory image, 5 bytes each */
	for (size_t off = n; off + 5 <= len; off += 5) {
		bool write = in[off] & 1;

		memcpy(io, in + off + 1, sizeof(io));
		probe_dev_io(&dev, in[off] >> 4 & 3, write, io,
			     (in[off] & 2) ? 4 : 1);
		if (in[off] & 0x80)
			(void)probe_dev_host_failure(&dev);
	}
	/* short inputs: each 88-byte-aligned offset is a record's address */
	for (uint32_t a = 0; len < FUZZ_MEM && a + 88 <= n; a += 88) {
		memcpy(io, &a, sizeof(io));
		probe_dev_io(&dev, 0, true, io, 4);
	}
	FUZZ_CHECK(data.nr_records <= PROBE_MAX_RECORDS);
	FUZZ_CHECK(data.nr_saves <= PROBE_MAX_SAVES);
	FUZZ_CHECK(data.host_failures <= PROBE_MAX_HOST_FAILURES);
	for (unsigned int i = 0; i < data.nr_saves; i++)
		FUZZ_CHECK(data.save[i].len <= PROBE_AREA_MAX);
	probe_analyse(&table, &table, &data, &result);
	check_result(&result);
	return 0;
}

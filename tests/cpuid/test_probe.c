// SPDX-License-Identifier: MIT
/*
 * Tests of cpuid/probe.c and probe_insn.c (the probe's records against the
 * model) and
 * cpuid/blame.c (whose fault a kernel's size warning is), on the records a
 * host with each known defect sends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/blame.h"
#include "cpuid/builder.h"
#include "cpuid/probe.h"
#include "test_util.h"

/*
 * The QEMU box's table (QEMU TCG -cpu max as KVM reports it): XCR0 may
 * hold x87, SSE, AVX and PKRU (0x207); XSAVE and XSAVEOPT, no XSAVEC.
 */
static const char box_table[] =
	"leaf=0x00000000 subleaf=0x00 eax=0x0000000d ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65\n"
	"leaf=0x00000001 subleaf=0x00 eax=0x00a00f11 ebx=0x00000800 ecx=0xf6f83203 edx=0x178bfbff\n"
	"leaf=0x00000007 subleaf=0x00 eax=0x00000000 ebx=0x219c07ab ecx=0x0040061c edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x00 eax=0x00000207 ebx=0x00000240 ecx=0x00000a88 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x01 eax=0x00000001 ebx=0x00000240 ecx=0x00000000 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x02 eax=0x00000100 ebx=0x00000240 ecx=0x00000000 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x09 eax=0x00000008 ebx=0x00000a80 ecx=0x00000000 edx=0x00000000\n";

/* A host with XSAVEC: AVX, the AVX-512 trio and PKRU, Intel's offsets. */
static const char compacted_table[] =
	"leaf=0x00000001 subleaf=0x00 eax=0x00050654 ebx=0x00000800 ecx=0xfffa3203 edx=0x178bfbff\n"
	"leaf=0x0000000d subleaf=0x00 eax=0x000002e7 ebx=0x00000240 ecx=0x00000a88 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x01 eax=0x0000000b ebx=0x00000240 ecx=0x00000000 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x02 eax=0x00000100 ebx=0x00000240 ecx=0x00000000 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x05 eax=0x00000040 ebx=0x00000440 ecx=0x00000000 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x06 eax=0x00000200 ebx=0x00000480 ecx=0x00000000 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x07 eax=0x00000400 ebx=0x00000680 ecx=0x00000000 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x09 eax=0x00000008 ebx=0x00000a80 ecx=0x00000000 edx=0x00000000\n";

struct fixture {
	struct cpuid_table t;
	struct probe_data d;
	struct probe_result r;
};

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct fixture));
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static struct probe_record *add(struct probe_data *d, enum probe_rec_kind k,
				uint64_t xcr0)
{
	struct probe_record *r = &d->rec[d->nr_records++];

	memset(r, 0, sizeof(*r));
	r->kind = k;
	r->xcr0 = xcr0;
	return r;
}

/* Every entry of t through a faithful CPUID instruction. */
static void add_leaf_walk(struct probe_data *d, const struct cpuid_table *t)
{
	for (unsigned int i = 0; i < t->nr; i++) {
		struct probe_record *r = add(d, PROBE_REC_CPUID, 1);

		r->leaf = t->e[i].leaf;
		r->subleaf = t->e[i].subleaf;
		memcpy(r->regs, &t->e[i].eax, sizeof(r->regs));
	}
	add(d, PROBE_REC_CR4, 1)->regs[2] = 1u << 27;
}

static void add_state(struct probe_data *d, uint64_t xcr0, uint32_t ebx0,
		      uint32_t ebx1)
{
	struct probe_record *r = add(d, PROBE_REC_CPUID, xcr0);

	r->leaf = 0xd;
	r->regs[1] = ebx0;
	r = add(d, PROBE_REC_CPUID, xcr0);
	r->leaf = 0xd;
	r->subleaf = 1;
	r->regs[1] = ebx1;
}

static void add_xsetbv(struct probe_data *d, uint64_t xcr0, uint64_t back)
{
	struct probe_record *r = add(d, PROBE_REC_XSETBV, xcr0);

	r->rfbm = xcr0;
	r->regs[0] = (uint32_t)back;
	r->regs[1] = (uint32_t)(back >> 32);
}

static const struct probe_prop *find(const struct probe_result *r,
				     const char *name, const char *subject)
{
	for (unsigned int i = 0; i < r->nr_props; i++)
		if (!strcmp(r->prop[i].name, name) &&
		    !strcmp(r->prop[i].subject, subject))
			return &r->prop[i];
	fail_msg("no property %s / %s", name, subject);
	return NULL;
}

static void assert_prop(const struct probe_result *r, const char *name,
			const char *subject, const char *expected,
			const char *measured, enum probe_status status)
{
	const struct probe_prop *p = find(r, name, subject);

	assert_string_equal(p->expected, expected);
	assert_string_equal(p->measured, measured);
	assert_int_equal(p->status, status);
}

/* The QEMU box: XSETBV runs, XCR0 stays x87, 0xD.0 EBX stays 576. */
static void test_xsetbv_ignored(void **state)
{
	struct fixture *f = *state;
	struct probe_record *r;

	test_parse_str(box_table, &f->t);
	add_leaf_walk(&f->d, &f->t);
	add_state(&f->d, 0x1, 576, 576);
	add_xsetbv(&f->d, 0x3, 0x1);
	add_state(&f->d, 0x3, 576, 576);
	add_xsetbv(&f->d, 0x7, 0x1);
	add_state(&f->d, 0x7, 576, 576);
	add_xsetbv(&f->d, 0x207, 0x1);
	add_state(&f->d, 0x207, 576, 576);
	/* XCR0 is really 0x1: the marked area's XRSTOR #GPs */
	r = add(&f->d, PROBE_REC_RESTORE, 0x207);
	r->insn = PROBE_INSN_XRSTOR;
	r->fault = PROBE_FAULT_CPU;
	r->vector = 13;
	add(&f->d, PROBE_REC_DONE, 0x207);
	f->d.done = true;
	probe_analyse(&f->t, &f->t, &f->d, &f->r);

	assert_true(f->r.complete);
	assert_prop(&f->r, "cpuid_as_kvm_table", "entries matching", "7 of 7",
		    "7 of 7", PROBE_FAITHFUL);
	assert_prop(&f->r, "set_cpuid_as_given", "registers replaced", "0", "0",
		    PROBE_FAITHFUL);
	assert_prop(&f->r, "osxsave_follows_cr4", "cpuid 0x1 ecx bit 27", "1",
		    "1", PROBE_FAITHFUL);
	assert_prop(&f->r, "ebx0_follows_xcr0", "xcr0=0x1 xss=0x0", "576",
		    "576", PROBE_FAITHFUL);
	assert_prop(&f->r, "ebx0_follows_xcr0", "xcr0=0x3 xss=0x0", "576",
		    "576", PROBE_FAITHFUL);
	assert_prop(&f->r, "ebx0_follows_xcr0", "xcr0=0x7 xss=0x0", "832",
		    "576", PROBE_UNFAITHFUL);
	assert_prop(&f->r, "ebx0_follows_xcr0", "xcr0=0x207 xss=0x0", "2696",
		    "576", PROBE_UNFAITHFUL);
	assert_prop(&f->r, "xsetbv", "0x207", "accepted", "accepted",
		    PROBE_FAITHFUL);
	assert_prop(&f->r, "xgetbv_reads_back", "0x207", "0x207", "0x1",
		    PROBE_UNFAITHFUL);
	/* the consequence of XCR0 staying 0x1, not a defect of its own */
	assert_prop(&f->r, "insn_runs", "xrstor", "runs at XCR0 0x207",
		    "exception 13 at XCR0 0x1", PROBE_INFO);
	assert_int_equal(f->r.insn_failed, 1u << PROBE_INSN_XRSTOR);
	assert_int_equal(f->r.defects,
			 (1u << PROBE_DEFECT_EBX0_STALE) |
				 (1u << PROBE_DEFECT_XCR0_IGNORED));
	assert_int_equal(f->r.stale_ebx0, 576);
	/* no XSAVEC: 0xD.1 EBX is nobody's size and is not judged */
	assert_int_equal(f->r.nr_unfaithful, 5);
	assert_int_equal(f->r.nr_faithful, 8);
	assert_string_equal(probe_defect_name(PROBE_DEFECT_EBX0_STALE),
			    "ebx0_not_updated_after_xsetbv");
}

/* kvm_pvm: leaf 1 replaced, XSAVE not emulated, CMPXCHG16B skipped. */
static void test_replaced_and_not_emulated(void **state)
{
	struct fixture *f = *state;
	struct cpuid_table seen;
	struct probe_record *r;

	test_parse_str(box_table, &f->t);
	seen = f->t;
	cpuid_table_set(&seen, 1, 0, 0x00a00f11, 0x800, 0xf7f83203, 0x178bfbff);
	add_leaf_walk(&f->d, &seen);
	r = add(&f->d, PROBE_REC_SAVE, 0x7);
	r->insn = PROBE_INSN_XSAVE;
	r->fault = PROBE_FAULT_HOST;
	r->vector = 6;
	r = add(&f->d, PROBE_REC_SAVE, 0x7);
	r->insn = PROBE_INSN_XSAVEC;
	r->fault = PROBE_FAULT_SKIPPED;
	r = add(&f->d, PROBE_REC_EXEC, 0x7);
	r->insn = PROBE_INSN_CMPXCHG16B;
	r->fault = PROBE_FAULT_CPU;
	r->vector = 6;
	f->d.done = true;
	probe_analyse(&f->t, &seen, &f->d, &f->r);

	/* 0xf6f83203 -> 0xf7f83203: bit 24, not the OSXSAVE bit 27 */
	assert_prop(&f->r, "set_cpuid_as_given", "0x1.0 ecx", "0xf6f83203",
		    "0xf7f83203", PROBE_UNFAITHFUL);
	assert_prop(&f->r, "set_cpuid_as_given", "registers replaced", "0", "1",
		    PROBE_UNFAITHFUL);
	assert_prop(&f->r, "insn_runs", "xsave", "runs (offered by CPUID)",
		    "KVM could not emulate it", PROBE_UNFAITHFUL);
	assert_prop(&f->r, "insn_runs", "cmpxchg16b", "runs (offered by CPUID)",
		    "exception 6", PROBE_UNFAITHFUL);
	assert_int_equal(f->r.insn_failed,
			 (1u << PROBE_INSN_XSAVE) |
				 (1u << PROBE_INSN_CMPXCHG16B));
	assert_int_equal(f->r.insn_ran, 0);
	assert_int_equal(f->r.insn_offered, f->r.insn_failed);
	assert_int_equal(f->r.defects, (1u << PROBE_DEFECT_SET_CPUID) |
					       (1u << PROBE_DEFECT_INSN));
}

/* An XSAVEC save: markers where the model puts each component, or not. */
static void save_with(struct fixture *f, const uint32_t *at, uint64_t marked)
{
	struct probe_record *r;
	struct probe_save *s = &f->d.save[0];
	uint64_t bv = marked, comp = (1ull << 63) | 0x2e7;

	test_parse_str(compacted_table, &f->t);
	add_leaf_walk(&f->d, &f->t);
	s->record = f->d.nr_records;
	r = add(&f->d, PROBE_REC_SAVE, 0x2e7);
	r->insn = PROBE_INSN_XSAVEC;
	r->rfbm = ~0ull;
	r->marked = marked;
	r->area_len = 4096;
	f->d.nr_saves = 1;
	s->len = 4096;
	memset(s->data, PROBE_FILL_BYTE, s->len);
	memset(s->data + 512, 0, 64);
	memcpy(s->data + 512, &bv, 8);
	memcpy(s->data + 520, &comp, 8);
	for (unsigned int i = 0; i < 10; i++) {
		uint32_t m = probe_marker(i);

		if (marked & (1ull << i))
			memcpy(s->data + at[i], &m, 4);
	}
	f->d.done = true;
	probe_analyse(&f->t, &f->t, &f->d, &f->r);
}

static void test_compacted_layout(void **state)
{
	struct fixture *f = *state;
	/* 576 (AVX) +256 = 832 opmask, 896 ZMM_Hi256, 1408 Hi16_ZMM, 2432 PKRU
	 */
	const uint32_t at[10] = {32, 160, 576, 0, 0, 832, 896, 1408, 0, 2432};

	save_with(f, at, 0x2e7);
	assert_prop(&f->r, "save_xstate_bv", "xsavec",
		    "has 0x2e7, within 0x2e7", "0x2e7",
		    PROBE_FAITHFUL);
	assert_prop(&f->r, "save_xcomp_bv", "xsavec", "0x80000000000002e7",
		    "0x80000000000002e7", PROBE_FAITHFUL);
	assert_prop(&f->r, "save_offset", "xsavec component 7", "1408", "1408",
		    PROBE_FAITHFUL);
	assert_prop(&f->r, "save_offset", "xsavec component 9", "2432", "2432",
		    PROBE_FAITHFUL);
	assert_int_equal(f->r.nr_unfaithful, 0);
	/* leaves, registers replaced, OSXSAVE; XSTATE_BV, XCOMP_BV, 7 offsets
	 */
	assert_int_equal(f->r.nr_faithful, 3 + 2 + 7);
	assert_int_equal(f->r.insn_ran, 1u << PROBE_INSN_XSAVEC);
}

/* PKRU written at its standard offset in a compacted save. */
static void test_compacted_layout_differs(void **state)
{
	struct fixture *f = *state;
	const uint32_t at[10] = {32, 160, 576, 0, 0, 832, 896, 1408, 0, 2688};

	save_with(f, at, 0x2e7);
	assert_prop(&f->r, "save_offset", "xsavec component 9", "2432", "2688",
		    PROBE_UNFAITHFUL);
	assert_int_equal(f->r.defects, 1u << PROBE_DEFECT_LAYOUT);
	assert_int_equal(f->r.nr_unfaithful, 1);
}

/* The QEMU box's warning on that table: the host, not the table. */
static void test_blame_stale_ebx0(void **state)
{
	struct fixture *f = *state;
	struct probe_findings pf = {
		.defects = 1u << PROBE_DEFECT_EBX0_STALE,
		.stale_ebx0 = 576,
	};
	struct blame b;

	(void)state;
	test_parse_str(box_table, &f->t);
	xsave_dynamic_ebx(&f->t, LINUX_6_1);
	assert_int_equal(
		blame_size_warning(&f->t, LINUX_6_1, 2696, 576, &pf, &b), 0);
	assert_true(b.host);
	assert_true(b.table_consistent);
	assert_int_equal(b.defect, PROBE_DEFECT_EBX0_STALE);
	assert_int_equal(b.faithful_size, 2696);
	assert_int_equal(b.faithful_kernel_size, 2696);
	assert_string_equal(
		b.text,
		"the host's KVM does not update 0xD.0 EBX after XSETBV: 576 is the x87 size (XCR0 0x1); the table is consistent: with EBX updated the Linux 6.1 model finds size 2696 = kernel_size 2696, and with EBX left at 576 it prints exactly the kernel's warning (size 2696 != kernel_size 576)");

	/* other figures than the defect gives: not the host's doing */
	assert_int_equal(
		blame_size_warning(&f->t, LINUX_6_1, 2696, 832, &pf, &b), 0);
	assert_false(b.host);
	assert_true(b.table_consistent);
	assert_string_equal(
		b.text,
		"the table is consistent (the Linux 6.1 model finds size 2696 = kernel_size 2696), and no defect the host's probe found gives size 2696 != kernel_size 832");

	/* the same warning on a host whose probe found nothing */
	pf.defects = 0;
	assert_int_equal(
		blame_size_warning(&f->t, LINUX_6_1, 2696, 576, &pf, &b), 0);
	assert_false(b.host);
}

/* A table that is itself wrong is the table's fault on any host. */
static void test_blame_inconsistent_table(void **state)
{
	struct fixture *f = *state;
	struct probe_findings pf = {
		.defects = 1u << PROBE_DEFECT_EBX0_STALE,
		.stale_ebx0 = 576,
	};
	struct blame b;

	test_parse_str(box_table, &f->t);
	xsave_dynamic_ebx(&f->t, LINUX_6_1);
	cpuid_table_find_mut(&f->t, 0xd, 0)->ebx = 2700;
	assert_int_equal(
		blame_size_warning(&f->t, LINUX_6_1, 2696, 2700, &pf, &b), 0);
	assert_false(b.host);
	assert_false(b.table_consistent);
	assert_string_equal(
		b.text,
		"the table is inconsistent: the Linux 6.1 model finds size 2696 != kernel_size 2700 on it as a faithful KVM presents it");
}

/* Bochs 2.7's own CPUID: the standard size in 0xD.1 EBX. */
static void test_ebx1_standard(void **state)
{
	struct fixture *f = *state;

	test_parse_str(compacted_table, &f->t);
	add_leaf_walk(&f->d, &f->t);
	add_state(&f->d, 0x1, 576, 576);
	add_xsetbv(&f->d, 0xe7, 0xe7);
	add_state(&f->d, 0xe7, 2688, 2688);
	f->d.done = true;
	probe_analyse(&f->t, &f->t, &f->d, &f->r);
	assert_prop(&f->r, "ebx0_follows_xcr0", "xcr0=0xe7 xss=0x0", "2688",
		    "2688", PROBE_FAITHFUL);
	assert_prop(&f->r, "ebx1_follows_xcr0_xss", "xcr0=0xe7 xss=0x0",
		    "2432", "2688", PROBE_UNFAITHFUL);
	assert_int_equal(f->r.defects, 1u << PROBE_DEFECT_EBX1_STANDARD);
	assert_string_equal(probe_defect_name(PROBE_DEFECT_EBX1_STANDARD),
			    "ebx1_is_standard_size");
}

/* A kernel with XSAVEC on such a host: the host, with the figures. */
static void test_blame_ebx1_standard(void **state)
{
	struct fixture *f = *state;
	struct probe_findings pf = {
		.defects = 1u << PROBE_DEFECT_EBX1_STANDARD,
	};
	struct blame b;

	test_parse_str(compacted_table, &f->t);
	cpuid_table_set(&f->t, 7, 0, 0, 0x00010000, 0x8, 0);
	xsave_dynamic_ebx(&f->t, LINUX_6_1);
	assert_int_equal(blame_size_warning(&f->t, LINUX_6_1, 2440, 2696, &pf,
					    &b),
			 0);
	assert_true(b.host);
	assert_int_equal(b.defect, PROBE_DEFECT_EBX1_STANDARD);
	assert_string_equal(b.text,
			    "the host's KVM reports the standard-format size in 0xD.1 EBX where the compacted size is due: 2696; the table is consistent: with the compacted size in EBX the Linux 6.1 model finds size 2440 = kernel_size 2440, and with the standard size 2696 it prints exactly the kernel's warning (size 2440 != kernel_size 2696)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_xsetbv_ignored, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_replaced_and_not_emulated,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_compacted_layout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compacted_layout_differs,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_blame_stale_ebx0, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_blame_inconsistent_table,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ebx1_standard, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_blame_ebx1_standard,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

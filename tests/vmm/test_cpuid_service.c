// SPDX-License-Identifier: MIT
/*
 * Tests of vmm/cpuid_service.c: the CPUID service's port block as a guest
 * drives it, dword by dword, and what it does with everything else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/builder.h"
#include "test_util.h"
#include "vmm/cpuid_service.h"
#include "vmm/guest_mem.h"
#include "vmm/run.h"

static struct cpuid_table built, seen;
static const struct xsave_order hash1 = { XSAVE_ORDER_HASH, 1 };

/* The #708 table (hash:1) and a KVM read-back with its own 0xD EBX. */
static int setup(void **state)
{
	struct xsave_build_params p;
	struct xsave_build_result r;
	struct xsvm_err err = { { 0 } };

	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &built);
	xsave_build_params_init(&p);
	p.have_xcr0 = p.have_xss = true;
	p.xcr0 = 0x600e7;
	p.xss = 0x800;
	p.order = hash1;
	if (xsave_build(&built, &p, &r, &err))
		fail_msg("%s", err.msg);
	seen = built;
	cpuid_table_find_mut(&seen, 0xd, 0)->ebx = 0x2b00;
	cpuid_table_find_mut(&seen, 0xd, 1)->ebx = 0x2a00;
	return 0;
}

static void wr(struct cpuid_service *s, unsigned int off, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	cpuid_service_io(s, off, true, b, 4);
}

static uint32_t rd(struct cpuid_service *s, unsigned int off)
{
	uint8_t b[4] = { 0 };

	cpuid_service_io(s, off, false, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static void request(struct cpuid_service *s, uint32_t table, uint32_t leaf,
		    uint32_t subleaf, uint64_t xcr0, uint64_t xss, uint32_t cmd)
{
	wr(s, CPUID_SVC_LEAF, leaf);
	wr(s, CPUID_SVC_SUBLEAF, subleaf);
	wr(s, CPUID_SVC_XCR0_LO, (uint32_t)xcr0);
	wr(s, CPUID_SVC_XCR0_HI, (uint32_t)(xcr0 >> 32));
	wr(s, CPUID_SVC_XSS_LO, (uint32_t)xss);
	wr(s, CPUID_SVC_XSS_HI, (uint32_t)(xss >> 32));
	wr(s, CPUID_SVC_TABLE, table);
	wr(s, CPUID_SVC_CMD, cmd);
}

static void expect(struct cpuid_service *s, uint32_t status, uint32_t leaf,
		   uint32_t subleaf, uint32_t eax, uint32_t ebx, uint32_t ecx,
		   uint32_t edx)
{
	assert_int_equal(rd(s, CPUID_SVC_STATUS), status);
	assert_int_equal(rd(s, CPUID_SVC_ENTRY_LEAF), leaf);
	assert_int_equal(rd(s, CPUID_SVC_ENTRY_SUBLEAF), subleaf);
	assert_int_equal(rd(s, CPUID_SVC_EAX), eax);
	assert_int_equal(rd(s, CPUID_SVC_EBX), ebx);
	assert_int_equal(rd(s, CPUID_SVC_ECX), ecx);
	assert_int_equal(rd(s, CPUID_SVC_EDX), edx);
}

static void test_signature(void **state)
{
	struct cpuid_service s;
	uint8_t b[4];

	(void)state;
	cpuid_service_init(&s, &built, &seen, &hash1);
	assert_int_equal(rd(&s, CPUID_SVC_SIG), CPUID_SVC_SIGNATURE);
	cpuid_service_io(&s, CPUID_SVC_SIG, false, b, 4);
	assert_memory_equal(b, "XSVC", 4);
	/* nothing answered yet */
	expect(&s, CPUID_SVC_NO_ENTRY, 0, 0, 0, 0, 0, 0);
	assert_int_equal(s.queries, 0);
	assert_int_equal(s.bad_accesses, 0);
}

/* The #708 answers through the ports. */
static void test_query(void **state)
{
	struct cpuid_service s;

	(void)state;
	cpuid_service_init(&s, &built, &seen, &hash1);
	request(&s, CPUID_SVC_TABLE_BUILT, 0xd, 1, 0x600e7, 0x800,
		CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_OK, 0xd, 1, 0x1f, 10704, 0xdd00, 0);
	request(&s, CPUID_SVC_TABLE_BUILT, 0xd, 0, 0x600e7, 0x800,
		CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_OK, 0xd, 0, 0x602e7, 11008, 11008, 0);
	/* the answer stays until the next command */
	wr(&s, CPUID_SVC_LEAF, 0x1);
	wr(&s, CPUID_SVC_SUBLEAF, 0x7);
	expect(&s, CPUID_SVC_OK, 0xd, 0, 0x602e7, 11008, 11008, 0);
	/* a leaf without subleaves */
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_OK, 0x1, 0, 0x000806f8, 0x00800800, 0x7ffefbff,
	       0xbfebfbff);
	/* the signature is there whatever was answered */
	assert_int_equal(rd(&s, CPUID_SVC_SIG), CPUID_SVC_SIGNATURE);
	assert_int_equal(s.queries, 3);
	assert_int_equal(s.bad_accesses, 0);

	/* the same service in ascending order */
	cpuid_service_init(&s, &built, &seen, NULL);
	request(&s, CPUID_SVC_TABLE_BUILT, 0xd, 1, 0x600e7, 0x800,
		CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_OK, 0xd, 1, 0x1f, 10752, 0xdd00, 0);
	/* another state: AVX and CET_U, 832 + 16 */
	request(&s, CPUID_SVC_TABLE_BUILT, 0xd, 1, 0x7, 0x800,
		CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_OK, 0xd, 1, 0x1f, 848, 0xdd00, 0);
}

/* Each half of XCR0 and XSS is its own register. */
static void test_halves(void **state)
{
	struct cpuid_service s;

	(void)state;
	cpuid_service_init(&s, &built, &seen, &hash1);
	request(&s, CPUID_SVC_TABLE_BUILT, 0xd, 0, 0x600e7, 0x800,
		CPUID_SVC_CMD_QUERY);
	wr(&s, CPUID_SVC_XCR0_HI, 0x80000000);
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_BAD_STATE, 0xd, 0, 0, 0, 0, 0);
	wr(&s, CPUID_SVC_XCR0_HI, 0);
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_OK, 0xd, 0, 0x602e7, 11008, 11008, 0);
	wr(&s, CPUID_SVC_XSS_HI, 1);
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_BAD_STATE, 0xd, 0, 0, 0, 0, 0);
	wr(&s, CPUID_SVC_XSS_HI, 0);
	wr(&s, CPUID_SVC_XCR0_LO, 0x7);
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_OK, 0xd, 0, 0x602e7, 832, 11008, 0);
	wr(&s, CPUID_SVC_XSS_LO, 0x2000);
	wr(&s, CPUID_SVC_SUBLEAF, 1);
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_BAD_STATE, 0xd, 1, 0, 0, 0, 0);
}

/* Table 1 is KVM's read-back, as stored. */
static void test_kvm_table(void **state)
{
	struct cpuid_service s;

	(void)state;
	cpuid_service_init(&s, &built, &seen, &hash1);
	request(&s, CPUID_SVC_TABLE_KVM, 0xd, 1, 0x600e7, 0x800,
		CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_OK, 0xd, 1, 0x1f, 0x2a00, 0xdd00, 0);
	request(&s, CPUID_SVC_TABLE_KVM, 0xd, 0, 0, 0, CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_OK, 0xd, 0, 0x602e7, 0x2b00, 11008, 0);
	/* no read-back: table 1 is not there */
	cpuid_service_init(&s, &built, NULL, &hash1);
	request(&s, CPUID_SVC_TABLE_KVM, 0xd, 0, 0x600e7, 0x800,
		CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_BAD_REQUEST, 0, 0, 0, 0, 0, 0);
	request(&s, CPUID_SVC_TABLE_BUILT, 0xd, 0, 0x600e7, 0x800,
		CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_OK, 0xd, 0, 0x602e7, 11008, 11008, 0);
}

/* A guest enumerating the table: every entry once, then NO_ENTRY. */
static void test_enumerate(void **state)
{
	struct cpuid_service s;
	unsigned int n = 0;

	(void)state;
	cpuid_service_init(&s, &built, &seen, &hash1);
	request(&s, CPUID_SVC_TABLE_BUILT, CPUID_SVC_FIRST, CPUID_SVC_FIRST,
		0x600e7, 0x800, CPUID_SVC_CMD_NEXT);
	while (rd(&s, CPUID_SVC_STATUS) == CPUID_SVC_OK) {
		const struct cpuid_entry *e = &built.e[n];

		assert_true(n < built.nr);
		expect(&s, CPUID_SVC_OK, e->leaf, e->subleaf, e->eax, e->ebx,
		       e->ecx, e->edx);
		wr(&s, CPUID_SVC_LEAF, rd(&s, CPUID_SVC_ENTRY_LEAF));
		wr(&s, CPUID_SVC_SUBLEAF, rd(&s, CPUID_SVC_ENTRY_SUBLEAF));
		wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_NEXT);
		n++;
	}
	assert_int_equal(n, 20);
	expect(&s, CPUID_SVC_NO_ENTRY, 0, 0, 0, 0, 0, 0);
	assert_int_equal(s.queries, 21);
	/* NEXT again and again past the end */
	for (int i = 0; i < 5; i++) {
		wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_NEXT);
		expect(&s, CPUID_SVC_NO_ENTRY, 0, 0, 0, 0, 0, 0);
	}
	/* (0xd, 0x12) is still in the request: NEXT from there ends too */
	assert_int_equal(s.req.leaf, 0xd);
	assert_int_equal(s.req.subleaf, 0x12);
	assert_int_equal(s.queries, 26);
	assert_int_equal(s.bad_accesses, 0);
}

/* Byte, word, misaligned and out-of-block accesses: all-ones, counted. */
static void test_bad_accesses(void **state)
{
	struct cpuid_service s;
	uint8_t b[8];
	const uint8_t ones[8] = { 0xff, 0xff, 0xff, 0xff,
				  0xff, 0xff, 0xff, 0xff };

	(void)state;
	cpuid_service_init(&s, &built, &seen, &hash1);
	request(&s, CPUID_SVC_TABLE_BUILT, 0xd, 1, 0x600e7, 0x800,
		CPUID_SVC_CMD_QUERY);
	assert_int_equal(s.queries, 1);

	/* reads */
	memset(b, 0, sizeof(b));
	cpuid_service_io(&s, CPUID_SVC_SIG, false, b, 1);
	assert_memory_equal(b, ones, 1);
	assert_int_equal(b[1], 0);
	memset(b, 0, sizeof(b));
	cpuid_service_io(&s, CPUID_SVC_EBX, false, b, 2);
	assert_memory_equal(b, ones, 2);
	assert_int_equal(b[2], 0);
	memset(b, 0, sizeof(b));
	cpuid_service_io(&s, CPUID_SVC_EBX + 2, false, b, 4);
	assert_memory_equal(b, ones, 4);
	memset(b, 0, sizeof(b));
	cpuid_service_io(&s, CPUID_SVC_SIG + 1, false, b, 2);
	assert_memory_equal(b, ones, 2);
	memset(b, 0, sizeof(b));
	cpuid_service_io(&s, CPUID_SVC_EAX, false, b, 8);
	assert_memory_equal(b, ones, 8);
	memset(b, 0, sizeof(b));
	cpuid_service_io(&s, CPUID_SVC_PORTS, false, b, 4);
	assert_memory_equal(b, ones, 4);
	memset(b, 0, sizeof(b));
	cpuid_service_io(&s, 0xfffffffc, false, b, 4);
	assert_memory_equal(b, ones, 4);
	cpuid_service_io(&s, CPUID_SVC_EAX, false, b, 0);
	assert_int_equal(s.bad_accesses, 8);

	/* writes change nothing: not the request, not the answer */
	memset(b, 0, sizeof(b));
	b[0] = CPUID_SVC_CMD_NEXT;
	cpuid_service_io(&s, CPUID_SVC_CMD, true, b, 1);
	cpuid_service_io(&s, CPUID_SVC_CMD, true, b, 2);
	cpuid_service_io(&s, CPUID_SVC_CMD + 1, true, b, 1);
	cpuid_service_io(&s, CPUID_SVC_LEAF, true, b, 1);
	cpuid_service_io(&s, CPUID_SVC_XCR0_LO + 2, true, b, 4);
	cpuid_service_io(&s, CPUID_SVC_PORTS, true, b, 4);
	cpuid_service_io(&s, 0xffffffff, true, b, 4);
	assert_int_equal(s.bad_accesses, 15);
	assert_int_equal(s.queries, 1);
	assert_int_equal(s.req.cmd, CPUID_SVC_CMD_QUERY);
	assert_int_equal(s.req.leaf, 0xd);
	assert_int_equal(s.req.xcr0, 0x600e7);
	expect(&s, CPUID_SVC_OK, 0xd, 1, 0x1f, 10704, 0xdd00, 0);
	assert_int_equal(s.bad_accesses, 15);
}

/* Commands with nothing or nonsense in the registers: defined answers. */
static void test_hostile(void **state)
{
	struct cpuid_service s;

	(void)state;
	/* a command before any input: QUERY (0, 0), NEXT from (0, 0) */
	cpuid_service_init(&s, &built, &seen, &hash1);
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_OK, 0, 0, 0x20, 0x756e6547, 0x6c65746e,
	       0x49656e69);
	cpuid_service_init(&s, &built, &seen, &hash1);
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_NEXT);
	expect(&s, CPUID_SVC_OK, 0x1, 0, 0x000806f8, 0x00800800, 0x7ffefbff,
	       0xbfebfbff);
	/* 0xD.0 with the XCR0 never written (0: no x87) */
	cpuid_service_init(&s, &built, &seen, &hash1);
	wr(&s, CPUID_SVC_LEAF, 0xd);
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_BAD_STATE, 0xd, 0, 0, 0, 0, 0);
	/* an unknown command, then command 0 */
	cpuid_service_init(&s, &built, &seen, &hash1);
	wr(&s, CPUID_SVC_CMD, 0);
	expect(&s, CPUID_SVC_BAD_REQUEST, 0, 0, 0, 0, 0, 0);

	/* huge values everywhere */
	request(&s, 0xffffffff, 0xffffffff, 0xffffffff, ~0ull, ~0ull,
		0xffffffff);
	expect(&s, CPUID_SVC_BAD_REQUEST, 0, 0, 0, 0, 0, 0);
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_BAD_REQUEST, 0, 0, 0, 0, 0, 0);
	wr(&s, CPUID_SVC_TABLE, CPUID_SVC_TABLE_BUILT);
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_NO_ENTRY, 0, 0, 0, 0, 0, 0);
	wr(&s, CPUID_SVC_LEAF, 0xd);
	wr(&s, CPUID_SVC_SUBLEAF, 1);
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_BAD_STATE, 0xd, 1, 0, 0, 0, 0);
	wr(&s, CPUID_SVC_SUBLEAF, 0xffffffff);
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_QUERY);
	expect(&s, CPUID_SVC_NO_ENTRY, 0, 0, 0, 0, 0, 0);
	/* NEXT from a bad 0xD.0 state lands on 0xD.1: BAD_STATE, keyed */
	wr(&s, CPUID_SVC_SUBLEAF, 0);
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_NEXT);
	expect(&s, CPUID_SVC_BAD_STATE, 0xd, 1, 0, 0, 0, 0);
	/* NEXT on KVM's table with that state: as stored */
	wr(&s, CPUID_SVC_TABLE, CPUID_SVC_TABLE_KVM);
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_NEXT);
	expect(&s, CPUID_SVC_OK, 0xd, 1, 0x1f, 0x2a00, 0xdd00, 0);
	assert_int_equal(s.queries, 8);
	assert_int_equal(s.bad_accesses, 0);

	/* no tables at all */
	cpuid_service_init(&s, NULL, NULL, NULL);
	wr(&s, CPUID_SVC_CMD, CPUID_SVC_CMD_NEXT);
	expect(&s, CPUID_SVC_BAD_REQUEST, 0, 0, 0, 0, 0, 0);
	assert_int_equal(rd(&s, CPUID_SVC_SIG), CPUID_SVC_SIGNATURE);
}

/*
 * The run loop's dispatch of port I/O to the service, on a kvm_run area of
 * two pages with no vCPU behind it (found by fuzz/fuzz_exits.c).
 */
#define RUN_AREA 8192u

struct dispatch {
	union {
		struct kvm_run run;
		uint8_t bytes[RUN_AREA];
	} area;
	struct vm vm;
	struct uart uart;
	struct cpuid_service svc;
	struct console con;
	struct verdict v;
	struct run_params p;
	struct run_result r;
	struct run_stats st;
	struct run_ctx x;
};

static struct dispatch *dispatch_new(void)
{
	struct xsvm_err err = { { 0 } };
	struct dispatch *d = test_calloc(1, sizeof(*d));

	d->vm.kvm_fd = d->vm.vm_fd = d->vm.vcpu_fd = -1;
	verdict_init(&d->v);
	assert_int_equal(console_open(&d->con, NULL, false, &d->v, &err), 0);
	uart_init(&d->uart, &d->con);
	cpuid_service_init(&d->svc, &built, &seen, &hash1);
	d->x = (struct run_ctx){
		.vm = &d->vm, .run = &d->area.run, .run_size = RUN_AREA,
		.uart = &d->uart, .svc = &d->svc, .con = &d->con, .v = &d->v,
		.p = &d->p, .r = &d->r, .s = &d->st,
	};
	return d;
}

/*
 * A read whose data overlaps kvm_run's own io fields: the all-ones bytes
 * the service answers land on io.size and io.count, and the repetitions
 * must go on with the access as it was (64 single bytes), not as the
 * overwritten fields say (255-byte steps far past the area).
 */
static void test_dispatch_io_overlapping_run(void **state)
{
	struct dispatch *d = dispatch_new();
	size_t off = offsetof(struct kvm_run, io.size);

	(void)state;
	d->area.run.exit_reason = KVM_EXIT_IO;
	d->area.run.io.direction = KVM_EXIT_IO_IN;
	d->area.run.io.size = 1;
	d->area.run.io.port = CPUID_SVC_PORT;
	d->area.run.io.count = 64;
	d->area.run.io.data_offset = off;
	run_dispatch(&d->x);
	assert_int_equal(d->r.end, RUN_END_NONE);
	assert_int_equal(d->st.exits_io, 1);
	assert_int_equal(d->st.svc_bad_accesses, 64);
	assert_int_equal(d->st.svc_queries, 0);
	for (size_t i = off; i < off + 64; i++)
		assert_int_equal(d->area.bytes[i], 0xff);
	assert_int_equal(d->area.bytes[off + 64], 0);
	test_free(d);
}

/* An offset near 2^64 must not wrap past the bounds check. */
static void test_dispatch_io_offset_wraps(void **state)
{
	struct dispatch *d = dispatch_new();

	(void)state;
	d->area.run.exit_reason = KVM_EXIT_IO;
	d->area.run.io.direction = KVM_EXIT_IO_IN;
	d->area.run.io.size = 4;
	d->area.run.io.port = CPUID_SVC_PORT + CPUID_SVC_SIG;
	d->area.run.io.count = 1;
	d->area.run.io.data_offset = UINT64_MAX - 3;
	run_dispatch(&d->x);
	assert_int_equal(d->r.end, RUN_END_KVM_ERROR);
	assert_string_equal(d->r.detail,
			    "KVM_EXIT_IO with 1 x 4 bytes at offset 18446744073709551612 does not fit kvm_run");
	assert_int_equal(d->st.svc_bad_accesses, 0);
	/* the last bytes that still fit are fine: the signature */
	d->r.end = RUN_END_NONE;
	d->area.run.io.data_offset = RUN_AREA - 4;
	run_dispatch(&d->x);
	assert_int_equal(d->r.end, RUN_END_NONE);
	assert_int_equal(d->area.bytes[RUN_AREA - 4], 0x58); /* 'X' */
	assert_int_equal(d->area.bytes[RUN_AREA - 1], 0x43); /* 'C' */
	test_free(d);
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* COPY writes, in guest RAM, exactly what NEXT answers entry by entry. */
static void test_copy(void **state)
{
	const uint64_t gpa = 0x3000;
	struct cpuid_service s, w;
	struct xsvm_err err = { { 0 } };
	struct guest_mem m;
	const uint8_t *rec;
	uint32_t n = 0;

	(void)state;
	assert_int_equal(guest_mem_alloc(&m, 16u << 20, &err), 0);
	cpuid_service_init(&s, &built, &seen, &hash1);
	cpuid_service_set_mem(&s, &m);
	request(&s, CPUID_SVC_TABLE_BUILT, (uint32_t)gpa, 0, 0x600e7, 0x800,
		CPUID_SVC_CMD_COPY);
	expect(&s, CPUID_SVC_OK, 0, 0, built.nr, 0, 0, 0);
	assert_int_equal(s.queries, 1);
	rec = guest_mem_ptr(&m, gpa, CPUID_SVC_COPY_BYTES);
	assert_non_null(rec);
	cpuid_service_init(&w, &built, &seen, &hash1);
	request(&w, CPUID_SVC_TABLE_BUILT, CPUID_SVC_FIRST, CPUID_SVC_FIRST,
		0x600e7, 0x800, CPUID_SVC_CMD_NEXT);
	while (rd(&w, CPUID_SVC_STATUS) != CPUID_SVC_NO_ENTRY) {
		const uint8_t *r = rec + n * 28;

		assert_int_equal(le32_at(r), rd(&w, CPUID_SVC_ENTRY_LEAF));
		assert_int_equal(le32_at(r + 4), rd(&w, CPUID_SVC_ENTRY_SUBLEAF));
		assert_int_equal(le32_at(r + 8), rd(&w, CPUID_SVC_EAX));
		assert_int_equal(le32_at(r + 12), rd(&w, CPUID_SVC_EBX));
		assert_int_equal(le32_at(r + 16), rd(&w, CPUID_SVC_ECX));
		assert_int_equal(le32_at(r + 20), rd(&w, CPUID_SVC_EDX));
		assert_int_equal(le32_at(r + 24), rd(&w, CPUID_SVC_STATUS));
		n++;
		request(&w, CPUID_SVC_TABLE_BUILT, rd(&w, CPUID_SVC_ENTRY_LEAF),
			rd(&w, CPUID_SVC_ENTRY_SUBLEAF), 0x600e7, 0x800,
			CPUID_SVC_CMD_NEXT);
	}
	assert_int_equal(n, built.nr);
	/* 0xD.1 EBX at that state, in hash:1: the #708 size */
	for (n = 0; n < built.nr; n++)
		if (built.e[n].leaf == 0xd && built.e[n].subleaf == 1)
			break;
	assert_int_equal(le32_at(rec + 28 * n), 0xd);
	assert_int_equal(le32_at(rec + 28 * n + 4), 1);
	assert_int_equal(le32_at(rec + 28 * n + 12), 10704);
	guest_mem_free(&m);
}

/* A buffer not wholly in RAM, or no RAM at all: BAD_REQUEST, nothing written. */
static void test_copy_refused(void **state)
{
	struct cpuid_service s;
	struct xsvm_err err = { { 0 } };
	struct guest_mem m;
	const uint64_t addrs[] = {
		(16u << 20) - CPUID_SVC_COPY_BYTES + 4,
		16u << 20,
		~0ull - 8,
	};

	(void)state;
	assert_int_equal(guest_mem_alloc(&m, 16u << 20, &err), 0);
	for (unsigned int i = 0; i < 3; i++) {
		cpuid_service_init(&s, &built, &seen, &hash1);
		cpuid_service_set_mem(&s, &m);
		request(&s, CPUID_SVC_TABLE_BUILT, (uint32_t)addrs[i],
			(uint32_t)(addrs[i] >> 32), 1, 0, CPUID_SVC_CMD_COPY);
		expect(&s, CPUID_SVC_BAD_REQUEST, 0, 0, 0, 0, 0, 0);
	}
	/* the last dword of RAM stays as it was */
	assert_int_equal(*(uint32_t *)guest_mem_ptr(&m, (16u << 20) - 4, 4), 0);
	/* no RAM given, or no KVM table */
	cpuid_service_init(&s, &built, &seen, &hash1);
	request(&s, CPUID_SVC_TABLE_KVM, 0x3000, 0, 1, 0, CPUID_SVC_CMD_COPY);
	expect(&s, CPUID_SVC_BAD_REQUEST, 0, 0, 0, 0, 0, 0);
	cpuid_service_init(&s, &built, NULL, &hash1);
	cpuid_service_set_mem(&s, &m);
	request(&s, CPUID_SVC_TABLE_KVM, 0x3000, 0, 1, 0, CPUID_SVC_CMD_COPY);
	expect(&s, CPUID_SVC_BAD_REQUEST, 0, 0, 0, 0, 0, 0);
	guest_mem_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_copy_refused),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_halves),
		cmocka_unit_test(test_kvm_table),
		cmocka_unit_test(test_enumerate),
		cmocka_unit_test(test_bad_accesses),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_dispatch_io_overlapping_run),
		cmocka_unit_test(test_dispatch_io_offset_wraps),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

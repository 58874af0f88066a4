// SPDX-License-Identifier: MIT
/*
 * Tests of vmm/guest_mem.[ch] and of the memory slots vmm/kvm_vm.c makes
 * from it: RAM below the PCI hole from 0, the rest from 4 GiB, one lazily
 * reserved mapping behind both; guest_mem_ptr() at every edge of both
 * regions, in the hole, across it, and with ranges that overflow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/guest_mem.h"
#include "vmm/kvm_vm.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)

/* size bytes of guest RAM, mapped lazily as the VMM maps it. */
static struct guest_mem mapped(uint64_t size)
{
	struct xsvm_err err = {{0}};
	struct guest_mem m;

	if (guest_mem_alloc(&m, size, &err))
		fail_msg("%s", err.msg);
	return m;
}

static void assert_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len,
		       uint64_t off)
{
	assert_true(guest_mem_contains(m, gpa, len));
	assert_ptr_equal(guest_mem_ptr(m, gpa, len), m->hva + off);
}

static void assert_none(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	assert_false(guest_mem_contains(m, gpa, len));
	assert_null(guest_mem_ptr(m, gpa, len));
}

/* 256 MiB: one region from 0, nothing at or above its end. */
static void test_low_only(void **state)
{
	struct guest_mem m = mapped(256 * MIB);

	(void)state;
	assert_int_equal(guest_mem_low_size(&m), 0x10000000);
	assert_int_equal(guest_mem_high_size(&m), 0);
	assert_int_equal(guest_mem_end(&m), 0x10000000);
	assert_ptr(&m, 0, 0x10000000, 0);
	assert_ptr(&m, 0xfffffff, 1, 0xfffffff);
	assert_ptr(&m, 0x10000000, 0, 0x10000000);
	assert_none(&m, 0xfffffff, 2);
	assert_none(&m, 0x10000000, 1);
	assert_none(&m, 0xbfffffff, 1);
	assert_none(&m, 0xc0000000, 0);
	assert_none(&m, 0x100000000, 0);
	assert_none(&m, 0x100000000, 1);
	guest_mem_free(&m);
}

/* 3072 MiB: low RAM reaches the hole exactly; still no high RAM. */
static void test_up_to_hole(void **state)
{
	struct guest_mem m = mapped(3072 * MIB);

	(void)state;
	assert_int_equal(guest_mem_low_size(&m), 0xc0000000);
	assert_int_equal(guest_mem_high_size(&m), 0);
	assert_int_equal(guest_mem_end(&m), 0xc0000000);
	assert_ptr(&m, 0, 0xc0000000, 0);
	assert_ptr(&m, 0xbfffffff, 1, 0xbfffffff);
	assert_ptr(&m, 0xc0000000, 0, 0xc0000000);
	assert_none(&m, 0xc0000000, 1);
	assert_none(&m, 0x100000000, 0);
	assert_none(&m, 0x100000000, 1);
	guest_mem_free(&m);
}

/* 3073 MiB: 1 MiB of high RAM at 4 GiB, right after low RAM in the map. */
static void test_one_mib_high(void **state)
{
	struct guest_mem m = mapped(3073 * MIB);

	(void)state;
	assert_int_equal(guest_mem_low_size(&m), 0xc0000000);
	assert_int_equal(guest_mem_high_size(&m), 0x100000);
	assert_int_equal(guest_mem_end(&m), 0x100100000);
	assert_ptr(&m, 0xbfffffff, 1, 0xbfffffff);
	assert_ptr(&m, 0x100000000, 0x100000, 0xc0000000);
	assert_ptr(&m, 0x1000fffff, 1, 0xc00fffff);
	assert_ptr(&m, 0x100100000, 0, 0xc0100000);
	assert_none(&m, 0x1000fffff, 2);
	assert_none(&m, 0x100100000, 1);
	guest_mem_free(&m);
}

/* 4096 MiB: the hole and every range that touches it are refused. */
static void test_hole(void **state)
{
	struct guest_mem m = mapped(4096 * MIB);

	(void)state;
	assert_int_equal(guest_mem_low_size(&m), 0xc0000000);
	assert_int_equal(guest_mem_high_size(&m), 0x40000000);
	assert_int_equal(guest_mem_end(&m), 0x140000000);
	/* the edges of low RAM */
	assert_ptr(&m, 0, 0xc0000000, 0);
	assert_ptr(&m, 0xbfffffff, 1, 0xbfffffff);
	assert_ptr(&m, 0xc0000000, 0, 0xc0000000);
	assert_none(&m, 0xbfffffff, 2);
	/* the hole: first and last byte, the IOAPIC, the LAPIC, KVM's TSS */
	assert_none(&m, 0xc0000000, 1);
	assert_none(&m, 0xffffffff, 1);
	assert_none(&m, 0xfec00000, 4);
	assert_none(&m, 0xfee00000, 4);
	assert_none(&m, VM_TSS_ADDR, 0x3000);
	assert_none(&m, 0xd0000000, 0);
	assert_none(&m, 0xffffffff, 0);
	/* into the hole, out of it, across it */
	assert_none(&m, 0xffffffff, 2);
	assert_none(&m, 0xbffff000, 0x40002000);
	assert_none(&m, 0, 0x140000000);
	assert_none(&m, 0, 0xc0000001);
	/* the edges of high RAM */
	assert_ptr(&m, 0x100000000, 1, 0xc0000000);
	assert_ptr(&m, 0x100000000, 0x40000000, 0xc0000000);
	assert_ptr(&m, 0x13fffffff, 1, 0xffffffff);
	assert_ptr(&m, 0x140000000, 0, 0x100000000);
	assert_none(&m, 0x13fffffff, 2);
	assert_none(&m, 0x140000000, 1);
	assert_none(&m, 0x100000000, 0x40000001);
	guest_mem_free(&m);
}

/* Lengths and addresses near 2^64 never wrap into RAM. */
static void test_overflow(void **state)
{
	struct guest_mem m = mapped(4096 * MIB);

	(void)state;
	assert_none(&m, UINT64_MAX, 1);
	assert_none(&m, UINT64_MAX, 0);
	assert_none(&m, 1, UINT64_MAX);
	assert_none(&m, 0x100000000, UINT64_MAX);
	assert_none(&m, 0x13fffffff, UINT64_MAX);
	assert_none(&m, 0xbfffffff, UINT64_MAX - 0xbffffffe);
	assert_none(&m, 0x13fffffff, UINT64_MAX - 0x13ffffffe);
	assert_none(&m, UINT64_MAX - 0xfff, 0x1000);
	guest_mem_free(&m);
}

/* 64 GiB, really mapped: the last byte of high RAM is the mapping's last. */
static void test_64g_mapped(void **state)
{
	struct xsvm_err err = {{0}};
	struct guest_mem m;
	uint8_t *p;

	(void)state;
	assert_int_equal(guest_mem_alloc(&m, 65536 * MIB, &err), 0);
	assert_int_equal(m.size, 64 * GIB);
	assert_int_equal(guest_mem_low_size(&m), 0xc0000000);
	assert_int_equal(guest_mem_high_size(&m), 0xf40000000);
	assert_int_equal(guest_mem_end(&m), 0x1040000000);
	assert_ptr(&m, 0x103fffffff, 1, 64 * GIB - 1);
	assert_ptr(&m, 0x1040000000, 0, 64 * GIB);
	assert_none(&m, 0x103fffffff, 2);
	assert_none(&m, 0x1040000000, 1);
	assert_ptr(&m, 0x100000000, 0xf40000000, 0xc0000000);

	/* Untouched pages read as zero; writes land where the offset says. */
	p = guest_mem_ptr(&m, 0x103fffffff, 1);
	assert_int_equal(*p, 0);
	*p = 0xa5;
	assert_int_equal(m.hva[64 * GIB - 1], 0xa5);
	p = guest_mem_ptr(&m, 0x100000000, 1);
	*p = 0x5a;
	assert_int_equal(m.hva[0xc0000000], 0x5a);
	*(uint8_t *)guest_mem_ptr(&m, 0xbfffffff, 1) = 0x3c;
	assert_int_equal(m.hva[0xbfffffff], 0x3c);
	guest_mem_free(&m);
	assert_null(m.hva);
	assert_int_equal(m.size, 0);
}

static void assert_region(const struct guest_mem_region *r, uint64_t gpa,
			  uint64_t size, const uint8_t *hva)
{
	assert_int_equal(r->gpa, gpa);
	assert_int_equal(r->size, size);
	assert_ptr_equal(r->hva, hva);
}

static void test_regions(void **state)
{
	struct guest_mem_region r[GUEST_MEM_MAX_REGIONS];
	struct guest_mem m;

	(void)state;
	m.hva = NULL;
	m.size = 0;
	assert_int_equal(guest_mem_regions(&m, r), 0);
	m = mapped(256 * MIB);
	assert_int_equal(guest_mem_regions(&m, r), 1);
	assert_region(&r[0], 0, 0x10000000, m.hva);
	guest_mem_free(&m);
	m = mapped(3072 * MIB);
	assert_int_equal(guest_mem_regions(&m, r), 1);
	assert_region(&r[0], 0, 0xc0000000, m.hva);
	guest_mem_free(&m);
	m = mapped(3073 * MIB);
	assert_int_equal(guest_mem_regions(&m, r), 2);
	assert_region(&r[0], 0, 0xc0000000, m.hva);
	assert_region(&r[1], 0x100000000, 0x100000, m.hva + 0xc0000000);
	guest_mem_free(&m);
	m = mapped(65536 * MIB);
	assert_int_equal(guest_mem_regions(&m, r), 2);
	assert_region(&r[0], 0, 0xc0000000, m.hva);
	assert_region(&r[1], 0x100000000, 0xf40000000, m.hva + 0xc0000000);
	guest_mem_free(&m);
}

static void assert_slot(const struct kvm_userspace_memory_region *r,
			uint32_t slot, uint64_t gpa, uint64_t size,
			const uint8_t *hva)
{
	assert_int_equal(r->slot, slot);
	assert_int_equal(r->flags, 0);
	assert_int_equal(r->guest_phys_addr, gpa);
	assert_int_equal(r->memory_size, size);
	assert_int_equal(r->userspace_addr, (uintptr_t)hva);
}

/* What vm_create() passes to KVM_SET_USER_MEMORY_REGION. */
static void test_memslots(void **state)
{
	struct kvm_userspace_memory_region r[GUEST_MEM_MAX_REGIONS];
	struct guest_mem m;

	(void)state;
	m = mapped(16 * MIB);
	assert_int_equal(vm_mem_slots(&m, r), 1);
	assert_slot(&r[0], 0, 0, 0x1000000, m.hva);
	guest_mem_free(&m);
	m = mapped(3072 * MIB);
	assert_int_equal(vm_mem_slots(&m, r), 1);
	assert_slot(&r[0], 0, 0, 0xc0000000, m.hva);
	guest_mem_free(&m);
	m = mapped(4096 * MIB);
	assert_int_equal(vm_mem_slots(&m, r), 2);
	assert_slot(&r[0], 0, 0, 0xc0000000, m.hva);
	assert_slot(&r[1], 1, 0x100000000, 0x40000000, m.hva + 0xc0000000);
	guest_mem_free(&m);
	m = mapped(65536 * MIB);
	assert_int_equal(vm_mem_slots(&m, r), 2);
	assert_slot(&r[0], 0, 0, 0xc0000000, m.hva);
	assert_slot(&r[1], 1, 0x100000000, 0xf40000000, m.hva + 0xc0000000);
	guest_mem_free(&m);
	/* KVM's own pages sit in the hole, never in a RAM slot. */
	assert_true(VM_TSS_ADDR >= GUEST_MEM_HOLE_START &&
		    VM_TSS_ADDR + 0x3000 <= GUEST_MEM_HIGH_START);
	assert_true(VM_IDENTITY_MAP_ADDR >= GUEST_MEM_HOLE_START);
}

static void test_mem_check(void **state)
{
	struct xsvm_err err = {{0}};

	(void)state;
	assert_int_equal(vm_mem_check(16 * MIB, &err), 0);
	assert_int_equal(vm_mem_check(3073 * MIB, &err), 0);
	assert_int_equal(vm_mem_check(65536 * MIB, &err), 0);
	assert_int_equal(vm_mem_check(65537 * MIB, &err), -EINVAL);
	assert_string_equal(err.msg, "guest RAM of 68720525312 bytes: must be "
				     "a whole number of MiB from 16 to 65536 "
				     "MiB");
	assert_int_equal(vm_mem_check(15 * MIB, &err), -EINVAL);
	assert_int_equal(vm_mem_check(4096 * MIB + 1, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_low_only),
		cmocka_unit_test(test_up_to_hole),
		cmocka_unit_test(test_one_mib_high),
		cmocka_unit_test(test_hole),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_64g_mapped),
		cmocka_unit_test(test_regions),
		cmocka_unit_test(test_memslots),
		cmocka_unit_test(test_mem_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

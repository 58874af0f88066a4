// SPDX-License-Identifier: MIT
/*
 * Tests of how xsvm reads KVM's answers where KVM versions and vendors
 * differ: the entry count of KVM_GET_CPUID2 (vmm/kvm_vm.c) and the vCPU
 * state after a shutdown (vmm/run.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/kvm_vm.h"
#include "vmm/run.h"

#define ASKED 8

static struct kvm_cpuid2 *unset_buffer(void)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + ASKED * sizeof(c->entries[0]));
	assert_non_null(c);
	c->nent = ASKED;
	memset(c->entries, 0xff, ASKED * sizeof(c->entries[0]));
	return c;
}

/* What KVM writes for n entries: leaf i, index 0, all registers zero. */
static void kvm_writes(struct kvm_cpuid2 *c, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		memset(&c->entries[i], 0, sizeof(c->entries[i]));
		c->entries[i].function = i;
	}
}

/* Before Linux 6.5: success leaves nent as the caller set it. */
static void test_count_old_kernel(void **state)
{
	struct kvm_cpuid2 *c = unset_buffer();

	(void)state;
	kvm_writes(c, 3);
	assert_int_equal(vm_cpuid2_count(c, ASKED), 3);
	/* a leaf 0 of all zeros is an entry, not the filler */
	assert_int_equal(c->entries[0].function, 0);
	kvm_writes(c, ASKED);
	assert_int_equal(vm_cpuid2_count(c, ASKED), ASKED);
	kvm_writes(c, 0);
	c->nent = ASKED;
	memset(c->entries, 0xff, ASKED * sizeof(c->entries[0]));
	assert_int_equal(vm_cpuid2_count(c, ASKED), 0);
	free(c);
}

/* Linux 6.5 and later: nent is the number of entries written. */
static void test_count_new_kernel(void **state)
{
	struct kvm_cpuid2 *c = unset_buffer();

	(void)state;
	kvm_writes(c, 5);
	c->nent = 5;
	assert_int_equal(vm_cpuid2_count(c, ASKED), 5);
	/* a larger nent than was asked is never trusted */
	c->nent = 1000;
	assert_int_equal(vm_cpuid2_count(c, ASKED), 5);
	/* an entry KVM wrote with the filler's values in other fields */
	c->entries[1].eax = VM_CPUID_UNSET;
	c->entries[1].index = VM_CPUID_UNSET;
	c->nent = 5;
	assert_int_equal(vm_cpuid2_count(c, ASKED), 5);
	free(c);
}

static void reset_state(struct kvm_regs *r, struct kvm_sregs *s)
{
	memset(r, 0, sizeof(*r));
	memset(s, 0, sizeof(*s));
	r->rip = 0xfff0;
	s->cs.selector = 0xf000;
	s->cs.base = 0xffff0000;
	s->cr0 = 0x60000010;
}

static void test_reset_state(void **state)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	(void)state;
	reset_state(&r, &s);
	assert_true(run_state_is_reset(&r, &s));
	/* a 64-bit guest that faulted on a ud2 */
	r.rip = 0x100123;
	s.cs.selector = 0x10;
	s.cs.base = 0;
	s.cr0 = 0x80050033;
	assert_false(run_state_is_reset(&r, &s));
	/* protected mode at the same RIP is not the reset state */
	reset_state(&r, &s);
	s.cr0 |= 1;
	assert_false(run_state_is_reset(&r, &s));
	reset_state(&r, &s);
	s.cs.base = 0xf0000;
	assert_false(run_state_is_reset(&r, &s));
	reset_state(&r, &s);
	r.rip = 0xfff1;
	assert_false(run_state_is_reset(&r, &s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_old_kernel),
		cmocka_unit_test(test_count_new_kernel),
		cmocka_unit_test(test_reset_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

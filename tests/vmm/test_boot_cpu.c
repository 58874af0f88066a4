// SPDX-License-Identifier: MIT
/*
 * Tests of the 64-bit boot CPU state (vmm/boot_cpu.c): page tables, GDT and
 * TSS as exact bytes in guest memory, exact register values. `test_boot_cpu
 * kvm` enters a tiny guest through /dev/kvm with that state and the boot
 * parameters (vmm/boot_params.c), and fails when /dev/kvm is missing, as
 * tools/test.sh and .ci/run do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "boot_util.h"
#include "vmm/boot_cpu.h"
#include "vmm/boot_params.h"

static void cpu_setup_ok(struct ram *r, uint64_t entry,
			 struct boot_cpu_state *s)
{
	struct xsvm_err err = {{0}};

	if (boot_cpu_setup(&r->m, entry, 0x7000, s, &err))
		fail_msg("%s", err.msg);
}

static void test_page_tables(void **state)
{
	static const uint64_t sizes[] = {64 * MIB, 256 * MIB};
	struct boot_cpu_state s;
	struct ram r;

	(void)state;
	for (unsigned int k = 0; k < 2; k++) {
		ram_init(&r, sizes[k]);
		memset(r.m.hva + 0x9000, 0xee, 0x7000);
		cpu_setup_ok(&r, 0x1000000, &s);

		assert_int_equal(rd64(&r, 0x9000), 0xa003);
		for (unsigned int i = 1; i < 512; i++)
			assert_int_equal(rd64(&r, 0x9000 + i * 8), 0);
		assert_int_equal(rd64(&r, 0xa000), 0xb003);
		assert_int_equal(rd64(&r, 0xa008), 0xc003);
		assert_int_equal(rd64(&r, 0xa010), 0xd003);
		assert_int_equal(rd64(&r, 0xa018), 0xe003);
		for (unsigned int i = 4; i < 512; i++)
			assert_int_equal(rd64(&r, 0xa000 + i * 8), 0);
		assert_int_equal(rd64(&r, 0xb000), 0x83);
		assert_int_equal(rd64(&r, 0xb008), 0x200083);
		assert_int_equal(rd64(&r, 0xbff8), 0x3fe00083);
		assert_int_equal(rd64(&r, 0xc000), 0x40000083);
		assert_int_equal(rd64(&r, 0xd000), 0x80000083);
		assert_int_equal(rd64(&r, 0xe000), 0xc0000083);
		assert_int_equal(rd64(&r, 0xeff8), 0xffe00083);
		for (unsigned int i = 0; i < 4 * 512; i++)
			assert_int_equal(rd64(&r, 0xb000 + i * 8),
					 (uint64_t)i << 21 | 0x83);
		/* Nothing written past the last PD. */
		assert_int_equal(rd8(&r, 0xf000), 0xee);
		ram_free(&r);
	}
}

static void test_gdt(void **state)
{
	struct boot_cpu_state s;
	struct ram r;

	(void)state;
	ram_init(&r, 64 * MIB);
	memset(r.m.hva, 0xee, 0x1000);
	cpu_setup_ok(&r, 0x100000, &s);
	assert_int_equal(rd64(&r, 0x500), 0);
	assert_int_equal(rd64(&r, 0x508), 0);
	assert_int_equal(rd64(&r, 0x510), 0x00af9b000000ffffull);
	assert_int_equal(rd64(&r, 0x518), 0x00cf93000000ffffull);
	assert_int_equal(rd64(&r, 0x520), 0x00008b0005800067ull);
	assert_int_equal(rd64(&r, 0x528), 0);
	assert_int_equal(rd8(&r, 0x530), 0xee);
	/* The TSS: zero but its I/O map base, 0x68 (no map). */
	for (unsigned int off = 0; off < 0x68; off++)
		assert_int_equal(rd8(&r, 0x580 + off), off == 0x66 ? 0x68 : 0);
	assert_int_equal(rd8(&r, 0x57f), 0xee);
	assert_int_equal(rd8(&r, 0x5e8), 0xee);
	ram_free(&r);
}

static void assert_seg(const struct kvm_segment *g, uint64_t base,
		       uint32_t limit, uint16_t sel, uint8_t type,
		       uint8_t present, uint8_t db, uint8_t s, uint8_t l,
		       uint8_t gran, uint8_t unusable)
{
	assert_int_equal(g->base, base);
	assert_int_equal(g->limit, limit);
	assert_int_equal(g->selector, sel);
	assert_int_equal(g->type, type);
	assert_int_equal(g->present, present);
	assert_int_equal(g->dpl, 0);
	assert_int_equal(g->db, db);
	assert_int_equal(g->s, s);
	assert_int_equal(g->l, l);
	assert_int_equal(g->g, gran);
	assert_int_equal(g->avl, 0);
	assert_int_equal(g->unusable, unusable);
}

static void test_regs_sregs(void **state)
{
	struct boot_cpu_state s;
	const struct kvm_sregs *sr = &s.sregs;
	struct ram r;

	(void)state;
	ram_init(&r, 64 * MIB);
	memset(&s, 0xa5, sizeof(s));
	cpu_setup_ok(&r, 0x1000200, &s);

	assert_int_equal(s.regs.rip, 0x1000200);
	assert_int_equal(s.regs.rsi, 0x7000);
	assert_int_equal(s.regs.rsp, 0x8ff0);
	assert_int_equal(s.regs.rflags, 0x2);
	assert_int_equal(s.regs.rax, 0);
	assert_int_equal(s.regs.rbp, 0);
	assert_int_equal(s.regs.rdi, 0);
	assert_int_equal(s.regs.r15, 0);

	assert_int_equal(sr->cr0, 0x80010033);
	assert_int_equal(sr->cr3, 0x9000);
	assert_int_equal(sr->cr4, 0x620);
	assert_int_equal(sr->efer, 0x500);
	assert_int_equal(sr->cr2, 0);
	assert_int_equal(sr->cr8, 0);
	assert_int_equal(sr->apic_base, 0);

	assert_seg(&sr->cs, 0, 0xffffffff, 0x10, 0xb, 1, 0, 1, 1, 1, 0);
	assert_seg(&sr->ds, 0, 0xffffffff, 0x18, 0x3, 1, 1, 1, 0, 1, 0);
	assert_seg(&sr->es, 0, 0xffffffff, 0x18, 0x3, 1, 1, 1, 0, 1, 0);
	assert_seg(&sr->fs, 0, 0xffffffff, 0x18, 0x3, 1, 1, 1, 0, 1, 0);
	assert_seg(&sr->gs, 0, 0xffffffff, 0x18, 0x3, 1, 1, 1, 0, 1, 0);
	assert_seg(&sr->ss, 0, 0xffffffff, 0x18, 0x3, 1, 1, 1, 0, 1, 0);
	assert_seg(&sr->tr, 0x580, 0x67, 0x20, 0xb, 1, 0, 0, 0, 0, 0);
	assert_seg(&sr->ldt, 0, 0, 0, 0x2, 0, 0, 0, 0, 0, 1);
	assert_int_equal(sr->gdt.base, 0x500);
	assert_int_equal(sr->gdt.limit, 0x2f);
	assert_int_equal(sr->idt.base, 0);
	assert_int_equal(sr->idt.limit, 0);
	ram_free(&r);
}

/* boot_cpu_apply keeps what it does not own. */
static void test_apply(void **state)
{
	struct boot_cpu_state s;
	struct kvm_sregs sr;
	struct ram r;

	(void)state;
	ram_init(&r, 64 * MIB);
	cpu_setup_ok(&r, 0x100000, &s);
	memset(&sr, 0x5a, sizeof(sr));
	sr.apic_base = 0xfee00900;
	sr.cr2 = 0x1234;
	sr.cr8 = 0x7;
	sr.interrupt_bitmap[1] = 0x8000;
	boot_cpu_apply(&sr, &s);

	assert_int_equal(sr.apic_base, 0xfee00900);
	assert_int_equal(sr.cr2, 0x1234);
	assert_int_equal(sr.cr8, 0x7);
	assert_int_equal(sr.interrupt_bitmap[0], 0x5a5a5a5a5a5a5a5aull);
	assert_int_equal(sr.interrupt_bitmap[1], 0x8000);
	assert_int_equal(sr.cr0, 0x80010033);
	assert_int_equal(sr.cr3, 0x9000);
	assert_int_equal(sr.cr4, 0x620);
	assert_int_equal(sr.efer, 0x500);
	assert_memory_equal(&sr.cs, &s.sregs.cs, sizeof(sr.cs));
	assert_memory_equal(&sr.ss, &s.sregs.ss, sizeof(sr.ss));
	assert_memory_equal(&sr.tr, &s.sregs.tr, sizeof(sr.tr));
	assert_memory_equal(&sr.ldt, &s.sregs.ldt, sizeof(sr.ldt));
	assert_memory_equal(&sr.gdt, &s.sregs.gdt, sizeof(sr.gdt));
	assert_memory_equal(&sr.idt, &s.sregs.idt, sizeof(sr.idt));
	ram_free(&r);
}

static void test_cpu_bad_addresses(void **state)
{
	struct xsvm_err err = {{0}};
	struct boot_cpu_state s;
	struct ram r;

	(void)state;
	ram_init(&r, 64 * MIB);
	assert_int_equal(boot_cpu_setup(&r.m, 0x4000000, 0x7000, &s, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "entry point at 0x4000000 is outside RAM "
				     "(67108864 bytes)");
	assert_int_equal(boot_cpu_setup(&r.m, 0x100000, 0x3fff001, &s, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "boot_params at 0x3fff001 is outside RAM "
				     "(67108864 bytes)");
	/* Nothing was written. */
	for (unsigned int i = 0; i < 0x10000; i++)
		assert_int_equal(rd8(&r, i), 0);
	ram_free(&r);

	ram_init(&r, 0xe000);
	assert_int_equal(boot_cpu_setup(&r.m, 0x100, 0x7000, &s, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "boot page tables at 0x9000 is outside "
				     "RAM (57344 bytes)");
	ram_free(&r);
}

/*
 * Enter a small 64-bit guest at 1 MiB with exactly this state through KVM:
 * it writes to port 0xf4 a constant, RSI, a 64-bit shift result and a word
 * read from the last 4 bytes of RAM (through the identity map), then HLTs.
 */
static const uint8_t kvm_guest[] = {
	0xb8, 0x34, 0x12, 0x00, 0x00, /* mov $0x1234, %eax */
	0xe7, 0xf4,		      /* out %eax, $0xf4 */
	0x48, 0x89, 0xf0,	      /* mov %rsi, %rax */
	0xe7, 0xf4,		      /* out %eax, $0xf4 */
	0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
	/* movabs $0x1122334455667788, %rax */
	0x48, 0xc1, 0xe8, 0x20, /* shr $32, %rax */
	0xe7, 0xf4,		/* out %eax, $0xf4 */
	0xa1, 0xfc, 0xff, 0xff, 0x03, 0x00, 0x00, 0x00, 0x00,
	/* movabs 0x3fffffc, %eax */
	0xe7, 0xf4, /* out %eax, $0xf4 */
	0xf4,	    /* hlt */
};

struct kvm_ctx {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	struct guest_mem m;
};

static int kvm_ioctl(int fd, unsigned long req, void *arg, const char *what)
{
	int ret = ioctl(fd, req, arg);

	if (ret < 0)
		fail_msg("%s: %s", what, strerror(errno));
	return ret;
}

static void kvm_expect_out(struct kvm_ctx *k, uint32_t value)
{
	struct kvm_run *run = k->run;
	uint32_t v;

	kvm_ioctl(k->vcpu, KVM_RUN, NULL, "KVM_RUN");
	if (run->exit_reason != KVM_EXIT_IO)
		fail_msg("exit reason %u, expected KVM_EXIT_IO (%u) for 0x%x",
			 run->exit_reason, KVM_EXIT_IO, value);
	assert_int_equal(run->io.direction, KVM_EXIT_IO_OUT);
	assert_int_equal(run->io.port, 0xf4);
	assert_int_equal(run->io.size, 4);
	assert_int_equal(run->io.count, 1);
	memcpy(&v, (uint8_t *)run + run->io.data_offset, 4);
	assert_int_equal(v, value);
}

static void kvm_enter(struct kvm_ctx *k)
{
	struct kvm_userspace_memory_region region = {0};
	struct xsvm_err err = {{0}};
	struct boot_cpu_state s;
	struct boot_config c;
	struct boot_layout l;
	struct kvm_sregs sr;
	uint32_t magic = 0xc0ffee42;

	k->vm = kvm_ioctl(k->kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
	region.memory_size = k->m.size;
	region.userspace_addr = (uintptr_t)k->m.hva;
	kvm_ioctl(k->vm, KVM_SET_USER_MEMORY_REGION, &region,
		  "KVM_SET_USER_MEMORY_REGION");

	config_init(&c);
	c.kernel_hi = 0x100000 + sizeof(kvm_guest);
	c.cmdline = "console=ttyS0";
	if (boot_params_setup(&k->m, &c, &l, &err))
		fail_msg("%s", err.msg);
	memcpy(guest_mem_ptr(&k->m, 0x100000, sizeof(kvm_guest)), kvm_guest,
	       sizeof(kvm_guest));
	memcpy(guest_mem_ptr(&k->m, k->m.size - 4, 4), &magic, 4);
	if (boot_cpu_setup(&k->m, 0x100000, l.boot_params, &s, &err))
		fail_msg("%s", err.msg);

	k->vcpu = kvm_ioctl(k->vm, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
	k->run_size = (size_t)kvm_ioctl(k->kvm, KVM_GET_VCPU_MMAP_SIZE, 0,
					"KVM_GET_VCPU_MMAP_SIZE");
	k->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      k->vcpu, 0);
	if (k->run == MAP_FAILED)
		fail_msg("mmap of kvm_run: %s", strerror(errno));
	kvm_ioctl(k->vcpu, KVM_GET_SREGS, &sr, "KVM_GET_SREGS");
	boot_cpu_apply(&sr, &s);
	kvm_ioctl(k->vcpu, KVM_SET_SREGS, &sr, "KVM_SET_SREGS");
	kvm_ioctl(k->vcpu, KVM_SET_REGS, &s.regs, "KVM_SET_REGS");

	kvm_expect_out(k, 0x1234);
	kvm_ioctl(k->vcpu, KVM_GET_SREGS, &sr, "KVM_GET_SREGS");
	assert_int_equal(sr.efer & 0x500, 0x500);
	assert_int_equal(sr.cs.l, 1);
	assert_int_equal(sr.cs.selector, 0x10);
	assert_int_equal(sr.cr3, 0x9000);
	kvm_expect_out(k, 0x7000);
	kvm_expect_out(k, 0x11223344);
	kvm_expect_out(k, magic);
	kvm_ioctl(k->vcpu, KVM_RUN, NULL, "KVM_RUN");
	assert_int_equal(k->run->exit_reason, KVM_EXIT_HLT);
}

static void test_kvm_long_mode_entry(void **state)
{
	struct kvm_ctx k = {.kvm = -1, .vm = -1, .vcpu = -1};
	struct timespec t0, t1;

	(void)state;
	if (access("/dev/kvm", F_OK))
		fail_msg("/dev/kvm is missing: this test enters a guest "
			 "through KVM and must run (CI machines have it)");
	k.kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (k.kvm < 0)
		fail_msg("/dev/kvm: %s", strerror(errno));
	k.m.size = 64 * MIB;
	k.m.hva = mmap(NULL, k.m.size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(k.m.hva != MAP_FAILED);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	kvm_enter(&k);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("KVM 64-bit entry: VM created, entered, 4 port writes "
		      "and HLT in %.2f ms\n",
		      (t1.tv_sec - t0.tv_sec) * 1e3 +
			      (t1.tv_nsec - t0.tv_nsec) / 1e6);

	munmap(k.run, k.run_size);
	close(k.vcpu);
	close(k.vm);
	close(k.kvm);
	munmap(k.m.hva, k.m.size);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_tables),
		cmocka_unit_test(test_gdt),
		cmocka_unit_test(test_regs_sregs),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_cpu_bad_addresses),
	};
	/* `test_boot_cpu kvm`: the test that enters a guest (ctest: test_boot_kvm) */
	const struct CMUnitTest kvm_tests[] = {
		cmocka_unit_test(test_kvm_long_mode_entry),
	};

	if (argc > 1 && !strcmp(argv[1], "kvm"))
		return cmocka_run_group_tests(kvm_tests, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

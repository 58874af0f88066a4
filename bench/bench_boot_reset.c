// SPDX-License-Identifier: MIT
/*
 * What a boot of --boots costs before the guest runs, two ways, on this
 * host's KVM:
 *
 *   recreate: a new VM each boot (what machine_next() does): fresh guest
 *             RAM, KVM_CREATE_VM with its irqchip and PIT, the memory slot,
 *             the vCPU, KVM_SET_CPUID2, the entry registers;
 *   reset:    the same VM again: guest RAM zeroed (MADV_DONTNEED), and every
 *             piece of vCPU and VM state a boot can change put back as it was
 *             after creation (registers, FPU, XCRs, MSRs, LAPIC, events, MP
 *             state, PIC, IOAPIC, PIT), with KVM_SET_CPUID2 of the same table,
 *             the only one KVM accepts once the vCPU has run.
 *
 * Each boot then runs the vCPU to its first exit (an OUT at 0x1000 in real
 * mode), so that the reset path really follows a KVM_RUN. Prints the median
 * and the 10th/90th percentiles of each, alternating; asserts nothing.
 *
 * Usage: bench_boot_reset [MEM_MIB] [BOOTS]   (defaults 256, 41)
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vmm/guest_mem.h"
#include "vmm/host_cpuid.h"
#include "vmm/kvm_vm.h"

#define CODE_GPA 0x1000u
#define MSR_MAX 512u
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const unsigned char code[] = {0xe6, 0x80}; /* out 0x80, al */

/* The state a reset puts back, read right after creation. */
struct initial {
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_fpu fpu;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp;
	struct kvm_irqchip chip[3];
	struct kvm_pit_state2 pit;
	struct kvm_msrs *msrs; /* MSR_MAX entries */
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_boot_reset: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	if (ioctl(fd, req, arg) < 0)
		die(what);
}

static void entry_regs(struct vm *vm)
{
	struct kvm_sregs s;
	struct kvm_regs r = {.rip = CODE_GPA, .rflags = 2};

	xioctl(vm->vcpu_fd, KVM_GET_SREGS, &s, "KVM_GET_SREGS");
	s.cs.base = 0;
	s.cs.selector = 0;
	xioctl(vm->vcpu_fd, KVM_SET_SREGS, &s, "KVM_SET_SREGS");
	xioctl(vm->vcpu_fd, KVM_SET_REGS, &r, "KVM_SET_REGS");
}

static void run_to_exit(struct vm *vm)
{
	xioctl(vm->vcpu_fd, KVM_RUN, NULL, "KVM_RUN");
	if (vm->run->exit_reason != KVM_EXIT_IO || vm->run->io.port != 0x80) {
		fprintf(stderr, "bench_boot_reset: exit %u, not the OUT\n",
			vm->run->exit_reason);
		exit(1);
	}
}

static void msr_list(struct vm *vm, struct initial *s)
{
	struct kvm_msr_list *l =
		calloc(1, sizeof(*l) + MSR_MAX * sizeof(l->indices[0]));
	struct kvm_msrs *m;
	unsigned int i;
	int n;

	s->msrs = calloc(1, sizeof(*m) + MSR_MAX * sizeof(m->entries[0]));
	m = s->msrs;
	if (!l || !m)
		die("calloc");
	l->nmsrs = MSR_MAX;
	xioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, l, "KVM_GET_MSR_INDEX_LIST");
	for (i = 0; i < l->nmsrs; i++)
		m->entries[i].index = l->indices[i];
	m->nmsrs = l->nmsrs;
	free(l);
	/* KVM_GET_MSRS stops at the first it cannot read: drop that one */
	for (;;) {
		n = ioctl(vm->vcpu_fd, KVM_GET_MSRS, m);
		if (n < 0)
			die("KVM_GET_MSRS");
		if ((unsigned int)n == m->nmsrs)
			break;
		memmove(&m->entries[n], &m->entries[n + 1],
			(m->nmsrs - n - 1) * sizeof(m->entries[0]));
		m->nmsrs--;
	}
}

/*
 * A piece of state that one KVM_GET_x reads and one KVM_SET_x puts back,
 * on the VM's fd or the vCPU's: the field of struct initial that holds it,
 * of the struct type (and so the size) the two ioctl numbers encode. Saved
 * and restored in this order; the MSRs, a list of its own, come last.
 */
struct piece {
	unsigned long get, set;
	const char *get_name, *set_name;
	size_t offset;
	bool on_vm;
};

#define PIECE(x, field, vm_fd)                                       \
	{KVM_GET_##x, KVM_SET_##x, "KVM_GET_" #x, "KVM_SET_" #x,     \
	 offsetof(struct initial, field), vm_fd}

static const struct piece pieces[] = {
	PIECE(SREGS, sregs, false),
	PIECE(REGS, regs, false),
	PIECE(FPU, fpu, false),
	PIECE(XCRS, xcrs, false),
	PIECE(LAPIC, lapic, false),
	PIECE(VCPU_EVENTS, events, false),
	PIECE(MP_STATE, mp, false),
	PIECE(IRQCHIP, chip[0], true),
	PIECE(IRQCHIP, chip[1], true),
	PIECE(IRQCHIP, chip[2], true),
	PIECE(PIT2, pit, true),
};

static void *piece_of(struct initial *s, const struct piece *p)
{
	return (char *)s + p->offset;
}

static int piece_fd(struct vm *vm, const struct piece *p)
{
	return p->on_vm ? vm->vm_fd : vm->vcpu_fd;
}

static void save(struct vm *vm, struct initial *s)
{
	/* KVM_GET_IRQCHIP reads the chip named in the struct */
	for (unsigned int i = 0; i < ARRAY_SIZE(s->chip); i++)
		s->chip[i].chip_id = i;
	for (size_t i = 0; i < ARRAY_SIZE(pieces); i++)
		xioctl(piece_fd(vm, &pieces[i]), pieces[i].get,
		       piece_of(s, &pieces[i]), pieces[i].get_name);
	msr_list(vm, s);
}

static void restore(struct vm *vm, struct initial *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(pieces); i++)
		xioctl(piece_fd(vm, &pieces[i]), pieces[i].set,
		       piece_of(s, &pieces[i]), pieces[i].set_name);
	if (ioctl(vm->vcpu_fd, KVM_SET_MSRS, s->msrs) < 0)
		die("KVM_SET_MSRS");
}

static void create(struct vm *vm, struct guest_mem *mem, uint64_t bytes,
		   const struct cpuid_table *t)
{
	struct xsvm_err err = {{0}};

	if (guest_mem_alloc(mem, bytes, &err) ||
	    vm_create(vm, mem, &err) || vm_set_cpuid(vm, t, &err)) {
		fprintf(stderr, "bench_boot_reset: %s\n", err.msg);
		exit(1);
	}
}

static void load(struct guest_mem *mem)
{
	memcpy(mem->hva + CODE_GPA, code, sizeof(code));
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void print(const char *name, double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	printf("%-9s median %8.3f ms  p10 %8.3f  p90 %8.3f  (%d boots)\n", name,
	       v[n / 2], v[n / 10], v[n - 1 - n / 10], n);
}

int main(int argc, char **argv)
{
	uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 0) : 256;
	int boots = argc > 2 ? atoi(argv[2]) : 41;
	struct xsvm_err err = {{0}};
	struct vm rvm = {0}, vm = {0};
	struct guest_mem rmem, mem;
	struct cpuid_table *t = malloc(sizeof(*t));
	struct initial *s = malloc(sizeof(*s));
	double *rec = calloc(boots, sizeof(double));
	double *res = calloc(boots, sizeof(double));
	double t0;
	int b;

	if (!t || !s || !rec || !res || boots < 1 || mib < 16)
		return 2;
	if (host_cpuid_kvm(t, &err)) {
		fprintf(stderr, "bench_boot_reset: %s\n", err.msg);
		return 1;
	}
	/* the VM the reset path reuses, its state saved before it first runs */
	create(&rvm, &rmem, mib << 20, t);
	save(&rvm, s);
	load(&rmem);
	entry_regs(&rvm);
	run_to_exit(&rvm);

	for (b = 0; b < boots; b++) {
		t0 = now_ms();
		create(&vm, &mem, mib << 20, t);
		load(&mem);
		entry_regs(&vm);
		run_to_exit(&vm);
		rec[b] = now_ms() - t0;
		vm_destroy(&vm);
		guest_mem_free(&mem);

		t0 = now_ms();
		if (madvise(rmem.hva, rmem.size, MADV_DONTNEED))
			die("madvise");
		restore(&rvm, s);
		if (vm_set_cpuid(&rvm, t, &err)) {
			fprintf(stderr, "bench_boot_reset: %s\n", err.msg);
			return 1;
		}
		load(&rmem);
		entry_regs(&rvm);
		run_to_exit(&rvm);
		res[b] = now_ms() - t0;
	}
	printf("guest RAM %llu MiB, %u MSRs restored by the reset\n",
	       (unsigned long long)mib, s->msrs->nmsrs);
	print("recreate", rec, boots);
	print("reset", res, boots);
	return 0;
}

// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host_cpuid.h"
#include "kvm_vm.h"

static int sys_fail(struct xsvm_err *err, const char *what)
{
	int e = errno;

	return xsvm_err_set(err, e, "%s: %s", what, strerror(e));
}

static int vm_ioctl(int fd, unsigned long req, unsigned long arg,
		    const char *name, struct xsvm_err *err)
{
	if (ioctl(fd, req, arg) < 0)
		return sys_fail(err, name);
	return 0;
}

static int open_kvm(struct vm *vm, struct xsvm_err *err)
{
	int ver;

	vm->kvm_fd = host_kvm_open(err);
	if (vm->kvm_fd < 0)
		return vm->kvm_fd;
	ver = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ver < 0)
		return sys_fail(err, HOST_KVM_DEV ": KVM_GET_API_VERSION");
	if (ver != KVM_API_VERSION)
		return xsvm_err_set(err, ENOTSUP,
				    "%s: KVM API version %d, xsvm needs %d",
				    HOST_KVM_DEV, ver, KVM_API_VERSION);
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0 ||
	    ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_PIT2) <= 0)
		return xsvm_err_set(
			err, ENOTSUP,
			"%s: KVM lacks the in-kernel irqchip or PIT2",
			HOST_KVM_DEV);
	return 0;
}

static int create_machine(struct vm *vm, struct xsvm_err *err)
{
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	uint64_t map = VM_IDENTITY_MAP_ADDR;
	int ret;

	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return sys_fail(err, "KVM_CREATE_VM");
	ret = vm_ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, VM_TSS_ADDR,
		       "KVM_SET_TSS_ADDR", err);
	if (!ret)
		ret = vm_ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR,
			       (unsigned long)&map, "KVM_SET_IDENTITY_MAP_ADDR",
			       err);
	if (!ret)
		ret = vm_ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0,
			       "KVM_CREATE_IRQCHIP", err);
	if (!ret)
		ret = vm_ioctl(vm->vm_fd, KVM_CREATE_PIT2, (unsigned long)&pit,
			       "KVM_CREATE_PIT2", err);
	return ret;
}

unsigned int
vm_mem_slots(const struct guest_mem *mem,
	     struct kvm_userspace_memory_region r[GUEST_MEM_MAX_REGIONS])
{
	struct guest_mem_region g[GUEST_MEM_MAX_REGIONS];
	unsigned int n = guest_mem_regions(mem, g);

	for (unsigned int i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].slot = VM_RAM_SLOT + i;
		r[i].guest_phys_addr = g[i].gpa;
		r[i].memory_size = g[i].size;
		r[i].userspace_addr = (uintptr_t)g[i].hva;
	}
	return n;
}

static int map_ram(struct vm *vm, const struct guest_mem *mem,
		   struct xsvm_err *err)
{
	struct kvm_userspace_memory_region r[GUEST_MEM_MAX_REGIONS];
	unsigned int n = vm_mem_slots(mem, r);
	int ret = 0;

	vm->mem = *mem;
	for (unsigned int i = 0; i < n && !ret; i++)
		ret = vm_ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION,
			       (unsigned long)&r[i],
			       "KVM_SET_USER_MEMORY_REGION", err);
	return ret;
}

/* A vCPU with KVM ID id and its kvm_run. */
static int new_vcpu(struct vm *vm, uint32_t id, int *fd, struct kvm_run **run,
		    struct xsvm_err *err)
{
	int sz;
	void *p;

	*fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (*fd < 0)
		return sys_fail(err, "KVM_CREATE_VCPU");
	sz = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < (int)sizeof(struct kvm_run))
		return sys_fail(err, "KVM_GET_VCPU_MMAP_SIZE");
	p = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED, *fd,
		 0);
	if (p == MAP_FAILED)
		return sys_fail(err, "mmap of kvm_run");
	*run = p;
	vm->run_size = (size_t)sz;
	return 0;
}

static int create_vcpu(struct vm *vm, struct xsvm_err *err)
{
	return new_vcpu(vm, 0, &vm->vcpu_fd, &vm->run, err);
}

unsigned int vm_max_vcpus(const struct vm *vm)
{
	int n = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	if (n <= 0)
		n = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (n <= 0)
		n = 1;
	return (unsigned int)n < VM_MAX_VCPUS ? (unsigned int)n
					       : VM_MAX_VCPUS;
}

int vm_add_ap(struct vm *vm, uint32_t id, struct xsvm_err *err)
{
	struct vm_ap *ap;

	if (vm->nr_aps >= VM_MAX_VCPUS - 1)
		return xsvm_err_set(err, ENOSPC, "more than %u vCPUs",
				    VM_MAX_VCPUS);
	ap = &vm->aps[vm->nr_aps];
	ap->id = id;
	ap->run = NULL;
	if (new_vcpu(vm, id, &ap->fd, &ap->run, err)) {
		if (ap->fd >= 0)
			close(ap->fd);
		return -EIO;
	}
	vm->nr_aps++;
	return 0;
}

int vm_mem_check(uint64_t mem_bytes, struct xsvm_err *err)
{
	if (mem_bytes < VM_MEM_MIN || mem_bytes > VM_MEM_MAX ||
	    (mem_bytes & 0xfffff))
		return xsvm_err_set(err, EINVAL,
				    "guest RAM of %llu bytes: must be a whole "
				    "number of MiB from %llu to %llu MiB",
				    (unsigned long long)mem_bytes,
				    VM_MEM_MIN >> 20, VM_MEM_MAX >> 20);
	return 0;
}

int vm_create(struct vm *vm, const struct guest_mem *mem, struct xsvm_err *err)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
	ret = vm_mem_check(mem->size, err);
	if (!ret)
		ret = open_kvm(vm, err);
	if (!ret)
		ret = create_machine(vm, err);
	if (!ret)
		ret = map_ram(vm, mem, err);
	if (!ret)
		ret = create_vcpu(vm, err);
	if (ret)
		vm_destroy(vm);
	return ret;
}

void vm_destroy(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_aps; i++) {
		munmap(vm->aps[i].run, vm->run_size);
		close(vm->aps[i].fd);
	}
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
}

static struct kvm_cpuid2 *cpuid2_alloc(unsigned int n)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	if (c)
		c->nent = n;
	return c;
}

int vm_set_cpuid(struct vm *vm, const struct cpuid_table *t,
		 struct xsvm_err *err)
{
	return vm_set_cpuid_fd(vm->vcpu_fd, t, err);
}

int vm_set_cpuid_fd(int fd, const struct cpuid_table *t, struct xsvm_err *err)
{
	struct kvm_cpuid2 *c = cpuid2_alloc(t->nr);
	int ret;

	if (!c)
		return xsvm_err_set(err, ENOMEM, "out of memory");
	for (unsigned int i = 0; i < t->nr; i++) {
		const struct cpuid_entry *e = &t->e[i];
		struct kvm_cpuid_entry2 *k = &c->entries[i];

		k->function = e->leaf;
		k->index = e->subleaf;
		k->flags = cpuid_leaf_is_indexed(e->leaf)
				   ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX
				   : 0;
		k->eax = e->eax;
		k->ebx = e->ebx;
		k->ecx = e->ecx;
		k->edx = e->edx;
	}
	ret = vm_ioctl(fd, KVM_SET_CPUID2, (unsigned long)c, "KVM_SET_CPUID2",
		       err);
	free(c);
	return ret;
}

/*
 * Entries KVM_GET_CPUID2 really wrote into c, which was filled with
 * VM_CPUID_UNSET before the call. Linux 6.5 and later write back the
 * number of entries on success; earlier kernels leave nent as the caller
 * set it and write only the entries they hold, so the count is where the
 * unwritten tail begins.
 */
unsigned int vm_cpuid2_count(const struct kvm_cpuid2 *c, unsigned int asked)
{
	unsigned int n = c->nent < asked ? c->nent : asked;

	for (unsigned int i = 0; i < n; i++)
		if (c->entries[i].function == VM_CPUID_UNSET &&
		    c->entries[i].index == VM_CPUID_UNSET &&
		    c->entries[i].flags == VM_CPUID_UNSET)
			return i;
	return n;
}

int vm_get_cpuid(struct vm *vm, struct cpuid_table *t, struct xsvm_err *err)
{
	return vm_get_cpuid_fd(vm->vcpu_fd, t, err);
}

int vm_get_cpuid_fd(int fd, struct cpuid_table *t, struct xsvm_err *err)
{
	unsigned int n = 64;

	for (;;) {
		struct kvm_cpuid2 *c = cpuid2_alloc(n);
		unsigned int got;
		int ret = 0;

		if (!c)
			return xsvm_err_set(err, ENOMEM, "out of memory");
		memset(c->entries, 0xff, n * sizeof(c->entries[0]));
		if (ioctl(fd, KVM_GET_CPUID2, c) < 0) {
			ret = errno == E2BIG && n < 4096
				      ? 1
				      : sys_fail(err, "KVM_GET_CPUID2");
		} else {
			got = vm_cpuid2_count(c, n);
			cpuid_table_init(t);
			for (unsigned int i = 0; i < got && !ret; i++) {
				const struct kvm_cpuid_entry2 *k =
					&c->entries[i];

				ret = cpuid_table_set(t, k->function, k->index,
						      k->eax, k->ebx, k->ecx,
						      k->edx);
				if (ret)
					ret = xsvm_err_set(
						err, -ret,
						"KVM_GET_CPUID2: more than %u "
						"entries",
						CPUID_TABLE_MAX);
			}
		}
		free(c);
		if (ret != 1)
			return ret;
		n *= 2;
	}
}

int vm_translate(struct vm *vm, uint64_t gva, uint64_t *gpa)
{
	return vm_translate_fd(vm->vcpu_fd, gva, gpa);
}

int vm_translate_fd(int fd, uint64_t gva, uint64_t *gpa)
{
	struct kvm_translation tr = {.linear_address = gva};

	if (ioctl(fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid)
		return -EFAULT;
	*gpa = tr.physical_address;
	return 0;
}

int vm_inject_exception(struct vm *vm, unsigned int vector)
{
	struct kvm_vcpu_events ev;

	if (ioctl(vm->vcpu_fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return -errno;
	ev.exception.injected = 1;
	ev.exception.nr = (uint8_t)vector;
	ev.exception.has_error_code = 0;
	ev.exception.error_code = 0;
	if (ioctl(vm->vcpu_fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
		return -errno;
	return 0;
}

int vm_irq_line(struct vm *vm, unsigned int irq, int level)
{
	struct kvm_irq_level l = {.irq = irq, .level = level};

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
		return -errno;
	return 0;
}

#define X86_RFLAGS_IF 0x200ull

int vm_vcpu_dead_halt(struct vm *vm, bool *dead)
{
	struct kvm_mp_state mp;
	struct kvm_regs regs;

	*dead = false;
	if (ioctl(vm->vcpu_fd, KVM_GET_MP_STATE, &mp) < 0)
		return -errno;
	if (mp.mp_state != KVM_MP_STATE_HALTED)
		return 0;
	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0)
		return -errno;
	*dead = !(regs.rflags & X86_RFLAGS_IF);
	return 0;
}

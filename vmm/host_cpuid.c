// SPDX-License-Identifier: MIT
/*
 * Host table sources: KVM_GET_SUPPORTED_CPUID and the native CPUID
 * instruction.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host_cpuid.h"

#define ARCH_REQ_XCOMP_GUEST_PERM 0x1025
#define XFEATURE_XTILE_DATA_BIT 18

/* KVM lists at most a few hundred entries; stop growing well past that. */
#define KVM_NENT_FIRST 64u
#define KVM_NENT_LIMIT 4096u

/*
 * Ask for AMX TILEDATA in guests created by this process. Hosts without AMX
 * or with an older kernel refuse (EINVAL, EOPNOTSUPP, ENOSYS): the supported
 * table then simply lacks TILEDATA, which is the truth for this host.
 */
int host_request_amx_guest_perm(void)
{
	if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_GUEST_PERM,
		    XFEATURE_XTILE_DATA_BIT) < 0)
		return -errno;
	return 0;
}

int host_kvm_open(struct xsvm_err *err)
{
	int fd = open(HOST_KVM_DEV, O_RDWR | O_CLOEXEC);
	int e;

	if (fd >= 0)
		return fd;
	e = errno;
	if (e == ENOENT)
		return xsvm_err_set(err, e, "%s: %s (this host has no KVM: %s)",
				    HOST_KVM_DEV, strerror(e), HOST_KVM_BOX_HINT);
	return xsvm_err_set(err, e, "%s: %s", HOST_KVM_DEV, strerror(e));
}

static int check_api(int fd, struct xsvm_err *err)
{
	int api = ioctl(fd, KVM_GET_API_VERSION, 0);
	int e = errno;

	if (api == KVM_API_VERSION)
		return 0;
	if (api < 0)
		return xsvm_err_set(err, e, "%s: KVM_GET_API_VERSION: %s",
				    HOST_KVM_DEV, strerror(e));
	return xsvm_err_set(err, ENOTSUP, "%s: KVM API version %d, expected %d",
			    HOST_KVM_DEV, api, KVM_API_VERSION);
}

static struct kvm_cpuid2 *alloc_cpuid2(unsigned int nent)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
	if (c)
		c->nent = nent;
	return c;
}

/* KVM_GET_SUPPORTED_CPUID, growing the array while KVM says E2BIG. */
static int get_supported(int fd, struct kvm_cpuid2 **out, struct xsvm_err *err)
{
	unsigned int nent = KVM_NENT_FIRST;

	for (;;) {
		struct kvm_cpuid2 *c = alloc_cpuid2(nent);
		int e;

		if (!c)
			return xsvm_err_set(err, ENOMEM,
					    "out of memory for %u CPUID entries",
					    nent);
		if (ioctl(fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			*out = c;
			return 0;
		}
		e = errno;
		free(c);
		if (e != E2BIG)
			return xsvm_err_set(err, e,
					    "%s: KVM_GET_SUPPORTED_CPUID: %s",
					    HOST_KVM_DEV, strerror(e));
		if (nent >= KVM_NENT_LIMIT)
			return xsvm_err_set(err, E2BIG,
					    "%s: KVM_GET_SUPPORTED_CPUID wants more than %u entries",
					    HOST_KVM_DEV, KVM_NENT_LIMIT);
		nent *= 2;
	}
}

static int convert_kvm(const struct kvm_cpuid2 *c, struct cpuid_table *t,
		       struct xsvm_err *err)
{
	cpuid_table_init(t);
	for (unsigned int i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *k = &c->entries[i];
		bool indexed = k->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		uint32_t sub = indexed ? k->index : 0;
		int ret;

		ret = cpuid_table_add(t, k->function, sub, k->eax, k->ebx,
				      k->ecx, k->edx);
		/* A leaf KVM repeats (same key) is kept once: the first. */
		if (ret == -EEXIST)
			continue;
		if (ret)
			return xsvm_err_set(err, -ret,
					    "%s: KVM lists more than %d CPUID entries",
					    HOST_KVM_DEV, CPUID_TABLE_MAX);
	}
	return 0;
}

/*
 * KVM copies a few fields from the CPU the ioctl ran on: the initial APIC ID
 * (1.EBX[31:24]), the x2APIC ID (0xB and 0x1F EDX) and AMD's extended APIC
 * ID (0x8000001E EAX). They describe the VMM's thread, not the guest, and
 * would make the table differ from run to run; a vCPU gets its own IDs.
 */
static void clear_apic_ids(struct cpuid_table *t)
{
	for (unsigned int i = 0; i < t->nr; i++) {
		struct cpuid_entry *e = &t->e[i];

		switch (e->leaf) {
		case 0x1:
			e->ebx &= 0x00ffffffu;
			break;
		case 0xb:
		case 0x1f:
			e->edx = 0;
			break;
		case 0x8000001e:
			e->eax = 0;
			break;
		}
	}
}

int host_cpuid_kvm(struct cpuid_table *t, struct xsvm_err *err)
{
	struct kvm_cpuid2 *c = NULL;
	int fd, ret;

	cpuid_table_init(t);
	(void)host_request_amx_guest_perm();
	fd = host_kvm_open(err);
	if (fd < 0)
		return fd;
	ret = check_api(fd, err);
	if (!ret)
		ret = get_supported(fd, &c, err);
	close(fd);
	if (ret)
		return ret;
	ret = convert_kvm(c, t, err);
	free(c);
	if (!ret)
		clear_apic_ids(t);
	return ret;
}

/*
 * Native CPUID enumeration. Ranges and subleaf rules follow Debian's
 * `cpuid -r` (20230120): every leaf of the basic, hypervisor and extended
 * ranges, and for indexed leaves the subleaves the leaf itself says are
 * valid.
 */
#define NATIVE_SUBLEAF_LIMIT 64u
#define HV_BASE 0x40000000u
#define EXT_BASE 0x80000000u
#define RANGE_SPAN 0xffu

struct native_walk {
	struct cpuid_table *t;
	host_cpuid_fn cpuid;
	void *ctx;
	struct xsvm_err *err;
};

static void native_cpuid(void *ctx, uint32_t leaf, uint32_t sub,
			 uint32_t r[4])
{
	(void)ctx;
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
#else
	(void)leaf;
	(void)sub;
	r[0] = r[1] = r[2] = r[3] = 0;
#endif
}

static bool native_cpuid_available(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return true;
#else
	return false;
#endif
}

static void walk_cpuid(struct native_walk *w, uint32_t leaf, uint32_t sub,
		       uint32_t r[4])
{
	w->cpuid(w->ctx, leaf, sub, r);
}

/* Execute CPUID(leaf, sub), add it to the table and return the registers. */
static int native_add(struct native_walk *w, uint32_t leaf, uint32_t sub,
		      uint32_t r[4])
{
	int ret;

	walk_cpuid(w, leaf, sub, r);
	ret = cpuid_table_add(w->t, leaf, sub, r[0], r[1], r[2], r[3]);
	if (ret == -EEXIST || !ret)
		return 0;
	return xsvm_err_set(w->err, -ret,
			    "native CPUID: more than %d leaves and subleaves",
			    CPUID_TABLE_MAX);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/*
 * Subleaves 0 .. first - 1 unconditionally, then first, first + 1, ...
 * until field (reg & mask) reads zero. The terminating subleaf is kept when
 * keep_last: `cpuid -r` lists it for leaves 4, 0xB, 0x12, 0x1B and 0x1F,
 * not for 0x8000001D (not even subleaf 0).
 */
static int walk_until_zero(struct native_walk *w, uint32_t leaf,
			   uint32_t first, unsigned int reg, uint32_t mask,
			   bool keep_last)
{
	for (uint32_t sub = 0; sub < NATIVE_SUBLEAF_LIMIT; sub++) {
		uint32_t r[4];
		bool last;
		int ret;

		walk_cpuid(w, leaf, sub, r);
		last = sub >= first && !(r[reg] & mask);
		if (last && !keep_last)
			return 0;
		ret = native_add(w, leaf, sub, r);
		if (ret || last)
			return ret;
	}
	return 0;
}

/* Subleaves 0..N where N is subleaf 0's EAX (capped). */
static int walk_to_eax(struct native_walk *w, uint32_t leaf)
{
	uint32_t r[4], last;
	int ret = native_add(w, leaf, 0, r);

	last = min_u32(r[0], NATIVE_SUBLEAF_LIMIT - 1);
	for (uint32_t sub = 1; !ret && sub <= last; sub++)
		ret = native_add(w, leaf, sub, r);
	return ret;
}

/* Subleaf 0, then every subleaf i in 1..31 whose bit is set in reg of 0. */
static int walk_bitmap(struct native_walk *w, uint32_t leaf, unsigned int reg)
{
	uint32_t r[4], map;
	int ret = native_add(w, leaf, 0, r);

	map = r[reg];
	for (uint32_t sub = 1; !ret && sub < 32; sub++)
		if (map & (1u << sub))
			ret = native_add(w, leaf, sub, r);
	return ret;
}

/* Leaf 0xD: subleaves 0 and 1, then every component subleaf not all zero. */
static int walk_xsave(struct native_walk *w)
{
	uint32_t r[4];
	int ret = native_add(w, 0xd, 0, r);

	if (!ret)
		ret = native_add(w, 0xd, 1, r);
	for (uint32_t sub = 2; !ret && sub < NATIVE_SUBLEAF_LIMIT; sub++) {
		walk_cpuid(w, 0xd, sub, r);
		if (r[0] | r[1] | r[2] | r[3])
			ret = native_add(w, 0xd, sub, r);
	}
	return ret;
}

static int walk_leaf(struct native_walk *w, uint32_t leaf)
{
	uint32_t r[4];

	switch (leaf) {
	case 0x4:
		return walk_until_zero(w, leaf, 0, 0, 0x1f, true);
	case 0xb:
	case 0x1f:
	case 0x80000026:
		return walk_until_zero(w, leaf, 0, 2, 0xff00, true);
	case 0x8000001d:
		return walk_until_zero(w, leaf, 0, 0, 0x1f, false);
	case 0x1b:
		/* Subleaf 0, then up to the first invalid one (type 0). */
		return walk_until_zero(w, leaf, 1, 0, 0xfff, true);
	case 0x12:
		/*
		 * SGX: 0 and 1 whether SGX is present or not, then the EPC
		 * sections up to the first invalid one (type 0).
		 */
		return walk_until_zero(w, leaf, 2, 0, 0xf, true);
	case 0x7:
	case 0x14:
	case 0x17:
	case 0x18:
	case 0x1d:
	case 0x1e:
	case 0x20:
	case 0x24:
		return walk_to_eax(w, leaf);
	case 0xd:
		return walk_xsave(w);
	case 0xf:
		return walk_bitmap(w, leaf, 3);
	case 0x10:
		return walk_bitmap(w, leaf, 1);
	case 0x23:
		return walk_bitmap(w, leaf, 0);
	case 0x80000020:
		return walk_bitmap(w, leaf, 1);
	default:
		return native_add(w, leaf, 0, r);
	}
}

/* Every leaf from base to base's EAX (capped to base + span). */
static int walk_range(struct native_walk *w, uint32_t base, uint32_t span)
{
	uint32_t r[4], last;
	int ret;

	walk_cpuid(w, base, 0, r);
	last = r[0] < base ? base : base + min_u32(r[0] - base, span);
	for (uint32_t leaf = base;; leaf++) {
		ret = walk_leaf(w, leaf);
		if (ret || leaf == last)
			return ret;
	}
}

static bool hypervisor_present(struct native_walk *w)
{
	uint32_t r[4];

	walk_cpuid(w, 1, 0, r);
	return r[2] & (1u << 31);
}

int host_cpuid_walk(struct cpuid_table *t, host_cpuid_fn cpuid, void *ctx,
		    struct xsvm_err *err)
{
	struct native_walk w = {
		.t = t, .cpuid = cpuid, .ctx = ctx, .err = err
	};
	uint32_t r[4];
	int ret;

	cpuid_table_init(t);
	ret = walk_range(&w, 0, RANGE_SPAN);
	if (!ret && hypervisor_present(&w))
		ret = walk_range(&w, HV_BASE, RANGE_SPAN);
	if (ret)
		return ret;
	walk_cpuid(&w, EXT_BASE, 0, r);
	if (r[0] < EXT_BASE)
		return 0;
	return walk_range(&w, EXT_BASE, RANGE_SPAN);
}

int host_cpuid_native(struct cpuid_table *t, struct xsvm_err *err)
{
	cpuid_table_init(t);
	if (!native_cpuid_available())
		return xsvm_err_set(err, ENOTSUP, "native CPUID needs an x86 CPU");
	return host_cpuid_walk(t, native_cpuid, NULL, err);
}

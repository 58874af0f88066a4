// SPDX-License-Identifier: MIT
/*
 * The per-vCPU table: topology fields from the stated topology (see
 * topology.h for every field).
 */
#include <string.h>

#include "scan.h"
#include "topology.h"

#define LEAF_CACHE     0x4u
#define LEAF_EXT_TOPO  0xbu
#define LEAF_V2_TOPO   0x1fu
#define LEAF_AMD_SIZES 0x80000008u
#define LEAF_AMD_CACHE 0x8000001du
#define LEAF_AMD_TOPO  0x8000001eu

#define TOPO_LEVEL_SMT	1u
#define TOPO_LEVEL_CORE 2u

unsigned int topology_cpus(const struct topology *t)
{
	return t->sockets * t->cores * t->threads;
}

void topology_default(unsigned int n, struct topology *t)
{
	t->sockets = 1;
	t->cores = n;
	t->threads = 1;
}

unsigned int topology_width(unsigned int n)
{
	unsigned int w = 0;

	while (n > 1u << w)
		w++;
	return w;
}

uint32_t topology_apic_id(const struct topology *t, unsigned int i)
{
	unsigned int tw = topology_width(t->threads);
	unsigned int cw = topology_width(t->cores);
	unsigned int thread = i % t->threads; /* i below topology_cpus(t) */
	unsigned int core = i / t->threads % t->cores;
	unsigned int socket = i / (t->threads * t->cores);

	return thread | core << tw | socket << (tw + cw);
}

/* One "NAME=COUNT" of --topology into its field. */
static int parse_level(struct scan *s, struct topology *t, bool seen[3],
		       const char *all, struct xsvm_err *err)
{
	static const char *const names[] = {"sockets=", "cores=", "threads="};
	unsigned int *fields[] = {&t->sockets, &t->cores, &t->threads};
	uint64_t v;

	for (unsigned int i = 0; i < 3; i++) {
		if (!scan_eat(s, names[i]))
			continue;
		if (seen[i])
			return xsvm_err_set(err, EINVAL,
					    "--topology: '%s' gives %.*s twice",
					    all, (int)strlen(names[i]) - 1,
					    names[i]);
		if (scan_dec(s, TOPOLOGY_MAX_CPUS, &v) != SCAN_NUM_OK || !v)
			return xsvm_err_set(err, EINVAL,
					    "--topology: '%s': %.*s wants a "
					    "count from 1 to %u",
					    all, (int)strlen(names[i]) - 1,
					    names[i], TOPOLOGY_MAX_CPUS);
		seen[i] = true;
		*fields[i] = (unsigned int)v;
		return 0;
	}
	return xsvm_err_set(
		err, EINVAL,
		"--topology: '%s' is not sockets=S,cores=C,threads=T", all);
}

int topology_parse(const char *s, unsigned int cpus, struct topology *t,
		   struct xsvm_err *err)
{
	struct scan sc = {s, strlen(s)};
	bool seen[3] = {false, false, false};
	struct topology r = {1, 1, 1};
	int ret;

	do {
		ret = parse_level(&sc, &r, seen, s, err);
		if (ret)
			return ret;
	} while (scan_eat(&sc, ","));
	if (sc.n)
		return xsvm_err_set(
			err, EINVAL,
			"--topology: '%s' is not sockets=S,cores=C,threads=T",
			s);
	if ((uint64_t)r.sockets * r.cores * r.threads > TOPOLOGY_MAX_CPUS)
		return xsvm_err_set(err, EINVAL,
				    "--topology: '%s' is more than %u vCPUs", s,
				    TOPOLOGY_MAX_CPUS);
	if (cpus && topology_cpus(&r) != cpus)
		return xsvm_err_set(err, EINVAL,
				    "--topology: %u sockets x %u cores x %u "
				    "threads is %u vCPUs, not the %u of --cpus",
				    r.sockets, r.cores, r.threads,
				    topology_cpus(&r), cpus);
	*t = r;
	return 0;
}

struct stage {
	struct cpuid_table *t;
	struct topology_result *r;
};

/* Set a register of an existing entry, recording the change. */
static void put(struct stage *st, struct cpuid_entry *e, enum cpuid_reg reg,
		uint32_t val, const char *why)
{
	uint32_t old = cpuid_entry_reg(e, reg);

	if (old == val)
		return;
	cpuid_entry_set_reg(e, reg, val);
	policy_change_add(st->r->changes, &st->r->nr_changes,
			  TOPOLOGY_MAX_CHANGES, POLICY_CHANGE_BITS, e->leaf,
			  e->subleaf, reg, old, val, why);
}

static uint32_t field(uint32_t v, unsigned int lo, unsigned int bits,
		      uint32_t f)
{
	uint32_t mask = (bits >= 32 ? ~0u : (1u << bits) - 1) << lo;

	return (v & ~mask) | ((f << lo) & mask);
}

bool topology_vendor_amd(const struct cpuid_table *t)
{
	const struct cpuid_entry *e = cpuid_table_find(t, 0, 0);

	/* "AuthenticAMD", "HygonGenuine": EBX "Auth"/"Hygo" */
	return e && (e->ebx == 0x68747541u || e->ebx == 0x6f677948u);
}

struct shape {
	unsigned int tw, cw;  /* bits of the thread and core levels */
	unsigned int per_pkg; /* threads per package */
	uint32_t apic;
};

static void leaf1(struct stage *st, const struct shape *sh)
{
	struct cpuid_entry *e = cpuid_table_find_mut(st->t, 1, 0);
	uint32_t ebx;

	if (!e)
		return;
	ebx = field(e->ebx, 24, 8, sh->apic);
	put(st, e, CPUID_EBX, ebx,
	    "initial APIC ID (CPUID.1:EBX[31:24]): the vCPU's");
	ebx = field(e->ebx, 16, 8, 1u << (sh->tw + sh->cw));
	put(st, e, CPUID_EBX, ebx,
	    "addressable IDs per package (CPUID.1:EBX[23:16]): 1 << (thread "
	    "bits + core bits)");
	put(st, e, CPUID_EDX,
	    sh->per_pkg > 1 ? e->edx | 1u << 28 : e->edx & ~(1u << 28),
	    "HTT (CPUID.1:EDX[28]): more than one thread per package");
}

/* Leaf 4 (Intel) or 0x8000001D (AMD): one subleaf per cache. */
static void caches(struct stage *st, uint32_t leaf, const struct shape *sh,
		   bool cores_field)
{
	for (uint32_t sub = 0; sub < 16; sub++) {
		struct cpuid_entry *e = cpuid_table_find_mut(st->t, leaf, sub);
		uint32_t eax, share;

		if (!e || !(e->eax & 0x1f))
			break;
		/* L1 and L2 are the core's, L3 the package's */
		share = (e->eax >> 5 & 7) >= 3 ? 1u << (sh->tw + sh->cw)
					       : 1u << sh->tw;
		eax = field(e->eax, 14, 12, share - 1);
		if (cores_field)
			eax = field(eax, 26, 6, (1u << sh->cw) - 1);
		put(st, e, CPUID_EAX, eax,
		    cores_field ? "cache sharing and cores per package "
				  "(EAX[25:14], EAX[31:26])"
				: "cache sharing (EAX[25:14])");
	}
}

/* Add an all-zero entry, recording it; NULL when the table is full. */
static struct cpuid_entry *add(struct stage *st, uint32_t leaf, uint32_t sub,
			       const char *why)
{
	if (cpuid_table_add(st->t, leaf, sub, 0, 0, 0, 0))
		return NULL;
	policy_change_add(st->r->changes, &st->r->nr_changes,
			  TOPOLOGY_MAX_CHANGES, POLICY_CHANGE_ADDED, leaf, sub,
			  CPUID_EAX, 0, 0, why);
	return cpuid_table_find_mut(st->t, leaf, sub);
}

/*
 * Leaf 0xB or 0x1F: SMT level, core level, then an invalid level. A leaf
 * that is there gets all three subleaves: KVM reports only subleaf 0 of
 * 0xB since Linux 6.2, and Linux stops at the first missing level.
 */
static void levels(struct stage *st, uint32_t leaf, const struct topology *topo,
		   const struct shape *sh)
{
	if (!cpuid_table_find(st->t, leaf, 0))
		return;
	for (uint32_t sub = 0; sub < 8; sub++) {
		struct cpuid_entry *e = cpuid_table_find_mut(st->t, leaf, sub);
		uint32_t eax = 0, ebx = 0, ecx = sub;

		if (!e && sub <= 2)
			e = add(st, leaf, sub,
				"topology level: every level up to the invalid "
				"one");
		if (!e)
			break;
		if (sub == 0) {
			eax = sh->tw;
			ebx = topo->threads;
			ecx |= TOPO_LEVEL_SMT << 8;
		} else if (sub == 1) {
			eax = sh->tw + sh->cw;
			ebx = sh->per_pkg;
			ecx |= TOPO_LEVEL_CORE << 8;
		}
		put(st, e, CPUID_EAX, eax,
		    "topology level: shift to the next level");
		put(st, e, CPUID_EBX, ebx,
		    "topology level: logical processors at this level");
		put(st, e, CPUID_ECX, ecx, "topology level: number and type");
		put(st, e, CPUID_EDX, sh->apic, "x2APIC ID: the vCPU's");
	}
}

/*
 * An AMD table without 0x8000001E cannot state threads: Linux reads AMD's
 * SMT only with TopologyExtensions (0x80000001 ECX[22]). Add the leaf,
 * raise the highest extended leaf to it, and set the bit.
 */
static struct cpuid_entry *amd_topoext(struct stage *st)
{
	struct cpuid_entry *max = cpuid_table_find_mut(st->t, 0x80000000u, 0);
	struct cpuid_entry *ext = cpuid_table_find_mut(st->t, 0x80000001u, 0);

	if (!max || !ext)
		return NULL;
	if (max->eax < LEAF_AMD_TOPO)
		put(st, max, CPUID_EAX, LEAF_AMD_TOPO,
		    "highest extended leaf: up to 0x8000001E, for threads");
	ext = cpuid_table_find_mut(st->t, 0x80000001u, 0);
	put(st, ext, CPUID_ECX, ext->ecx | 1u << 22,
	    "TopologyExtensions (0x80000001 ECX[22]): Linux reads AMD threads "
	    "only with it");
	return add(st, LEAF_AMD_TOPO, 0,
		   "0x8000001E: the threads of an AMD table");
}

static void amd_leaves(struct stage *st, const struct topology *topo,
		       const struct shape *sh, unsigned int index)
{
	struct cpuid_entry *e = cpuid_table_find_mut(st->t, LEAF_AMD_SIZES, 0);
	unsigned int socket = index / (topo->threads * topo->cores);

	if (e) {
		uint32_t ecx = field(e->ecx, 0, 8, sh->per_pkg - 1);

		ecx = field(ecx, 12, 4, sh->tw + sh->cw);
		put(st, e, CPUID_ECX, ecx,
		    "threads per package - 1 and APIC ID bits (0x80000008 "
		    "ECX[7:0], [15:12])");
	}
	caches(st, LEAF_AMD_CACHE, sh, false);
	e = cpuid_table_find_mut(st->t, LEAF_AMD_TOPO, 0);
	if (!e && topo->threads > 1)
		e = amd_topoext(st);
	if (!e)
		return;
	put(st, e, CPUID_EAX, sh->apic,
	    "extended APIC ID (0x8000001E EAX): the vCPU's");
	put(st, e, CPUID_EBX,
	    field(field(e->ebx, 0, 8, sh->apic >> sh->tw), 8, 8,
		  topo->threads - 1),
	    "core ID and threads per core - 1 (0x8000001E EBX[7:0], [15:8])");
	put(st, e, CPUID_ECX, field(field(e->ecx, 0, 8, socket), 8, 3, 0),
	    "node ID and nodes per package - 1 (0x8000001E ECX[7:0], [10:8])");
}

int topology_vcpu_table(struct cpuid_table *t, const struct topology *topo,
			unsigned int index, struct topology_result *r,
			struct xsvm_err *err)
{
	struct stage st = {t, r};
	struct shape sh;
	unsigned int n = topology_cpus(topo);

	memset(r, 0, sizeof(*r));
	if (!n || index >= n)
		return xsvm_err_set(err, EINVAL, "vCPU %u of %u", index, n);
	sh.tw = topology_width(topo->threads);
	sh.cw = topology_width(topo->cores);
	sh.per_pkg = topo->threads * topo->cores;
	sh.apic = topology_apic_id(topo, index);
	if (topology_apic_id(topo, n - 1) > 0xfe)
		return xsvm_err_set(
			err, EINVAL,
			"the topology's APIC IDs go up to %u: more than the "
			"254 an xAPIC, leaf 1 and the MP table can name",
			topology_apic_id(topo, n - 1));
	r->index = index;
	r->apic_id = sh.apic;
	leaf1(&st, &sh);
	if (!topology_vendor_amd(t))
		caches(&st, LEAF_CACHE, &sh, true);
	levels(&st, LEAF_EXT_TOPO, topo, &sh);
	levels(&st, LEAF_V2_TOPO, topo, &sh);
	if (topology_vendor_amd(t))
		amd_leaves(&st, topo, &sh, index);
	return 0;
}

// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "topology_check.h"

#define LEVEL_SMT  1u
#define LEVEL_CORE 2u

static void __attribute__((format(printf, 3, 4)))
expect(struct topology_check *c, bool ok, const char *fmt, ...)
{
	va_list ap;

	c->checked++;
	if (ok)
		return;
	if (c->nr < TOPOLOGY_CHECK_MAX) {
		va_start(ap, fmt);
		vsnprintf(c->msg[c->nr], sizeof(c->msg[0]), fmt, ap);
		va_end(ap);
	}
	c->nr++;
}

struct position {
	unsigned int thread, core, socket, per_pkg;
	uint32_t apic;
};

/* The ID's fields below, between and above the levels' shifts. */
static void split_check(struct topology_check *c, uint32_t leaf, uint32_t id,
			unsigned int smt_shift, unsigned int core_shift,
			const struct position *p)
{
	uint32_t thread, core, socket;

	if (smt_shift > core_shift || core_shift >= 32) {
		expect(c, false, "0x%x: the SMT shift %u is above the core shift %u",
		       leaf, smt_shift, core_shift);
		return;
	}
	thread = id & ((1u << smt_shift) - 1);
	core = (id >> smt_shift) & ((1u << (core_shift - smt_shift)) - 1);
	socket = id >> core_shift;
	expect(c, thread == p->thread && core == p->core && socket == p->socket,
	       "0x%x: x2APIC ID %u splits into thread %u, core %u, socket %u, not %u, %u, %u",
	       leaf, id, thread, core, socket, p->thread, p->core, p->socket);
}

/* Leaf 0xB or 0x1F: every level up to the invalid one. */
static void levels_check(const struct cpuid_table *t, uint32_t leaf,
			 const struct topology *topo, const struct position *p,
			 struct topology_check *c)
{
	unsigned int smt_shift = 0, core_shift = 0;
	bool smt = false, core = false;

	if (!cpuid_table_find(t, leaf, 0) ||
	    cpuid_table_reg(t, 0, 0, CPUID_EAX) < leaf)
		return;
	for (uint32_t sub = 0; sub < 8; sub++) {
		const struct cpuid_entry *e = cpuid_table_find(t, leaf, sub);
		uint32_t type;

		if (!e)
			break;
		type = (e->ecx >> 8) & 0xff;
		if (!type)
			break;
		expect(c, e->edx == p->apic,
		       "0x%x.%u EDX: x2APIC ID %u, the topology gives %u", leaf,
		       sub, e->edx, p->apic);
		if (type == LEVEL_SMT) {
			smt = true;
			smt_shift = e->eax & 0x1f;
			expect(c, (e->ebx & 0xffff) == topo->threads,
			       "0x%x.%u EBX: %u threads per core, the topology has %u",
			       leaf, sub, e->ebx & 0xffff, topo->threads);
		} else if (type == LEVEL_CORE) {
			core = true;
			core_shift = e->eax & 0x1f;
			expect(c, (e->ebx & 0xffff) == p->per_pkg,
			       "0x%x.%u EBX: %u threads per package, the topology has %u",
			       leaf, sub, e->ebx & 0xffff, p->per_pkg);
		}
	}
	expect(c, smt && core, "0x%x: no %s level", leaf, smt ? "core" : "SMT");
	if (smt && core)
		split_check(c, leaf, p->apic, smt_shift, core_shift, p);
}

static void leaf1_check(const struct cpuid_table *t, const struct position *p,
			struct topology_check *c)
{
	const struct cpuid_entry *e = cpuid_table_find(t, 1, 0);
	unsigned int logical;

	if (!e)
		return;
	expect(c, e->ebx >> 24 == (p->apic & 0xff),
	       "1 EBX[31:24]: initial APIC ID %u, the topology gives %u",
	       e->ebx >> 24, p->apic & 0xff);
	if (p->per_pkg < 2)
		return;
	logical = (e->ebx >> 16) & 0xff;
	expect(c, e->edx & (1u << 28),
	       "1 EDX[28] HTT clear with %u threads per package", p->per_pkg);
	expect(c, logical >= p->per_pkg,
	       "1 EBX[23:16]: %u addressable IDs, fewer than the %u threads of a package",
	       logical, p->per_pkg);
}

static void amd_check(const struct cpuid_table *t, const struct topology *topo,
		      const struct position *p, struct topology_check *c)
{
	uint32_t max = cpuid_table_reg(t, 0x80000000u, 0, CPUID_EAX);
	const struct cpuid_entry *e;

	e = cpuid_table_find(t, 0x8000001eu, 0);
	if (e && max >= 0x8000001eu &&
	    (cpuid_table_reg(t, 0x80000001u, 0, CPUID_ECX) & (1u << 22))) {
		expect(c, e->eax == p->apic,
		       "0x8000001e EAX: extended APIC ID %u, the topology gives %u",
		       e->eax, p->apic);
		expect(c, ((e->ebx >> 8) & 0xff) + 1 == topo->threads,
		       "0x8000001e EBX[15:8]: %u threads per core, the topology has %u",
		       ((e->ebx >> 8) & 0xff) + 1, topo->threads);
	}
	e = cpuid_table_find(t, 0x80000008u, 0);
	if (e && max >= 0x80000008u)
		expect(c, (e->ecx & 0xff) + 1 == p->per_pkg,
		       "0x80000008 ECX[7:0]: %u threads per package, the topology has %u",
		       (e->ecx & 0xff) + 1, p->per_pkg);
}

void topology_check(const struct cpuid_table *t, const struct topology *topo,
		    unsigned int index, uint32_t lapic_id,
		    struct topology_check *c)
{
	struct position p = {
		.thread = index % topo->threads,
		.core = (index / topo->threads) % topo->cores,
		.socket = index / (topo->threads * topo->cores),
		.per_pkg = topo->threads * topo->cores,
		.apic = topology_apic_id(topo, index),
	};
	const struct cpuid_entry *e4 = cpuid_table_find(t, 4, 0);

	memset(c, 0, sizeof(*c));
	expect(c, lapic_id == p.apic, "the local APIC's ID is %u, the topology gives %u",
	       lapic_id, p.apic);
	leaf1_check(t, &p, c);
	levels_check(t, 0xb, topo, &p, c);
	levels_check(t, 0x1f, topo, &p, c);
	if (topology_vendor_amd(t)) {
		amd_check(t, topo, &p, c);
	} else if (e4 && (e4->eax & 0x1f)) {
		expect(c, (e4->eax >> 26) + 1 >= topo->cores,
		       "4.0 EAX[31:26]: %u addressable cores, fewer than the %u of a package",
		       (e4->eax >> 26) + 1, topo->cores);
	}
}

// SPDX-License-Identifier: MIT
/*
 * The test guest: read the built CPUID table through the VMM's CPUID
 * service (cpuid/service.h), run the project's Linux model on it at the
 * state that kernel would enter, and print exactly the kernel's x86/fpu
 * lines, so the VMM's console verdict reads them like a real boot. Then
 * compare KVM's read-back table with what the CPUID instruction returns,
 * print a verdict line and leave through the debug-exit port.
 *
 * Command line (boot_params cmd_line_ptr): "xsvm.linux=X.Y[.Z]"
 * picks the model (default 6.8), "xsvm.native=0" skips the comparison,
 * "xsvm.probe=1" measures the host's KVM instead (probe.c), and
 * "xsvm.topology=sockets=S,cores=C,threads=T" states the vCPUs: the BSP
 * starts the others (smp.h), each checks its own view (vcpu.h), and the
 * BSP prints a "problem:" line for each vCPU that disagrees with its
 * stated topology or with vCPU 0 about leaf 0xD.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cpuid/linux.h"
#include "cpuid/service.h"
#include "cpuid/table.h"
#include "cpuid/topology.h"
#include "cpuid/xsave.h"
#include "guest.h"
#include "io.h"
#include "probe.h"
#include "smp.h"
#include "svc.h"
#include "vcpu.h"

#define BP_CMD_LINE_PTR 0x228	/* u32 in boot_params (vmm/boot_params.h) */
#define BP_E820_ENTRIES 0x1e8	/* u8 */
#define BP_E820_TABLE	0x2d0	/* 20-byte entries */
#define E820_RAM	1u
#define CMDLINE_MAX	0x10000 /* BOOT_CMDLINE_MAX, NUL included */
#define OPT_VALUE_MAX	64
#define IDENTITY_END	0x100000000ull /* the boot protocol's identity map */

/* Each vCPU's area: struct vcpu_area, then its stack. */
#define PAGE	    4096u
#define VCPU_STACK  0x10000u /* as the BSP's (entry.S) */
#define AREA_SIZE   (((sizeof(struct vcpu_area) + PAGE - 1) & ~(size_t)(PAGE - 1)) + VCPU_STACK)
/*
 * TSC ticks from the first SIPI: the second INIT and SIPI to APs that have
 * not arrived (a fraction of a second), the end of the wait for arrivals
 * (seconds), and for the reports (minutes on any CPU).
 */
#define RESEND_TICKS  (1ull << 29)
#define ARRIVAL_TICKS (1ull << 33)
#define DONE_TICKS    (1ull << 40)

struct options {
	uint32_t version;
	bool native;
	bool probe;
	bool have_topology;
	struct topology topo;
};

extern char __image_end[];

/* Read by every vCPU, written by the BSP before the APs start. */
static struct vcpu_plan plan;
static uint8_t *areas;
static uint32_t bsp_apic_id;

static struct vcpu_area *area(unsigned int i)
{
	return (struct vcpu_area *)(areas + (size_t)i * AREA_SIZE);
}

/* "name=value" at w (a word of len bytes): the value, or NULL. */
static const char *option_value(const char *w, size_t len, const char *name,
				char *buf)
{
	size_t n = strlen(name);

	if (len <= n || strncmp(w, name, n) || w[n] != '=')
		return NULL;
	len -= n + 1;
	if (len >= OPT_VALUE_MAX)
		len = OPT_VALUE_MAX - 1;
	memcpy(buf, w + n + 1, len);
	buf[len] = '\0';
	return buf;
}

static void parse_word(const char *w, size_t len, struct options *o)
{
	char buf[OPT_VALUE_MAX];
	struct xsvm_err err;
	const char *v;

	if ((v = option_value(w, len, "xsvm.linux", buf))) {
		if (linux_version_parse(v, &o->version, NULL))
			guest_fail("xsvm.linux must be a release, X.Y or X.Y.Z");
	} else if ((v = option_value(w, len, "xsvm.native", buf))) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			guest_fail("xsvm.native must be 0 or 1");
		o->native = v[0] == '1';
	} else if ((v = option_value(w, len, "xsvm.probe", buf))) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			guest_fail("xsvm.probe must be 0 or 1");
		o->probe = v[0] == '1';
	} else if ((v = option_value(w, len, "xsvm.topology", buf))) {
		if (topology_parse(v, 0, &o->topo, &err))
			guest_fail("xsvm.topology: %s", err.msg);
		o->have_topology = true;
	}
}

static void parse_cmdline(uint64_t boot_params, struct options *o)
{
	uint32_t ptr = *(const volatile uint32_t *)(uintptr_t)(boot_params +
							       BP_CMD_LINE_PTR);
	const char *s = (const char *)(uintptr_t)ptr;
	size_t i = 0, start;

	memset(o, 0, sizeof(*o));
	o->version = LINUX_DEFAULT_VERSION;
	o->native = true;
	if (!ptr)
		return;
	while (i < CMDLINE_MAX && s[i]) {
		while (i < CMDLINE_MAX && s[i] == ' ')
			i++;
		start = i;
		while (i < CMDLINE_MAX && s[i] && s[i] != ' ')
			i++;
		if (i > start)
			parse_word(s + start, i - start, o);
	}
}

/* The end of the e820 RAM entry the image ends in (at most 4 GiB), or 0. */
static uint64_t ram_end(uint64_t boot_params, uint64_t at)
{
	const uint8_t *bp = (const uint8_t *)(uintptr_t)boot_params;
	unsigned int n = bp[BP_E820_ENTRIES];

	for (unsigned int i = 0; i < n && i < 128; i++) {
		const uint8_t *e = bp + BP_E820_TABLE + 20 * i;
		uint64_t addr, size;
		uint32_t type;

		memcpy(&addr, e, 8);
		memcpy(&size, e + 8, 8);
		memcpy(&type, e + 16, 4);
		if (type == E820_RAM && addr <= at && at - addr < size)
			return addr + size < IDENTITY_END ? addr + size
							  : IDENTITY_END;
	}
	return 0;
}

/* The vCPUs' areas, after the image, in RAM the e820 map gives. */
static void areas_place(uint64_t boot_params, unsigned int nr)
{
	uint64_t base = ((uint64_t)(uintptr_t)__image_end + PAGE - 1) &
			~(uint64_t)(PAGE - 1);
	uint64_t need = (uint64_t)nr * AREA_SIZE, end = ram_end(boot_params, base);

	if (!end || end - base < need)
		guest_fail("%u vCPUs need %llu KiB of RAM after the image at 0x%llx; the e820 map gives %llu",
			   nr, (unsigned long long)(need >> 10),
			   (unsigned long long)base,
			   (unsigned long long)(end > base ? (end - base) >> 10 : 0));
	areas = (uint8_t *)(uintptr_t)base;
	for (unsigned int i = 0; i < nr; i++)
		memset(&area(i)->rep, 0, sizeof(area(i)->rep));
	memset(&area(0)->svc, 0, sizeof(area(0)->svc));
}

static __attribute__((noreturn)) void ap_entry(uint32_t index)
{
	struct vcpu_area *a = area(index);

	idt_load();
	/* nothing written to its service yet, also after a second INIT */
	memset(&a->svc, 0, sizeof(a->svc));
	__atomic_store_n(&a->rep.state, VCPU_ARRIVED, __ATOMIC_RELEASE);
	vcpu_check_model(a, index, &plan, area(0));
	vcpu_check_view(a, index, &plan, false);
	__atomic_store_n(&a->rep.state, VCPU_DONE, __ATOMIC_RELEASE);
	smp_wake(bsp_apic_id);
	for (;;) {
		cli();
		hlt();
	}
}

/* "vCPU i (APIC ID a)" */
static const char *who(unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "vCPU %u (APIC ID %u)", i,
		 topology_apic_id(&plan.topo, i));
	return buf;
}

/* Leaf 0xD of vCPU i against vCPU 0's: true when they agree. */
static bool same_xsave(unsigned int i)
{
	const struct vcpu_area *a = area(i), *b = area(0);
	const struct vcpu_report *r = &a->rep, *r0 = &b->rep;
	char w[48];

	if (r->ebx1 != r0->ebx1 || r->ebx0 != r0->ebx0) {
		bool one = r->ebx1 != r0->ebx1;
		uint32_t mine = one ? r->ebx1 : r->ebx0,
			 theirs = one ? r0->ebx1 : r0->ebx0;

		console_printf("xsvm-guest: problem: %s: 0xd.%u EBX %u where vCPU 0 has %u (%+d bytes) at XCR0 0x%llx, XSS 0x%llx; the Linux %s model on it: %s",
			       who(i, w, sizeof(w)), one ? 1u : 0u, mine,
			       theirs, (int)(mine - theirs),
			       (unsigned long long)r->xcr0,
			       (unsigned long long)r->xss,
			       linux_release_name(plan.version).s,
			       r->model_failed ? "it could not run"
			       : r->passed	? "consistent"
						: "inconsistent");
		return false;
	}
	for (unsigned int k = 0; k < b->built.nr; k++) {
		const struct cpuid_entry *e = &b->built.e[k], *f;

		if (e->leaf != XSAVE_LEAF)
			continue;
		f = cpuid_table_find(&a->built, e->leaf, e->subleaf);
		if (!f || f->eax != e->eax || f->ebx != e->ebx ||
		    f->ecx != e->ecx || f->edx != e->edx) {
			console_printf("xsvm-guest: problem: %s: 0xd.%u differs from vCPU 0's",
				       who(i, w, sizeof(w)), e->subleaf);
			return false;
		}
	}
	return true;
}

/* One vCPU's report: true when it agrees with its topology and vCPU 0. */
static bool judge_vcpu(unsigned int i)
{
	const struct vcpu_report *r = &area(i)->rep;
	bool ok = true;
	char w[48];

	if (r->state != VCPU_DONE) {
		console_printf("xsvm-guest: problem: %s: %s",
			       who(i, w, sizeof(w)),
			       r->state == VCPU_ABSENT
				       ? "did not start (INIT, SIPI, SIPI)"
				       : "started but never finished its checks");
		return false;
	}
	if (i && r->lapic_id == topology_apic_id(&plan.topo, i) &&
	    !same_xsave(i))
		ok = false;
	if (r->topo_checked) {
		for (unsigned int k = 0;
		     k < r->topo.nr && k < TOPOLOGY_CHECK_MAX; k++)
			console_printf("xsvm-guest: problem: %s: topology: %s",
				       who(i, w, sizeof(w)), r->topo.msg[k]);
		ok &= !r->topo.nr;
	}
	if (i && r->native_same != r->native_n)
		console_printf("xsvm-guest: %s: native CPUID matches its KVM table in %u of %u entries; first: %s",
			       who(i, w, sizeof(w)), r->native_same,
			       r->native_n, r->native_first);
	return ok;
}

/*
 * Halt until every AP's report is done; a second INIT and SIPI to each AP
 * not arrived after RESEND_TICKS; give up on those after ARRIVAL_TICKS
 * and on the others after DONE_TICKS. Returns how many arrived.
 */
static unsigned int wait_aps(void)
{
	uint64_t t0 = smp_tsc(), t;
	unsigned int absent, busy;
	bool resent = false;

	smp_timer_start();
	for (;;) {
		absent = busy = 0;
		for (unsigned int i = 1; i < plan.nr; i++) {
			uint32_t st = area(i)->rep.state;

			absent += st == VCPU_ABSENT;
			busy += st != VCPU_DONE;
		}
		t = smp_tsc() - t0;
		if (!busy || t > DONE_TICKS ||
		    (absent == busy && t > ARRIVAL_TICKS))
			break;
		if (absent && !resent && t > RESEND_TICKS) {
			for (unsigned int i = 1; i < plan.nr; i++)
				if (area(i)->rep.state == VCPU_ABSENT)
					smp_send_start(topology_apic_id(&plan.topo, i));
			resent = true;
		}
		smp_idle();
	}
	smp_timer_stop();
	return plan.nr - 1 - absent;
}

/* Start every AP, wait for their reports, and judge every vCPU. */
static bool check_vcpus(void)
{
	struct smp_boot b = {
		.areas = (uint64_t)(uintptr_t)areas,
		.area_size = AREA_SIZE,
		.entry = ap_entry,
	};
	unsigned int started, agree = 0, fields = 0;

	memset(b.index_of, SMP_NO_INDEX, sizeof(b.index_of));
	for (unsigned int i = 1; i < plan.nr; i++) {
		uint32_t id = topology_apic_id(&plan.topo, i);

		if (id >= SMP_NO_INDEX)
			guest_fail("xsvm.topology: vCPU %u has APIC ID %u, past the xAPIC's 0x%x",
				   i, id, SMP_NO_INDEX - 1);
		b.index_of[id] = (uint8_t)i;
	}
	bsp_apic_id = lapic_id();
	smp_prepare(&b);
	for (unsigned int i = 1; i < plan.nr; i++)
		smp_send_start(topology_apic_id(&plan.topo, i));
	started = 1 + wait_aps();
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	area(0)->rep.state = VCPU_DONE;
	for (unsigned int i = 0; i < plan.nr; i++) {
		agree += judge_vcpu(i);
		fields += area(i)->rep.topo.checked;
	}
	console_printf("xsvm-guest: %u vCPUs (%u sockets x %u cores x %u threads): %u started, %u agree with the topology (%u fields) and with vCPU 0 on leaf 0xd",
		       plan.nr, plan.topo.sockets, plan.topo.cores,
		       plan.topo.threads, started, agree, fields);
	return agree == plan.nr;
}

void guest_main(uint64_t boot_params)
{
	struct options o;
	struct vcpu_area *a;
	bool passed;

	parse_cmdline(boot_params, &o);
	if (o.probe)
		probe_main();
	if (svc_in(CPUID_SVC_SIG) != CPUID_SVC_SIGNATURE)
		guest_fail("no CPUID service");
	plan.version = o.version;
	plan.native = o.native;
	plan.have_topology = o.have_topology;
	plan.topo = o.topo;
	if (!o.have_topology)
		topology_default(1, &plan.topo);
	plan.nr = topology_cpus(&plan.topo);
	areas_place(boot_params, plan.nr);
	a = area(0);
	vcpu_check_model(a, 0, &plan, NULL);
	console_printf("xsvm-guest: test guest, Linux %s model, %u CPUID entries",
		       linux_release_name(o.version).s, a->built.nr);
	if (a->rep.bad_state)
		console_printf("xsvm-guest: CPUID service: %u entries of leaf 0xd answered bad state at XCR0 0x1, XSS 0x0",
			       a->rep.bad_state);
	for (unsigned int i = 0; i < a->model.nr_lines; i++)
		console_putline(a->model.lines[i]);
	vcpu_check_view(a, 0, &plan, true);
	if (o.native)
		console_printf("xsvm-guest: native CPUID matches KVM's table in %u of %u entries",
			       a->rep.native_same, a->rep.native_n);
	passed = a->rep.passed;
	if (o.have_topology)
		passed &= check_vcpus();
	console_putline(passed ? "xsvm-guest: verdict passed"
			       : "xsvm-guest: verdict problem");
	guest_exit(passed ? GUEST_EXIT_PASSED : GUEST_EXIT_PROBLEM);
}

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
 * "xsvm.probe=1" measures the host's KVM instead (probe.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpuid/linux.h"
#include "cpuid/service.h"
#include "cpuid/table.h"
#include "cpuid/xsave.h"
#include "guest.h"
#include "io.h"
#include "probe.h"
#include "svc.h"

#define BP_CMD_LINE_PTR 0x228	/* u32 in boot_params (vmm/boot_params.h) */
#define CMDLINE_MAX	0x10000 /* BOOT_CMDLINE_MAX, NUL included */
#define OPT_VALUE_MAX	16

/* The state the built table is enumerated at: x87 only, no XSS. */
#define ENUM_XCR0 1
#define ENUM_XSS  0

struct options {
	uint32_t version;
	bool native;
	bool probe;
};

/* Large values live in .bss, not on the 64 KiB stack. */
static struct cpuid_table table;
static struct linux_result result;

static __attribute__((noreturn)) void fail(const char *msg)
{
	console_printf("xsvm-guest: %s", msg);
	guest_exit(GUEST_EXIT_NO_VERDICT);
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
	const char *v;

	if ((v = option_value(w, len, "xsvm.linux", buf))) {
		if (linux_version_parse(v, &o->version, NULL))
			fail("xsvm.linux must be a release, X.Y or X.Y.Z");
	} else if ((v = option_value(w, len, "xsvm.native", buf))) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			fail("xsvm.native must be 0 or 1");
		o->native = v[0] == '1';
	} else if ((v = option_value(w, len, "xsvm.probe", buf))) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			fail("xsvm.probe must be 0 or 1");
		o->probe = v[0] == '1';
	}
}

static void parse_cmdline(uint64_t boot_params, struct options *o)
{
	uint32_t ptr = *(const volatile uint32_t *)(uintptr_t)(boot_params +
							       BP_CMD_LINE_PTR);
	const char *s = (const char *)(uintptr_t)ptr;
	size_t i = 0, start;

	o->version = LINUX_DEFAULT_VERSION;
	o->native = true;
	o->probe = false;
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

/* Table 0 at XCR0 = x87, XSS = 0; returns how many answers were BAD_STATE. */
static unsigned int read_built_table(void)
{
	struct cpuid_svc_answer a;
	struct svc_walk w;
	unsigned int bad = 0;

	cpuid_table_init(&table);
	svc_state(CPUID_SVC_TABLE_BUILT, ENUM_XCR0, ENUM_XSS);
	svc_walk_start(&w, CPUID_SVC_TABLE_BUILT);
	while (svc_walk_next(&w, &a)) {
		bad += a.status == CPUID_SVC_BAD_STATE;
		if (cpuid_table_add(&table, a.leaf, a.subleaf, a.eax, a.ebx,
				    a.ecx, a.edx))
			fail("CPUID service: the built table does not fit");
	}
	return bad;
}

/*
 * Like a kernel that has written XCR0 and XSS: ask again for 0xD.0 and
 * 0xD.1, whose EBX depends on that state.
 */
static void requery_state(uint32_t v)
{
	struct cpuid_svc_answer a;
	uint64_t xcr0, xss;

	linux_enter_state(&table, v, &xcr0, &xss);
	svc_state(CPUID_SVC_TABLE_BUILT, xcr0, xss);
	for (uint32_t sub = 0; sub <= 1; sub++) {
		svc_command(CPUID_SVC_CMD_QUERY, XSAVE_LEAF, sub, &a);
		if (a.status == CPUID_SVC_NO_ENTRY)
			continue;
		if (a.status != CPUID_SVC_OK) {
			console_printf("xsvm-guest: CPUID service: 0xd.%u at XCR0 0x%llx, XSS 0x%llx: status %u; keeping the answer at XCR0 0x%x",
				       sub, (unsigned long long)xcr0,
				       (unsigned long long)xss, a.status,
				       ENUM_XCR0);
			continue;
		}
		if (cpuid_table_set(&table, XSAVE_LEAF, sub, a.eax, a.ebx,
				    a.ecx, a.edx))
			fail("CPUID service: the built table does not fit");
	}
}

/* KVM's read-back table (1) against the CPUID instruction. */
static void compare_native(void)
{
	struct cpuid_svc_answer a;
	struct svc_walk w;
	unsigned int n = 0, same = 0;
	uint32_t cpu[CPUID_NR_REGS];

	svc_state(CPUID_SVC_TABLE_KVM, ENUM_XCR0, ENUM_XSS);
	svc_walk_start(&w, CPUID_SVC_TABLE_KVM);
	while (svc_walk_next(&w, &a)) {
		const uint32_t tab[CPUID_NR_REGS] = {a.eax, a.ebx, a.ecx,
						     a.edx};
		bool equal = true;

		cpuid_insn(a.leaf, a.subleaf, cpu);
		for (unsigned int r = 0; r < CPUID_NR_REGS; r++) {
			if (tab[r] == cpu[r])
				continue;
			equal = false;
			console_printf("xsvm-guest: native CPUID 0x%x.%x %s: table 0x%08x, cpu 0x%08x",
				       a.leaf, a.subleaf, cpuid_reg_names[r],
				       tab[r], cpu[r]);
		}
		n++;
		same += equal;
	}
	console_printf("xsvm-guest: native CPUID matches KVM's table in %u of %u entries",
		       same, n);
}

/* Passed: the check passed, or no XSAVE at all and nothing to warn about. */
static bool model_passed(const struct linux_result *r)
{
	return r->consistent || (!r->xsave_present && !r->warn_site[0]);
}

void guest_main(uint64_t boot_params)
{
	struct options o;
	struct xsvm_err err;
	unsigned int bad;
	bool passed;

	parse_cmdline(boot_params, &o);
	if (o.probe)
		probe_main();
	if (svc_in(CPUID_SVC_SIG) != CPUID_SVC_SIGNATURE)
		fail("no CPUID service");
	bad = read_built_table();
	console_printf("xsvm-guest: test guest, Linux %s model, %u CPUID entries",
		       linux_release_name(o.version).s, table.nr);
	if (bad)
		console_printf("xsvm-guest: CPUID service: %u entries of leaf 0xd answered bad state at XCR0 0x%x, XSS 0x%x",
			       bad, ENUM_XCR0, ENUM_XSS);
	requery_state(o.version);
	if (linux_check(&table, o.version, NULL, &result, &err)) {
		console_printf("xsvm-guest: Linux model: %s", err.msg);
		guest_exit(GUEST_EXIT_NO_VERDICT);
	}
	for (unsigned int i = 0; i < result.nr_lines; i++)
		console_putline(result.lines[i]);
	if (o.native)
		compare_native();
	passed = model_passed(&result);
	console_putline(passed ? "xsvm-guest: verdict passed"
			       : "xsvm-guest: verdict problem");
	guest_exit(passed ? GUEST_EXIT_PASSED : GUEST_EXIT_PROBLEM);
}

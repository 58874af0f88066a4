// SPDX-License-Identifier: MIT
/*
 * The test guest: read the built CPUID table through the VMM's CPUID
 * service (cpuid/service.h), run the project's Linux model on it at the
 * state that kernel would enter, and print exactly the kernel's x86/fpu
 * lines, so the VMM's console verdict reads them like a real boot. Then
 * compare KVM's read-back table with what the CPUID instruction returns,
 * print a verdict line and leave through the debug-exit port.
 *
 * Command line (boot_params cmd_line_ptr): "xsvm.linux=5.15|6.1|6.8|7.1"
 * picks the model (default 6.8), "xsvm.native=0" skips the comparison.
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

#define BP_CMD_LINE_PTR 0x228	/* u32 in boot_params (vmm/boot_params.h) */
#define CMDLINE_MAX	0x10000 /* BOOT_CMDLINE_MAX, NUL included */
#define OPT_VALUE_MAX	16

/* The state the built table is enumerated at: x87 only, no XSS. */
#define ENUM_XCR0 1
#define ENUM_XSS  0

struct options {
	enum linux_version version;
	bool native;
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
			fail("xsvm.linux must be 5.15, 6.1, 6.8 or 7.1");
	} else if ((v = option_value(w, len, "xsvm.native", buf))) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			fail("xsvm.native must be 0 or 1");
		o->native = v[0] == '1';
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

/* The CPUID service, one 32-bit port access at a time. */
static uint32_t svc_in(unsigned int off)
{
	return inl(CPUID_SVC_PORT + off);
}

static void svc_out(unsigned int off, uint32_t v)
{
	outl(CPUID_SVC_PORT + off, v);
}

static void svc_state(uint32_t which, uint64_t xcr0, uint64_t xss)
{
	svc_out(CPUID_SVC_TABLE, which);
	svc_out(CPUID_SVC_XCR0_LO, (uint32_t)xcr0);
	svc_out(CPUID_SVC_XCR0_HI, (uint32_t)(xcr0 >> 32));
	svc_out(CPUID_SVC_XSS_LO, (uint32_t)xss);
	svc_out(CPUID_SVC_XSS_HI, (uint32_t)(xss >> 32));
}

/* One command for (leaf, subleaf) at the state set last. */
static void svc_command(uint32_t cmd, uint32_t leaf, uint32_t subleaf,
			struct cpuid_svc_answer *a)
{
	svc_out(CPUID_SVC_LEAF, leaf);
	svc_out(CPUID_SVC_SUBLEAF, subleaf);
	svc_out(CPUID_SVC_CMD, cmd);
	a->status = svc_in(CPUID_SVC_STATUS);
	a->eax = svc_in(CPUID_SVC_EAX);
	a->ebx = svc_in(CPUID_SVC_EBX);
	a->ecx = svc_in(CPUID_SVC_ECX);
	a->edx = svc_in(CPUID_SVC_EDX);
	a->leaf = svc_in(CPUID_SVC_ENTRY_LEAF);
	a->subleaf = svc_in(CPUID_SVC_ENTRY_SUBLEAF);
}

/* Walking a table with CPUID_SVC_CMD_NEXT. */
struct svc_walk {
	uint32_t table;
	uint32_t leaf, subleaf; /* the last key answered */
	bool started;
	unsigned int steps;
};

static void svc_walk_start(struct svc_walk *w, uint32_t which)
{
	memset(w, 0, sizeof(*w));
	w->table = which;
	w->leaf = w->subleaf = CPUID_SVC_FIRST;
}

/*
 * The next entry in *a: true while there is one. An entry is OK, or
 * BAD_STATE for 0xD.0/0xD.1 (it exists but the state did not fit). Keys
 * must increase, so a VMM that answers out of order cannot loop us.
 */
static bool svc_walk_next(struct svc_walk *w, struct cpuid_svc_answer *a)
{
	svc_command(CPUID_SVC_CMD_NEXT, w->leaf, w->subleaf, a);
	if (a->status == CPUID_SVC_NO_ENTRY)
		return false;
	if (a->status != CPUID_SVC_OK && a->status != CPUID_SVC_BAD_STATE) {
		console_printf("xsvm-guest: CPUID service: table %u: NEXT after 0x%x.%x: status %u",
			       w->table, w->leaf, w->subleaf, a->status);
		guest_exit(GUEST_EXIT_NO_VERDICT);
	}
	if (w->started && (a->leaf < w->leaf ||
			   (a->leaf == w->leaf && a->subleaf <= w->subleaf))) {
		console_printf("xsvm-guest: CPUID service: table %u: NEXT after 0x%x.%x answered 0x%x.%x",
			       w->table, w->leaf, w->subleaf, a->leaf,
			       a->subleaf);
		guest_exit(GUEST_EXIT_NO_VERDICT);
	}
	if (++w->steps > CPUID_TABLE_MAX) {
		console_printf("xsvm-guest: CPUID service: table %u has more than %u entries",
			       w->table, CPUID_TABLE_MAX);
		guest_exit(GUEST_EXIT_NO_VERDICT);
	}
	w->started = true;
	w->leaf = a->leaf;
	w->subleaf = a->subleaf;
	return true;
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
static void requery_state(enum linux_version v)
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
	return r->consistent || (!r->xsave_present && !r->warn_site);
}

void guest_main(uint64_t boot_params)
{
	struct options o;
	struct xsvm_err err;
	unsigned int bad;
	bool passed;

	parse_cmdline(boot_params, &o);
	if (svc_in(CPUID_SVC_SIG) != CPUID_SVC_SIGNATURE)
		fail("no CPUID service");
	bad = read_built_table();
	console_printf("xsvm-guest: test guest, Linux %s model, %u CPUID entries",
		       linux_version_name(o.version), table.nr);
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

// SPDX-License-Identifier: MIT
/*
 * `xsvm run`: build the table as `xsvm cpuid build` does, boot the guest
 * with it, and turn the machine's result into a summary on stderr, a JSON
 * report and the exit status.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli_run.h"
#include "cli_table.h"
#include "vmm/guest_image.h"
#include "vmm/judge.h"
#include "vmm/machine.h"
#include "report.h"

#define RUN_DEFAULT_MEM_MIB 256
#define RUN_DEFAULT_TIMEOUT 600.0
/* The host probe a kernel's warning may need takes well under this. */
#define RUN_PROBE_TIMEOUT 120.0
#define RUN_TEST_GUEST_NAME "built-in test guest"
#define RUN_DEFAULT_CMDLINE \
	"console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 reboot=k panic=-1 nokaslr"

#define OPT_HELP 'h'

enum {
	OPT_KERNEL = CPUID_OPT_END,
	OPT_INITRD,
	OPT_APPEND,
	OPT_MEM,
	OPT_TIMEOUT,
	OPT_CONSOLE,
	OPT_REPORT,
	OPT_FULL_BOOT,
	OPT_QUIET,
};

static const struct option run_opts[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "append", required_argument, NULL, OPT_APPEND },
	CPUID_TABLE_OPTIONS,
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "full-boot", no_argument, NULL, OPT_FULL_BOOT },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void cli_run_usage(FILE *f)
{
	fputs("usage: xsvm run [--kernel FILE] [--initrd FILE] [--append STR] [--cpuid SOURCE]\n"
	      "                [--policy NAME|FILE] [--xfam MASK] [--xcr0 MASK] [--xss MASK]\n"
	      "                [--xsave-order ascending|hash:SEED] [--linux VER] [--mem MIB]\n"
	      "                [--timeout SEC] [--console FILE] [--report FILE] [--full-boot]\n"
	      "                [--quiet]\n"
	      "\n"
	      "Build the CPUID table (options as in 'xsvm cpuid build'), install it in a\n"
	      "new KVM VM with one vCPU, boot the kernel and watch its serial console for\n"
	      "the XSAVE consistency check. The console goes live to standard output; the\n"
	      "summary goes to standard error.\n"
	      "\n"
	      "  --kernel FILE      an ELF vmlinux or a bzImage (its xz, zstd or gzip\n"
	      "                     payload is decompressed by xsvm and loaded as ELF).\n"
	      "                     Default: the built-in test guest, which reads the table\n"
	      "                     through the CPUID service (port 0x5a0, answered from the\n"
	      "                     built table in the --xsave-order) and prints what the\n"
	      "                     --linux model (default 6.8) says that kernel would print\n"
	      "  --initrd FILE      an initramfs, placed below initrd_addr_max\n"
	      "  --append STR       kernel arguments added after the defaults:\n"
	      "                     " RUN_DEFAULT_CMDLINE "\n"
	      "                     (on hosts whose KVM does not emulate CMPXCHG16B, add\n"
	      "                     clearcpuid=cx16)\n"
	      "  --cpuid, --policy, --xfam, --xcr0, --xss, --xsave-order\n"
	      "                     build the table as 'xsvm cpuid build' does\n"
	      "  --linux VER        model used for the prediction (default: from the\n"
	      "                     kernel's 'Linux version' line)\n"
	      "  --mem MIB          guest RAM (default 256, 16 to 3072)\n"
	      "  --timeout SEC      give up after SEC seconds (default 600)\n"
	      "  --console FILE     also write the console to FILE as it arrives\n"
	      "  --report FILE      write a JSON report ('-' for standard output)\n"
	      "  --full-boot        keep running after the verdict instead of stopping once\n"
	      "                     the kernel has printed its x86/fpu lines\n"
	      "  --quiet            do not copy the console to standard output\n"
	      "  -h, --help         this help\n"
	      "\n"
	      "When a kernel warns \"XSAVE consistency problem: size S != kernel_size K\",\n"
	      "xsvm asks this host's probe findings ('xsvm probe'; kept per host and KVM\n"
	      "in $XSVM_CACHE_DIR, $XDG_CACHE_HOME/xsvm or ~/.cache/xsvm, probed when\n"
	      "missing) whether a host defect gives exactly that warning for a table the\n"
	      "Linux model finds consistent: then the verdict is host_defect.\n"
	      "\n"
	      "Exit status: 0 the kernel's XSAVE check passed, 1 it found a consistency\n"
	      "problem, 2 bad usage or bad input, 3 no verdict (the guest crashed, hung past\n"
	      "--timeout, was interrupted, or KVM failed before the check ran), 4 the\n"
	      "kernel warned and a defect of the host's KVM accounts for the warning.\n",
	      f);
}

struct run_opts {
	struct cpuid_opts table;
	struct machine_config mc;
	const char *append;
	const char *report;
	char *cmdline;
};

static int parse_number(const char *opt, const char *arg, uint64_t min,
			uint64_t max, uint64_t *out)
{
	struct xsvm_err err = { { 0 } };

	if (cli_parse_u64(opt, arg, out, &err))
		return cli_fail_err(&err);
	if (*out < min || *out > max)
		return cli_fail("%s: %llu is outside %llu..%llu", opt,
				(unsigned long long)*out,
				(unsigned long long)min,
				(unsigned long long)max);
	return 0;
}

static int apply_option(int opt, const char *arg, struct run_opts *o)
{
	uint64_t v;
	int ret = 0;

	switch (opt) {
	case OPT_KERNEL:
		o->mc.kernel_path = arg;
		break;
	case OPT_INITRD:
		o->mc.initrd_path = arg;
		break;
	case OPT_APPEND:
		o->append = arg;
		break;
	case OPT_MEM:
		ret = parse_number("--mem", arg, VM_MEM_MIN >> 20,
				   VM_MEM_MAX >> 20, &v);
		o->mc.mem_bytes = v << 20;
		break;
	case OPT_TIMEOUT:
		ret = parse_number("--timeout", arg, 1, 86400, &v);
		o->mc.run.timeout_s = (double)v;
		break;
	case OPT_CONSOLE:
		o->mc.console_path = arg;
		break;
	case OPT_REPORT:
		o->report = arg;
		break;
	case OPT_FULL_BOOT:
		o->mc.run.full_boot = true;
		break;
	case OPT_QUIET:
		o->mc.live = false;
		break;
	default:
		ret = cli_cpuid_option(opt, arg, &o->table);
		/* --linux also chooses the model of the prediction */
		o->mc.have_linux_version |= opt == CPUID_OPT_LINUX;
		o->mc.linux_version = o->table.linux_version;
		break;
	}
	return ret;
}

static void opts_init(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	cli_cpuid_opts_init(&o->table);
	o->mc.mem_bytes = (uint64_t)RUN_DEFAULT_MEM_MIB << 20;
	o->mc.run.timeout_s = RUN_DEFAULT_TIMEOUT;
	o->mc.live = true;
}

static int apply_run_option(int opt, const char *arg, void *o)
{
	return apply_option(opt, arg, o);
}

/* Returns -1 to run, else an exit status. */
static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	const struct cli_command cmd = {
		.name = "run", .opts = run_opts, .apply = apply_run_option,
		.ctx = o, .usage = cli_run_usage,
	};
	int next, ret = cli_options(&cmd, argc, argv, &next);

	if (ret >= 0)
		return ret;
	if (next < argc)
		return cli_fail("run: unexpected argument '%s' (see xsvm run --help)",
				argv[next]);
	if (!o->mc.kernel_path && o->mc.initrd_path)
		return cli_fail("run: --initrd needs --kernel: the built-in test guest takes no initrd");
	return -1;
}

/*
 * A kernel gets the default command line; the built-in test guest gets the
 * Linux version to model. --append follows either.
 */
static int build_cmdline(struct run_opts *o)
{
	char guest[32];
	const char *base = RUN_DEFAULT_CMDLINE;
	size_t n;

	if (o->mc.kernel_image) {
		snprintf(guest, sizeof(guest), "xsvm.linux=%s",
			 linux_version_name(o->table.linux_version));
		base = guest;
	}
	n = strlen(base) + (o->append ? strlen(o->append) + 1 : 0) + 1;
	o->cmdline = malloc(n);
	if (!o->cmdline)
		return cli_fail("out of memory");
	snprintf(o->cmdline, n, "%s%s%s", base, o->append ? " " : "",
		 o->append ? o->append : "");
	o->mc.cmdline = o->cmdline;
	return 0;
}

/* Without --kernel, boot the test guest embedded in xsvm. */
static void use_test_guest(struct run_opts *o)
{
	if (o->mc.kernel_path)
		return;
	o->mc.kernel_path = RUN_TEST_GUEST_NAME;
	o->mc.kernel_image = (const uint8_t *)guest_image;
	o->mc.kernel_image_len = guest_image_len;
	o->mc.have_linux_version = true;
	o->mc.linux_version = o->table.linux_version;
	/* it ends itself, through the debug-exit port, in milliseconds */
	o->mc.run.full_boot = true;
}

static int exit_status(const struct machine_result *r)
{
	/* The guest said, through the debug-exit port, that it failed. */
	if (r->run.end == RUN_END_DEBUG_EXIT &&
	    r->run.debug_exit_value >= DEBUG_EXIT_GUEST_FAILED)
		return RUN_EXIT_NO_VERDICT;
	switch (r->verdict.verdict) {
	case VERDICT_PASSED:
	case VERDICT_PASSED_NO_XSAVE:
		return RUN_EXIT_PASSED;
	case VERDICT_PROBLEM:
		return RUN_EXIT_PROBLEM;
	default:
		return RUN_EXIT_NO_VERDICT;
	}
}

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static void print_fidelity(const struct machine_result *r)
{
	const struct cpuid_diff *d = &r->fidelity;

	fprintf(stderr, "xsvm: table 0x%016llx installed; KVM changed %u register%s/entr%s\n",
		(unsigned long long)r->installed_hash, d->total,
		d->total == 1 ? "" : "s", d->total == 1 ? "y" : "ies");
	if (r->kvm_refused)
		fprintf(stderr, "xsvm: KVM refused dynamic XSAVE components 0x%llx (AMX TILEDATA: no guest permission on this host); installed without them, the CPUID service answers with them\n",
			(unsigned long long)r->kvm_refused);
	for (unsigned int i = 0; i < d->nr; i++) {
		const struct cpuid_diff_entry *e = &d->d[i];

		if (e->kind == CPUID_DIFF_CHANGED)
			fprintf(stderr, "xsvm:   leaf 0x%x subleaf 0x%x %s: 0x%08x -> 0x%08x\n",
				e->leaf, e->subleaf, cpuid_reg_names[e->reg],
				e->a, e->b);
		else
			fprintf(stderr, "xsvm:   leaf 0x%x subleaf 0x%x: %s\n",
				e->leaf, e->subleaf,
				e->kind == CPUID_DIFF_MISSING ?
					"removed by KVM" : "added by KVM");
	}
}

static void print_end(const struct machine_result *r)
{
	const struct run_result *e = &r->run;
	const struct run_stats *s = &r->stats;

	fprintf(stderr, "xsvm: run ended (%s) after %.3f s: %llu exits, %.3f s in KVM_RUN, %.3f s in xsvm\n",
		run_end_name(e->end), secs(s->ns_total),
		(unsigned long long)s->exits, secs(s->ns_in_kvm),
		secs(s->ns_total - s->ns_in_kvm));
	if (e->detail[0])
		fprintf(stderr, "xsvm: %s\n", e->detail);
	if (e->state_reset)
		fprintf(stderr, "xsvm: the vCPU was already reset when KVM reported the shutdown (KVM on AMD does that): the faulting RIP is unknown\n");
	if (e->have_rip) {
		fprintf(stderr, "xsvm: RIP 0x%llx, bytes", (unsigned long long)e->rip);
		for (unsigned int i = 0; i < e->insn_len; i++)
			fprintf(stderr, " %02x", e->insn[i]);
		fprintf(stderr, "%s%s\n", e->mnemonic ? ": " : "",
			e->mnemonic ? e->mnemonic : "");
		if (e->remedy)
			fprintf(stderr, "xsvm: %s\n", e->remedy);
	}
	if (e->end == RUN_END_TIMEOUT)
		fprintf(stderr, "xsvm: no verdict within --timeout\n");
	if (e->end == RUN_END_SIGNAL)
		fprintf(stderr, "xsvm: interrupted by signal %d\n", e->signal);
	if (r->console_errno)
		fprintf(stderr, "xsvm: writing the console file failed: %s\n",
			strerror(r->console_errno));
}

static void print_pdiff(const struct prediction_diff *d)
{
	unsigned int n;

	n = d->nr_missing < PREDICTION_MAX_LISTED ? d->nr_missing :
						     PREDICTION_MAX_LISTED;
	for (unsigned int i = 0; i < n; i++)
		fprintf(stderr, "xsvm:   predicted, not printed: %s\n",
			d->missing[i]);
	n = d->nr_unexpected < PREDICTION_MAX_LISTED ? d->nr_unexpected :
							PREDICTION_MAX_LISTED;
	for (unsigned int i = 0; i < n; i++)
		fprintf(stderr, "xsvm:   printed, not predicted: %s\n",
			d->unexpected[i]);
}

static void print_judgement(const struct judgement *j)
{
	char key[HOST_ID_KEY_LEN];

	if (!j->tried)
		return;
	if (!j->judged) {
		fprintf(stderr, "xsvm: the host could not be probed (%s): the verdict stays problem\n",
			j->error);
		return;
	}
	host_id_key(&j->lk.host, key, sizeof(key));
	fprintf(stderr, "xsvm: host probe findings for %s: %s%s%s\n", key,
		j->lk.cached ? "from " : "probed now",
		j->lk.cached ? j->lk.path : (j->lk.stored ? ", kept in " : ""),
		!j->lk.cached && j->lk.stored ? j->lk.path : "");
	if (j->b.host)
		fprintf(stderr, "xsvm: verdict: host_defect: %s\n", j->b.text);
	else
		fprintf(stderr, "xsvm: not a host defect: %s\n", j->b.text);
}

static void print_summary(const struct machine_result *r,
			  const struct judgement *j, int status)
{
	const struct verdict *v = &r->verdict;

	print_end(r);
	if (v->problem[0])
		fprintf(stderr, "xsvm: the kernel: %s\n", v->problem);
	if (v->panic)
		fprintf(stderr, "xsvm: the kernel panicked: %s\n", v->panic_line);
	fprintf(stderr, "xsvm: verdict: %s", verdict_name(v->verdict));
	if (r->stats.ns_verdict)
		fprintf(stderr, " after %.3f s", secs(r->stats.ns_verdict));
	fprintf(stderr, "\n");
	if (r->predicted)
		fprintf(stderr, "xsvm: prediction (Linux %s model%s): %s\n",
			linux_version_name(r->pred_version),
			r->version_from_kernel ? ", from the kernel's version" : "",
			r->pred_matches ? (r->pred_partial ?
					   "matches the lines printed before the run ended" :
					   "matches the kernel's lines") :
					  "DIFFERS from the kernel's lines");
	if (r->predicted && !r->pred_matches)
		print_pdiff(&r->pdiff);
	print_judgement(j);
	fprintf(stderr, "xsvm: exit status %d\n", status);
}

static int write_report(const struct run_opts *o, const struct table_build *tb,
			const struct machine_result *r,
			const struct judgement *j, int status)
{
	struct report rep = {
		.judgement = j,
		.exit_status = status,
		.source = tb->src.name,
		.policy = tb->pol.name,
		.order = tb->order,
		.cmdline = o->cmdline,
		.config = &o->mc,
		.result = r,
	};
	bool out = !strcmp(o->report, "-");
	FILE *f = out ? stdout : fopen(o->report, "w");
	int ret;

	if (!f)
		return cli_fail("%s: %s", o->report, strerror(errno));
	ret = report_write(f, &rep);
	if (!out && fclose(f))
		ret = -EIO;
	if (ret)
		return cli_fail("%s: writing the report failed", o->report);
	return 0;
}

/*
 * Every input (kernel, initrd, console file, then the table's source and
 * policy) is read and checked before KVM is asked for anything, so bad
 * input is status 2 on any host, with or without /dev/kvm.
 */
static int run(struct run_opts *o, struct table_build *tb,
	       struct machine_result *r, struct judgement *j)
{
	struct xsvm_err err = { { 0 } };
	struct machine *m;
	int ret, status;

	use_test_guest(o);
	ret = build_cmdline(o);
	if (ret)
		return ret;
	m = machine_load(&o->mc, r, &err);
	if (!m) {
		cli_fail_err(&err);
		return RUN_EXIT_USAGE;
	}
	ret = cli_table_build(&o->table, tb);
	if (ret) {
		machine_free(m);
		return cli_table_host_failed(tb) ? RUN_EXIT_NO_VERDICT : ret;
	}
	cli_table_warn_defective(tb);
	ret = machine_boot(m, &tb->t, &tb->p.order, &err);
	machine_free(m);
	if (ret) {
		cli_fail_err(&err);
		return r->failure == MACHINE_KVM_FAILED ? RUN_EXIT_NO_VERDICT :
							  RUN_EXIT_USAGE;
	}
	if (r->kernel.note[0])
		fprintf(stderr, "xsvm: %s\n", r->kernel.note);
	print_fidelity(r);
	status = exit_status(r);
	if (status == RUN_EXIT_PROBLEM) {
		judge_warning(&o->mc, &tb->t, r, RUN_PROBE_TIMEOUT, j);
		if (j->judged && j->b.host)
			status = RUN_EXIT_HOST_DEFECT;
	}
	print_summary(r, j, status);
	if (o->report && write_report(o, tb, r, j, status))
		return RUN_EXIT_USAGE;
	return status;
}

int cli_run_main(int argc, char **argv)
{
	struct machine_result *r;
	struct table_build *tb;
	struct judgement *j;
	struct run_opts o;
	int ret;

	opts_init(&o);
	ret = parse_opts(argc, argv, &o);
	if (ret >= 0)
		return ret;
	/*
	 * A reader of the live console that goes away (xsvm run | head) must
	 * not kill the run: writes to it fail with EPIPE instead, the console
	 * stops going to standard output, and the run goes on to its verdict.
	 */
	signal(SIGPIPE, SIG_IGN);
	tb = calloc(1, sizeof(*tb));
	r = calloc(1, sizeof(*r));
	j = calloc(1, sizeof(*j));
	if (tb && r && j)
		ret = run(&o, tb, r, j);
	else
		ret = cli_fail("out of memory");
	free(o.cmdline);
	free(tb);
	free(r);
	free(j);
	return ret;
}

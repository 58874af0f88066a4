// SPDX-License-Identifier: MIT
/*
 * `xsvm run`: build the table as `xsvm cpuid build` does, boot the guest
 * with it, and turn the machine's result into a summary on stderr, a JSON
 * report and the exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "cli_boots.h"
#include "cli_run.h"
#include "cli_table.h"
#include "vmm/term.h"
#include "vmm/guest_image.h"
#include "vmm/judge.h"
#include "vmm/machine.h"
#include "report.h"

#define RUN_DEFAULT_MEM_MIB 256
#define RUN_DEFAULT_TIMEOUT 600.0
/* The host probe a kernel's warning may need takes well under this. */
#define RUN_PROBE_TIMEOUT   120.0
#define RUN_TEST_GUEST_NAME "built-in test guest"
#define RUN_DEFAULT_CMDLINE                                                    \
	"console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 reboot=k "       \
	"panic=-1 nokaslr"

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
	OPT_BOOTS,
	OPT_CPUS,
	OPT_TOPOLOGY,
};

static const struct option run_opts[] = {
	{"kernel", required_argument, NULL, OPT_KERNEL},
	{"initrd", required_argument, NULL, OPT_INITRD},
	{"append", required_argument, NULL, OPT_APPEND},
	CPUID_TABLE_OPTIONS,
	{"mem", required_argument, NULL, OPT_MEM},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"console", required_argument, NULL, OPT_CONSOLE},
	{"report", required_argument, NULL, OPT_REPORT},
	{"full-boot", no_argument, NULL, OPT_FULL_BOOT},
	{"quiet", no_argument, NULL, OPT_QUIET},
	{"boots", required_argument, NULL, OPT_BOOTS},
	{"cpus", required_argument, NULL, OPT_CPUS},
	{"topology", required_argument, NULL, OPT_TOPOLOGY},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

void cli_run_usage(FILE *f)
{
	fputs("usage: xsvm run [--kernel FILE] [--initrd FILE] [--append STR] "
	      "[--cpuid SOURCE]\n"
	      "                [--policy NAME|FILE] [--xfam MASK] [--xcr0 "
	      "MASK] [--xss MASK]\n"
	      "                [--xsave-order ascending|hash:SEED|hash-vcpu:SEED]\n"
	      "                [--linux VER] [--mem MIB]\n"
	      "                [--timeout SEC] [--console FILE] [--report "
	      "FILE] [--full-boot]\n"
	      "                [--quiet] [--boots N] [--cpus N] [--topology "
	      "T]\n"
	      "\n"
	      "Build the CPUID table (options as in 'xsvm cpuid build'), "
	      "install it in a\n"
	      "new KVM VM with --cpus vCPUs, boot the kernel and watch its serial "
	      "console for\n"
	      "the XSAVE consistency check. The console goes live to standard "
	      "output; the\n"
	      "summary goes to standard error.\n"
	      "\n"
	      "  --kernel FILE      an ELF vmlinux or a bzImage (its xz, zstd "
	      "or gzip\n"
	      "                     payload is decompressed by xsvm and loaded "
	      "as ELF).\n"
	      "                     Default: the built-in test guest, which "
	      "reads the table\n"
	      "                     through the CPUID service (port 0x5a0, "
	      "answered from the\n"
	      "                     built table in the --xsave-order) and "
	      "prints what the\n"
	      "                     --linux model (default 6.8) says that "
	      "kernel would print\n"
	      "  --initrd FILE      an initramfs, placed below "
	      "initrd_addr_max\n"
	      "  --append STR       kernel arguments added after the "
	      "defaults:\n"
	      "                     " RUN_DEFAULT_CMDLINE "\n"
	      "                     (on hosts whose KVM does not emulate "
	      "CMPXCHG16B, add\n"
	      "                     clearcpuid=cx16)\n"
	      "  --cpuid, --policy, --xfam, --xcr0, --xss, --xsave-order\n"
	      "                     build the table as 'xsvm cpuid build' "
	      "does\n"
	      "  --linux VER        release modelled for the prediction, X.Y or "
	      "X.Y.Z\n"
	      "                     (default: from the kernel's 'Linux version' "
	      "line)\n"
	      "  --mem MIB          guest RAM (default 256, 16 to 65536; above "
	      "3072 the\n"
	      "                     rest goes from 4 GiB up, past the PCI "
	      "hole)\n"
	      "  --timeout SEC      give up after SEC seconds (default 600)\n"
	      "  --console FILE     also write the console to FILE as it "
	      "arrives\n"
	      "  --report FILE      write a JSON report ('-' for standard "
	      "output)\n"
	      "  --full-boot        keep running after the verdict instead of "
	      "stopping once\n"
	      "                     the kernel has printed its x86/fpu lines\n"
	      "  --quiet            do not copy the console to standard "
	      "output\n"
	      "  --boots N          boot N times in this process (1 to 10000): "
	      "each boot\n"
	      "                     a fresh VM and RAM with the table built "
	      "again, under\n"
	      "                     hash:SEED with its own order drawn from "
	      "(SEED, boot);\n"
	      "                     a boot ends at its verdict or whenever the "
	      "guest\n"
	      "                     resets, powers off or panics; a timeout, a "
	      "signal or\n"
	      "                     the escape ends them all\n"
	      "  --cpus N           vCPUs, 1 to 254 and what this host's KVM "
	      "allows\n"
	      "                     (default 1): N cores in one socket unless "
	      "--topology\n"
	      "  --topology T       sockets=S,cores=C,threads=T (a missing "
	      "count is 1;\n"
	      "                     with --cpus they multiply out to it); each "
	      "vCPU gets\n"
	      "                     the table with its own APIC ID and the "
	      "topology's\n"
	      "                     leaves, and the guest an MP table; the test\n"
	      "                     guest starts every vCPU (INIT, SIPI) and each\n"
	      "                     checks its own CPUID, topology and leaf 0xd;\n"
	      "                     under hash-vcpu:SEED each vCPU's CPUID service\n"
	      "                     answers in an order of its own\n"
	      "  -h, --help         this help\n"
	      "\n"
	      "When a kernel warns \"XSAVE consistency problem: size S != "
	      "kernel_size K\",\n"
	      "xsvm asks this host's probe findings ('xsvm probe'; kept per "
	      "host and KVM\n"
	      "in $XSVM_CACHE_DIR, $XDG_CACHE_HOME/xsvm or ~/.cache/xsvm, "
	      "probed when\n"
	      "missing) whether a host defect gives exactly that warning for a "
	      "table the\n"
	      "Linux model finds consistent: then the verdict is host_defect.\n"
	      "\n"
	      "Exit status: 0 the kernel's XSAVE check passed, 1 it found a "
	      "consistency\n"
	      "problem, 2 bad usage or bad input, 3 no verdict (the guest "
	      "crashed, hung past\n"
	      "--timeout, was interrupted, or KVM failed before the check "
	      "ran), 4 the\n"
	      "kernel warned and a defect of the host's KVM accounts for the "
	      "warning.\n",
	      f);
}

struct run_opts {
	struct cpuid_opts table;
	struct machine_config mc;
	const char *append;
	const char *report;
	char *cmdline;
	unsigned int boots;
	unsigned int cpus; /* 0: not given */
	const char *topology;
};

static int parse_number(const char *opt, const char *arg, uint64_t min,
			uint64_t max, uint64_t *out)
{
	struct xsvm_err err = {{0}};

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
	case OPT_BOOTS:
		ret = parse_number("--boots", arg, 1, BOOTS_MAX, &v);
		o->boots = (unsigned int)v;
		break;
	case OPT_CPUS:
		ret = parse_number("--cpus", arg, 1, VM_MAX_VCPUS, &v);
		o->cpus = (unsigned int)v;
		break;
	case OPT_TOPOLOGY:
		o->topology = arg;
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
	o->boots = 1;
}

static int apply_run_option(int opt, const char *arg, void *o)
{
	return apply_option(opt, arg, o);
}

/*
 * --cpus and --topology together: a topology must multiply out to --cpus;
 * alone, --topology gives the count and --cpus N is N cores in one socket.
 * Returns -1, or the exit status of an error.
 */
static int resolve_topology(struct run_opts *o)
{
	struct xsvm_err err = {{0}};

	if (o->topology) {
		if (topology_parse(o->topology, o->cpus, &o->mc.topo, &err))
			return cli_fail_err(&err);
	} else {
		topology_default(o->cpus ? o->cpus : 1, &o->mc.topo);
	}
	if (topology_cpus(&o->mc.topo) > VM_MAX_VCPUS)
		return cli_fail("--topology: %u vCPUs: at most %u",
				topology_cpus(&o->mc.topo), VM_MAX_VCPUS);
	return -1;
}

/* Returns -1 to run, else an exit status. */
static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	const struct cli_command cmd = {
		.name = "run",
		.opts = run_opts,
		.apply = apply_run_option,
		.ctx = o,
		.usage = cli_run_usage,
	};
	int next, ret = cli_options(&cmd, argc, argv, &next);

	if (ret >= 0)
		return ret;
	if (next < argc)
		return cli_fail(
			"run: unexpected argument '%s' (see xsvm run --help)",
			argv[next]);
	if (!o->mc.kernel_path && o->mc.initrd_path)
		return cli_fail("run: --initrd needs --kernel: the built-in "
				"test guest takes no initrd");
	return resolve_topology(o);
}

/*
 * A kernel gets the default command line; the built-in test guest gets the
 * Linux version to model and, with vCPUs, the topology to check them
 * against. --append follows either.
 */
static int build_cmdline(struct run_opts *o)
{
	const struct topology *t = &o->mc.topo;
	char guest[128];
	const char *base = RUN_DEFAULT_CMDLINE;
	size_t n;

	if (o->mc.kernel_image) {
		n = (size_t)snprintf(guest, sizeof(guest), "xsvm.linux=%s",
				     linux_release_name(o->table.linux_version).s);
		/* more than one vCPU: the guest starts and checks them all */
		if (topology_cpus(t) > 1)
			snprintf(guest + n, sizeof(guest) - n,
				 " xsvm.topology=sockets=%u,cores=%u,threads=%u",
				 t->sockets, t->cores, t->threads);
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

static struct report boot_report(const struct run_opts *o,
				 const struct table_build *tb,
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

	return rep;
}

static int write_report(const struct run_opts *o, const struct table_build *tb,
			const struct machine_result *r,
			const struct judgement *j, int status)
{
	struct report rep = boot_report(o, tb, r, j, status);
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

static void on_quit(void *ctx)
{
	(void)ctx;
	run_quit();
}

static int boot_next(struct run_opts *o, struct machine *m,
		     struct table_build *tb, struct machine_result *r,
		     unsigned int b)
{
	struct xsvm_err err = {{0}};
	char marker[80];
	int ret;

	snprintf(marker, sizeof(marker), "xsvm: ---- boot %u of %u ----", b,
		 o->boots);
	ret = machine_next(m, r, marker, &err);
	if (!ret)
		ret = machine_boot(m, &tb->t, &tb->p.order, &err);
	if (ret)
		cli_fail_err(&err);
	return ret;
}

static bool stops_boots(enum run_end e)
{
	return e == RUN_END_TIMEOUT || e == RUN_END_SIGNAL ||
	       e == RUN_END_QUIT || e == RUN_END_KVM_ERROR;
}

/* The table of boot b (from 1): its own order, drawn from (SEED, b). */
static int build_boot_table(struct run_opts *o, struct table_build *tb,
			    unsigned int b)
{
	struct cpuid_opts t = o->table;

	t.order = xsave_order_for_boot(&o->table.order, b);
	memset(tb, 0, sizeof(*tb));
	return cli_table_build(&t, tb);
}

/* One boot: its status after the judgement, its summary. */
static int boot_status(struct run_opts *o, const struct table_build *tb,
		       struct machine_result *r, struct judgement *j)
{
	int status = exit_status(r);

	memset(j, 0, sizeof(*j));
	if (status == RUN_EXIT_PROBLEM) {
		judge_warning(&o->mc, &tb->t, r, RUN_PROBE_TIMEOUT, j);
		if (j->judged && j->b.host)
			status = RUN_EXIT_HOST_DEFECT;
	}
	return status;
}

static void print_boot_line(unsigned int b, unsigned int n,
			    const struct table_build *tb,
			    const struct machine_result *r,
			    const struct judgement *j, int status)
{
	fprintf(stderr,
		"xsvm: boot %u of %u: verdict %s, run ended (%s) after %.3f s, "
		"order %s, exit status %d\n",
		b, n,
		j->judged && j->b.host ? "host_defect"
				       : verdict_name(r->verdict.verdict),
		run_end_name(r->run.end), (double)r->stats.ns_total / 1e9,
		tb->order, status);
	if (r->verdict.problem[0])
		fprintf(stderr, "xsvm: boot %u: the kernel: %s\n", b,
			r->verdict.problem);
	if (r->run.detail[0] && r->run.end != RUN_END_DEBUG_EXIT)
		fprintf(stderr, "xsvm: boot %u: %s\n", b, r->run.detail);
}

static void print_tally(const struct boots_tally *b)
{
	unsigned int warned = b->count[BOOTS_PROBLEM];
	const char *sep = "";

	fprintf(stderr, "xsvm: boots: %u of %u run:", b->run, b->asked);
	for (unsigned int i = 0; i < BOOTS_NR; i++) {
		if (!b->count[i])
			continue;
		fprintf(stderr, "%s %u %s", sep, b->count[i],
			boots_class_name(i));
		sep = ",";
	}
	fprintf(stderr, "\n");
	if (b->have_share)
		fprintf(stderr,
			"xsvm: warned on %u of %u boots; the order analysis "
			"predicts %llu of %llu orders warn (%.1f%%): 99%% "
			"interval %u..%u boots: %s\n",
			warned, b->run, (unsigned long long)b->warn_orders,
			(unsigned long long)b->total_orders,
			b->total_orders ? 100.0 * (double)b->warn_orders /
						  (double)b->total_orders
					: 0.0,
			b->lo, b->hi,
			warned >= b->lo && warned <= b->hi ? "inside"
							   : "OUTSIDE");
	fprintf(stderr, "xsvm: exit status %d\n", b->status);
}

static void tally_share(struct run_opts *o, const struct table_build *tb,
			const struct machine_result *r, struct boots_tally *b)
{
	struct xsvm_err err = {{0}};
	uint32_t v =
		r->predicted ? r->pred_version : o->table.linux_version;

	b->have_share = !boots_share(&tb->t, v, !cli_table_defective(tb),
				     &b->warn_orders, &b->total_orders, &err);
	if (!b->have_share)
		fprintf(stderr, "xsvm: no order analysis: %s\n", err.msg);
}

/* Boots 2..N after the first, then the tally. */
static int more_boots(struct run_opts *o, struct machine *m,
		      struct table_build *tb, struct machine_result *r,
		      struct judgement *j, int status)
{
	struct boots_tally b = {.asked = o->boots};
	struct json_writer w;
	FILE *f = NULL;
	bool out = o->report && !strcmp(o->report, "-");
	struct report rep;
	int ret = 0;

	if (o->report) {
		f = out ? stdout : fopen(o->report, "w");
		if (!f)
			return cli_fail("%s: %s", o->report, strerror(errno));
		report_boots_begin(&w, f);
	}
	for (unsigned int i = 1;; i++) {
		print_boot_line(i, o->boots, tb, r, j, status);
		boots_count(&b, r->verdict.verdict, j->judged && j->b.host,
			    status);
		if (f) {
			rep = boot_report(o, tb, r, j, status);
			report_boot(&w, i, &rep);
		}
		if (i == 1)
			tally_share(o, tb, r, &b);
		if (i == o->boots || stops_boots(r->run.end))
			break;
		ret = build_boot_table(o, tb, i + 1);
		if (ret)
			break;
		ret = boot_next(o, m, tb, r, i + 1);
		if (ret) {
			ret = r->failure == MACHINE_KVM_FAILED
				      ? RUN_EXIT_NO_VERDICT
				      : RUN_EXIT_USAGE;
			break;
		}
		status = boot_status(o, tb, r, j);
	}
	if (b.have_share)
		boots_interval(b.run, b.warn_orders, b.total_orders, &b.lo,
			       &b.hi);
	print_tally(&b);
	if (f) {
		if (report_boots_end(&w, &b) || (!out && fclose(f)))
			return cli_fail("%s: writing the report failed",
					o->report);
	}
	return ret ? ret : b.status;
}

/*
 * Every input (kernel, initrd, console file, then the table's source and
 * policy) is read and checked before KVM is asked for anything, so bad
 * input is status 2 on any host, with or without /dev/kvm.
 */
static int run(struct run_opts *o, struct table_build *tb,
	       struct machine_result *r, struct judgement *j)
{
	struct xsvm_err err = {{0}};
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
	ret = term_input_start(&o->mc.input, STDIN_FILENO, on_quit, NULL, &err);
	if (ret) {
		machine_free(m);
		return cli_fail_err(&err);
	}
	ret = machine_boot(m, &tb->t, &tb->p.order, &err);
	if (ret) {
		machine_free(m);
		term_input_stop(o->mc.input);
		cli_fail_err(&err);
		return r->failure == MACHINE_KVM_FAILED ? RUN_EXIT_NO_VERDICT
							: RUN_EXIT_USAGE;
	}
	if (r->kernel.note[0])
		fprintf(stderr, "xsvm: %s\n", r->kernel.note);
	cli_run_print_fidelity(r);
	status = boot_status(o, tb, r, j);
	if (o->boots > 1) {
		ret = more_boots(o, m, tb, r, j, status);
		machine_free(m);
		term_input_stop(o->mc.input);
		return ret;
	}
	machine_free(m);
	term_input_stop(o->mc.input);
	cli_run_print_summary(r, j, status);
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
	 * A closed standard input is an empty one: /dev/null takes fd 0
	 * before any file opened here could, and be read as the console's
	 * input.
	 */
	if (fcntl(STDIN_FILENO, F_GETFD) < 0) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd > STDIN_FILENO) {
			dup2(fd, STDIN_FILENO);
			close(fd);
		}
	}
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

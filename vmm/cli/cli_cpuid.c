// SPDX-License-Identifier: MIT
/*
 * `xsvm cpuid`: subcommand dispatch, help text and option parsing. The
 * commands themselves live in cli_cpuid_{build,check,orders,diff}.c.
 */
#include <getopt.h>
#include <string.h>

#include "cli_cpuid.h"
#include "cli_util.h"

#define OPT_HELP 'h'


struct cpuid_cmd {
	const char *name;
	int (*run)(const struct cpuid_opts *o);
	unsigned int positional; /* how many FILE|- arguments it takes */
	bool need_files;	 /* all of them are required */
	bool need_xcr0;
	const struct option *opts;
	const char *usage;
};

static const struct option build_opts[] = {
	CPUID_TABLE_OPTIONS,
	{ "format", required_argument, NULL, CPUID_OPT_FORMAT },
	{ "json", no_argument, NULL, CPUID_OPT_JSON },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static const struct option check_opts[] = {
	{ "cpuid", required_argument, NULL, CPUID_OPT_CPUID },
	{ "against-log", required_argument, NULL, CPUID_OPT_AGAINST_LOG },
	{ "xcr0", required_argument, NULL, CPUID_OPT_XCR0 },
	{ "xss", required_argument, NULL, CPUID_OPT_XSS },
	{ "linux", required_argument, NULL, CPUID_OPT_LINUX },
	{ "json", no_argument, NULL, CPUID_OPT_JSON },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static const struct option orders_opts[] = {
	{ "xcr0", required_argument, NULL, CPUID_OPT_XCR0 },
	{ "xss", required_argument, NULL, CPUID_OPT_XSS },
	{ "json", no_argument, NULL, CPUID_OPT_JSON },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static const struct option diff_opts[] = {
	{ "json", no_argument, NULL, CPUID_OPT_JSON },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static const char build_usage[] =
	"usage: xsvm cpuid build [--cpuid SOURCE] [--policy NAME|FILE] [--xfam MASK]\n"
	"                        [--xcr0 MASK] [--xss MASK]\n"
	"                        [--xsave-order ascending|hash:SEED|hash-vcpu:SEED]\n"
	"                        [--linux VER]\n"
	"                        [--format dump|kvm-json|cpuid-r] [--json]\n"
	"\n"
	"Load a CPUID table, apply a policy, rewrite leaf 0xD with the ordered XSAVE\n"
	"builder and print the result in the dump format (leaf=0x.. subleaf=0x..\n"
	"eax=0x.. ...), preceded by '#' lines saying how it was built and every change\n"
	"the policy made. The output is valid input for 'xsvm cpuid check' and for\n"
	"--cpuid.\n"
	"\n"
	"  --cpuid SOURCE     host (KVM_GET_SUPPORTED_CPUID, the default), native (this\n"
	"                     CPU's CPUID instruction) or a file: the dump format,\n"
	"                     Debian's 'cpuid -r' output (CPU 0 is used) or the kernel's\n"
	"                     'CPUID[0d, NN]:' dmesg lines or kvm-json (see --format);\n"
	"                     '-' reads stdin. Write ./host or ./native for files of\n"
	"                     those names.\n"
	"  --policy POLICY    none (the default: only the builder runs), tdx (the TDX\n"
	"                     module 1.5 rules: XFAM, leaf 0xD from XFAM, fixed bits,\n"
	"                     dependent features) or a policy file in the format of\n"
	"                     cpuid/policies/tdx.policy (./tdx for a file named tdx)\n"
	"  --xfam MASK        the TD's XFAM for a policy that has one (tdx); validated\n"
	"                     like the TDX module does. Default: the allowed mask &\n"
	"                     what the source supports, incomplete pairs dropped\n"
	"  --xcr0 MASK        XCR0 that 0xD.0 EBX and 0xD.1 EBX are sized for\n"
	"                     (default: what the Linux model enters for the table)\n"
	"  --xss MASK         IA32_XSS that 0xD.1 EBX is sized for (default: the model's)\n"
	"  --xsave-order ORD  order in which 0xD.1 EBX is accumulated: 'ascending' (the\n"
	"                     architectural definition, the default) or 'hash:SEED', a\n"
	"                     deliberately defective seeded order that reproduces\n"
	"                     OpenVMM #708, for demonstrations and regression tests;\n"
	"                     'hash-vcpu:SEED' is hash:SEED on vCPU 0 and a seed of\n"
	"                     its own on every other vCPU (run --cpus)\n"
	"  --linux VER        kernel release whose default XCR0/XSS 0xD EBX is sized\n"
	"                     for: X.Y or X.Y.Z from 5.15 on (default 6.8)\n"
	"  --format FMT       how the table is printed: dump (the default, with the '#'\n"
	"                     lines), kvm-json (one JSON object shaped like KVM's\n"
	"                     struct kvm_cpuid2: {\"nent\": N, \"entries\": [{\"function\",\n"
	"                     \"index\", \"flags\", \"eax\", \"ebx\", \"ecx\", \"edx\"}]},\n"
	"                     decimal numbers, flags 1 for indexed leaves) or cpuid-r\n"
	"                     (Debian's 'cpuid -r' text for CPU 0). kvm-json and\n"
	"                     cpuid-r print the table alone; --cpuid reads all three\n"
	"  --json             print the build report, one JSON object, instead of the\n"
	"                     table text (not with --format kvm-json|cpuid-r)\n"
	"  -h, --help         this help\n"
	"\n"
	"MASK and SEED are decimal or 0x-hex 64-bit numbers. Exit status: 0 on\n"
	"success, 2 on bad usage or bad input.\n";

static const char check_usage[] =
	"usage: xsvm cpuid check [FILE|-|--cpuid native|host] [--against-log LOG]\n"
	"                        [--xcr0 MASK] [--xss MASK] [--linux VER] [--json]\n"
	"\n"
	"Run the Linux kernel's XSAVE initialisation model on a CPUID table and print\n"
	"the lines the kernel would log, then a summary. FILE (default '-', stdin) is\n"
	"in the dump format, Debian's 'cpuid -r' output, the kernel's 'CPUID[0d, NN]:'\n"
	"dmesg lines or kvm-json (see 'xsvm cpuid build --help').\n"
	"\n"
	"  --cpuid SOURCE     read the table from native (this CPU's CPUID\n"
	"                     instruction) or host (KVM_GET_SUPPORTED_CPUID) instead\n"
	"                     of FILE; 0xD.0/0xD.1 EBX are taken as the CPU gives them\n"
	"                     once the kernel has entered its XCR0/XSS\n"
	"  --against-log LOG  compare the model's lines with a real kernel's: the\n"
	"                     x86/fpu and XSAVE lines of LOG (the text of dmesg, the\n"
	"                     journal or /dev/kmsg; '-' for stdin), the release from its\n"
	"                     'Linux version' line; 'xsvm cpuid check --cpuid native\n"
	"                     --against-log <(dmesg)' asks whether the model agrees\n"
	"                     with this machine's kernel\n"
	"  --xcr0 MASK        check the table's EBX values as read with this XCR0\n"
	"                     instead of the one the kernel would enter\n"
	"  --xss MASK         likewise for IA32_XSS\n"
	"  --linux VER        kernel release to model: X.Y (its stable series as\n"
	"                     shipped) or X.Y.Z; 5.15 to 7.3 release by release, the\n"
	"                     nearest model outside that (default 6.8, or the log's)\n"
	"  --json             print one JSON object instead of the text\n"
	"  -h, --help         this help\n"
	"\n"
	"Exit status: 0 the kernel would find the table consistent (or, when\n"
	"CPUID.1:ECX.XSAVE is clear, would not use XSAVE and check nothing), 1 it\n"
	"would complain (XSAVE consistency problem, XSAVE disabled), 2 bad usage or\n"
	"bad input. With --against-log: 0 the model's lines equal the log's, 1 they\n"
	"differ.\n";

static const char orders_usage[] =
	"usage: xsvm cpuid orders [FILE|-] --xcr0 MASK [--xss MASK] [--json]\n"
	"\n"
	"For the XSAVE components enabled in XCR0 | XSS, count how many of the\n"
	"possible visiting orders give each compacted size (0xD.1 EBX), showing how\n"
	"a size accumulated out of order (OpenVMM #708) can differ from the\n"
	"architectural ascending-order size. Components are described by the 0xD\n"
	"subleaves of FILE (default '-', stdin).\n"
	"\n"
	"  --xcr0 MASK        user components (required)\n"
	"  --xss MASK         supervisor components (default 0)\n"
	"  --json             print one JSON object instead of the text\n"
	"  -h, --help         this help\n"
	"\n"
	"Exit status: 0 on success, 2 on bad usage or bad input.\n";

static const char diff_usage[] =
	"usage: xsvm cpuid diff A B [--json]\n"
	"\n"
	"Compare two CPUID tables register by register and interpret leaf 0xD: the\n"
	"state components added or removed (0xD.0 EDX:EAX, 0xD.1 EDX:ECX), each\n"
	"component's size, offset and align64/supervisor/xfd flags, and the sizes\n"
	"that change with them: 0xD.0 EBX/ECX and 0xD.1 EBX as the tables say, and\n"
	"the standard and compacted sizes (ascending order) of each table's\n"
	"supported components. A and B are files in any format --cpuid reads (dump,\n"
	"'cpuid -r', 'CPUID[0d, NN]:' dmesg lines, kvm-json); one of them may be '-'\n"
	"(stdin).\n"
	"\n"
	"  --json             print one JSON object instead of the text\n"
	"  -h, --help         this help\n"
	"\n"
	"Exit status: 0 the tables are identical, 1 they differ, 2 bad usage or bad\n"
	"input.\n";

static const struct cpuid_cmd cmds[] = {
	{ "build", cli_cpuid_build, 0, false, false, build_opts, build_usage },
	{ "check", cli_cpuid_check, 1, false, false, check_opts, check_usage },
	{ "orders", cli_cpuid_orders, 1, false, true, orders_opts,
	  orders_usage },
	{ "diff", cli_cpuid_diff, 2, true, false, diff_opts, diff_usage },
};

#define NR_CMDS (sizeof(cmds) / sizeof(cmds[0]))

void cli_cpuid_usage(FILE *f)
{
	fputs("usage: xsvm cpuid build  [--cpuid SOURCE] [--policy NAME|FILE] [--xfam MASK]\n"
	      "                         [--xcr0 MASK] [--xss MASK]\n"
	      "                         [--xsave-order ascending|hash:SEED|hash-vcpu:SEED]\n"
	      "                         [--linux VER]\n"
	      "                         [--format dump|kvm-json|cpuid-r] [--json]\n"
	      "       xsvm cpuid check  [FILE|-|--cpuid native|host] [--against-log LOG]\n"
	      "                         [--xcr0 MASK] [--xss MASK] [--linux VER] [--json]\n"
	      "       xsvm cpuid orders [FILE|-] --xcr0 MASK [--xss MASK] [--json]\n"
	      "       xsvm cpuid diff   A B [--json]\n"
	      "\n"
	      "  build   build a CPUID table with a deterministic leaf 0xD and print it\n"
	      "  check   predict whether Linux accepts a table's XSAVE leaf (exit 0/1)\n"
	      "  orders  count the compacted sizes that each component order gives\n"
	      "  diff    compare two tables, leaf 0xD interpreted (exit 0 same, 1 differ)\n"
	      "\n"
	      "'xsvm cpuid COMMAND --help' describes each command's options.\n",
	      f);
}

static const struct cpuid_cmd *find_cmd(const char *name)
{
	for (unsigned int i = 0; i < NR_CMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

int cli_cpuid_option(int opt, const char *arg, struct cpuid_opts *o)
{
	struct xsvm_err err = { { 0 } };
	int ret = 0;

	switch (opt) {
	case CPUID_OPT_CPUID:
		o->source = arg;
		o->have_source = true;
		break;
	case CPUID_OPT_AGAINST_LOG:
		o->against_log = arg;
		break;
	case CPUID_OPT_XCR0:
		ret = cli_parse_u64("--xcr0", arg, &o->xcr0, &err);
		o->have_xcr0 = true;
		break;
	case CPUID_OPT_XSS:
		ret = cli_parse_u64("--xss", arg, &o->xss, &err);
		o->have_xss = true;
		break;
	case CPUID_OPT_ORDER:
		ret = xsave_order_parse(arg, &o->order, &err);
		break;
	case CPUID_OPT_LINUX:
		ret = linux_version_parse(arg, &o->linux_version, &err);
		o->have_linux = true;
		break;
	case CPUID_OPT_JSON:
		o->json = true;
		break;
	case CPUID_OPT_POLICY:
		o->policy = arg;
		break;
	case CPUID_OPT_XFAM:
		ret = cli_parse_u64("--xfam", arg, &o->xfam, &err);
		o->have_xfam = true;
		break;
	case CPUID_OPT_FORMAT:
		ret = cpuid_export_format_parse(arg, &o->format, &err);
		break;
	}
	return ret ? cli_fail_err(&err) : 0;
}

static int apply_cpuid_option(int opt, const char *arg, void *o)
{
	return cli_cpuid_option(opt, arg, o);
}

/* Returns -1 to run the command, else an exit status. */
static int parse_opts(const struct cpuid_cmd *c, int argc, char **argv,
		      struct cpuid_opts *o)
{
	char name[32];
	const struct cli_command cmd = {
		.name = name, .opts = c->opts, .apply = apply_cpuid_option,
		.ctx = o, .usage_text = c->usage,
	};
	int next, ret;

	snprintf(name, sizeof(name), "cpuid %s", c->name);
	ret = cli_options(&cmd, argc, argv, &next);
	if (ret >= 0)
		return ret;
	if (next < argc && c->positional > 0)
		o->file = argv[next++];
	if (next < argc && c->positional > 1)
		o->file_b = argv[next++];
	if (next < argc)
		return cli_fail("cpuid %s: unexpected argument '%s' (see xsvm cpuid %s --help)",
				c->name, argv[next], c->name);
	if (c->need_files && !o->file_b)
		return cli_fail("cpuid %s: two tables are needed: A B (see xsvm cpuid %s --help)",
				c->name, c->name);
	if (c->need_xcr0 && !o->have_xcr0)
		return cli_fail("cpuid %s: --xcr0 MASK is required (see xsvm cpuid %s --help)",
				c->name, c->name);
	return -1;
}

void cli_cpuid_opts_init(struct cpuid_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->source = "host";
	o->policy = "none";
	o->file = "-";
	o->order.kind = XSAVE_ORDER_ASCENDING;
	o->linux_version = LINUX_DEFAULT_VERSION;
	o->format = CPUID_FORMAT_DUMP;
}

int cli_cpuid_main(int argc, char **argv)
{
	const struct cpuid_cmd *c;
	struct cpuid_opts o;
	int ret;

	if (argc < 2)
		return cli_fail("cpuid: missing command: build, check, orders or diff (see xsvm cpuid --help)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		cli_cpuid_usage(stdout);
		return CLI_EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (!c)
		return cli_fail("cpuid: unknown command '%s' (see xsvm cpuid --help)",
				argv[1]);
	cli_cpuid_opts_init(&o);
	ret = parse_opts(c, argc - 1, argv + 1, &o);
	if (ret >= 0)
		return ret;
	return c->run(&o);
}

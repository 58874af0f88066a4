// SPDX-License-Identifier: MIT
/*
 * xsvm: a small KVM virtual machine monitor that gives a guest a
 * deterministic CPUID table. This file dispatches the top-level commands.
 */
#include <stdio.h>
#include <string.h>

#include "cli_cpuid.h"
#include "cli_explain.h"
#include "cli_probe.h"
#include "cli_run.h"
#include "cli_util.h"
#include "version.h"


static void usage(FILE *f)
{
	fputs("usage: xsvm COMMAND [OPTIONS]\n"
	      "\n"
	      "xsvm builds deterministic CPUID tables (an ordered XSAVE leaf 0xD) and\n"
	      "predicts whether the Linux kernel's XSAVE consistency check accepts them.\n"
	      "\n"
	      "Commands:\n"
	      "  cpuid build   build a table from host KVM, the native CPUID instruction or\n"
	      "                a dump file, with leaf 0xD rewritten, and print it\n"
	      "  cpuid check   run the Linux XSAVE model on a table: exit 0 consistent,\n"
	      "                1 the kernel would warn, 2 bad input\n"
	      "  cpuid orders  count the compacted sizes that each component order gives\n"
	      "  run           boot a kernel (default: the built-in test guest) under KVM\n"
	      "                with the built table and report whether its XSAVE check\n"
	      "                passed: exit 0 passed, 1 problem, 2 bad input, 3 no verdict,\n"
	      "                4 a host defect accounts for the kernel's warning\n"
	      "  explain       explain a guest's XSAVE problem from its console log or dmesg:\n"
	      "                exit 0 no problem, 1 a problem explained, 2 unreadable input\n"
	      "  probe         measure how faithfully this host's KVM presents CPUID and\n"
	      "                XSAVE to a guest: exit 0 faithful, 1 not, 3 could not probe\n"
	      "\n",
	      f);
	cli_cpuid_usage(f);
	fputs("\n", f);
	cli_run_usage(f);
	fputs("\n", f);
	cli_explain_usage(f);
	fputs("\n", f);
	cli_probe_usage(f);
	fputs("\n"
	      "Options:\n"
	      "  -h, --help     this help\n"
	      "  --version      print the version\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return cli_fail("missing command (see xsvm --help)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("xsvm %s (git %s)\n", xsvm_version, xsvm_revision);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "cpuid"))
		return cli_cpuid_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cli_run_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "explain"))
		return cli_explain_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "probe"))
		return cli_probe_main(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		return cli_fail("unknown option '%s' (see xsvm --help)", argv[1]);
	return cli_fail("unknown command '%s' (see xsvm --help)", argv[1]);
}

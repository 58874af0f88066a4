// SPDX-License-Identifier: MIT
/*
 * `xsvm probe`: measure how faithfully this host's KVM presents a CPUID
 * table and the XSAVE state to a guest (vmm/probe_run.h), print one line
 * per property with the expected and the measured value, or one JSON
 * object. Exit 0 faithful, 1 not (the unfaithful properties named), 2 bad
 * usage or input, 3 the probe could not run to its end.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli_probe.h"
#include "cli_run.h"
#include "cli_table.h"
#include "cli_util.h"
#include "json.h"
#include "vmm/probe_cache.h"
#include "vmm/probe_run.h"

#define PROBE_DEFAULT_TIMEOUT 120.0

enum {
	OPT_JSON = CPUID_OPT_END,
	OPT_TIMEOUT,
	OPT_CONSOLE,
	OPT_HELP = 'h',
};

static const struct option probe_opts[] = {
	CPUID_TABLE_OPTIONS,
	{"json", no_argument, NULL, OPT_JSON},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"console", required_argument, NULL, OPT_CONSOLE},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

void cli_probe_usage(FILE *f)
{
	fputs("usage: xsvm probe [--cpuid SOURCE] [--policy NAME|FILE]\n"
	      "                  [--xfam MASK] [--timeout SEC] [--console FILE]\n"
	      "                  [--json]\n"
	      "\n"
	      "Boot the built-in test guest in probe mode with the built table\n"
	      "and measure the KVM it runs on: whether every leaf of KVM's\n"
	      "table reaches the guest's CPUID instruction, whether 0xD.0/0xD.1\n"
	      "EBX follow each XCR0 (XSETBV) and IA32_XSS the table allows,\n"
	      "where XSAVE, XSAVEOPT, XSAVEC and XSAVES really put each\n"
	      "component, and which of them (and CMPXCHG16B) the host cannot\n"
	      "run. One line per property: expected (the model of the table KVM\n"
	      "reported back) and measured. The findings are kept for `xsvm run`\n"
	      "in $XSVM_CACHE_DIR, $XDG_CACHE_HOME/xsvm or ~/.cache/xsvm.\n"
	      "\n"
	      "  --cpuid, --policy, --xfam  build the table as 'xsvm cpuid build'\n"
	      "                     does (default: --cpuid host)\n"
	      "  --timeout SEC      give up after SEC seconds (default 120)\n"
	      "  --console FILE     write the guest's console to FILE\n"
	      "  --json             one JSON object on standard output\n"
	      "  -h, --help         this help\n"
	      "\n"
	      "Exit status: 0 the host is faithful, 1 it is not (each unfaithful\n"
	      "property is named), 2 bad usage or input, 3 the probe could not\n"
	      "run to its end.\n",
	      f);
}

struct probe_opts {
	struct cpuid_opts table;
	struct probe_config pc;
	bool json;
};

static int apply_option(int opt, const char *arg, struct probe_opts *o)
{
	struct xsvm_err err = {{0}};
	uint64_t v;

	switch (opt) {
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_TIMEOUT:
		if (cli_parse_u64("--timeout", arg, &v, &err))
			return cli_fail_err(&err);
		if (v < 1 || v > 86400)
			return cli_fail("--timeout: %llu is outside 1..86400",
					(unsigned long long)v);
		o->pc.timeout_s = (double)v;
		return 0;
	case OPT_CONSOLE:
		o->pc.console_path = arg;
		return 0;
	default:
		return cli_cpuid_option(opt, arg, &o->table);
	}
}

static int apply_probe_option(int opt, const char *arg, void *o)
{
	return apply_option(opt, arg, o);
}

/* Returns -1 to probe, else an exit status. */
static int parse_opts(int argc, char **argv, struct probe_opts *o)
{
	const struct cli_command cmd = {
		.name = "probe", .opts = probe_opts,
		.apply = apply_probe_option, .ctx = o,
		.usage = cli_probe_usage,
	};
	int next, ret;

	memset(o, 0, sizeof(*o));
	cli_cpuid_opts_init(&o->table);
	o->pc.timeout_s = PROBE_DEFAULT_TIMEOUT;
	ret = cli_options(&cmd, argc, argv, &next);
	if (ret >= 0)
		return ret;
	if (next < argc)
		return cli_fail("probe: unexpected argument '%s' (see xsvm probe --help)",
				argv[next]);
	if (o->table.order.kind != XSAVE_ORDER_ASCENDING)
		return cli_fail("probe: --xsave-order does not apply: the probe measures the host, with the architectural order");
	return -1;
}

static const char *status_name(enum probe_status s)
{
	switch (s) {
	case PROBE_FAITHFUL:
		return "faithful";
	case PROBE_UNFAITHFUL:
		return "UNFAITHFUL";
	default:
		return "info";
	}
}

/* What became of instruction i: ran, failed or was not offered. */
enum insn_state { INSN_RAN, INSN_FAILED, INSN_NOT_OFFERED };

static const char *const insn_state_text[] = { "ran", "FAILED",
					       "not offered" };
static const char *const insn_state_json[] = { "ran", "failed",
					       "not_offered" };

static enum insn_state insn_state(const struct probe_result *r,
				  unsigned int i)
{
	if (r->insn_ran & (1u << i))
		return INSN_RAN;
	return r->insn_failed & (1u << i) ? INSN_FAILED : INSN_NOT_OFFERED;
}

static void print_insns(const struct probe_result *r)
{
	printf("instructions:");
	for (unsigned int i = PROBE_INSN_XSAVE; i < PROBE_INSN_NR; i++)
		printf(" %s %s%s", probe_insn_name(i),
		       insn_state_text[insn_state(r, i)],
		       i + 1 < PROBE_INSN_NR ? "," : "\n");
}

static void print_text(const struct probe_outcome *o)
{
	const struct probe_result *r = &o->res;
	char key[HOST_ID_KEY_LEN];

	host_id_key(&o->host, key, sizeof(key));
	printf("host: %s\n", key);
	printf("table: 0x%016llx installed, 0x%016llx read back (%u entries)\n",
	       (unsigned long long)o->mr.installed_hash,
	       (unsigned long long)o->mr.seen_hash, o->mr.seen.nr);
	printf("%-22s %-28s %-24s %-24s %s\n", "property", "subject",
	       "expected", "measured", "result");
	for (unsigned int i = 0; i < r->nr_props; i++) {
		const struct probe_prop *p = &r->prop[i];

		printf("%-22s %-28s %-24s %-24s %s\n", p->name, p->subject,
		       p->expected, p->measured, status_name(p->status));
	}
	if (r->props_cut)
		printf("(more properties than %u: the rest are counted, not listed)\n",
		       PROBE_MAX_PROPS);
	print_insns(r);
	printf("%u properties: %u faithful, %u unfaithful\n",
	       r->nr_faithful + r->nr_unfaithful, r->nr_faithful,
	       r->nr_unfaithful);
	for (unsigned int d = 0; d < PROBE_DEFECT_NR; d++)
		if (r->defects & (1u << d))
			printf("host defect: %s\n", probe_defect_name(d));
	if (r->defects & (1u << PROBE_DEFECT_EBX0_STALE))
		printf("  0xD.0 EBX stays %u after XSETBV: the size for the XCR0 at reset (x87 only)\n",
		       r->stale_ebx0);
	if (r->defects & (1u << PROBE_DEFECT_EBX1_STALE))
		printf("  0xD.1 EBX stays %u after XSETBV or the IA32_XSS write\n",
		       r->stale_ebx1);
}

static int print_json(const struct probe_outcome *o, int status)
{
	const struct probe_result *r = &o->res;
	struct json_writer w;

	cli_json_begin(&w, stdout);
	json_u64(&w, "exit_status", (uint64_t)status);
	json_bool(&w, "faithful", !r->nr_unfaithful);
	json_begin_object(&w, "host");
	json_string(&w, "kvm_module", o->host.module);
	json_string(&w, "kernel_release", o->host.release);
	json_string(&w, "cpu_vendor", o->host.vendor);
	json_u64(&w, "cpu_family", o->host.family);
	json_u64(&w, "cpu_model", o->host.model);
	json_u64(&w, "cpu_stepping", o->host.stepping);
	json_end_object(&w);
	json_hex(&w, "installed_hash", o->mr.installed_hash);
	json_hex(&w, "seen_hash", o->mr.seen_hash);
	json_u64(&w, "faithful_total", r->nr_faithful);
	json_u64(&w, "unfaithful_total", r->nr_unfaithful);
	json_u64(&w, "host_failures", o->data.host_failures);
	json_begin_array(&w, "defects");
	for (unsigned int d = 0; d < PROBE_DEFECT_NR; d++)
		if (r->defects & (1u << d))
			json_string(&w, NULL, probe_defect_name(d));
	json_end_array(&w);
	if (r->defects & (1u << PROBE_DEFECT_EBX0_STALE))
		json_u64(&w, "stale_ebx0", r->stale_ebx0);
	if (r->defects & (1u << PROBE_DEFECT_EBX1_STALE))
		json_u64(&w, "stale_ebx1", r->stale_ebx1);
	json_begin_object(&w, "instructions");
	for (unsigned int i = PROBE_INSN_XSAVE; i < PROBE_INSN_NR; i++)
		json_string(&w, probe_insn_name(i),
			    insn_state_json[insn_state(r, i)]);
	json_end_object(&w);
	json_begin_array(&w, "properties");
	for (unsigned int i = 0; i < r->nr_props; i++) {
		const struct probe_prop *p = &r->prop[i];

		json_begin_object(&w, NULL);
		json_string(&w, "name", p->name);
		json_string(&w, "subject", p->subject);
		json_string(&w, "expected", p->expected);
		json_string(&w, "measured", p->measured);
		json_string(&w, "result",
			    p->status == PROBE_UNFAITHFUL
				    ? "unfaithful"
				    : status_name(p->status));
		if (p->status == PROBE_UNFAITHFUL)
			json_string(&w, "defect", probe_defect_name(p->defect));
		json_end_object(&w);
	}
	json_end_array(&w);
	json_bool(&w, "properties_cut", r->props_cut);
	return cli_json_end(&w);
}

/* Why the probe did not finish, on stderr. */
static int not_probed(const struct probe_outcome *o)
{
	const struct run_result *e = &o->mr.run;

	fprintf(stderr,
		"xsvm: probe: the guest did not finish (run ended: %s)%s%s\n",
		run_end_name(e->end), e->detail[0] ? ": " : "", e->detail);
	fprintf(stderr,
		"xsvm: probe: %u records received, %u refused, %u emulation failures\n",
		o->data.nr_records, o->data.bad_writes, o->data.host_failures);
	return RUN_EXIT_NO_VERDICT;
}

/* What `xsvm run` will use for this host from now on. */
static void keep_findings(const struct probe_outcome *out)
{
	char path[PROBE_CACHE_PATH_LEN];
	struct probe_findings f;

	probe_findings_of(&out->res, &f);
	if (probe_cache_path(&out->host, path, sizeof(path)) ||
	    probe_cache_store(path, &out->host, &f))
		fprintf(stderr, "xsvm: probe: no cache directory could be written: findings not kept\n");
	else
		fprintf(stderr, "xsvm: probe: findings kept in %s\n", path);
}

static int probe(struct probe_opts *o, struct table_build *tb,
		 struct probe_outcome *out)
{
	struct xsvm_err err = {{0}};
	int ret, status;

	ret = cli_table_build(&o->table, tb);
	if (ret)
		return cli_table_host_failed(tb) ? RUN_EXIT_NO_VERDICT : ret;
	ret = probe_run(&tb->t, &o->pc, out, &err);
	if (ret) {
		cli_fail_err(&err);
		return out->mr.failure == MACHINE_KVM_FAILED
			       ? RUN_EXIT_NO_VERDICT
			       : CLI_EXIT_USAGE;
	}
	if (!out->probed)
		return not_probed(out);
	keep_findings(out);
	status = out->res.nr_unfaithful ? CLI_EXIT_PROBLEM : CLI_EXIT_OK;
	if (o->json) {
		if (print_json(out, status))
			return cli_fail("writing the JSON output failed");
	} else {
		print_text(out);
	}
	return status;
}

int cli_probe_main(int argc, char **argv)
{
	struct probe_outcome *out;
	struct table_build *tb;
	struct probe_opts o;
	int ret;

	ret = parse_opts(argc, argv, &o);
	if (ret >= 0)
		return ret;
	tb = calloc(1, sizeof(*tb));
	out = calloc(1, sizeof(*out));
	if (tb && out)
		ret = probe(&o, tb, out);
	else
		ret = cli_fail("out of memory");
	free(tb);
	free(out);
	return ret;
}

// SPDX-License-Identifier: MIT
/*
 * `xsvm run`'s summary on standard error: what KVM changed in the table,
 * how the run ended, the verdict, the prediction and the host judgement.
 */
#include <stdio.h>
#include <string.h>

#include "cli_run.h"

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

void cli_run_print_fidelity(const struct machine_result *r)
{
	const struct cpuid_diff *d = &r->fidelity;

	fprintf(stderr,
		"xsvm: table 0x%016llx installed; KVM changed %u "
		"register%s/entr%s\n",
		(unsigned long long)r->installed_hash, d->total,
		d->total == 1 ? "" : "s", d->total == 1 ? "y" : "ies");
	if (r->kvm_refused)
		fprintf(stderr,
			"xsvm: KVM refused dynamic XSAVE components 0x%llx "
			"(AMX TILEDATA: no guest permission on this host); "
			"installed without them, the CPUID service answers "
			"with them\n",
			(unsigned long long)r->kvm_refused);
	for (unsigned int i = 0; i < d->nr; i++) {
		const struct cpuid_diff_entry *e = &d->d[i];

		if (e->kind == CPUID_DIFF_CHANGED)
			fprintf(stderr,
				"xsvm:   leaf 0x%x subleaf 0x%x %s: 0x%08x -> "
				"0x%08x\n",
				e->leaf, e->subleaf, cpuid_reg_names[e->reg],
				e->a, e->b);
		else
			fprintf(stderr, "xsvm:   leaf 0x%x subleaf 0x%x: %s\n",
				e->leaf, e->subleaf,
				e->kind == CPUID_DIFF_MISSING ? "removed by KVM"
							      : "added by KVM");
	}
}

static void print_end(const struct machine_result *r)
{
	const struct run_result *e = &r->run;
	const struct run_stats *s = &r->stats;

	fprintf(stderr,
		"xsvm: run ended (%s) after %.3f s: %llu exits, %.3f s in "
		"KVM_RUN, %.3f s in xsvm\n",
		run_end_name(e->end), secs(s->ns_total),
		(unsigned long long)s->exits, secs(s->ns_in_kvm),
		secs(s->ns_total - s->ns_in_kvm));
	if (e->detail[0])
		fprintf(stderr, "xsvm: %s\n", e->detail);
	if (e->state_reset)
		fprintf(stderr, "xsvm: the vCPU was already reset when KVM "
				"reported the shutdown (KVM on AMD does that): "
				"the faulting RIP is unknown\n");
	if (e->have_rip) {
		fprintf(stderr, "xsvm: RIP 0x%llx, bytes",
			(unsigned long long)e->rip);
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

	n = d->nr_missing < PREDICTION_MAX_LISTED ? d->nr_missing
						  : PREDICTION_MAX_LISTED;
	for (unsigned int i = 0; i < n; i++)
		fprintf(stderr, "xsvm:   predicted, not printed: %s\n",
			d->missing[i]);
	n = d->nr_unexpected < PREDICTION_MAX_LISTED ? d->nr_unexpected
						     : PREDICTION_MAX_LISTED;
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
		fprintf(stderr,
			"xsvm: the host could not be probed (%s): the verdict "
			"stays problem\n",
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

void cli_run_print_summary(const struct machine_result *r,
			   const struct judgement *j, int status)
{
	const struct verdict *v = &r->verdict;

	print_end(r);
	if (v->problem[0])
		fprintf(stderr, "xsvm: the kernel: %s\n", v->problem);
	if (v->panic)
		fprintf(stderr, "xsvm: the kernel panicked: %s\n",
			v->panic_line);
	fprintf(stderr, "xsvm: verdict: %s", verdict_name(v->verdict));
	if (r->stats.ns_verdict)
		fprintf(stderr, " after %.3f s", secs(r->stats.ns_verdict));
	fprintf(stderr, "\n");
	if (r->predicted)
		fprintf(stderr, "xsvm: prediction (Linux %s%s): %s\n",
			linux_model_name(r->pred_version).s,
			r->version_from_kernel ? ", from the kernel's version"
					       : "",
			r->pred_matches
				? (r->pred_partial
					   ? "matches the lines printed before "
					     "the run ended"
					   : "matches the kernel's lines")
				: "DIFFERS from the kernel's lines");
	if (r->predicted && !r->pred_matches)
		print_pdiff(&r->pdiff);
	print_judgement(j);
	fprintf(stderr, "xsvm: exit status %d\n", status);
}

// SPDX-License-Identifier: MIT
#include <errno.h>

#include "cli_util.h"
#include "json.h"
#include "report.h"
#include "vmm/kernel_cache.h"

/* A changed register: its name, the value installed and the value seen. */
static const char *const fidelity_keys[3] = {"register", "installed", "seen"};

static void lines(struct json_writer *w, const char *key,
		  const char (*l)[LINUX_LINE_LEN], unsigned int n)
{
	json_begin_array(w, key);
	for (unsigned int i = 0; i < n; i++)
		json_string(w, NULL, l[i]);
	json_end_array(w);
}

static void observed(struct json_writer *w, const struct verdict *v)
{
	json_begin_object(w, "observed");
	json_string(w, "problem", v->problem);
	json_bool(w, "panic", v->panic);
	json_string(w, "panic_line", v->panic_line);
	json_bool(w, "block_done", v->block_done);
	json_u64(w, "console_lines", v->nr_console_lines);
	json_u64(w, "lines_dropped", v->nr_dropped);
	json_begin_array(w, "lines");
	for (unsigned int i = 0; i < v->nr_lines; i++)
		json_string(w, NULL, v->lines[i]);
	json_end_array(w);
	json_end_object(w);
}

static void pdiff(struct json_writer *w, const struct prediction_diff *d)
{
	unsigned int n;

	json_u64(w, "matched", d->nr_matched);
	json_u64(w, "missing_total", d->nr_missing);
	json_u64(w, "unexpected_total", d->nr_unexpected);
	json_begin_array(w, "missing");
	n = d->nr_missing < PREDICTION_MAX_LISTED ? d->nr_missing
						  : PREDICTION_MAX_LISTED;
	for (unsigned int i = 0; i < n; i++)
		json_string(w, NULL, d->missing[i]);
	json_end_array(w);
	json_begin_array(w, "unexpected");
	n = d->nr_unexpected < PREDICTION_MAX_LISTED ? d->nr_unexpected
						     : PREDICTION_MAX_LISTED;
	for (unsigned int i = 0; i < n; i++)
		json_string(w, NULL, d->unexpected[i]);
	json_end_array(w);
}

static void prediction(struct json_writer *w, const struct machine_result *r)
{
	json_begin_object(w, "prediction");
	json_bool(w, "made", r->predicted);
	if (r->predicted) {
		json_string(w, "linux", linux_release_name(r->pred_version).s);
		if (linux_model_release(r->pred_version) != r->pred_version)
			json_string(w, "linux_model",
				    linux_release_name(linux_model_release(
							       r->pred_version))
					    .s);
		json_bool(w, "version_from_kernel", r->version_from_kernel);
		json_bool(w, "consistent", r->pred.consistent);
		json_hex(w, "xcr0", r->pred.xcr0);
		json_hex(w, "xss", r->pred.xss);
		json_u64(w, "size", r->pred.size);
		json_bool(w, "matches", r->pred_matches);
		json_bool(w, "partial", r->pred_partial);
		lines(w, "lines", r->pred.lines, r->pred.nr_lines);
		pdiff(w, &r->pdiff);
	}
	json_end_object(w);
}

static void exits(struct json_writer *w, const struct run_stats *s)
{
	json_begin_object(w, "exits");
	json_u64(w, "total", s->exits);
	json_u64(w, "io", s->exits_io);
	json_u64(w, "mmio", s->exits_mmio);
	json_u64(w, "other", s->exits_other);
	json_u64(w, "io_default_reads", s->io_default_reads);
	json_u64(w, "io_default_writes", s->io_default_writes);
	json_u64(w, "mmio_reads", s->mmio_reads);
	json_u64(w, "mmio_writes", s->mmio_writes);
	json_u64(w, "svc_queries", s->svc_queries);
	json_u64(w, "svc_bad_accesses", s->svc_bad_accesses);
	json_end_object(w);
}

static void timings(struct json_writer *w, const struct machine_result *r)
{
	const struct run_stats *s = &r->stats;

	json_begin_object(w, "timings_ns");
	json_u64(w, "setup", r->ns_setup);
	json_u64(w, "first_console_byte", s->ns_first_byte);
	json_u64(w, "last_console_byte", s->ns_last_byte);
	json_u64(w, "verdict", s->ns_verdict);
	json_u64(w, "total", s->ns_total);
	json_u64(w, "in_kvm_run", s->ns_in_kvm);
	json_u64(w, "in_xsvm", s->ns_total - s->ns_in_kvm);
	json_end_object(w);
}

static void run_end(struct json_writer *w, const struct run_result *r)
{
	json_begin_object(w, "end");
	json_string(w, "reason", run_end_name(r->end));
	json_string(w, "detail", r->detail);
	json_u64(w, "kvm_exit_reason", r->exit_reason);
	if (r->end == RUN_END_DEBUG_EXIT)
		json_u64(w, "debug_exit_value", r->debug_exit_value);
	if (r->end == RUN_END_SHUTDOWN)
		json_bool(w, "vcpu_state_reset", r->state_reset);
	if (r->have_rip) {
		char hex[3 * sizeof(r->insn) + 1] = "";

		for (unsigned int i = 0; i < r->insn_len; i++)
			snprintf(hex + (i ? 3 * i - 1 : 0),
				 sizeof(hex) - (i ? 3 * i - 1 : 0), "%s%02x",
				 i ? " " : "", r->insn[i]);
		json_hex(w, "rip", r->rip);
		json_string(w, "insn_bytes", hex);
		json_string(w, "insn", r->mnemonic ? r->mnemonic : "");
		json_string(w, "remedy", r->remedy ? r->remedy : "");
	}
	json_end_object(w);
}

/* Whether the host or the table is to blame for the kernel's warning. */
static void judgement(struct json_writer *w, const struct judgement *j)
{
	char key[HOST_ID_KEY_LEN];

	json_begin_object(w, "host_judgement");
	json_bool(w, "judged", j->judged);
	json_u64(w, "size", j->size);
	json_u64(w, "kernel_size", j->kernel_size);
	json_bool(w, "host_defect", j->judged && j->b.host);
	json_string(w, "defect",
		    j->judged && j->b.host ? probe_defect_name(j->b.defect)
					   : "");
	json_bool(w, "table_consistent", j->judged && j->b.table_consistent);
	json_string(w, "text", j->judged ? j->b.text : j->error);
	host_id_key(&j->lk.host, key, sizeof(key));
	json_string(w, "host", j->judged ? key : "");
	json_bool(w, "findings_cached", j->lk.cached);
	json_string(w, "cache_file", j->lk.path);
	json_end_object(w);
}

static const char *verdict_of(const struct report *rep)
{
	const struct judgement *j = rep->judgement;

	if (j && j->judged && j->b.host)
		return "host_defect";
	return verdict_name(rep->result->verdict.verdict);
}

/*
 * With more than one vCPU: the topology, and each vCPU's APIC ID and
 * exits (one vCPU's report has none of it, as before vCPUs were counted);
 * under hash-vcpu:SEED also the order each vCPU's CPUID service answers in.
 */
static void vcpus(struct json_writer *w, const struct machine_config *c,
		  const struct machine_result *r)
{
	const struct topology *t = &c->topo;

	if (!t->sockets || topology_cpus(t) < 2)
		return;
	json_begin_object(w, "topology");
	json_u64(w, "cpus", topology_cpus(t));
	json_u64(w, "sockets", t->sockets);
	json_u64(w, "cores", t->cores);
	json_u64(w, "threads", t->threads);
	json_end_object(w);
	json_begin_array(w, "vcpus");
	for (unsigned int i = 0; i < topology_cpus(t); i++) {
		json_begin_object(w, NULL);
		json_u64(w, "index", i);
		json_u64(w, "apic_id", topology_apic_id(t, i));
		json_u64(w, "exits", i < r->stats.nr_vcpus
					     ? r->stats.vcpu_exits[i]
					     : 0);
		if (r->order.kind == XSAVE_ORDER_HASH_VCPU) {
			struct xsave_order o = xsave_order_for_vcpu(&r->order, i);
			char buf[48];

			o.kind = XSAVE_ORDER_HASH;
			xsave_order_format(&o, buf, sizeof(buf));
			json_string(w, "order", buf);
		}
		json_end_object(w);
	}
	json_end_array(w);
	json_u64(w, "end_vcpu", r->run.vcpu);
}

static void members(struct json_writer *wp, const struct report *rep)
{
	const struct machine_result *r = rep->result;
	const struct machine_config *c = rep->config;
#define w (*wp)

	json_string(&w, "verdict", verdict_of(rep));
	json_u64(&w, "exit_status", (uint64_t)rep->exit_status);
	json_string(&w, "kernel", c->kernel_path);
	json_string(&w, "kernel_format",
		    r->kernel.format ? r->kernel.format : "");
	json_hex(&w, "kernel_entry", r->kernel.entry);
	json_string(&w, "kernel_cache",
		    kernel_cache_status_name(r->kernel_cache));
	json_string(&w, "kernel_version",
		    (r->verdict.have_version ? r->verdict.version : ""));
	json_string(&w, "initrd", c->initrd_path ? c->initrd_path : "");
	json_string(&w, "cmdline", rep->cmdline);
	json_u64(&w, "mem_mib", c->mem_bytes >> 20);
	vcpus(&w, c, r);
	json_string(&w, "source", rep->source);
	json_string(&w, "policy", rep->policy);
	json_string(&w, "order", rep->order);
	json_hex(&w, "table_hash", r->installed_hash);
	json_hex(&w, "seen_table_hash", r->seen_hash);
	json_hex(&w, "kvm_refused_xfeatures", r->kvm_refused);
	json_u64(&w, "fidelity_total", r->fidelity.total);
	cli_json_diff(&w, "fidelity", &r->fidelity, fidelity_keys);
	observed(&w, &r->verdict);
	prediction(&w, r);
	run_end(&w, &r->run);
	exits(&w, &r->stats);
	timings(&w, r);
	json_u64(&w, "console_bytes", r->console_bytes);
	json_u64(&w, "console_in_bytes", r->console_in_bytes);
	if (rep->judgement && rep->judgement->tried)
		judgement(&w, rep->judgement);
#undef w
}

int report_write(FILE *f, const struct report *rep)
{
	struct json_writer w;

	cli_json_begin(&w, f);
	members(&w, rep);
	return cli_json_end(&w) ? -EIO : 0;
}

void report_boots_begin(struct json_writer *w, FILE *f)
{
	cli_json_begin(w, f);
	json_begin_array(w, "boot");
}

void report_boot(struct json_writer *w, unsigned int boot,
		 const struct report *rep)
{
	json_begin_object(w, NULL);
	json_u64(w, "boot", boot);
	members(w, rep);
	json_end_object(w);
}

int report_boots_end(struct json_writer *w, const struct boots_tally *b)
{
	json_end_array(w);
	json_u64(w, "boots", b->asked);
	json_u64(w, "boots_run", b->run);
	json_u64(w, "exit_status", (uint64_t)b->status);
	json_begin_object(w, "verdicts");
	for (unsigned int i = 0; i < BOOTS_NR; i++)
		json_u64(w, boots_class_name(i), b->count[i]);
	json_end_object(w);
	json_begin_object(w, "warned_prediction");
	json_bool(w, "made", b->have_share);
	json_u64(w, "warned_boots", b->count[BOOTS_PROBLEM]);
	json_u64(w, "warning_orders", b->warn_orders);
	json_u64(w, "orders_total", b->total_orders);
	json_u64(w, "interval_low", b->lo);
	json_u64(w, "interval_high", b->hi);
	json_bool(w, "inside",
		  b->have_share && b->count[BOOTS_PROBLEM] >= b->lo &&
			  b->count[BOOTS_PROBLEM] <= b->hi);
	json_end_object(w);
	return cli_json_end(w) ? -EIO : 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * One guest run from start to verdict: guest RAM, the kernel and initrd
 * loaded with the boot protocol, the VM created with the CPUID table
 * installed and read back, the run loop with the console and the verdict
 * scanner, and finally the Linux model's prediction for the table the
 * guest really saw, compared with what the kernel printed.
 *
 * Library code: nothing is printed except the guest's own console output.
 */
#ifndef XSVM_VMM_MACHINE_H
#define XSVM_VMM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "boot_params.h"
#include "cpuid/diff.h"
#include "cpuid/linux.h"
#include "cpuid/table.h"
#include "cpuid/topology.h"
#include "cpuid/xsave.h"
#include "kernel_cache.h"
#include "loader.h"
#include "prediction.h"
#include "run.h"
#include "verdict.h"

struct machine_config {
	const char *kernel_path;	 /* a file, or the name of kernel_image */
	/*
	 * An image in memory instead of a file (the built-in test guest).
	 * Such a guest reads its table through the CPUID service, so the
	 * prediction uses the built table with the service's EBX.
	 */
	const uint8_t *kernel_image;
	size_t kernel_image_len;
	const char *initrd_path;	 /* NULL: none */
	const char *cmdline;
	uint64_t mem_bytes;
	struct run_params run;
	const char *console_path; /* NULL: none */
	bool live;		  /* console to standard output */
	bool have_linux_version;  /* else from the kernel's version line */
	uint32_t linux_version;
	/*
	 * Probe mode (the test guest with "xsvm.probe=1"): the probe port's
	 * records go here, and instructions KVM cannot emulate become #UD.
	 */
	struct probe_data *probe;
	/* The console's input (term_input_start()), or NULL: none. */
	struct term_input *input;
	/*
	 * vCPUs and their topology; all zero is one vCPU. With more than one,
	 * each vCPU gets its own copy of the table (cpuid/topology.h) and the
	 * guest an MP table.
	 */
	struct topology topo;
};

/* Where a failure happened: bad input (exit 2) or KVM (no verdict, 3). */
enum machine_failure {
	MACHINE_OK,
	MACHINE_BAD_INPUT,
	MACHINE_KVM_FAILED,
};

struct machine_result {
	enum machine_failure failure;
	struct cpuid_table seen;    /* KVM_GET_CPUID2 after KVM_SET_CPUID2 */
	uint64_t installed_hash, seen_hash;
	struct cpuid_diff fidelity; /* installed vs seen */
	/* Dynamic XSAVE components KVM would not take (no permission). */
	uint64_t kvm_refused;
	struct loaded_kernel kernel;
	/* Whether the decompressed kernel came from the kernel cache. */
	enum kernel_cache_status kernel_cache;
	struct boot_layout layout;
	uint64_t kernel_file_size, initrd_size;
	struct verdict verdict;
	struct run_result run;
	struct run_stats stats;
	struct xsave_order order; /* the boot's, from machine_boot() */
	uint64_t ns_setup; /* reading files, loading, creating the VM */
	int console_errno; /* a failed write to the console file */
	uint64_t console_bytes;
	uint64_t console_in_bytes; /* bytes the guest received */
	uint64_t irq_errors;	   /* KVM_IRQ_LINE failures */
	/* The prediction for the table the guest saw. */
	bool predicted;
	bool version_from_kernel;
	uint32_t pred_version;
	struct linux_result pred;
	struct prediction_diff pdiff;
	bool pred_matches;
	/*
	 * The run ended inside the kernel's x86/fpu block (e.g. on an
	 * instruction KVM cannot emulate): only the lines printed so far are
	 * compared, with as many predicted lines.
	 */
	bool pred_partial;
};

/*
 * Run a guest. Returns 0 when the guest ran (whatever its verdict), or a
 * negative errno with err set and r->failure saying which kind.
 */
/*
 * A machine is made in two steps, so that every input is read and checked
 * before the host is touched. machine_load() reads the kernel and initrd,
 * lays out guest RAM and opens the console file: its failures are bad input.
 * machine_boot() creates the KVM VM, installs table (and the builder's
 * order, for the CPUID service), runs the guest and fills r. machine_free()
 * releases everything, whatever the outcome.
 */
struct machine;
struct machine *machine_load(const struct machine_config *c,
			     struct machine_result *r, struct xsvm_err *err);
int machine_boot(struct machine *m, const struct cpuid_table *table,
		 const struct xsave_order *order, struct xsvm_err *err);
/*
 * The next boot of the same machine: a fresh VM and fresh guest RAM with
 * the kernel, initrd and boot_params placed again, results in r (which
 * machine_boot() then fills), and marker (NULL: none) written to the
 * console before the boot's first byte. Nothing of the previous boot is
 * kept but the console's outputs.
 */
int machine_next(struct machine *m, struct machine_result *r, const char *marker,
		 struct xsvm_err *err);
void machine_free(struct machine *m);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The run loop: KVM_RUN until the guest ends, a verdict is reached (and the
 * kernel has finished its x86/fpu lines), --timeout expires or a signal
 * arrives; one dispatch on the exit reason. Port I/O goes to the CPUID
 * service (whole accesses), the UART, the i8042 reset, the debug-exit port
 * (byte by byte), or a safe default (reads all-ones, writes ignored, both
 * counted); MMIO likewise.
 */
#ifndef XSVM_VMM_RUN_H
#define XSVM_VMM_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "console.h"
#include "cpuid_service.h"
#include "kvm_vm.h"
#include "probe_dev.h"
#include "uart.h"
#include "verdict.h"

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT 0x64
#define I8042_CMD_RESET 0xfe
/* isa-debug-exit convention: writing v ends the run with status (v<<1)|1. */
#define DEBUG_EXIT_PORT 0xf4
/* Values a guest writes there: 0 passed, 1 problem, 2 and up it failed. */
#define DEBUG_EXIT_GUEST_FAILED 2

enum run_end {
	RUN_END_NONE,
	RUN_END_VERDICT,	/* verdict reached, x86/fpu block done */
	RUN_END_DEBUG_EXIT,	/* the guest wrote DEBUG_EXIT_PORT */
	RUN_END_RESET,		/* i8042 reset (reboot=k: reboot -f) */
	RUN_END_SHUTDOWN,	/* triple fault (reboot=t) */
	/* the vCPU halted with interrupts off, no power-off line printed */
	RUN_END_HLT,
	RUN_END_TIMEOUT,
	RUN_END_SIGNAL,
	RUN_END_INTERNAL_ERROR, /* KVM could not emulate an instruction */
	RUN_END_KVM_ERROR,	/* KVM_RUN failed, entry failed, unknown exit */
	/*
	 * The kernel printed "reboot: System halted" or "reboot: Power down"
	 * (poweroff -f, halt -f) and its vCPU halted with interrupts off.
	 */
	RUN_END_POWEROFF,
	/*
	 * The kernel panicked: then reset or triple-faulted (panic=-1, panic=N)
	 * or printed "---[ end Kernel panic" and stayed there (panic=0).
	 */
	RUN_END_PANIC,
	RUN_END_QUIT, /* the user typed the escape, Ctrl-A x */
	RUN_END_NR,
};

/* The architectural reset state: CS 0xf000 with base 0xffff0000, RIP 0xfff0. */
#define RESET_RIP 0xfff0ull
#define RESET_CS 0xf000
#define RESET_CS_BASE 0xffff0000ull

/* Whether regs/sregs are the reset state, with protected mode off. */
struct kvm_regs;
struct kvm_sregs;
bool run_state_is_reset(const struct kvm_regs *regs,
			const struct kvm_sregs *sregs);

/* "verdict", "debug_exit", ... (snake_case, stable: in JSON reports). */
const char *run_end_name(enum run_end e);

/*
 * How often the run loop looks whether the vCPU has halted for good
 * (halted with interrupts disabled), which KVM's in-kernel irqchip never
 * reports as an exit.
 */
#define RUN_HALT_POLL_NS 20000000ull

struct run_params {
	double timeout_s; /* 0: none */
	bool full_boot;	  /* keep running after the verdict */
};

struct run_stats {
	uint64_t exits, exits_io, exits_mmio, exits_other;
	uint64_t io_default_reads, io_default_writes; /* unhandled ports */
	uint64_t mmio_reads, mmio_writes;
	uint64_t svc_queries, svc_bad_accesses; /* the CPUID service */
	uint64_t ns_in_kvm;  /* inside KVM_RUN */
	uint64_t ns_threads; /* the APs' threads started, before the first KVM_RUN */
	uint64_t ns_total;   /* from the first KVM_RUN to the end */
	uint64_t ns_verdict; /* from the first KVM_RUN to the verdict, 0 = none */
	uint64_t ns_first_byte;
	uint64_t ns_last_byte; /* from the first KVM_RUN to the last console byte */
	/* With APs: the exits of each vCPU, the BSP's first (as in exits). */
	unsigned int nr_vcpus;
	uint64_t vcpu_exits[VM_MAX_VCPUS];
};

struct run_result {
	enum run_end end;
	int signal;	       /* RUN_END_SIGNAL */
	uint32_t debug_exit_value; /* RUN_END_DEBUG_EXIT: the value written */
	uint32_t exit_reason;  /* the last KVM exit reason */
	uint64_t rip;
	bool have_rip;
	uint8_t insn[15];
	unsigned int insn_len;
	const char *mnemonic, *remedy; /* RUN_END_INTERNAL_ERROR, may be NULL */
	/*
	 * RUN_END_SHUTDOWN: KVM had already put the vCPU in its reset state
	 * (as AMD SVM does), so the faulting RIP is unknown.
	 */
	bool state_reset;
	char detail[256];	       /* one line for the user */
	/* The vCPU whose exit ended the run: 0 the BSP, i the AP aps[i - 1]. */
	unsigned int vcpu;
	uint32_t vcpu_apic_id;
};

/*
 * What one exit dispatch works on. run (run_size bytes) is the kvm_run area
 * the exit is read from and answered in; vm is only used on the exits that
 * read the vCPU's registers (internal error, shutdown), whose ioctls may fail
 * harmlessly (an fd of -1: no RIP reported). svc may be NULL.
 */
struct run_ctx {
	struct vm *vm;
	int fd; /* this vCPU's */
	struct kvm_run *run;
	size_t run_size;
	struct uart *uart;
	struct cpuid_service *svc;
	struct probe_dev *probe; /* probe mode only, else NULL */
	struct console *con;
	struct verdict *v;
	const struct run_params *p;
	struct run_result *r;
	struct run_stats *s;
	uint64_t t0;
};

/*
 * One dispatch on x->run's exit reason: port I/O and MMIO answered in the
 * run area (every offset and size checked against run_size), the end of the
 * run recorded in x->r (the first end wins), counters in x->s.
 */
void run_dispatch(struct run_ctx *x);

/*
 * svc is one CPUID service per vCPU (svc[0] the BSP's, svc[i] aps[i - 1]'s).
 * svc and probe may be NULL: their ports then read all-ones like any port
 * no device owns. With probe, an instruction KVM cannot emulate becomes a
 * #UD for the guest (up to PROBE_MAX_HOST_FAILURES) instead of the end.
 */
/*
 * End the running loop with RUN_END_QUIT, from any thread (the console
 * input's escape). Nothing happens when no loop runs.
 */
void run_quit(void);

/*
 * From another thread: make the loop's KVM_RUN return and enter again, so
 * that KVM looks again at the interrupts raised meanwhile (a device's line
 * raised from the input thread while the vCPU sleeps in HLT).
 */
void run_kick(void);

int run_loop(struct vm *vm, struct uart *uart, struct cpuid_service *svc,
	     struct probe_dev *probe, struct console *con, struct verdict *v,
	     const struct run_params *p, struct run_result *r,
	     struct run_stats *s);

#endif

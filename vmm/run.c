// SPDX-License-Identifier: MIT
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "insn.h"
#include "run.h"

#define X86_VECTOR_UD 6

static const char *const end_names[RUN_END_NR] = {
	[RUN_END_NONE] = "none",
	[RUN_END_VERDICT] = "verdict",
	[RUN_END_DEBUG_EXIT] = "debug_exit",
	[RUN_END_RESET] = "reset",
	[RUN_END_SHUTDOWN] = "shutdown",
	[RUN_END_HLT] = "hlt",
	[RUN_END_TIMEOUT] = "timeout",
	[RUN_END_SIGNAL] = "signal",
	[RUN_END_INTERNAL_ERROR] = "internal_error",
	[RUN_END_KVM_ERROR] = "kvm_error",
};

const char *run_end_name(enum run_end e)
{
	return e < RUN_END_NR ? end_names[e] : "?";
}

/*
 * Signals interrupt KVM_RUN: the handler records which one and sets
 * immediate_exit so that a signal arriving just before KVM_RUN is not lost.
 */
static volatile sig_atomic_t got_signal;
static struct kvm_run *volatile signal_run;

static void on_signal(int sig)
{
	got_signal = sig;
	if (signal_run)
		signal_run->immediate_exit = 1;
}

struct saved_signals {
	struct sigaction old[3];
};

static const int handled[3] = { SIGINT, SIGTERM, SIGALRM };

static void signals_install(struct kvm_run *run, double timeout_s,
			    struct saved_signals *sv)
{
	struct sigaction sa;
	struct itimerval it = { 0 };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	got_signal = 0;
	signal_run = run;
	for (int i = 0; i < 3; i++)
		sigaction(handled[i], &sa, &sv->old[i]);
	if (timeout_s > 0) {
		it.it_value.tv_sec = (time_t)timeout_s;
		it.it_value.tv_usec =
			(suseconds_t)((timeout_s - (double)it.it_value.tv_sec) * 1e6);
		if (!it.it_value.tv_sec && !it.it_value.tv_usec)
			it.it_value.tv_usec = 1;
		setitimer(ITIMER_REAL, &it, NULL);
	}
}

static void signals_restore(struct saved_signals *sv)
{
	struct itimerval off = { 0 };

	setitimer(ITIMER_REAL, &off, NULL);
	for (int i = 0; i < 3; i++)
		sigaction(handled[i], &sv->old[i], NULL);
	signal_run = NULL;
}

static void end(struct run_ctx *l, enum run_end e)
{
	if (l->r->end == RUN_END_NONE)
		l->r->end = e;
}

static void io_byte(struct run_ctx *l, uint16_t port, bool write, uint8_t *b)
{
	if (port >= UART_BASE && port < UART_BASE + UART_PORTS) {
		uart_io(l->uart, port - UART_BASE, write, b);
		return;
	}
	if (port == I8042_CMD_PORT || port == I8042_DATA_PORT) {
		if (!write)
			*b = 0; /* status: no data, input buffer empty */
		else if (port == I8042_CMD_PORT && *b == I8042_CMD_RESET)
			end(l, RUN_END_RESET);
		return;
	}
	if (port == DEBUG_EXIT_PORT && write) {
		l->r->debug_exit_value = *b;
		end(l, RUN_END_DEBUG_EXIT);
		return;
	}
	if (write) {
		l->s->io_default_writes++;
	} else {
		*b = 0xff;
		l->s->io_default_reads++;
	}
}

/*
 * Each of the count repetitions of an access, whole, to the service. The
 * access is described by values read once: the data may overlap kvm_run's
 * own fields, which a read then overwrites.
 */
static void svc_io(struct run_ctx *l, uint16_t port, bool write,
		   uint8_t *data, uint8_t size, uint32_t count)
{
	unsigned int off = port - CPUID_SVC_PORT;

	for (uint32_t i = 0; i < count; i++)
		cpuid_service_io(l->svc, off, write, data + (uint64_t)i * size,
				 size);
	l->s->svc_queries = l->svc->queries;
	l->s->svc_bad_accesses = l->svc->bad_accesses;
}

static void handle_io(struct run_ctx *l)
{
	struct kvm_run *run = l->run;
	uint8_t *data;
	bool write = run->io.direction == KVM_EXIT_IO_OUT;
	uint16_t port = run->io.port;
	uint8_t size = run->io.size;
	uint32_t count = run->io.count;
	uint64_t offset = run->io.data_offset;
	uint64_t total = (uint64_t)size * count;

	l->s->exits_io++;
	/* 64-bit and written so that neither side can wrap. */
	if (!size || total > l->run_size || offset > l->run_size - total) {
		snprintf(l->r->detail, sizeof(l->r->detail),
			 "KVM_EXIT_IO with %u x %u bytes at offset %llu does not fit kvm_run",
			 count, size, (unsigned long long)offset);
		end(l, RUN_END_KVM_ERROR);
		return;
	}
	data = (uint8_t *)run + offset;
	/* The CPUID service's registers are dwords: it sees whole accesses. */
	if (l->svc && port >= CPUID_SVC_PORT &&
	    port < CPUID_SVC_PORT + CPUID_SVC_PORTS) {
		svc_io(l, port, write, data, size, count);
		return;
	}
	if (l->probe && port >= PROBE_PORT && port < PROBE_PORT + PROBE_PORTS) {
		for (uint32_t i = 0; i < count; i++)
			probe_dev_io(l->probe, port - PROBE_PORT, write,
				     data + (uint64_t)i * size, size);
		return;
	}
	/* Other devices are byte-wide; wider accesses hit consecutive ports. */
	for (uint64_t i = 0; i < total; i++)
		io_byte(l, (uint16_t)(port + i % size), write, &data[i]);
}

static void handle_mmio(struct run_ctx *l)
{
	struct kvm_run *run = l->run;

	l->s->exits_mmio++;
	if (run->mmio.is_write) {
		l->s->mmio_writes++;
	} else {
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		l->s->mmio_reads++;
	}
}

/* RIP (from regs) and the bytes there, for a fault or emulation failure. */
static void read_insn(struct run_ctx *l, const struct kvm_regs *regs)
{
	struct insn_name n;
	uint64_t gpa;
	struct run_result *r = l->r;

	r->rip = regs->rip;
	r->have_rip = true;
	if (vm_translate(l->vm, regs->rip, &gpa))
		return;
	for (r->insn_len = sizeof(r->insn); r->insn_len; r->insn_len--)
		if (guest_mem_contains(&l->vm->mem, gpa, r->insn_len))
			break;
	if (r->insn_len)
		memcpy(r->insn, guest_mem_ptr(&l->vm->mem, gpa, r->insn_len),
		       r->insn_len);
	insn_identify(r->insn, r->insn_len, &n);
	r->mnemonic = n.mnemonic;
	r->remedy = n.remedy;
}

bool run_state_is_reset(const struct kvm_regs *regs,
			const struct kvm_sregs *sregs)
{
	return regs->rip == RESET_RIP && sregs->cs.selector == RESET_CS &&
	       sregs->cs.base == RESET_CS_BASE && !(sregs->cr0 & 1);
}

/*
 * A triple fault. KVM on AMD reinitialises the VMCB before it reports the
 * shutdown, so the registers read back are the reset state: then the
 * faulting RIP is unknown, and the bytes at the reset vector are not the
 * instruction that faulted.
 */
static void handle_shutdown(struct run_ctx *l)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct run_result *r = l->r;

	snprintf(r->detail, sizeof(r->detail),
		 "KVM_EXIT_SHUTDOWN: the guest triple-faulted");
	end(l, RUN_END_SHUTDOWN);
	if (ioctl(l->vm->vcpu_fd, KVM_GET_REGS, &regs) < 0 ||
	    ioctl(l->vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return;
	if (run_state_is_reset(&regs, &sregs)) {
		r->state_reset = true;
		return;
	}
	read_insn(l, &regs);
}

static void handle_internal(struct run_ctx *l)
{
	struct kvm_run *run = l->run;
	struct kvm_regs regs;

	/* The probe measures what the host cannot run: the guest gets a #UD. */
	if (l->probe && run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	    probe_dev_host_failure(l->probe) &&
	    !vm_inject_exception(l->vm, X86_VECTOR_UD))
		return;

	snprintf(l->r->detail, sizeof(l->r->detail),
		 "KVM_EXIT_INTERNAL_ERROR, suberror %u%s", run->internal.suberror,
		 run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
			 " (instruction emulation failed)" : "");
	if (ioctl(l->vm->vcpu_fd, KVM_GET_REGS, &regs) == 0)
		read_insn(l, &regs);
	end(l, RUN_END_INTERNAL_ERROR);
}

void run_dispatch(struct run_ctx *l)
{
	struct kvm_run *run = l->run;

	l->s->exits++;
	l->r->exit_reason = run->exit_reason;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(l);
		return;
	case KVM_EXIT_MMIO:
		handle_mmio(l);
		return;
	case KVM_EXIT_INTR:
		l->s->exits_other++;
		return;
	case KVM_EXIT_HLT:
		l->s->exits_other++;
		end(l, RUN_END_HLT);
		return;
	case KVM_EXIT_SHUTDOWN:
		l->s->exits_other++;
		handle_shutdown(l);
		return;
	case KVM_EXIT_INTERNAL_ERROR:
		l->s->exits_other++;
		handle_internal(l);
		return;
	case KVM_EXIT_FAIL_ENTRY:
		l->s->exits_other++;
		snprintf(l->r->detail, sizeof(l->r->detail),
			 "KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		end(l, RUN_END_KVM_ERROR);
		return;
	default:
		l->s->exits_other++;
		snprintf(l->r->detail, sizeof(l->r->detail),
			 "unexpected KVM exit reason %u", run->exit_reason);
		end(l, RUN_END_KVM_ERROR);
		return;
	}
}

/* After each exit: has the verdict arrived, and may the VM stop? */
static void check_verdict(struct run_ctx *l, uint64_t now)
{
	if (!l->s->ns_verdict && l->v->verdict != VERDICT_NONE)
		l->s->ns_verdict = now - l->t0;
	if (!l->p->full_boot && verdict_block_done(l->v))
		end(l, RUN_END_VERDICT);
}

static void kvm_run_once(struct run_ctx *l)
{
	struct kvm_run *run = l->run;
	uint64_t a, b;
	int ret;

	a = monotonic_ns();
	ret = ioctl(l->vm->vcpu_fd, KVM_RUN, 0);
	b = monotonic_ns();
	l->s->ns_in_kvm += b - a;
	run->immediate_exit = 0;
	if (ret < 0 && (errno == EINTR || errno == EAGAIN)) {
		l->s->exits_other++;
		return;
	}
	if (ret < 0) {
		snprintf(l->r->detail, sizeof(l->r->detail), "KVM_RUN: %s",
			 strerror(errno));
		end(l, RUN_END_KVM_ERROR);
		return;
	}
	run_dispatch(l);
	check_verdict(l, b);
}

int run_loop(struct vm *vm, struct uart *uart, struct cpuid_service *svc,
	     struct probe_dev *probe, struct console *con, struct verdict *v,
	     const struct run_params *p, struct run_result *r,
	     struct run_stats *s)
{
	struct run_ctx l = {
		.vm = vm, .run = vm->run, .run_size = vm->run_size,
		.uart = uart, .svc = svc, .probe = probe, .con = con, .v = v, .p = p, .r = r,
		.s = s,
	};
	struct saved_signals sv;

	memset(r, 0, sizeof(*r));
	memset(s, 0, sizeof(*s));
	signals_install(vm->run, p->timeout_s, &sv);
	l.t0 = monotonic_ns();
	while (r->end == RUN_END_NONE) {
		kvm_run_once(&l);
		if (got_signal && r->end == RUN_END_NONE) {
			r->signal = got_signal;
			end(&l, got_signal == SIGALRM ? RUN_END_TIMEOUT :
							RUN_END_SIGNAL);
		}
	}
	s->ns_total = monotonic_ns() - l.t0;
	if (con->first_byte_ns)
		s->ns_first_byte = con->first_byte_ns > l.t0 ?
					   con->first_byte_ns - l.t0 : 0;
	signals_restore(&sv);
	console_flush(con);
	return 0;
}

// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

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
	[RUN_END_POWEROFF] = "poweroff",
	[RUN_END_PANIC] = "panic",
	[RUN_END_QUIT] = "quit",
};

const char *run_end_name(enum run_end e)
{
	return e < RUN_END_NR ? end_names[e] : "?";
}

/*
 * Signals interrupt KVM_RUN: the handler records which one and sets
 * immediate_exit so that a signal arriving just before KVM_RUN is not lost.
 * RUN_KICK_SIGNAL is the loop's own: the halt poll's timer and run_quit()
 * send it to the loop's thread; it only interrupts KVM_RUN.
 */
#define RUN_KICK_SIGNAL SIGUSR1
#define NR_HANDLED	3

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

static volatile sig_atomic_t got_signal, kicked, quit_requested;
static struct kvm_run *volatile signal_run;
/* An AP's thread: its kvm_run, for the kick that stops it. */
static __thread struct kvm_run *ap_run;
static volatile sig_atomic_t aps_stop;
static pthread_t loop_thread;
static volatile sig_atomic_t loop_running;

static void on_signal(int sig)
{
	if (ap_run) {
		ap_run->immediate_exit = 1;
		return;
	}
	if (sig == RUN_KICK_SIGNAL)
		kicked = 1;
	else
		got_signal = sig;
	if (signal_run)
		signal_run->immediate_exit = 1;
}

void run_kick(void)
{
	if (loop_running && !pthread_equal(pthread_self(), loop_thread))
		pthread_kill(loop_thread, RUN_KICK_SIGNAL);
}

/* Sticky: once the user has quit, every later loop ends at once. */
void run_quit(void)
{
	quit_requested = 1;
	if (loop_running)
		pthread_kill(loop_thread, RUN_KICK_SIGNAL);
}

struct saved_signals {
	struct sigaction old[NR_HANDLED];
	timer_t poll;
	bool have_poll;
};

static const int handled[NR_HANDLED] = {SIGINT, SIGTERM, SIGALRM};

/* A periodic kick of this thread, for the halt poll. */
static void poll_timer_start(struct saved_signals *sv)
{
	struct sigevent ev;
	struct itimerspec its = {0};

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = RUN_KICK_SIGNAL;
	ev.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_MONOTONIC, &ev, &sv->poll) < 0)
		return;
	its.it_value.tv_nsec = RUN_HALT_POLL_NS;
	its.it_interval.tv_nsec = RUN_HALT_POLL_NS;
	sv->have_poll = !timer_settime(sv->poll, 0, &its, NULL);
	if (!sv->have_poll)
		timer_delete(sv->poll);
}

static void signals_install(struct kvm_run *run, double timeout_s,
			    struct saved_signals *sv)
{
	struct sigaction sa;
	struct itimerval it = {0};

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	got_signal = 0;
	kicked = 0;
	signal_run = run;
	sv->have_poll = false;
	for (int i = 0; i < NR_HANDLED; i++)
		sigaction(handled[i], &sa, &sv->old[i]);
	/*
	 * The kick's handler stays for good: a kick may still be pending
	 * when the loop has ended, and must not kill the process then.
	 */
	sigaction(RUN_KICK_SIGNAL, &sa, NULL);
	loop_thread = pthread_self();
	loop_running = 1;
	poll_timer_start(sv);
	if (timeout_s > 0) {
		it.it_value.tv_sec = (time_t)timeout_s;
		it.it_value.tv_usec =
			(suseconds_t)((timeout_s - (double)it.it_value.tv_sec) *
				      1e6);
		if (!it.it_value.tv_sec && !it.it_value.tv_usec)
			it.it_value.tv_usec = 1;
		setitimer(ITIMER_REAL, &it, NULL);
	}
}

static void signals_restore(struct saved_signals *sv)
{
	struct itimerval off = {0};

	setitimer(ITIMER_REAL, &off, NULL);
	if (sv->have_poll)
		timer_delete(sv->poll);
	loop_running = 0;
	for (int i = 0; i < NR_HANDLED; i++)
		sigaction(handled[i], &sv->old[i], NULL);
	signal_run = NULL;
}

static void end(struct run_ctx *l, enum run_end e)
{
	if (l->r->end == RUN_END_NONE)
		l->r->end = e;
}

/*
 * A reset or a triple fault after the kernel panicked is the panic's end
 * (panic=-1, panic=N): the reason says why the guest reset.
 */
static void end_reset(struct run_ctx *l, enum run_end e, const char *how)
{
	if (l->v && l->v->panic && l->r->end == RUN_END_NONE) {
		snprintf(l->r->detail, sizeof(l->r->detail),
			 "the kernel panicked, then %s", how);
		e = RUN_END_PANIC;
	}
	end(l, e);
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
			end_reset(l, RUN_END_RESET, "reset through the i8042");
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
static void svc_io(struct run_ctx *l, uint16_t port, bool write, uint8_t *data,
		   uint8_t size, uint32_t count)
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
			 "KVM_EXIT_IO with %u x %u bytes at offset %llu does "
			 "not fit kvm_run",
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
	if (vm_translate_fd(l->fd, regs->rip, &gpa))
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

	if (l->v && l->v->panic && r->end == RUN_END_NONE) {
		end_reset(l, RUN_END_SHUTDOWN, "triple-faulted");
	} else {
		snprintf(r->detail, sizeof(r->detail),
			 "KVM_EXIT_SHUTDOWN: the guest triple-faulted");
		end(l, RUN_END_SHUTDOWN);
	}
	if (ioctl(l->fd, KVM_GET_REGS, &regs) < 0 ||
	    ioctl(l->fd, KVM_GET_SREGS, &sregs) < 0)
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
	if (l->probe &&
	    run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	    probe_dev_host_failure(l->probe) &&
	    !vm_inject_exception(l->vm, X86_VECTOR_UD))
		return;

	snprintf(l->r->detail, sizeof(l->r->detail),
		 "KVM_EXIT_INTERNAL_ERROR, suberror %u%s",
		 run->internal.suberror,
		 run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
			 ? " (instruction emulation failed)"
			 : "");
	if (ioctl(l->fd, KVM_GET_REGS, &regs) == 0)
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
			 (unsigned long long)
				 run->fail_entry.hardware_entry_failure_reason);
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

/*
 * After each exit: has the verdict arrived, and may the VM stop? The
 * console's scanner is fed under the UART's lock, from any vCPU.
 */
static void check_verdict(struct run_ctx *l, uint64_t now)
{
	bool done, panic_end;

	pthread_mutex_lock(&l->uart->lock);
	if (!l->s->ns_verdict && l->v->verdict != VERDICT_NONE)
		l->s->ns_verdict = now - l->t0;
	done = verdict_block_done(l->v);
	panic_end = l->v->panic_end;
	pthread_mutex_unlock(&l->uart->lock);
	if (!l->p->full_boot && done)
		end(l, RUN_END_VERDICT);
	if (panic_end && l->r->end == RUN_END_NONE) {
		snprintf(l->r->detail, sizeof(l->r->detail),
			 "the kernel panicked and stays there (panic=0)");
		end(l, RUN_END_PANIC);
	}
}

/*
 * After a kick of the loop's own: the user's escape, the input thread, or
 * the halt poll, which also writes out a console line the guest has not
 * finished (a prompt) so that it is seen within RUN_HALT_POLL_NS. A
 * vCPU halted with interrupts disabled never runs again (KVM's in-kernel
 * irqchip keeps such a HLT to itself): after the kernel's power-off line
 * that is the power-off, otherwise a guest that stopped for good.
 */
static void kicked_out(struct run_ctx *l)
{
	bool dead;

	/* a line still open (a shell's prompt) reaches the user within a poll
	 */
	if (l->con) {
		/* under the UART's lock: an AP may be writing the console */
		pthread_mutex_lock(&l->uart->lock);
		console_flush(l->con);
		pthread_mutex_unlock(&l->uart->lock);
	}
	if (quit_requested)
		return; /* the loop ends the run */
	if (l->fd < 0 || vm_vcpu_dead_halt(l->vm, &dead) || !dead)
		return;
	if (l->v->halted) {
		end(l, RUN_END_POWEROFF);
		return;
	}
	/*
	 * With APs an NMI or INIT from one of them may still wake the BSP:
	 * only the kernel's power-off line makes its halt the end.
	 */
	if (l->vm->nr_aps)
		return;
	snprintf(l->r->detail, sizeof(l->r->detail),
		 "the vCPU halted with interrupts disabled");
	end(l, RUN_END_HLT);
}

static void kvm_run_once(struct run_ctx *l)
{
	struct kvm_run *run = l->run;
	uint64_t a, b;
	int ret;

	a = monotonic_ns();
	ret = ioctl(l->fd, KVM_RUN, 0);
	b = monotonic_ns();
	l->s->ns_in_kvm += b - a;
	run->immediate_exit = 0;
	if (ret < 0 && (errno == EINTR || errno == EAGAIN)) {
		if (kicked) {
			kicked = 0;
			kicked_out(l);
			/* an AP's console line may have completed the block */
			if (l->vm->nr_aps)
				check_verdict(l, monotonic_ns());
			return;
		}
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

/* An AP's loop, on a thread of its own: the one dispatch, its own result. */
struct ap_thread {
	pthread_t tid;
	bool started;
	unsigned int index; /* 1.. */
	struct run_ctx l;
	struct run_result r;
	struct run_stats s;
};

static struct ap_thread *aps;
static volatile sig_atomic_t ap_ended; /* index of the first AP that ended */
static unsigned int aps_ready;	       /* threads about to enter KVM_RUN */

/* How long the BSP gives its APs' threads to be ready: 1 s. */
#define APS_READY_NS 1000000000ull

static void *ap_main(void *arg)
{
	struct ap_thread *a = arg;
	sigset_t set;
	int ret;

	sigfillset(&set);
	sigdelset(&set, RUN_KICK_SIGNAL);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	ap_run = a->l.run;
	__atomic_add_fetch(&aps_ready, 1, __ATOMIC_RELEASE);
	while (!aps_stop && a->r.end == RUN_END_NONE) {
		ret = ioctl(a->l.fd, KVM_RUN, 0);
		a->l.run->immediate_exit = 0;
		if (ret < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (ret < 0) {
			snprintf(a->r.detail, sizeof(a->r.detail),
				 "KVM_RUN: %s", strerror(errno));
			end(&a->l, RUN_END_KVM_ERROR);
			break;
		}
		run_dispatch(&a->l);
	}
	if (a->r.end != RUN_END_NONE && !aps_stop) {
		if (!ap_ended)
			ap_ended = (sig_atomic_t)a->index;
		run_kick();
	}
	return NULL;
}

/*
 * One thread per AP, each blocked in its KVM_RUN (the in-kernel LAPIC
 * holds an AP until its INIT and SIPI) before the BSP's first: they are
 * part of the machine, not of the guest's time. Waits for each thread to
 * be on its way into KVM_RUN, yielding the CPU it may share with them.
 */
static void aps_start(struct run_ctx *bsp)
{
	struct vm *vm = bsp->vm;
	unsigned int started = 0;
	uint64_t t0;

	aps_stop = 0;
	ap_ended = 0;
	aps_ready = 0;
	aps = calloc(vm->nr_aps, sizeof(*aps));
	if (!aps)
		return;
	for (unsigned int i = 0; i < vm->nr_aps; i++) {
		struct ap_thread *a = &aps[i];

		a->index = i + 1;
		a->l = *bsp;
		a->l.fd = vm->aps[i].fd;
		a->l.run = vm->aps[i].run;
		a->l.svc = bsp->svc ? &bsp->svc[a->index] : NULL;
		a->l.probe = NULL;
		a->l.r = &a->r;
		a->l.s = &a->s;
		a->started = !pthread_create(&a->tid, NULL, ap_main, a);
		started += a->started;
	}
	t0 = monotonic_ns();
	while (__atomic_load_n(&aps_ready, __ATOMIC_ACQUIRE) < started &&
	       monotonic_ns() - t0 < APS_READY_NS)
		sched_yield();
	sched_yield();
}

/* The AP whose exit ended the run gives the run its end. */
static void ap_end(struct run_ctx *l)
{
	struct ap_thread *a = &aps[ap_ended - 1];
	struct run_result *r = l->r;
	unsigned int n = a->index;

	if (r->end != RUN_END_NONE)
		return;
	*r = a->r;
	r->vcpu = n;
	r->vcpu_apic_id = l->vm->aps[n - 1].id;
	snprintf(r->detail, sizeof(r->detail), "vCPU %u (APIC ID %u): %.200s", n,
		 r->vcpu_apic_id,
		 a->r.detail[0] ? a->r.detail : run_end_name(a->r.end));
}

static void aps_stop_all(struct vm *vm, struct run_stats *s)
{
	if (!aps)
		return;
	aps_stop = 1;
	for (unsigned int i = 0; i < vm->nr_aps; i++) {
		vm->aps[i].run->immediate_exit = 1;
		if (aps[i].started)
			pthread_kill(aps[i].tid, RUN_KICK_SIGNAL);
	}
	for (unsigned int i = 0; i < vm->nr_aps; i++) {
		if (!aps[i].started)
			continue;
		pthread_join(aps[i].tid, NULL);
		s->vcpu_exits[i + 1] = aps[i].s.exits;
		s->svc_queries += aps[i].s.svc_queries;
		s->svc_bad_accesses += aps[i].s.svc_bad_accesses;
	}
	s->nr_vcpus = vm->nr_aps + 1;
	s->vcpu_exits[0] = s->exits;
	free(aps);
	aps = NULL;
}

int run_loop(struct vm *vm, struct uart *uart, struct cpuid_service *svc,
	     struct probe_dev *probe, struct console *con, struct verdict *v,
	     const struct run_params *p, struct run_result *r,
	     struct run_stats *s)
{
	struct run_ctx l = {
		.vm = vm,
		.fd = vm->vcpu_fd,
		.run = vm->run,
		.run_size = vm->run_size,
		.uart = uart,
		.svc = svc,
		.probe = probe,
		.con = con,
		.v = v,
		.p = p,
		.r = r,
		.s = s,
	};
	struct saved_signals sv;

	memset(r, 0, sizeof(*r));
	memset(s, 0, sizeof(*s));
	signals_install(vm->run, p->timeout_s, &sv);
	if (vm->nr_aps) {
		uint64_t t = monotonic_ns();

		aps_start(&l);
		s->ns_threads = monotonic_ns() - t;
	}
	l.t0 = monotonic_ns();
	while (r->end == RUN_END_NONE) {
		kvm_run_once(&l);
		if (ap_ended && aps)
			ap_end(&l);
		if (quit_requested && r->end == RUN_END_NONE) {
			snprintf(r->detail, sizeof(r->detail),
				 "the user typed the escape (Ctrl-A x)");
			end(&l, RUN_END_QUIT);
		}
		if (got_signal && r->end == RUN_END_NONE) {
			r->signal = got_signal;
			end(&l, got_signal == SIGALRM ? RUN_END_TIMEOUT
						      : RUN_END_SIGNAL);
		}
	}
	aps_stop_all(vm, s);
	s->ns_total = monotonic_ns() - l.t0;
	if (con->first_byte_ns)
		s->ns_first_byte = con->first_byte_ns > l.t0
					   ? con->first_byte_ns - l.t0
					   : 0;
	if (con->last_byte_ns > l.t0)
		s->ns_last_byte = con->last_byte_ns - l.t0;
	signals_restore(&sv);
	console_flush(con);
	return 0;
}

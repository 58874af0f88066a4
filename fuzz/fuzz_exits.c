// SPDX-License-Identifier: MIT
/*
 * The run loop's exit dispatch, run_dispatch(), on arbitrary exit records
 * written into a kvm_run area of two pages: port I/O of any direction,
 * size, port, count and data offset, MMIO, and the other exit reasons, with
 * the UART, the console (no file, not live, with a verdict scanner) and the
 * CPUID service attached, and no vCPU (its fd is -1).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpuid/builder.h"
#include "fuzz_util.h"
#include "vmm/run.h"

#define RUN_SIZE 8192u
#define MAX_EXITS 64

static struct cpuid_table built; /* made once, never written */
static uint8_t *area;		 /* the kvm_run area, cleared per input */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct xsave_build_params p;
	struct xsave_build_result r;
	struct xsvm_err err = { { 0 } };

	(void)argc;
	(void)argv;
	fuzz_load_table(FUZZ_SPR_DUMP, &built);
	xsave_build_params_init(&p);
	FUZZ_CHECK(!xsave_build(&built, &p, &r, &err));
	area = aligned_alloc(4096, RUN_SIZE);
	FUZZ_CHECK(area);
	return 0;
}

struct machine {
	struct vm vm;
	struct uart uart;
	struct cpuid_service svc;
	struct console con;
	struct verdict v;
	struct run_params p;
	struct run_result r;
	struct run_stats s;
	struct run_ctx x;
};

static uint16_t pick_port(struct fuzz_in *in)
{
	static const uint16_t ports[] = {
		UART_BASE,	 UART_BASE + 1,	  UART_BASE + 3,
		UART_BASE + 5,	 UART_BASE + 7,	  I8042_DATA_PORT,
		I8042_CMD_PORT,	 DEBUG_EXIT_PORT, CPUID_SVC_PORT,
		CPUID_SVC_PORT + CPUID_SVC_CMD,	  CPUID_SVC_PORT + 0x1e,
		CPUID_SVC_PORT + CPUID_SVC_PORTS - 1,
	};
	uint32_t sel = fuzz_take(in, 1);

	if (sel < sizeof(ports) / sizeof(ports[0]))
		return ports[sel];
	if (sel < 0x80)
		return (uint16_t)(CPUID_SVC_PORT + (sel & 0x1f));
	return (uint16_t)fuzz_take(in, 2);
}

static uint64_t pick_offset(struct fuzz_in *in)
{
	uint32_t sel = fuzz_take(in, 1);
	uint64_t v;

	switch (sel & 3) {
	case 0:
		return 4096;
	case 1:
		return fuzz_take(in, 2);
	case 2:
		return RUN_SIZE - (sel >> 2);
	default:
		v = fuzz_take(in, 4);
		return v | (uint64_t)fuzz_take(in, 4) << 32;
	}
}

static void fill_io(struct kvm_run *run, struct fuzz_in *in)
{
	uint32_t sel = fuzz_take(in, 1);
	uint64_t end;

	run->io.direction = sel & 1 ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	run->io.size = (uint8_t)(sel & 2 ? fuzz_take(in, 1) :
			 1u << ((sel >> 2) & 3));
	run->io.port = pick_port(in);
	run->io.count = sel & 0x10 ? fuzz_take(in, 4) : 1 + ((sel >> 5) & 7);
	run->io.data_offset = pick_offset(in);
	/* The bytes an OUT writes, where they fit. */
	end = (uint64_t)run->io.size * run->io.count;
	if (run->io.data_offset < RUN_SIZE && end <= 256)
		for (uint64_t i = 0;
		     i < end && run->io.data_offset + i < RUN_SIZE; i++)
			area[run->io.data_offset + i] = (uint8_t)fuzz_take(in, 1);
}

static void fill_exit(struct kvm_run *run, struct fuzz_in *in)
{
	static const uint32_t reasons[] = {
		KVM_EXIT_IO,	  KVM_EXIT_IO,	    KVM_EXIT_IO,
		KVM_EXIT_MMIO,	  KVM_EXIT_INTR,    KVM_EXIT_HLT,
		KVM_EXIT_SHUTDOWN, KVM_EXIT_INTERNAL_ERROR,
		KVM_EXIT_FAIL_ENTRY,
	};
	uint32_t sel = fuzz_take(in, 1);

	run->exit_reason = sel < sizeof(reasons) / sizeof(reasons[0]) ?
				   reasons[sel] :
				   sel & 0x80 ? fuzz_take(in, 4) :
						reasons[sel % 3];
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		fill_io(run, in);
		break;
	case KVM_EXIT_MMIO:
		run->mmio.phys_addr = fuzz_take(in, 4);
		run->mmio.len = fuzz_take(in, 1);
		run->mmio.is_write = fuzz_take(in, 1) & 1;
		for (unsigned int i = 0; i < sizeof(run->mmio.data); i++)
			run->mmio.data[i] = (uint8_t)fuzz_take(in, 1);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		run->internal.suberror = fuzz_take(in, 4);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		run->fail_entry.hardware_entry_failure_reason =
			fuzz_take(in, 4);
		break;
	default:
		break;
	}
}

static bool io_fits(const struct kvm_run *run)
{
	uint64_t total = (uint64_t)run->io.size * run->io.count;

	return run->io.size && total <= RUN_SIZE &&
	       run->io.data_offset <= RUN_SIZE - total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xsvm_err err = { { 0 } };
	struct machine *m = calloc(1, sizeof(*m));
	struct kvm_run *run = (struct kvm_run *)area;
	struct fuzz_in in = { data, size };

	FUZZ_CHECK(m);
	memset(area, 0, RUN_SIZE);
	m->vm.kvm_fd = m->vm.vm_fd = m->vm.vcpu_fd = -1;
	m->vm.run = run;
	m->vm.run_size = RUN_SIZE;
	verdict_init(&m->v);
	FUZZ_CHECK(!console_open(&m->con, NULL, false, &m->v, &err));
	uart_init(&m->uart, &m->con);
	cpuid_service_init(&m->svc, &built, &built, NULL);
	m->x = (struct run_ctx){
		.vm = &m->vm, .run = run, .run_size = RUN_SIZE,
		.uart = &m->uart, .svc = &m->svc, .con = &m->con, .v = &m->v,
		.p = &m->p, .r = &m->r, .s = &m->s,
	};
	for (unsigned int i = 0; i < MAX_EXITS && in.n; i++) {
		enum run_end before = m->r.end;
		bool io_bad;

		fill_exit(run, &in);
		io_bad = run->exit_reason == KVM_EXIT_IO && !io_fits(run);
		run_dispatch(&m->x);
		FUZZ_CHECK(m->s.exits == i + 1);
		FUZZ_CHECK(m->r.end < RUN_END_NR);
		FUZZ_CHECK(before == RUN_END_NONE || m->r.end == before);
		FUZZ_CHECK(!io_bad || m->r.end != RUN_END_NONE);
		FUZZ_CHECK(memchr(m->r.detail, 0, sizeof(m->r.detail)));
		FUZZ_CHECK(!m->r.have_rip && m->r.insn_len == 0);
		/* The first end is kept; start again to go on exercising. */
		if (m->r.end != RUN_END_NONE && (i & 1))
			memset(&m->r, 0, sizeof(m->r));
	}
	console_flush(&m->con);
	verdict_finish(&m->v);
	FUZZ_CHECK(m->con.bytes == m->v.bytes);
	FUZZ_CHECK(!console_close(&m->con));
	free(m);
	return 0;
}

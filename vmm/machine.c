// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot_cpu.h"
#include "console.h"
#include "cpuid/builder.h"
#include "cpuid_service.h"
#include "host_cpuid.h"
#include "kernel_cache.h"
#include "kvm_vm.h"
#include "loader_bzimage.h"
#include "machine.h"
#include "mptable.h"
#include "term.h"
#include "uart.h"

/* A kernel or initrd file, mapped read-only. */
struct input_file {
	const char *path;
	const uint8_t *data;
	size_t len;
};

static int file_map(struct input_file *f, const char *path, const char *what,
		    uint64_t max, const char *max_what, struct xsvm_err *err)
{
	struct stat st;
	void *p;
	int fd;

	memset(f, 0, sizeof(*f));
	f->path = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return xsvm_err_set(err, errno, "%s: %s: %s", path, what,
				    strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return xsvm_err_set(err, EINVAL, "%s: %s: not a regular file",
				    path, what);
	}
	if (!st.st_size) {
		close(fd);
		return xsvm_err_set(err, EINVAL, "%s: %s: empty file", path,
				    what);
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return xsvm_err_set(
			err, E2BIG,
			"%s: %s of %llu bytes is larger than %s (%llu bytes)",
			path, what, (unsigned long long)st.st_size, max_what,
			(unsigned long long)max);
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return xsvm_err_set(err, errno, "%s: %s: %s", path, what,
				    strerror(errno));
	f->data = p;
	f->len = (size_t)st.st_size;
	return 0;
}

static void file_unmap(struct input_file *f)
{
	if (f->data)
		munmap((void *)f->data, f->len);
	memset(f, 0, sizeof(*f));
}

struct machine {
	const struct machine_config *c;
	/* the kernel and initrd files, mapped for the machine's lifetime */
	struct input_file kernel, initrd;
	/* the kernel decoded, placed again at every boot */
	struct kernel_image img;
	bool have_img;
	enum kernel_cache_status kernel_cache;
	struct machine_result *r;
	const struct cpuid_table *table; /* from machine_boot() */
	struct xsave_order order;
	struct guest_mem mem;
	struct vm vm;
	struct uart uart;
	/*
	 * With more than one vCPU: each vCPU's table (topology stage) and
	 * KVM's read-back of it (vseen[0] unused: the BSP's is r->seen).
	 */
	unsigned int nr_vcpus;
	struct cpuid_table *vtab, *vseen;
	struct cpuid_service *svc; /* one per vCPU */
	struct probe_dev probe;
	struct console con;
	bool con_open;
	uint64_t irq_errors; /* failed KVM_IRQ_LINE calls */
	struct boot_cpu_state cpu;
};

/* Map the kernel and initrd files once, for every boot. */
static int map_inputs(struct machine *m, struct xsvm_err *err)
{
	const struct machine_config *c = m->c;
	int ret;

	if (c->kernel_image) {
		m->kernel.data = c->kernel_image;
		m->kernel.len = c->kernel_image_len;
	} else {
		ret = file_map(&m->kernel, c->kernel_path, "kernel",
			       c->mem_bytes, "guest RAM", err);
		if (ret)
			return ret;
	}
	/* decoded once (a bzImage's payload through the kernel cache) */
	ret = kernel_cache_decode(m->kernel.data, m->kernel.len, c->kernel_path,
				  NULL, &m->img, &m->kernel_cache, err);
	if (ret)
		return ret;
	m->have_img = true;
	if (c->initrd_path)
		return file_map(&m->initrd, c->initrd_path, "initrd",
				c->mem_bytes, "guest RAM", err);
	return 0;
}

/* Kernel, initrd, boot_params and the entry state, all in guest RAM. */
static int load_guest(struct machine *m, struct xsvm_err *err)
{
	const struct machine_config *c = m->c;
	struct machine_result *r = m->r;
	struct boot_config bc = {0};
	int ret;

	r->kernel_file_size = m->kernel.len;
	r->kernel_cache = m->kernel_cache;
	ret = loader_kernel_place(&m->img, c->kernel_path, &m->mem, &r->kernel,
				  err);
	if (ret)
		return ret;
	r->initrd_size = m->initrd.len;
	bc.setup_header =
		r->kernel.has_setup_header ? r->kernel.setup_header : NULL;
	bc.setup_header_len =
		r->kernel.has_setup_header ? r->kernel.setup_header_len : 0;
	bc.kernel_lo = r->kernel.lo;
	bc.kernel_hi = r->kernel.hi;
	bc.cmdline = c->cmdline;
	bc.initrd = m->initrd.data;
	bc.initrd_len = m->initrd.len;
	ret = boot_params_setup(&m->mem, &bc, &r->layout, err);
	if (ret) {
		if (c->initrd_path && ret == -E2BIG)
			xsvm_err_prefix(err, c->initrd_path);
		return ret;
	}
	return boot_cpu_setup(&m->mem, r->kernel.entry, r->layout.boot_params,
			      &m->cpu, err);
}

static int vcpu_enter_state(struct machine *m, struct xsvm_err *err)
{
	struct kvm_sregs sregs;

	if (ioctl(m->vm.vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return xsvm_err_set(err, errno, "KVM_GET_SREGS: %s",
				    strerror(errno));
	boot_cpu_apply(&sregs, &m->cpu);
	if (ioctl(m->vm.vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return xsvm_err_set(err, errno, "KVM_SET_SREGS: %s",
				    strerror(errno));
	if (ioctl(m->vm.vcpu_fd, KVM_SET_REGS, &m->cpu.regs) < 0)
		return xsvm_err_set(err, errno, "KVM_SET_REGS: %s",
				    strerror(errno));
	return 0;
}

/*
 * KVM_SET_CPUID2 refuses dynamic XSAVE components (AMX TILEDATA) unless
 * this process has guest permission for them (create_vm() asks), which
 * hosts without AMX never grant. Then the table goes to KVM without them, and
 * the run says so; the CPUID service still answers from the whole table.
 */
static int install_on(struct machine *m, int fd, const struct cpuid_table *t,
		      struct xsvm_err *err)
{
	uint64_t dyn =
		xsave_supported_user(t) & XFEATURE_BIT(XFEATURE_XTILE_DATA);
	struct cpuid_table *copy;
	struct cpuid_entry *e;
	int ret;

	ret = vm_set_cpuid_fd(fd, t, err);
	if (ret != -EPERM || !dyn)
		return ret;
	copy = malloc(sizeof(*copy));
	if (!copy)
		return xsvm_err_set(err, ENOMEM, "out of memory");
	*copy = *t;
	e = cpuid_table_find_mut(copy, XSAVE_LEAF, 0);
	e->eax &= ~(uint32_t)dyn;
	e->edx &= ~(uint32_t)(dyn >> 32);
	cpuid_table_remove(copy, XSAVE_LEAF, XFEATURE_XTILE_DATA);
	m->r->kvm_refused = dyn;
	ret = vm_set_cpuid_fd(fd, copy, err);
	free(copy);
	return ret;
}

/*
 * vCPU index's copy of the table (topology_vcpu_table()), kept in
 * m->vtab[index] and installed on fd. One vCPU keeps the VM's table as
 * it is.
 */
static int install_vcpu(struct machine *m, unsigned int index, int fd,
			struct xsvm_err *err)
{
	struct topology_result *tr;
	struct cpuid_table *t;
	int ret;

	if (m->nr_vcpus == 1)
		return install_on(m, fd, m->table, err);
	tr = malloc(sizeof(*tr));
	if (!tr)
		return xsvm_err_set(err, ENOMEM, "out of memory");
	t = &m->vtab[index];
	*t = *m->table;
	ret = topology_vcpu_table(t, &m->c->topo, index, tr, err);
	if (!ret)
		ret = install_on(m, fd, t, err);
	free(tr);
	return ret;
}

/* The table vCPU index was given: its own, or the VM's with one vCPU. */
static const struct cpuid_table *vcpu_table(const struct machine *m,
					    unsigned int index)
{
	return m->nr_vcpus == 1 ? m->table : &m->vtab[index];
}

/*
 * An AP starts in real mode, and enters 64-bit mode only when the table
 * has long mode: KVM refuses the guest's EFER.LME without it. Checked
 * before the host is touched.
 */
static int check_ap_table(const struct machine *m,
			  const struct cpuid_table *t, struct xsvm_err *err)
{
	unsigned int n = m->c->topo.sockets ? topology_cpus(&m->c->topo) : 1;

	if (n == 1 ||
	    (cpuid_table_reg(t, 0x80000000u, 0, CPUID_EAX) >= 0x80000001u &&
	     (cpuid_table_reg(t, 0x80000001u, 0, CPUID_EDX) & (1u << 29))))
		return 0;
	return xsvm_err_set(err, EINVAL,
			    "--cpus %u: the table has no long mode (CPUID 0x80000001 EDX[29]), so no AP can enter 64-bit mode (KVM refuses EFER.LME); a leaf 0xd dump without the extended leaves boots one vCPU only",
			    n);
}

/* The APs, each with its own table, and the MP table that names them. */
static int create_aps(struct machine *m, struct xsvm_err *err)
{
	unsigned int n = m->nr_vcpus, max = vm_max_vcpus(&m->vm);
	uint32_t ids[VM_MAX_VCPUS];
	int ret;

	if (n == 1)
		return 0;
	if (n > max) {
		m->r->failure = MACHINE_BAD_INPUT;
		return xsvm_err_set(err, EINVAL,
				    "--cpus %u: this host's KVM allows at most %u vCPUs (KVM_CAP_MAX_VCPUS)",
				    n, max);
	}
	ids[0] = 0;
	for (unsigned int i = 1; i < n; i++) {
		ids[i] = topology_apic_id(&m->c->topo, i);
		ret = vm_add_ap(&m->vm, ids[i], err);
		if (!ret)
			ret = install_vcpu(m, i, m->vm.aps[i - 1].fd, err);
		if (!ret)
			ret = vm_get_cpuid_fd(m->vm.aps[i - 1].fd,
					      &m->vseen[i], err);
		if (ret)
			return ret;
	}
	return mptable_write(&m->mem, ids, n, err);
}

/* Per-vCPU tables and services for m->nr_vcpus vCPUs. */
static int alloc_vcpus(struct machine *m, struct xsvm_err *err)
{
	unsigned int n = m->nr_vcpus;

	m->svc = calloc(n, sizeof(*m->svc));
	if (n > 1) {
		m->vtab = calloc(n, sizeof(*m->vtab));
		m->vseen = calloc(n, sizeof(*m->vseen));
	}
	if (!m->svc || (n > 1 && (!m->vtab || !m->vseen)))
		return xsvm_err_set(err, ENOMEM, "out of memory");
	return 0;
}

static void free_vcpus(struct machine *m)
{
	free(m->svc);
	free(m->vtab);
	free(m->vseen);
	m->svc = NULL;
	m->vtab = m->vseen = NULL;
}

/* The VM, the table installed and read back, the vCPU at the entry. */
static int create_vm(struct machine *m, struct xsvm_err *err)
{
	struct machine_result *r = m->r;
	int ret;

	/* the permission must come before the first vCPU exists */
	if (xsave_supported_user(m->table) & XFEATURE_BIT(XFEATURE_XTILE_DATA))
		(void)host_request_amx_guest_perm();
	m->nr_vcpus = m->c->topo.sockets ? topology_cpus(&m->c->topo) : 1;
	ret = alloc_vcpus(m, err);
	if (!ret)
		ret = vm_create(&m->vm, &m->mem, err);
	if (!ret)
		ret = install_vcpu(m, 0, m->vm.vcpu_fd, err);
	if (!ret)
		ret = vm_get_cpuid(&m->vm, &r->seen, err);
	if (ret)
		return ret;
	/* KVM's view against what the BSP was given */
	r->installed_hash = cpuid_table_hash(vcpu_table(m, 0));
	r->seen_hash = cpuid_table_hash(&r->seen);
	cpuid_table_diff(vcpu_table(m, 0), &r->seen, &r->fidelity);
	ret = vcpu_enter_state(m, err);
	if (!ret)
		ret = create_aps(m, err);
	return ret;
}

/*
 * The table a guest reads, with 0xD.0/0xD.1 EBX for the state kernel v
 * enters: a kernel's CPUID instruction sees KVM's table with EBX as KVM
 * recomputes it; the test guest asks the CPUID service, which answers
 * from the built table in the builder's order.
 */
static void guest_view(const struct machine *m, uint32_t v,
		       struct cpuid_table *t)
{
	const struct machine_config *c = m->c;
	uint64_t xcr0, xss;
	uint32_t ebx0, ebx1;

	if (!c->kernel_image) {
		*t = m->r->seen;
		xsave_dynamic_ebx(t, v);
		return;
	}
	*t = *m->table;
	linux_enter_state(t, v, &xcr0, &xss);
	xsave_state_ebx(t, xcr0, xss, &m->order, &ebx0, &ebx1);
	cpuid_table_set_reg(t, XSAVE_LEAF, 0, CPUID_EBX, ebx0);
	cpuid_table_set_reg(t, XSAVE_LEAF, 1, CPUID_EBX, ebx1);
}

/* What the kernel should have printed: the model on the guest's view. */
static void predict(struct machine *m)
{
	const struct machine_config *c = m->c;
	struct machine_result *r = m->r;
	struct cpuid_table *t;

	if (c->have_linux_version) {
		r->pred_version = c->linux_version;
	} else if (linux_version_from_banner(
			   r->verdict.have_version ? r->verdict.version : "",
			   &r->pred_version)) {
		r->version_from_kernel = true;
	} else {
		return;
	}
	t = malloc(sizeof(*t));
	if (!t)
		return;
	guest_view(m, r->pred_version, t);
	if (!linux_check(t, r->pred_version, NULL, &r->pred, NULL)) {
		struct linux_result *cmp = &r->pred;

		r->predicted = true;
		if (!r->verdict.block_done) {
			/* compare what was printed with as many lines */
			unsigned int n = 0;

			for (unsigned int i = 0; i < r->verdict.nr_lines; i++)
				n += prediction_line_modelled(
					r->verdict.lines[i]);
			if (n < r->pred.nr_lines) {
				cmp = malloc(sizeof(*cmp));
				if (!cmp) {
					r->predicted = false;
					free(t);
					return;
				}
				*cmp = r->pred;
				cmp->nr_lines = n;
				r->pred_partial = true;
			}
		}
		r->pred_matches =
			!prediction_compare(&r->verdict, cmp, &r->pdiff);
		if (cmp != &r->pred)
			free(cmp);
	}
	free(t);
}

/* The UART's interrupt line, through KVM's PIC and IOAPIC. */
static void uart_irq(void *ctx, int level)
{
	struct machine *m = ctx;

	if (vm_irq_line(&m->vm, UART_IRQ, level))
		m->irq_errors++;
	if (level)
		run_kick();
}

static int run_guest(struct machine *m)
{
	const struct machine_config *c = m->c;
	struct machine_result *r = m->r;

	uart_init(&m->uart, &m->con);
	uart_set_irq(&m->uart, uart_irq, m);
	term_input_attach(c->input, &m->uart);
	for (unsigned int i = 0; i < m->nr_vcpus; i++) {
		struct xsave_order o = xsave_order_for_vcpu(&m->order, i);

		cpuid_service_init(&m->svc[i], vcpu_table(m, i),
				   i ? &m->vseen[i] : &r->seen, &o);
		cpuid_service_set_mem(&m->svc[i], &m->mem);
	}
	if (c->probe)
		probe_dev_init(&m->probe, c->probe, &m->mem);
	run_loop(&m->vm, &m->uart, m->svc, c->probe ? &m->probe : NULL,
		 &m->con, &r->verdict, &c->run, &r->run, &r->stats);
	r->ns_setup += r->stats.ns_threads;
	term_input_attach(c->input, NULL);
	r->console_in_bytes = m->uart.rx_bytes;
	r->irq_errors = m->irq_errors;
	verdict_finish(&r->verdict);
	r->console_bytes = m->con.bytes;
	r->console_errno = -console_sync(&m->con);
	vm_destroy(&m->vm);
	free_vcpus(m);
	predict(m);
	return 0;
}

struct machine *machine_load(const struct machine_config *c,
			     struct machine_result *r, struct xsvm_err *err)
{
	struct machine *m = calloc(1, sizeof(*m));
	uint64_t t0 = monotonic_ns();
	int ret;

	memset(r, 0, sizeof(*r));
	r->failure = MACHINE_BAD_INPUT;
	if (!m) {
		xsvm_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	m->c = c;
	m->r = r;
	m->vm.kvm_fd = m->vm.vm_fd = m->vm.vcpu_fd = -1;
	ret = vm_mem_check(c->mem_bytes, err);
	if (!ret)
		ret = map_inputs(m, err);
	if (!ret)
		ret = guest_mem_alloc(&m->mem, c->mem_bytes, err);
	if (!ret)
		ret = load_guest(m, err);
	if (!ret) {
		verdict_init(&r->verdict);
		ret = console_open(&m->con, c->console_path, c->live,
				   &r->verdict, err);
		m->con_open = !ret;
	}
	r->ns_setup = monotonic_ns() - t0;
	if (ret) {
		machine_free(m);
		return NULL;
	}
	return m;
}

int machine_boot(struct machine *m, const struct cpuid_table *table,
		 const struct xsave_order *order, struct xsvm_err *err)
{
	struct machine_result *r = m->r;
	uint64_t t0 = monotonic_ns();
	int ret;

	m->table = table;
	m->order = *order;
	r->order = *order;
	ret = check_ap_table(m, table, err);
	if (ret)
		return ret; /* r->failure: still MACHINE_BAD_INPUT */
	r->failure = MACHINE_KVM_FAILED;
	ret = create_vm(m, err);
	r->ns_setup += monotonic_ns() - t0;
	if (ret)
		return ret;
	ret = run_guest(m);
	if (!ret)
		r->failure = MACHINE_OK;
	return ret;
}

int machine_next(struct machine *m, struct machine_result *r,
		 const char *marker, struct xsvm_err *err)
{
	uint64_t t0 = monotonic_ns();
	int ret;

	vm_destroy(&m->vm);
	free_vcpus(m);
	guest_mem_free(&m->mem);
	memset(r, 0, sizeof(*r));
	r->failure = MACHINE_BAD_INPUT;
	m->r = r;
	verdict_init(&r->verdict);
	if (marker)
		console_marker(&m->con, marker);
	console_next_boot(&m->con, &r->verdict);
	ret = guest_mem_alloc(&m->mem, m->c->mem_bytes, err);
	if (!ret)
		ret = load_guest(m, err);
	r->ns_setup = monotonic_ns() - t0;
	return ret;
}

void machine_free(struct machine *m)
{
	if (!m)
		return;
	if (m->con_open)
		(void)console_close(&m->con);
	vm_destroy(&m->vm);
	free_vcpus(m);
	guest_mem_free(&m->mem);
	if (m->have_img)
		kernel_image_free(&m->img);
	if (!m->c->kernel_image)
		file_unmap(&m->kernel);
	file_unmap(&m->initrd);
	free(m);
}

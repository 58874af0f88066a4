// SPDX-License-Identifier: MIT
#include <string.h>
#include <sys/mman.h>

#include "guest_mem.h"

int guest_mem_alloc(struct guest_mem *m, uint64_t size, struct xsvm_err *err)
{
	void *p;

	memset(m, 0, sizeof(*m));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return xsvm_err_set(err, errno,
				    "mapping %llu MiB of guest RAM: %s",
				    (unsigned long long)(size >> 20),
				    strerror(errno));
	m->hva = p;
	m->size = size;
	return 0;
}

unsigned int
guest_mem_regions(const struct guest_mem *m,
		  struct guest_mem_region r[GUEST_MEM_MAX_REGIONS])
{
	unsigned int n = 0;

	if (guest_mem_low_size(m)) {
		r[n].gpa = 0;
		r[n].size = guest_mem_low_size(m);
		r[n].hva = m->hva;
		n++;
	}
	if (guest_mem_high_size(m)) {
		r[n].gpa = GUEST_MEM_HIGH_START;
		r[n].size = guest_mem_high_size(m);
		r[n].hva = m->hva + GUEST_MEM_HOLE_START;
		n++;
	}
	return n;
}

void guest_mem_free(struct guest_mem *m)
{
	if (m->hva)
		munmap(m->hva, m->size);
	memset(m, 0, sizeof(*m));
}

// SPDX-License-Identifier: MIT
#include <string.h>

#include "probe_dev.h"

void probe_dev_init(struct probe_dev *p, struct probe_data *d,
		    const struct guest_mem *mem)
{
	memset(d, 0, sizeof(*d));
	p->data = d;
	p->mem = mem;
}

static void keep_area(struct probe_data *d, const struct probe_record *r,
		      const struct guest_mem *mem)
{
	struct probe_save *s;
	const void *src;

	if (r->fault != PROBE_FAULT_NONE)
		return;
	src = guest_mem_ptr(mem, r->area_gpa, r->area_len);
	if (!src || r->area_len > PROBE_AREA_MAX ||
	    d->nr_saves >= PROBE_MAX_SAVES) {
		d->bad_writes++;
		return;
	}
	s = &d->save[d->nr_saves++];
	s->record = d->nr_records;
	s->len = r->area_len;
	memcpy(s->data, src, r->area_len);
}

static void take_record(struct probe_dev *p, uint32_t gpa)
{
	struct probe_data *d = p->data;
	const void *src =
		guest_mem_ptr(p->mem, gpa, sizeof(struct probe_record));
	struct probe_record r;

	if (!src || d->nr_records >= PROBE_MAX_RECORDS || d->done) {
		d->bad_writes++;
		return;
	}
	/* one copy: the guest cannot change it while it is checked */
	memcpy(&r, src, sizeof(r));
	if (!r.kind || r.kind >= PROBE_REC_NR || r.insn >= PROBE_INSN_NR) {
		d->bad_writes++;
		return;
	}
	if (r.kind == PROBE_REC_SAVE)
		keep_area(d, &r, p->mem);
	if (r.kind == PROBE_REC_DONE)
		d->done = true;
	d->rec[d->nr_records++] = r;
}

void probe_dev_io(struct probe_dev *p, unsigned int off, bool write,
		  uint8_t *data, uint8_t size)
{
	uint32_t v;

	if (off || size != sizeof(v)) {
		if (!write)
			memset(data, 0xff, size);
		p->data->bad_writes += write;
		return;
	}
	if (write) {
		memcpy(&v, data, sizeof(v));
		take_record(p, v);
		return;
	}
	v = p->data->host_failures;
	memcpy(data, &v, sizeof(v));
}

bool probe_dev_host_failure(struct probe_dev *p)
{
	if (p->data->host_failures >= PROBE_MAX_HOST_FAILURES)
		return false;
	p->data->host_failures++;
	return true;
}

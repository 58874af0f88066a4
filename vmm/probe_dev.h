/* SPDX-License-Identifier: MIT */
/*
 * The probe port (cpuid/probe.h): the test guest in probe mode writes the
 * guest-physical address of each record here; the device copies the
 * record, and the area a save wrote, into a struct probe_data. Reads
 * answer how many emulation failures were turned into a #UD.
 *
 * Everything the guest gives is checked: a record or area outside guest
 * RAM, an unknown kind, an area over PROBE_AREA_MAX, records past
 * PROBE_MAX_RECORDS are counted in bad_writes and dropped.
 */
#ifndef XSVM_VMM_PROBE_DEV_H
#define XSVM_VMM_PROBE_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "cpuid/probe.h"
#include "guest_mem.h"

#define PROBE_PORTS 4
/* Emulation failures the run survives before it ends as internal error. */
#define PROBE_MAX_HOST_FAILURES 16

struct probe_dev {
	struct probe_data *data;
	const struct guest_mem *mem;
};

void probe_dev_init(struct probe_dev *p, struct probe_data *d,
		    const struct guest_mem *mem);

/* One access of size bytes to PROBE_PORT + off. */
void probe_dev_io(struct probe_dev *p, unsigned int off, bool write,
		  uint8_t *data, uint8_t size);

/*
 * KVM could not emulate an instruction: true when the run should go on
 * with a #UD for the guest (counted), false when too many have failed.
 */
bool probe_dev_host_failure(struct probe_dev *p);

#endif

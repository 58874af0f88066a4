/* SPDX-License-Identifier: MIT */
/*
 * Which host and which KVM this is, for naming a probe's findings and for
 * keeping them (probe_cache.h): the KVM module loaded, the kernel release,
 * and the CPU's vendor and signature as its CPUID instruction gives them.
 */
#ifndef XSVM_VMM_HOST_ID_H
#define XSVM_VMM_HOST_ID_H

#include <stddef.h>

#define HOST_ID_KEY_LEN 192

struct host_id {
	char module[16];  /* "kvm_intel", "kvm_amd", "kvm_pvm" or "kvm" */
	char release[65]; /* uname -r */
	char vendor[13];  /* CPUID 0 */
	unsigned int family, model, stepping;
};

void host_id_read(struct host_id *h);

/* One line with no spaces in its fields: "kvm_amd 6.1.0-57-amd64 AuthenticAMD
 * 25 1 1". */
void host_id_key(const struct host_id *h, char *buf, size_t len);

#endif

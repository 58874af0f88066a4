// SPDX-License-Identifier: MIT
#include <cpuid.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "host_id.h"

/* The paravirtual module first: it may sit beside a vendor's. */
static const char *const kvm_modules[] = {"kvm_pvm", "kvm_intel", "kvm_amd"};

static void read_module(struct host_id *h)
{
	char path[64];

	snprintf(h->module, sizeof(h->module), "kvm");
	for (size_t i = 0; i < sizeof(kvm_modules) / sizeof(kvm_modules[0]);
	     i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", kvm_modules[i]);
		if (!access(path, F_OK)) {
			snprintf(h->module, sizeof(h->module), "%s",
				 kvm_modules[i]);
			return;
		}
	}
}

/* Family and model with their extended fields, as the SDM combines them. */
static void read_cpu(struct host_id *h)
{
	unsigned int a, b, c, d, fam;

	__cpuid(0, a, b, c, d);
	memcpy(h->vendor, &b, 4);
	memcpy(h->vendor + 4, &d, 4);
	memcpy(h->vendor + 8, &c, 4);
	h->vendor[12] = '\0';
	__cpuid(1, a, b, c, d);
	fam = (a >> 8) & 0xf;
	h->family = fam == 0xf ? fam + ((a >> 20) & 0xff) : fam;
	h->model = (a >> 4) & 0xf;
	if (fam == 0x6 || fam == 0xf)
		h->model |= ((a >> 16) & 0xf) << 4;
	h->stepping = a & 0xf;
}

void host_id_read(struct host_id *h)
{
	struct utsname u;

	memset(h, 0, sizeof(*h));
	read_module(h);
	if (!uname(&u))
		snprintf(h->release, sizeof(h->release), "%s", u.release);
	else
		snprintf(h->release, sizeof(h->release), "unknown");
	read_cpu(h);
}

void host_id_key(const struct host_id *h, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s %s %u %u %u", h->module, h->release,
		 h->vendor, h->family, h->model, h->stepping);
}

// SPDX-License-Identifier: MIT
/*
 * cpuid-dump: print this CPU's CPUID table in `cpuid -r` format on
 * stdout. Linked statically, it runs from an initramfs with no libraries,
 * as /init's first command, after the kernel has set XCR0 (and IA32_XSS):
 * CPUID.0xD.0 EBX and 0xD.1 EBX are then the sizes that kernel sees.
 * Runs on one CPU; run it pinned (taskset) on a machine with more.
 */
#include <errno.h>
#include <unistd.h>

#include "cpuid_dump.h"

static int failed;

static void out_stdout(const char *text, unsigned int len)
{
	while (len && !failed) {
		ssize_t n = write(STDOUT_FILENO, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			failed = 1;
			return;
		}
		text += n;
		len -= (unsigned int)n;
	}
}

int main(void)
{
	cpuid_dump(out_stdout);
	return failed;
}

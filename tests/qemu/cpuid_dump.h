/* SPDX-License-Identifier: MIT */
/*
 * Every CPUID leaf and subleaf of the CPU that runs it, printed as
 * Debian's `cpuid -r` prints one CPU ("CPU 0:", then one
 * "   0x%08x 0x%02x: eax=... ebx=... ecx=... edx=..." line per leaf and
 * subleaf). Freestanding: no libc, so that the same walk runs as a Linux
 * program (cpuid_dump_linux.c) and as a bare 32-bit guest entered at its
 * PVH entry point (cpuid_dump_pvh.S).
 */
#ifndef XSVM_TESTS_QEMU_CPUID_DUMP_H
#define XSVM_TESTS_QEMU_CPUID_DUMP_H

/* Writes len bytes of text; the dump calls it once per line. */
typedef void (*cpuid_dump_out_fn)(const char *text, unsigned int len);

void cpuid_dump(cpuid_dump_out_fn out);

#endif

/* SPDX-License-Identifier: MIT */
/* Loading an ELF64 x86-64 executable (a vmlinux) into guest RAM. */
#ifndef XSVM_VMM_LOADER_ELF_H
#define XSVM_VMM_LOADER_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "cpuid/err.h"
#include "guest_mem.h"
#include "loader.h"

/* Kernel virtual addresses start here; e_entry above it is translated. */
#define LOADER_KERNEL_VBASE 0xffffffff80000000ULL

/*
 * Copy every PT_LOAD of the ELF in buf to its p_paddr in m (p_filesz bytes
 * from the file, the rest up to p_memsz zeroed) and fill k->entry (a guest
 * physical address), k->lo, k->hi and k->format ("elf"). Only ELFCLASS64,
 * little-endian, EM_X86_64, ET_EXEC is accepted. Every segment is checked
 * before any is written. Messages start with name. Returns 0 or -EINVAL.
 */
int loader_elf_load(const uint8_t *buf, size_t len, const char *name,
		    struct guest_mem *m, struct loaded_kernel *k,
		    struct xsvm_err *err);

#endif

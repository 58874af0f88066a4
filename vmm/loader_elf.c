// SPDX-License-Identifier: MIT
/*
 * ELF64 x86-64 loading with libelf. Every bound is checked against the
 * buffer and against guest RAM before the first byte is written, so a
 * rejected file leaves guest RAM untouched.
 */
#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>

#include "loader_elf.h"

typedef unsigned long long ull;

static int elf_lib_fail(const char *name, const char *what,
			struct xsvm_err *err)
{
	return xsvm_err_set(err, EINVAL, "%s: libelf: %s: %s", name, what,
			    elf_errmsg(-1));
}

/* The identification bytes, checked before libelf sees the buffer. */
static int elf_check_ident(const uint8_t *buf, size_t len, const char *name,
			   struct xsvm_err *err)
{
	if (len < SELFMAG || memcmp(buf, ELFMAG, SELFMAG))
		return xsvm_err_set(err, EINVAL,
				    "%s: not an ELF file (no \\177ELF magic)",
				    name);
	if (len < EI_NIDENT)
		return xsvm_err_set(err, EINVAL,
				    "%s: truncated: %zu bytes, the ELF "
				    "identification needs %u",
				    name, len, EI_NIDENT);
	if (buf[EI_CLASS] != ELFCLASS64)
		return xsvm_err_set(err, EINVAL,
				    "%s: ELF class is %u, want %u (ELFCLASS64)",
				    name, buf[EI_CLASS], ELFCLASS64);
	if (buf[EI_DATA] != ELFDATA2LSB)
		return xsvm_err_set(err, EINVAL,
				    "%s: ELF data encoding is %u, want %u "
				    "(ELFDATA2LSB)",
				    name, buf[EI_DATA], ELFDATA2LSB);
	if (len < sizeof(Elf64_Ehdr))
		return xsvm_err_set(err, EINVAL,
				    "%s: truncated: %zu bytes, the ELF header "
				    "needs %zu",
				    name, len, sizeof(Elf64_Ehdr));
	return 0;
}

static int elf_check_ehdr(const GElf_Ehdr *eh, size_t len, const char *name,
			  struct xsvm_err *err)
{
	if (eh->e_machine != EM_X86_64)
		return xsvm_err_set(err, EINVAL,
				    "%s: e_machine is %u, want %u (EM_X86_64)",
				    name, eh->e_machine, EM_X86_64);
	if (eh->e_type != ET_EXEC)
		return xsvm_err_set(err, EINVAL,
				    "%s: e_type is %u, want %u (ET_EXEC)", name,
				    eh->e_type, ET_EXEC);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return xsvm_err_set(err, EINVAL,
				    "%s: e_phentsize is %u, want %zu", name,
				    eh->e_phentsize, sizeof(Elf64_Phdr));
	if (eh->e_phoff > len)
		return xsvm_err_set(err, EINVAL,
				    "%s: e_phoff 0x%llx is outside the file "
				    "(%zu bytes)",
				    name, (ull)eh->e_phoff, len);
	return 0;
}

/* Check one PT_LOAD against the file and RAM. */
static int elf_check_load(const GElf_Phdr *ph, size_t idx, size_t len,
			  const struct guest_mem *m, const char *name,
			  struct xsvm_err *err)
{
	if (ph->p_filesz > ph->p_memsz)
		return xsvm_err_set(err, EINVAL,
				    "%s: segment %zu: p_filesz 0x%llx is larger "
				    "than p_memsz 0x%llx",
				    name, idx, (ull)ph->p_filesz,
				    (ull)ph->p_memsz);
	if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return xsvm_err_set(err, EINVAL,
				    "%s: segment %zu: file bytes at offset "
				    "0x%llx, size 0x%llx are outside the file "
				    "(%zu bytes)",
				    name, idx, (ull)ph->p_offset,
				    (ull)ph->p_filesz, len);
	if (!guest_mem_contains(m, ph->p_paddr, ph->p_memsz))
		return xsvm_err_set(err, EINVAL,
				    "%s: segment %zu: paddr 0x%llx memsz 0x%llx "
				    "is outside RAM (0x%llx bytes)",
				    name, idx, (ull)ph->p_paddr,
				    (ull)ph->p_memsz, (ull)m->size);
	return 0;
}

/* Pass 1: validate every PT_LOAD, find [lo, hi) and the entry. */
static int elf_plan(Elf *e, const GElf_Ehdr *eh, size_t phnum, size_t len,
		    const struct guest_mem *m, const char *name,
		    struct loaded_kernel *k, struct xsvm_err *err)
{
	uint64_t delta = 0, entry = eh->e_entry;
	bool have_first = false, entry_ok = false;
	size_t i, used = 0;
	GElf_Phdr ph;
	int r;

	k->lo = UINT64_MAX;
	k->hi = 0;
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(e, (int)i, &ph))
			return elf_lib_fail(name, "program header", err);
		if (ph.p_type != PT_LOAD)
			continue;
		r = elf_check_load(&ph, i, len, m, name, err);
		if (r)
			return r;
		if (!have_first) {
			delta = ph.p_vaddr - ph.p_paddr;
			have_first = true;
		}
		if (!ph.p_memsz)
			continue;
		used++;
		if (ph.p_paddr < k->lo)
			k->lo = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > k->hi)
			k->hi = ph.p_paddr + ph.p_memsz;
	}
	if (!used)
		return xsvm_err_set(err, EINVAL,
				    "%s: no PT_LOAD segment with memory", name);
	if (entry >= LOADER_KERNEL_VBASE)
		entry -= delta;
	for (i = 0; i < phnum && !entry_ok; i++) {
		if (!gelf_getphdr(e, (int)i, &ph))
			return elf_lib_fail(name, "program header", err);
		entry_ok = ph.p_type == PT_LOAD && entry >= ph.p_paddr &&
			   entry - ph.p_paddr < ph.p_memsz;
	}
	if (!entry_ok)
		return xsvm_err_set(err, EINVAL,
				    "%s: entry 0x%llx (e_entry 0x%llx) is not "
				    "inside any PT_LOAD segment",
				    name, (ull)entry, (ull)eh->e_entry);
	k->entry = entry;
	return 0;
}

/* Pass 2: copy the file bytes and zero the rest of each PT_LOAD. */
static int elf_copy(Elf *e, const uint8_t *buf, size_t phnum,
		    struct guest_mem *m, const char *name,
		    struct xsvm_err *err)
{
	GElf_Phdr ph;
	uint8_t *dst;
	size_t i;

	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(e, (int)i, &ph))
			return elf_lib_fail(name, "program header", err);
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		dst = guest_mem_ptr(m, ph.p_paddr, ph.p_memsz);
		if (!dst) /* checked in elf_plan */
			return xsvm_err_set(err, EINVAL,
					    "%s: segment %zu outside RAM", name,
					    i);
		memcpy(dst, buf + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	return 0;
}

/*
 * The number of program headers as the file states it (libelf's
 * elf_getphdrnum() trims it to what fits in the file, hiding truncation).
 */
static int elf_phdr_count(Elf *e, const GElf_Ehdr *eh, const char *name,
			  size_t *phnum, struct xsvm_err *err)
{
	GElf_Shdr sh;
	Elf_Scn *scn;

	if (eh->e_phnum != PN_XNUM) {
		*phnum = eh->e_phnum;
		return 0;
	}
	/* PN_XNUM: the real count is section 0's sh_info */
	scn = elf_getscn(e, 0);
	if (!scn || !gelf_getshdr(scn, &sh))
		return elf_lib_fail(name, "section 0 (e_phnum is PN_XNUM)",
				    err);
	*phnum = sh.sh_info;
	return 0;
}

static int elf_load(Elf *e, const uint8_t *buf, size_t len, const char *name,
		    struct guest_mem *m, struct loaded_kernel *k,
		    struct xsvm_err *err)
{
	GElf_Ehdr eh;
	size_t phnum = 0;
	int r;

	if (elf_kind(e) != ELF_K_ELF)
		return xsvm_err_set(err, EINVAL, "%s: not an ELF file", name);
	if (!gelf_getehdr(e, &eh))
		return elf_lib_fail(name, "ELF header", err);
	r = elf_check_ehdr(&eh, len, name, err);
	if (r)
		return r;
	r = elf_phdr_count(e, &eh, name, &phnum, err);
	if (r)
		return r;
	if (!phnum)
		return xsvm_err_set(err, EINVAL, "%s: no program headers",
				    name);
	if (phnum > (len - eh.e_phoff) / sizeof(Elf64_Phdr))
		return xsvm_err_set(err, EINVAL,
				    "%s: %zu program headers at 0x%llx end "
				    "past the end of the file (%zu bytes)",
				    name, phnum, (ull)eh.e_phoff, len);
	r = elf_plan(e, &eh, phnum, len, m, name, k, err);
	if (r)
		return r;
	return elf_copy(e, buf, phnum, m, name, err);
}

int loader_elf_load(const uint8_t *buf, size_t len, const char *name,
		    struct guest_mem *m, struct loaded_kernel *k,
		    struct xsvm_err *err)
{
	struct loaded_kernel nk;
	Elf *e;
	int r;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return elf_lib_fail(name, "elf_version", err);
	r = elf_check_ident(buf, len, name, err);
	if (r)
		return r;
	/*
	 * libelf takes a writable image but, for a native (little-endian)
	 * file as checked above, only reads it.
	 */
	e = elf_memory((char *)buf, len);
	if (!e)
		return elf_lib_fail(name, "elf_memory", err);
	memset(&nk, 0, sizeof(nk));
	r = elf_load(e, buf, len, name, m, &nk, err);
	elf_end(e);
	if (r)
		return r;
	nk.format = "elf";
	*k = nk;
	return 0;
}

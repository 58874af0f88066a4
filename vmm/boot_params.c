// SPDX-License-Identifier: MIT
/*
 * boot_params, command line, initrd and e820 map for the 64-bit entry.
 * Everything is validated first; guest RAM is written only once the whole
 * layout is known to fit. Multi-byte fields are little-endian, as on the
 * x86 hosts KVM runs on.
 */
#include <stdbool.h>
#include <string.h>

#include "boot_params.h"

/* What is placed in low RAM is reached through the 4 GiB identity map. */
_Static_assert(GUEST_MEM_HOLE_START <= BOOT_MAP_END,
	       "low RAM lies inside the boot identity map");

#define PAGE_MASK 0xfffull
#define MIB	  20

/* Minimal header written when the kernel brings none. */
#define MIN_HDR_VERSION	     0x020f
#define MIN_HDR_CMDLINE_SIZE (BOOT_CMDLINE_MAX - 1)

/* Header fields read from a copied header, with their protocol version. */
#define HDR_VERSION_CMD_LINE_PTR 0x0202
#define HDR_VERSION_ADDR_MAX	 0x0203
#define HDR_VERSION_CMDLINE_SIZE 0x0206
#define HDR_OLD_CMDLINE_SIZE	 255u
#define HDR_MIN_LEN		 (BP_VERSION + 2 - BOOT_HDR_OFFSET)

/* What validation found out, used by the writing stage. */
struct plan {
	size_t hdr_len; /* bytes of c->setup_header to copy */
	size_t cmdline_len;
	uint32_t initrd_addr_max;
	uint64_t low_end;
	uint64_t initrd;
};

static void put16(uint8_t *bp, unsigned int off, uint16_t v)
{
	memcpy(bp + off, &v, sizeof(v));
}

static void put32(uint8_t *bp, unsigned int off, uint32_t v)
{
	memcpy(bp + off, &v, sizeof(v));
}

static void put64(uint8_t *bp, unsigned int off, uint64_t v)
{
	memcpy(bp + off, &v, sizeof(v));
}

/*
 * Read a header field at boot_params offset off from the first len bytes
 * of the header; false when the header is too short to hold it.
 */
static bool hdr_get(const uint8_t *hdr, size_t len, unsigned int off,
		    unsigned int size, uint32_t *v)
{
	unsigned int rel = off - BOOT_HDR_OFFSET;

	if (rel + size > len)
		return false;
	*v = 0;
	memcpy(v, hdr + rel, size);
	return true;
}

static int check_header(const struct boot_config *c, struct plan *p,
			uint32_t *cmdline_size, struct xsvm_err *err)
{
	const uint8_t *h = c->setup_header;
	size_t len = c->setup_header_len, end;
	uint32_t flag, version, jump, v;

	if (!h || !len) {
		p->hdr_len = 0;
		*cmdline_size = MIN_HDR_CMDLINE_SIZE;
		p->initrd_addr_max = BOOT_INITRD_ADDR_MAX_DEFAULT;
		return 0;
	}
	if (len < HDR_MIN_LEN)
		return xsvm_err_set(err, EINVAL,
				    "setup header of %zu bytes is too short: "
				    "at least %u bytes from 0x1f1 are needed",
				    len, HDR_MIN_LEN);
	hdr_get(h, len, BP_BOOT_FLAG, 2, &flag);
	if (flag != 0xaa55)
		return xsvm_err_set(err, EINVAL,
				    "setup header: boot_flag is 0x%04x, "
				    "expected 0xaa55",
				    flag);
	if (memcmp(h + BP_HEADER - BOOT_HDR_OFFSET, "HdrS", 4))
		return xsvm_err_set(err, EINVAL,
				    "setup header: no \"HdrS\" magic at 0x202");
	hdr_get(h, len, BP_VERSION, 2, &version);
	if (version < HDR_VERSION_CMD_LINE_PTR)
		return xsvm_err_set(err, EINVAL,
				    "setup header: boot protocol %u.%02u is "
				    "older than 2.02",
				    version >> 8, version & 0xff);

	/* The header ends where the jump at 0x200 lands. */
	hdr_get(h, len, BP_JUMP + 1, 1, &jump);
	end = BP_JUMP + 2 + jump - BOOT_HDR_OFFSET;
	p->hdr_len = len;
	if (p->hdr_len > end)
		p->hdr_len = end;
	if (p->hdr_len > BOOT_HDR_MAX)
		p->hdr_len = BOOT_HDR_MAX;

	*cmdline_size = HDR_OLD_CMDLINE_SIZE;
	if (version >= HDR_VERSION_CMDLINE_SIZE &&
	    hdr_get(h, p->hdr_len, BP_CMDLINE_SIZE, 4, &v))
		*cmdline_size = v;
	p->initrd_addr_max = BOOT_INITRD_ADDR_MAX_DEFAULT;
	if (version >= HDR_VERSION_ADDR_MAX &&
	    hdr_get(h, p->hdr_len, BP_INITRD_ADDR_MAX, 4, &v))
		p->initrd_addr_max = v;
	return 0;
}

static int check_cmdline(const struct boot_config *c, uint32_t cmdline_size,
			 struct plan *p, struct xsvm_err *err)
{
	size_t len = c->cmdline ? strlen(c->cmdline) : 0;

	if (len > BOOT_CMDLINE_MAX - 1)
		return xsvm_err_set(err, EINVAL,
				    "command line of %zu bytes is longer than "
				    "the %u bytes reserved at 0x%llx",
				    len, BOOT_CMDLINE_MAX - 1,
				    (unsigned long long)BOOT_CMDLINE_GPA);
	if (len > cmdline_size)
		return xsvm_err_set(err, EINVAL,
				    "command line of %zu bytes is longer than "
				    "the kernel's cmdline_size of %u",
				    len, cmdline_size);
	p->cmdline_len = len;
	p->low_end = BOOT_CMDLINE_GPA + len + 1;
	return 0;
}

static bool overlaps(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi)
{
	return a_lo < b_hi && b_lo < a_hi;
}

/*
 * Everything the VMM places (kernel, initrd, boot structures) goes in RAM
 * below the PCI hole: what error messages call it.
 */
static const char *low_ram_name(const struct guest_mem *m)
{
	return guest_mem_high_size(m) ? "RAM below the PCI hole" : "RAM";
}

static int check_kernel(const struct guest_mem *m, const struct boot_config *c,
			const struct plan *p, struct xsvm_err *err)
{
	unsigned long long lo = c->kernel_lo, hi = c->kernel_hi;
	uint64_t low = guest_mem_low_size(m);

	if (lo >= hi)
		return xsvm_err_set(err, EINVAL,
				    "kernel range 0x%llx-0x%llx is empty", lo,
				    hi);
	if (hi > low)
		return xsvm_err_set(err, EINVAL,
				    "kernel at 0x%llx-0x%llx ends beyond %s "
				    "(%llu MiB)",
				    lo, hi, low_ram_name(m),
				    (unsigned long long)low >> MIB);
	if (overlaps(lo, hi, BOOT_LOW_START, p->low_end))
		return xsvm_err_set(err, EINVAL,
				    "kernel at 0x%llx-0x%llx overlaps the boot "
				    "structures at 0x%llx-0x%llx",
				    lo, hi, BOOT_LOW_START,
				    (unsigned long long)p->low_end);
	if (overlaps(lo, hi, BOOT_EBDA_START, BOOT_HIGH_START))
		return xsvm_err_set(err, EINVAL,
				    "kernel at 0x%llx-0x%llx overlaps the "
				    "reserved region 0x%llx-0x%llx",
				    lo, hi, BOOT_EBDA_START, BOOT_HIGH_START);
	return 0;
}

/* Page-aligned start of len bytes ending at or below top, not below 1 MiB. */
static bool place_below(uint64_t top, uint64_t len, uint64_t *addr)
{
	if (top < BOOT_HIGH_START || top - BOOT_HIGH_START < len)
		return false;
	*addr = (top - len) & ~PAGE_MASK;
	return true;
}

static int place_initrd(const struct guest_mem *m, const struct boot_config *c,
			struct plan *p, struct xsvm_err *err)
{
	uint64_t len = c->initrd_len, limit = (uint64_t)p->initrd_addr_max + 1;
	uint64_t low = guest_mem_low_size(m), addr;

	p->initrd = 0;
	if (!len)
		return 0;
	if (!c->initrd)
		return xsvm_err_set(err, EINVAL,
				    "initrd of %llu bytes has no data",
				    (unsigned long long)len);
	if (len > low)
		return xsvm_err_set(err, E2BIG,
				    "initrd of %llu bytes is larger than %s "
				    "(%llu MiB)",
				    (unsigned long long)len, low_ram_name(m),
				    (unsigned long long)low >> MIB);
	if (limit > low)
		limit = low;
	if (place_below(limit, len, &addr) &&
	    !overlaps(addr, addr + len, c->kernel_lo, c->kernel_hi)) {
		p->initrd = addr;
		return 0;
	}
	if (c->kernel_lo < limit && place_below(c->kernel_lo, len, &addr)) {
		p->initrd = addr;
		return 0;
	}
	return xsvm_err_set(err, E2BIG,
			    "initrd of %llu bytes does not fit below 0x%llx "
			    "(%s %llu MiB, kernel at 0x%llx-0x%llx)",
			    (unsigned long long)len, (unsigned long long)limit,
			    low_ram_name(m), (unsigned long long)low >> MIB,
			    (unsigned long long)c->kernel_lo,
			    (unsigned long long)c->kernel_hi);
}

static void write_min_header(uint8_t *bp, uint32_t initrd_addr_max)
{
	put16(bp, BP_BOOT_FLAG, 0xaa55);
	memcpy(bp + BP_HEADER, "HdrS", 4);
	put16(bp, BP_VERSION, MIN_HDR_VERSION);
	bp[BP_LOADFLAGS] = BOOT_LOADFLAGS_LOADED_HIGH;
	put32(bp, BP_INITRD_ADDR_MAX, initrd_addr_max);
	put32(bp, BP_CMDLINE_SIZE, MIN_HDR_CMDLINE_SIZE);
}

static void e820_add(uint8_t *bp, uint32_t *n, uint64_t addr, uint64_t size,
		     uint32_t type)
{
	unsigned int off = BP_E820_TABLE + *n * 20;

	put64(bp, off, addr);
	put64(bp, off + 8, size);
	put32(bp, off + 16, type);
	(*n)++;
}

static uint32_t write_e820(uint8_t *bp, const struct guest_mem *m)
{
	uint32_t n = 0;

	e820_add(bp, &n, 0, BOOT_EBDA_START, BOOT_E820_RAM);
	e820_add(bp, &n, BOOT_EBDA_START, BOOT_HIGH_START - BOOT_EBDA_START,
		 BOOT_E820_RESERVED);
	e820_add(bp, &n, BOOT_HIGH_START,
		 guest_mem_low_size(m) - BOOT_HIGH_START, BOOT_E820_RAM);
	if (guest_mem_high_size(m))
		e820_add(bp, &n, GUEST_MEM_HIGH_START, guest_mem_high_size(m),
			 BOOT_E820_RAM);
	bp[BP_E820_ENTRIES] = (uint8_t)n;
	return n;
}

static void write_all(struct guest_mem *m, const struct boot_config *c,
		      const struct plan *p, struct boot_layout *out)
{
	uint8_t *bp = guest_mem_ptr(m, BOOT_PARAMS_GPA, BOOT_PARAMS_SIZE);
	uint8_t *cl = guest_mem_ptr(m, BOOT_CMDLINE_GPA, p->cmdline_len + 1);

	memset(bp, 0, BOOT_PARAMS_SIZE);
	if (p->hdr_len)
		memcpy(bp + BOOT_HDR_OFFSET, c->setup_header, p->hdr_len);
	else
		write_min_header(bp, p->initrd_addr_max);
	bp[BP_TYPE_OF_LOADER] = 0xff;
	put32(bp, BP_CMD_LINE_PTR, (uint32_t)BOOT_CMDLINE_GPA);
	put32(bp, BP_EXT_CMD_LINE_PTR, (uint32_t)(BOOT_CMDLINE_GPA >> 32));
	put32(bp, BP_RAMDISK_IMAGE, (uint32_t)p->initrd);
	put32(bp, BP_EXT_RAMDISK_IMAGE, (uint32_t)(p->initrd >> 32));
	put32(bp, BP_RAMDISK_SIZE, (uint32_t)c->initrd_len);
	put32(bp, BP_EXT_RAMDISK_SIZE, (uint32_t)(c->initrd_len >> 32));
	out->e820_entries = write_e820(bp, m);

	if (p->cmdline_len)
		memcpy(cl, c->cmdline, p->cmdline_len);
	cl[p->cmdline_len] = '\0';
	if (c->initrd_len)
		memcpy(guest_mem_ptr(m, p->initrd, c->initrd_len), c->initrd,
		       c->initrd_len);

	out->boot_params = BOOT_PARAMS_GPA;
	out->cmdline = BOOT_CMDLINE_GPA;
	out->cmdline_len = (uint32_t)p->cmdline_len;
	out->initrd = p->initrd;
	out->initrd_len = c->initrd_len;
	out->gdt = BOOT_GDT_GPA;
	out->pgtable = BOOT_PML4_GPA;
	out->stack = BOOT_STACK_GPA;
	out->low_end = p->low_end;
}

int boot_params_setup(struct guest_mem *m, const struct boot_config *c,
		      struct boot_layout *out, struct xsvm_err *err)
{
	struct plan p = {0};
	uint32_t cmdline_size = 0;
	int ret;

	if (m->size < BOOT_RAM_MIN)
		return xsvm_err_set(err, EINVAL,
				    "RAM of %llu bytes is too small: the boot "
				    "layout needs at least %llu MiB",
				    (unsigned long long)m->size,
				    BOOT_RAM_MIN >> MIB);
	ret = check_header(c, &p, &cmdline_size, err);
	if (ret)
		return ret;
	if (c->initrd_addr_max)
		p.initrd_addr_max = c->initrd_addr_max;
	ret = check_cmdline(c, cmdline_size, &p, err);
	if (ret)
		return ret;
	ret = check_kernel(m, c, &p, err);
	if (ret)
		return ret;
	ret = place_initrd(m, c, &p, err);
	if (ret)
		return ret;
	write_all(m, c, &p, out);
	return 0;
}

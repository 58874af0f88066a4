// SPDX-License-Identifier: MIT
/*
 * bzImage parsing and the kernel loader. The setup header is read at its
 * fixed file offsets (FACTS.md section 6); every offset and length it gives
 * is checked against the file before it is used.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "decompress.h"
#include "loader_bzimage.h"
#include "loader_elf.h"

typedef unsigned long long ull;

#define HDR_SETUP_SECTS	     0x1f1
#define HDR_BOOT_FLAG	     0x1fe
#define HDR_JUMP_OFFSET	     0x201 /* header ends at 0x202 + this byte */
#define HDR_HEADER	     0x202
#define HDR_VERSION	     0x206
#define HDR_LOADFLAGS	     0x211
#define HDR_INITRD_ADDR_MAX  0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE	     0x234
#define HDR_XLOADFLAGS	     0x236
#define HDR_CMDLINE_SIZE     0x238
#define HDR_PAYLOAD_OFFSET   0x248
#define HDR_PAYLOAD_LENGTH   0x24c
#define HDR_PREF_ADDRESS     0x258
#define HDR_INIT_SIZE	     0x260

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Signature, version and the header's extent. */
static int bzimage_check_header(const uint8_t *buf, size_t len,
				const char *name, size_t *end,
				struct xsvm_err *err)
{
	uint16_t flag, version, xlf;
	uint32_t magic;

	if (len < BZIMAGE_HDR_MIN_END)
		return xsvm_err_set(err, EINVAL,
				    "%s: setup header: file is %zu bytes, too "
				    "short for a setup header (0x%x bytes)",
				    name, len, BZIMAGE_HDR_MIN_END);
	flag = get16(buf + HDR_BOOT_FLAG);
	if (flag != BZIMAGE_BOOT_FLAG)
		return xsvm_err_set(err, EINVAL,
				    "%s: setup header: boot_flag is 0x%04x, "
				    "want 0x%04x",
				    name, flag, BZIMAGE_BOOT_FLAG);
	magic = get32(buf + HDR_HEADER);
	if (magic != BZIMAGE_HDRS)
		return xsvm_err_set(err, EINVAL,
				    "%s: setup header: header is 0x%08x, want "
				    "0x%08x (\"HdrS\")",
				    name, magic, BZIMAGE_HDRS);
	version = get16(buf + HDR_VERSION);
	if (version < BZIMAGE_MIN_VERSION)
		return xsvm_err_set(err, EINVAL,
				    "%s: setup header: version is 0x%04x, want "
				    "at least 0x%04x (64-bit entry)",
				    name, version, BZIMAGE_MIN_VERSION);
	xlf = get16(buf + HDR_XLOADFLAGS);
	if (!(xlf & BZIMAGE_XLF_KERNEL_64))
		return xsvm_err_set(err, EINVAL,
				    "%s: setup header: xloadflags is 0x%04x, "
				    "bit 0 (XLF_KERNEL_64) is clear: the "
				    "kernel has no 64-bit entry",
				    name, xlf);
	*end = 0x202 + (size_t)buf[HDR_JUMP_OFFSET];
	if (*end < BZIMAGE_HDR_MIN_END || *end > LOADER_SETUP_HDR_END)
		return xsvm_err_set(err, EINVAL,
				    "%s: setup header: end 0x%zx (0x202 + byte "
				    "0x%02x at 0x201) is outside [0x%x, 0x%x]",
				    name, *end, buf[HDR_JUMP_OFFSET],
				    BZIMAGE_HDR_MIN_END, LOADER_SETUP_HDR_END);
	if (*end > len)
		return xsvm_err_set(err, EINVAL,
				    "%s: setup header: end 0x%zx (0x202 + byte "
				    "0x%02x at 0x201) is past the end of the "
				    "file (%zu bytes)",
				    name, *end, buf[HDR_JUMP_OFFSET], len);
	return 0;
}

/* The protected-mode kernel and the payload inside it. */
static int bzimage_check_layout(const uint8_t *buf, size_t len,
				const char *name, struct bzimage_info *bi,
				struct xsvm_err *err)
{
	unsigned int sects = bi->setup_sects ? bi->setup_sects : 4;

	bi->pm_offset = ((size_t)sects + 1) * 512;
	if (bi->pm_offset >= len)
		return xsvm_err_set(err, EINVAL,
				    "%s: setup header: setup_sects is %u: the "
				    "protected-mode kernel at file offset "
				    "0x%zx is not inside the file (%zu bytes)",
				    name, bi->setup_sects, bi->pm_offset, len);
	bi->pm = buf + bi->pm_offset;
	bi->pm_len = len - bi->pm_offset;
	if (!bi->payload_length)
		return xsvm_err_set(err, EINVAL,
				    "%s: setup header: payload_length is 0",
				    name);
	if (bi->payload_offset > bi->pm_len ||
	    bi->payload_length > bi->pm_len - bi->payload_offset)
		return xsvm_err_set(err, EINVAL,
				    "%s: setup header: payload_offset 0x%x + "
				    "payload_length 0x%x is outside the "
				    "protected-mode kernel (0x%zx bytes at "
				    "file offset 0x%zx)",
				    name, bi->payload_offset,
				    bi->payload_length, bi->pm_len,
				    bi->pm_offset);
	bi->payload = bi->pm + bi->payload_offset;
	bi->payload_len = bi->payload_length;
	return 0;
}

int loader_bzimage_parse(const uint8_t *buf, size_t len, const char *name,
			 struct bzimage_info *bi, struct xsvm_err *err)
{
	struct bzimage_info nb;
	size_t end = 0;
	int r;

	r = bzimage_check_header(buf, len, name, &end, err);
	if (r)
		return r;
	memset(&nb, 0, sizeof(nb));
	nb.setup_sects = buf[HDR_SETUP_SECTS];
	nb.version = get16(buf + HDR_VERSION);
	nb.loadflags = buf[HDR_LOADFLAGS];
	nb.relocatable_kernel = buf[HDR_RELOCATABLE];
	nb.xloadflags = get16(buf + HDR_XLOADFLAGS);
	nb.initrd_addr_max = get32(buf + HDR_INITRD_ADDR_MAX);
	nb.kernel_alignment = get32(buf + HDR_KERNEL_ALIGNMENT);
	nb.cmdline_size = get32(buf + HDR_CMDLINE_SIZE);
	nb.payload_offset = get32(buf + HDR_PAYLOAD_OFFSET);
	nb.payload_length = get32(buf + HDR_PAYLOAD_LENGTH);
	nb.pref_address = get64(buf + HDR_PREF_ADDRESS);
	nb.init_size = get32(buf + HDR_INIT_SIZE);
	nb.header_len = end - LOADER_SETUP_HDR_OFF;
	memcpy(nb.header, buf + LOADER_SETUP_HDR_OFF, nb.header_len);
	r = bzimage_check_layout(buf, len, name, &nb, err);
	if (r)
		return r;
	*bi = nb;
	return 0;
}

void kernel_image_free(struct kernel_image *img)
{
	if (img->map)
		munmap(img->map, img->map_len);
	free(img->heap);
	memset(img, 0, sizeof(*img));
}

void kernel_image_init_bzimage(struct kernel_image *img,
			       const struct bzimage_info *bi)
{
	memset(img, 0, sizeof(*img));
	img->has_setup_header = true;
	memcpy(img->setup_header, bi->header, bi->header_len);
	img->setup_header_len = bi->header_len;
}

/* img's data: a copy of len bytes at src. */
static int image_copy(struct kernel_image *img, const uint8_t *src, size_t len,
		      struct xsvm_err *err)
{
	img->heap = malloc(len ? len : 1);
	if (!img->heap)
		return xsvm_err_set(err, ENOMEM, "out of memory");
	memcpy(img->heap, src, len);
	img->data = img->heap;
	img->len = len;
	return 0;
}

/*
 * A payload xsvm does not decompress: the protected-mode kernel goes to its
 * preferred address and is entered at its own 64-bit entry, where the
 * kernel's decompressor runs in the guest.
 */
static int bzimage_keep_pm(const struct bzimage_info *bi, const char *format,
			   struct kernel_image *img, struct xsvm_err *err)
{
	int r = image_copy(img, bi->pm, bi->pm_len, err);

	if (r)
		return r;
	img->kind = KERNEL_IMAGE_PM;
	img->format = format;
	img->pm_load =
		bi->pref_address ? bi->pref_address : BZIMAGE_DEFAULT_LOAD;
	img->init_size = bi->init_size;
	return 0;
}

int loader_bzimage_decode(const struct bzimage_info *bi, const char *name,
			  struct kernel_image *img, struct xsvm_err *err)
{
	char ename[XSVM_ERR_LEN];
	const char *format = NULL;
	uint8_t *out;
	size_t out_len;
	int r;

	kernel_image_init_bzimage(img, bi);
	r = decompress_payload(bi->payload, bi->payload_len, &out, &out_len,
			       BZIMAGE_MAX_VMLINUX, &format, err);
	if (r == -ENOTSUP) {
		if (err) /* not an error: the note says what happens */
			err->msg[0] = '\0';
		r = bzimage_keep_pm(bi, format, img, err);
	} else if (r) {
		snprintf(ename, sizeof(ename), "%s: payload", name);
		xsvm_err_prefix(err, ename);
	} else {
		img->kind = KERNEL_IMAGE_ELF;
		img->format = format;
		img->heap = out;
		img->data = out;
		img->len = out_len;
	}
	if (r)
		kernel_image_free(img);
	return r;
}

int loader_kernel_decode(const uint8_t *buf, size_t len, const char *name,
			 struct kernel_image *img, struct xsvm_err *err)
{
	struct bzimage_info bi;
	int r;

	memset(img, 0, sizeof(*img));
	if (len >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG)) {
		img->kind = KERNEL_IMAGE_ELF;
		img->format = "elf";
		r = image_copy(img, buf, len, err);
		if (r)
			kernel_image_free(img);
		return r;
	}
	r = loader_bzimage_parse(buf, len, name, &bi, err);
	if (r)
		return r;
	return loader_bzimage_decode(&bi, name, img, err);
}

static int place_pm(const struct kernel_image *img, const char *name,
		    struct guest_mem *m, struct loaded_kernel *k,
		    struct xsvm_err *err)
{
	uint64_t load = img->pm_load;
	uint64_t need = img->init_size > img->len ? img->init_size : img->len;
	uint8_t *dst = guest_mem_ptr(m, load, need);

	if (!dst)
		return xsvm_err_set(
			err, EINVAL,
			"%s: protected-mode kernel at 0x%llx needs "
			"0x%llx bytes (0x%zx in the file, init_size "
			"0x%x), outside RAM (0x%llx bytes)",
			name, (ull)load, (ull)need, img->len, img->init_size,
			(ull)m->size);
	memcpy(dst, img->data, img->len);
	k->entry = load + BZIMAGE_ENTRY64_OFF;
	k->lo = load;
	k->hi = load + need;
	snprintf(k->note, sizeof(k->note),
		 "payload format %s is not decompressed by xsvm: entering "
		 "the bzImage's 64-bit entry",
		 img->format);
	return 0;
}

int loader_kernel_place(const struct kernel_image *img, const char *name,
			struct guest_mem *m, struct loaded_kernel *k,
			struct xsvm_err *err)
{
	char ename[XSVM_ERR_LEN];
	struct loaded_kernel nk;
	int r;

	if (!img->has_setup_header)
		return loader_elf_load(img->data, img->len, name, m, k, err);
	memset(&nk, 0, sizeof(nk));
	if (img->kind == KERNEL_IMAGE_PM) {
		r = place_pm(img, name, m, &nk, err);
	} else {
		snprintf(ename, sizeof(ename), "%s: payload", name);
		r = loader_elf_load(img->data, img->len, ename, m, &nk, err);
	}
	if (r)
		return r;
	nk.format = img->format;
	nk.has_setup_header = true;
	memcpy(nk.setup_header, img->setup_header, img->setup_header_len);
	nk.setup_header_len = img->setup_header_len;
	*k = nk;
	return 0;
}

int loader_kernel_load(const uint8_t *buf, size_t len, const char *name,
		       struct guest_mem *m, struct loaded_kernel *k,
		       struct xsvm_err *err)
{
	struct kernel_image img;
	int r;

	/* an ELF file is placed from buf itself: nothing to decode */
	if (len >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG))
		return loader_elf_load(buf, len, name, m, k, err);
	r = loader_kernel_decode(buf, len, name, &img, err);
	if (r)
		return r;
	r = loader_kernel_place(&img, name, m, k, err);
	kernel_image_free(&img);
	return r;
}

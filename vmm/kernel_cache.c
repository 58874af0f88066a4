// SPDX-License-Identifier: MIT
#define _GNU_SOURCE /* mkostemp */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cache_dir.h"
#include "decompress.h"
#include "kernel_cache.h"
#include "loader_bzimage.h"

#define HDR_MAGIC_LEN 16
#define HDR_KEY_OFF   16
#define HDR_LEN_OFF   48
#define HDR_ZERO_OFF  56

const char *kernel_cache_status_name(enum kernel_cache_status s)
{
	switch (s) {
	case KERNEL_CACHE_HIT:
		return "hit";
	case KERNEL_CACHE_MISS:
		return "miss";
	case KERNEL_CACHE_STORE_FAILED:
		return "store_failed";
	case KERNEL_CACHE_OFF:
	default:
		return "off";
	}
}

int kernel_cache_key(const uint8_t *payload, size_t len,
		     uint8_t key[KERNEL_CACHE_KEY_LEN])
{
	unsigned int n = 0;

	if (!EVP_Digest(payload, len, key, &n, EVP_sha256(), NULL) ||
	    n != KERNEL_CACHE_KEY_LEN)
		return -EIO;
	return 0;
}

int kernel_cache_path(const char *dir, const uint8_t key[KERNEL_CACHE_KEY_LEN],
		      char *buf, size_t len)
{
	char hex[2 * KERNEL_CACHE_KEY_LEN + 1];
	int n;

	for (int i = 0; i < KERNEL_CACHE_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	n = snprintf(buf, len, "%s/vmlinux-%s.bin", dir, hex);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void header_make(uint8_t *hdr, const uint8_t *key, uint64_t len)
{
	memset(hdr, 0, KERNEL_CACHE_HDR_LEN);
	memcpy(hdr, KERNEL_CACHE_MAGIC, sizeof(KERNEL_CACHE_MAGIC));
	memcpy(hdr + HDR_KEY_OFF, key, KERNEL_CACHE_KEY_LEN);
	put64(hdr + HDR_LEN_OFF, len);
}

/* The header is exactly header_make()'s, and the file as long as it says. */
static bool header_valid(const uint8_t *p, uint64_t size, const uint8_t *key)
{
	uint8_t want[KERNEL_CACHE_HDR_LEN];
	uint64_t len = get64(p + HDR_LEN_OFF);

	if (len < SELFMAG || len > BZIMAGE_MAX_VMLINUX ||
	    size - KERNEL_CACHE_HDR_LEN != len)
		return false;
	header_make(want, key, len);
	if (memcmp(p, want, KERNEL_CACHE_HDR_LEN))
		return false;
	return !memcmp(p + KERNEL_CACHE_HDR_LEN, ELFMAG, SELFMAG);
}

int kernel_cache_load(const char *path, const uint8_t key[KERNEL_CACHE_KEY_LEN],
		      struct kernel_image *img)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size <= KERNEL_CACHE_HDR_LEN) {
		close(fd);
		return -EINVAL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ,
		 MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -EINVAL;
	if (!header_valid(p, (uint64_t)st.st_size, key)) {
		munmap(p, (size_t)st.st_size);
		return -EINVAL;
	}
	img->map = p;
	img->map_len = (size_t)st.st_size;
	img->data = (const uint8_t *)p + KERNEL_CACHE_HDR_LEN;
	img->len = (size_t)st.st_size - KERNEL_CACHE_HDR_LEN;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int kernel_cache_store(const char *path,
		       const uint8_t key[KERNEL_CACHE_KEY_LEN],
		       const uint8_t *data, size_t len)
{
	uint8_t hdr[KERNEL_CACHE_HDR_LEN];
	char tmp[KERNEL_CACHE_PATH_LEN + 16];
	int fd, ret;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >=
	    sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	header_make(hdr, key, len);
	ret = write_all(fd, hdr, sizeof(hdr));
	if (!ret)
		ret = write_all(fd, data, len);
	/* on disk before the name: a crash never leaves a short file */
	if (!ret && fdatasync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

/*
 * The file for bi's payload: 0 and path, or no cache (-ENOENT: no
 * directory can be named; another errno: it cannot be made or named).
 */
static int cache_where(const char *dir, const struct bzimage_info *bi,
		       uint8_t *key, char *path, size_t len)
{
	char d[KERNEL_CACHE_PATH_LEN - 96];
	int ret;

	if (dir) {
		if ((size_t)snprintf(d, sizeof(d), "%s", dir) >= sizeof(d))
			return -ENAMETOOLONG;
		if (mkdir(d, 0700) && errno != EEXIST)
			return -errno;
	} else {
		ret = cache_dir_path(d, sizeof(d));
		if (ret)
			return ret;
	}
	ret = kernel_cache_key(bi->payload, bi->payload_len, key);
	if (ret)
		return ret;
	return kernel_cache_path(d, key, path, len);
}

int kernel_cache_decode(const uint8_t *buf, size_t len, const char *name,
			const char *dir, struct kernel_image *img,
			enum kernel_cache_status *status, struct xsvm_err *err)
{
	uint8_t key[KERNEL_CACHE_KEY_LEN];
	char path[KERNEL_CACHE_PATH_LEN];
	struct bzimage_info bi;
	const char *format;
	int where, ret;

	*status = KERNEL_CACHE_OFF;
	memset(img, 0, sizeof(*img));
	if (len >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG))
		return loader_kernel_decode(buf, len, name, img, err);
	ret = loader_bzimage_parse(buf, len, name, &bi, err);
	if (ret)
		return ret;
	format = decompress_format(bi.payload, bi.payload_len);
	where = format ? cache_where(dir, &bi, key, path, sizeof(path))
		       : -ENOENT;
	if (!where) {
		kernel_image_init_bzimage(img, &bi);
		if (!kernel_cache_load(path, key, img)) {
			img->kind = KERNEL_IMAGE_ELF;
			img->format = format;
			*status = KERNEL_CACHE_HIT;
			return 0;
		}
	}
	ret = loader_bzimage_decode(&bi, name, img, err);
	if (ret || img->kind != KERNEL_IMAGE_ELF || where == -ENOENT)
		return ret;
	if (!where && !kernel_cache_store(path, key, img->data, img->len))
		*status = KERNEL_CACHE_MISS;
	else
		*status = KERNEL_CACHE_STORE_FAILED;
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * Tests of decoding a kernel once and placing it many times
 * (loader_kernel_decode, loader_kernel_place in vmm/loader_bzimage.c), and
 * of the cache of decompressed kernels across processes (vmm/kernel_cache.c):
 * miss then hit, damaged files replaced, a cache that cannot be written,
 * concurrent writers. The kernels are small bzImages built here around the
 * standard test ELF compressed with liblzma.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <elf.h>
#include <lzma.h>

#include "loader_util.h"
#include "test_util.h"
#include "vmm/kernel_cache.h"
#include "vmm/loader_bzimage.h"

#define NR_WRITERS 8
#define BIG_LEN	   (1u << 20) /* a vmlinux large enough to be written slowly */

static char dir[] = "/tmp/xsvm-kcache-test.XXXXXX";
static uint8_t elf[ELF_MAX];
static size_t elf_len;
static uint8_t bz[ELF_MAX * 2];
static size_t bz_len;

/* The standard ELF as an xz payload with the 4-byte size appended. */
static size_t xz_payload(uint8_t *out, size_t cap)
{
	size_t n = 0;

	assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, elf,
						 elf_len, out, &n, cap - 4),
			 LZMA_OK);
	put32(out + n, (uint32_t)elf_len);
	return n + 4;
}

static int setup(void **state)
{
	uint8_t p[ELF_MAX * 2];
	size_t plen;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	elf_len = make_elf(elf, std_segs, STD_NSEGS, STD_ENTRY);
	plen = xz_payload(p, sizeof(p));
	bz_len = make_bzimage(bz, sizeof(bz), p, plen);
	return 0;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* A fresh, empty cache directory under dir. */
static void fresh_dir(char *buf, size_t len, const char *name)
{
	char cmd[256];

	snprintf(buf, len, "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", buf);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(mkdir(buf, 0700), 0);
}

/* The number of entries in d; the first one's name in first. */
static unsigned int dir_entries(const char *d, char *first, size_t len)
{
	struct dirent *de;
	unsigned int n = 0;
	DIR *dh = opendir(d);

	assert_non_null(dh);
	if (first)
		first[0] = '\0';
	while ((de = readdir(dh))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!n && first)
			snprintf(first, len, "%s", de->d_name);
		n++;
	}
	closedir(dh);
	return n;
}

/* The cache file of the test bzImage's payload in d. */
static void bz_cache_path(const char *d, char *path, size_t len, uint8_t *key)
{
	struct bzimage_info bi;
	struct xsvm_err err;

	assert_int_equal(loader_bzimage_parse(bz, bz_len, "k.bz", &bi, &err),
			 0);
	assert_int_equal(kernel_cache_key(bi.payload, bi.payload_len, key), 0);
	assert_int_equal(kernel_cache_path(d, key, path, len), 0);
}

static off_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* loaded_kernel of the standard test bzImage with an xz payload. */
static void check_std_kernel(const struct loaded_kernel *k)
{
	assert_string_equal(k->format, "xz");
	assert_int_equal(k->entry, 0x100040);
	assert_int_equal(k->lo, 0x100000);
	assert_int_equal(k->hi, 0x201000);
	assert_true(k->has_setup_header);
	assert_int_equal(k->setup_header_len, 0x7b);
	assert_memory_equal(k->setup_header, bz + 0x1f1, 0x7b);
	assert_string_equal(k->note, "");
}

static void place_std(const struct kernel_image *img)
{
	struct xsvm_err err = {{0}};
	struct loaded_kernel k;

	ram_reset();
	if (loader_kernel_place(img, "k.bz", &ram, &k, &err))
		fail_msg("%s", err.msg);
	check_std_ram();
	check_std_kernel(&k);
}

static void test_key_and_names(void **state)
{
	static const uint8_t abc_sha256[KERNEL_CACHE_KEY_LEN] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
		0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	uint8_t key[KERNEL_CACHE_KEY_LEN];
	char path[128];

	(void)state;
	assert_int_equal(kernel_cache_key((const uint8_t *)"abc", 3, key), 0);
	assert_memory_equal(key, abc_sha256, sizeof(key));
	assert_int_equal(kernel_cache_path("/c", key, path, sizeof(path)), 0);
	assert_string_equal(path, "/c/vmlinux-ba7816bf8f01cfea414140de5dae2223"
				  "b00361a396177a9cb410ff61f20015ad.bin");
	assert_int_equal(kernel_cache_path("/c", key, path, 79), -ENAMETOOLONG);
	assert_string_equal(kernel_cache_status_name(KERNEL_CACHE_OFF), "off");
	assert_string_equal(kernel_cache_status_name(KERNEL_CACHE_HIT), "hit");
	assert_string_equal(kernel_cache_status_name(KERNEL_CACHE_MISS),
			    "miss");
	assert_string_equal(kernel_cache_status_name(KERNEL_CACHE_STORE_FAILED),
			    "store_failed");
}

static void test_miss_then_hit(void **state)
{
	struct xsvm_err err = {{0}};
	struct kernel_image a, b;
	enum kernel_cache_status st;
	uint8_t key[KERNEL_CACHE_KEY_LEN];
	char d[128], path[KERNEL_CACHE_PATH_LEN], name[256];

	(void)state;
	fresh_dir(d, sizeof(d), "hit");
	bz_cache_path(d, path, sizeof(path), key);
	assert_int_equal(
		kernel_cache_decode(bz, bz_len, "k.bz", d, &a, &st, &err), 0);
	assert_int_equal(st, KERNEL_CACHE_MISS);
	assert_null(a.map);
	assert_int_equal(a.kind, KERNEL_IMAGE_ELF);
	assert_int_equal(a.len, elf_len);
	assert_memory_equal(a.data, elf, elf_len);
	/* one file, the header and the vmlinux */
	assert_int_equal(dir_entries(d, name, sizeof(name)), 1);
	assert_string_equal(name, strrchr(path, '/') + 1);
	assert_int_equal(file_size(path), KERNEL_CACHE_HDR_LEN + elf_len);

	assert_int_equal(
		kernel_cache_decode(bz, bz_len, "k.bz", d, &b, &st, &err), 0);
	assert_int_equal(st, KERNEL_CACHE_HIT);
	assert_non_null(b.map);
	assert_int_equal(b.map_len, KERNEL_CACHE_HDR_LEN + elf_len);
	assert_int_equal(b.kind, KERNEL_IMAGE_ELF);
	assert_string_equal(b.format, "xz");
	assert_int_equal(b.len, a.len);
	assert_memory_equal(b.data, a.data, a.len);
	assert_true(b.has_setup_header);
	assert_int_equal(b.setup_header_len, a.setup_header_len);
	assert_memory_equal(b.setup_header, a.setup_header, a.setup_header_len);
	place_std(&a);
	place_std(&b);
	kernel_image_free(&a);
	kernel_image_free(&b);
	assert_null(b.map);
	assert_int_equal(dir_entries(d, NULL, 0), 1);
}

/* Damage the cache file with cmd, then decode: the damage is replaced. */
static void check_damage(const char *d, const char *path, const char *cmd,
			 const uint8_t *key)
{
	struct xsvm_err err = {{0}};
	struct kernel_image img = {0};
	enum kernel_cache_status st;
	char sh[KERNEL_CACHE_PATH_LEN + 128];

	snprintf(sh, sizeof(sh), cmd, path);
	assert_int_equal(system(sh), 0);
	assert_int_equal(kernel_cache_load(path, key, &img), -EINVAL);
	assert_null(img.map);
	assert_int_equal(
		kernel_cache_decode(bz, bz_len, "k.bz", d, &img, &st, &err), 0);
	assert_int_equal(st, KERNEL_CACHE_MISS);
	place_std(&img);
	kernel_image_free(&img);
	assert_int_equal(kernel_cache_load(path, key, &img), 0);
	assert_int_equal(img.len, elf_len);
	assert_memory_equal(img.data, elf, elf_len);
	kernel_image_free(&img);
	assert_int_equal(file_size(path), KERNEL_CACHE_HDR_LEN + elf_len);
	assert_int_equal(dir_entries(d, NULL, 0), 1);
}

static void test_damaged_file_replaced(void **state)
{
	static const char *const damage[] = {
		/* one byte short, and only part of the header */
		"truncate -s -1 %s",
		"truncate -s 40 %s",
		"truncate -s 0 %s",
		/* one byte longer than the header says */
		"printf x >> %s",
		/* the magic, the key, the length, the reserved bytes */
		"printf X | dd of=%s bs=1 seek=0 conv=notrunc status=none",
		"printf X | dd of=%s bs=1 seek=20 conv=notrunc status=none",
		"printf X | dd of=%s bs=1 seek=49 conv=notrunc status=none",
		"printf X | dd of=%s bs=1 seek=60 conv=notrunc status=none",
		/* a vmlinux that is no ELF */
		"printf X | dd of=%s bs=1 seek=65 conv=notrunc status=none",
	};
	struct xsvm_err err = {{0}};
	struct kernel_image img;
	enum kernel_cache_status st;
	uint8_t key[KERNEL_CACHE_KEY_LEN];
	char d[128], path[KERNEL_CACHE_PATH_LEN];

	(void)state;
	fresh_dir(d, sizeof(d), "damage");
	bz_cache_path(d, path, sizeof(path), key);
	assert_int_equal(kernel_cache_load(path, key, &img), -ENOENT);
	assert_int_equal(
		kernel_cache_decode(bz, bz_len, "k.bz", d, &img, &st, &err), 0);
	assert_int_equal(st, KERNEL_CACHE_MISS);
	kernel_image_free(&img);
	for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++)
		check_damage(d, path, damage[i], key);

	/* a valid file for another key is not this key's */
	key[0] ^= 1;
	assert_int_equal(kernel_cache_load(path, key, &img), -EINVAL);
}

/* Decode with the cache in d: the image loads, nothing is left in d. */
static void check_store_fails(const char *d, const char *list_dir)
{
	struct xsvm_err err = {{0}};
	struct kernel_image img;
	enum kernel_cache_status st;

	assert_int_equal(
		kernel_cache_decode(bz, bz_len, "k.bz", d, &img, &st, &err), 0);
	assert_int_equal(st, KERNEL_CACHE_STORE_FAILED);
	assert_null(img.map);
	place_std(&img);
	kernel_image_free(&img);
	if (list_dir)
		assert_int_equal(dir_entries(list_dir, NULL, 0), 0);
}

static void test_unwritable_cache(void **state)
{
	char d[128], file[160], sub[192];
	uint8_t key[KERNEL_CACHE_KEY_LEN];
	char path[KERNEL_CACHE_PATH_LEN];
	int fd, status;
	pid_t pid;

	(void)state;
	/* a directory that cannot be made: its parent is a file */
	fresh_dir(d, sizeof(d), "unwritable");
	snprintf(file, sizeof(file), "%s/file", d);
	fd = open(file, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(sub, sizeof(sub), "%s/cache", file);
	check_store_fails(sub, NULL);
	assert_int_equal(dir_entries(d, NULL, 0), 1);

	/* a full disk: every write past 100 bytes fails, here with EFBIG */
	fresh_dir(d, sizeof(d), "full");
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct rlimit rl = {.rlim_cur = 100, .rlim_max = 100};

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl))
			_exit(2);
		bz_cache_path(d, path, sizeof(path), key);
		if (kernel_cache_store(path, key, elf, elf_len) != -EFBIG)
			_exit(3);
		check_store_fails(d, d);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(dir_entries(d, NULL, 0), 0);

	/* a directory this process may not write (root may write anyway) */
	if (geteuid()) {
		fresh_dir(d, sizeof(d), "readonly");
		assert_int_equal(chmod(d, 0500), 0);
		check_store_fails(d, d);
		assert_int_equal(chmod(d, 0700), 0);
	}
}

/* Wait for the n children; each must exit 0. */
static void wait_children(const pid_t *pids, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		int status;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

/* NR_WRITERS processes started together; each runs body(i). */
static void run_together(void (*body)(unsigned int, const char *),
			 const char *d)
{
	pid_t pids[NR_WRITERS];
	int go[2];
	char c;

	assert_int_equal(pipe(go), 0);
	for (unsigned int i = 0; i < NR_WRITERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (!pids[i]) {
			close(go[1]);
			/* the start: the parent closes its end */
			if (read(go[0], &c, 1) != 0)
				_exit(2);
			close(go[0]);
			body(i, d);
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]);
	wait_children(pids, NR_WRITERS);
}

static uint8_t big[BIG_LEN];
static const uint8_t big_key[KERNEL_CACHE_KEY_LEN] = {0x42};

static void store_big(unsigned int i, const char *d)
{
	char path[KERNEL_CACHE_PATH_LEN];

	(void)i;
	if (kernel_cache_path(d, big_key, path, sizeof(path)))
		_exit(3);
	for (int n = 0; n < 4; n++)
		if (kernel_cache_store(path, big_key, big, sizeof(big)))
			_exit(4);
}

static void decode_bz(unsigned int i, const char *d)
{
	struct xsvm_err err;
	struct kernel_image img;
	enum kernel_cache_status st;

	(void)i;
	if (kernel_cache_decode(bz, bz_len, "k.bz", d, &img, &st, &err))
		_exit(3);
	if (st != KERNEL_CACHE_MISS && st != KERNEL_CACHE_HIT)
		_exit(4);
	if (img.len != elf_len || memcmp(img.data, elf, elf_len))
		_exit(5);
	kernel_image_free(&img);
}

static void test_concurrent_writers(void **state)
{
	struct kernel_image img = {0};
	uint8_t key[KERNEL_CACHE_KEY_LEN];
	char d[128], path[KERNEL_CACHE_PATH_LEN], name[256];

	(void)state;
	memcpy(big, ELFMAG, SELFMAG);
	for (size_t i = SELFMAG; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13 + i / 4096);

	/* the same key stored by every writer, four times each */
	fresh_dir(d, sizeof(d), "writers");
	run_together(store_big, d);
	assert_int_equal(kernel_cache_path(d, big_key, path, sizeof(path)), 0);
	assert_int_equal(dir_entries(d, name, sizeof(name)), 1);
	assert_string_equal(name, strrchr(path, '/') + 1);
	assert_int_equal(kernel_cache_load(path, big_key, &img), 0);
	assert_int_equal(img.len, BIG_LEN);
	assert_memory_equal(img.data, big, BIG_LEN);
	kernel_image_free(&img);

	/* the same bzImage decoded by every process at once */
	fresh_dir(d, sizeof(d), "decoders");
	run_together(decode_bz, d);
	bz_cache_path(d, path, sizeof(path), key);
	assert_int_equal(dir_entries(d, name, sizeof(name)), 1);
	assert_string_equal(name, strrchr(path, '/') + 1);
	assert_int_equal(kernel_cache_load(path, key, &img), 0);
	assert_memory_equal(img.data, elf, elf_len);
	kernel_image_free(&img);
}

/* Place img into n fresh RAMs: every RAM the same as ref, every k too. */
static void check_place_n(const struct kernel_image *img,
			  const struct guest_mem *ref,
			  const struct loaded_kernel *kref, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct xsvm_err err = {{0}};
		struct guest_mem m;
		struct loaded_kernel k;

		assert_int_equal(guest_mem_alloc(&m, RAM_SIZE, &err), 0);
		if (loader_kernel_place(img, "k.bz", &m, &k, &err))
			fail_msg("%s", err.msg);
		assert_memory_equal(m.hva, ref->hva, RAM_SIZE);
		assert_int_equal(k.entry, kref->entry);
		assert_int_equal(k.lo, kref->lo);
		assert_int_equal(k.hi, kref->hi);
		assert_string_equal(k.format, kref->format);
		assert_int_equal(k.has_setup_header, kref->has_setup_header);
		assert_int_equal(k.setup_header_len, kref->setup_header_len);
		assert_memory_equal(k.setup_header, kref->setup_header,
				    sizeof(k.setup_header));
		assert_string_equal(k.note, kref->note);
		guest_mem_free(&m);
	}
}

/* Decode buf once, place it three times: as loader_kernel_load() does. */
static void check_decode_once(const uint8_t *buf, size_t len,
			      enum kernel_image_kind kind, size_t data_len)
{
	struct xsvm_err err = {{0}};
	struct kernel_image img;
	struct guest_mem ref;
	struct loaded_kernel k;
	uint8_t *copy;

	assert_int_equal(guest_mem_alloc(&ref, RAM_SIZE, &err), 0);
	if (loader_kernel_load(buf, len, "k.bz", &ref, &k, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(loader_kernel_decode(buf, len, "k.bz", &img, &err), 0);
	assert_int_equal(img.kind, kind);
	assert_int_equal(img.len, data_len);
	assert_true(img.data < buf || img.data >= buf + len);
	copy = malloc(img.len);
	assert_non_null(copy);
	memcpy(copy, img.data, img.len);
	check_place_n(&img, &ref, &k, 3);
	assert_memory_equal(img.data, copy, img.len);
	free(copy);
	kernel_image_free(&img);
	guest_mem_free(&ref);
}

static void test_decode_once_place_many(void **state)
{
	uint8_t lz4[ELF_MAX];
	size_t lz4_len;

	(void)state;
	check_decode_once(bz, bz_len, KERNEL_IMAGE_ELF, elf_len);
	/* an ELF file, and a payload xsvm leaves to the kernel */
	check_decode_once(elf, elf_len, KERNEL_IMAGE_ELF, elf_len);
	lz4_len = make_bzimage(lz4, sizeof(lz4), lz4_payload,
			       sizeof(lz4_payload));
	check_decode_once(lz4, lz4_len, KERNEL_IMAGE_PM, lz4_len - BZ_PM_OFF);
}

static void test_cache_not_used(void **state)
{
	struct xsvm_err err = {{0}};
	struct kernel_image img;
	enum kernel_cache_status st;
	uint8_t buf[ELF_MAX * 2];
	size_t len;
	char d[128];

	(void)state;
	fresh_dir(d, sizeof(d), "off");
	/* an ELF file: nothing to decompress */
	assert_int_equal(
		kernel_cache_decode(elf, elf_len, "k.elf", d, &img, &st, &err),
		0);
	assert_int_equal(st, KERNEL_CACHE_OFF);
	assert_string_equal(img.format, "elf");
	assert_false(img.has_setup_header);
	kernel_image_free(&img);
	/* a payload xsvm does not decompress */
	len = make_bzimage(buf, sizeof(buf), lz4_payload, sizeof(lz4_payload));
	assert_int_equal(
		kernel_cache_decode(buf, len, "k.bz", d, &img, &st, &err), 0);
	assert_int_equal(st, KERNEL_CACHE_OFF);
	assert_int_equal(img.kind, KERNEL_IMAGE_PM);
	assert_string_equal(img.format, "lz4");
	kernel_image_free(&img);
	assert_int_equal(dir_entries(d, NULL, 0), 0);

	/* a corrupt payload: the loader's error, nothing stored */
	memcpy(buf, bz, bz_len);
	buf[BZ_PM_OFF + BZ_PAYLOAD_OFF +
	    (bz_len - BZ_PM_OFF - BZ_PAYLOAD_OFF - BZ_PM_TAIL) / 2] ^= 1;
	assert_int_equal(
		kernel_cache_decode(buf, bz_len, "k.bz", d, &img, &st, &err),
		-EINVAL);
	assert_string_equal(err.msg,
			    "k.bz: payload: xz: liblzma: compressed data is "
			    "corrupt (LZMA_DATA_ERROR)");
	assert_int_equal(st, KERNEL_CACHE_OFF);
	assert_null(img.data);
	assert_int_equal(dir_entries(d, NULL, 0), 0);
	/* no bzImage at all */
	assert_int_equal(
		kernel_cache_decode(buf, 16, "k.bz", d, &img, &st, &err),
		-EINVAL);
	assert_string_equal(err.msg,
			    "k.bz: setup header: file is 16 bytes, too short "
			    "for a setup header (0x268 bytes)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_and_names),
		cmocka_unit_test(test_miss_then_hit),
		cmocka_unit_test(test_damaged_file_replaced),
		cmocka_unit_test(test_unwritable_cache),
		cmocka_unit_test(test_concurrent_writers),
		cmocka_unit_test(test_decode_once_place_many),
		cmocka_unit_test(test_cache_not_used),
	};
	int ret;

	if (setup(NULL) || ram_setup(NULL))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	ram_teardown(NULL);
	if (teardown(NULL))
		return 1;
	return ret;
}

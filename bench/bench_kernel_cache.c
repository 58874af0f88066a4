// SPDX-License-Identifier: MIT
/*
 * Time decoding a kernel file (the bzImage's payload decompressed, or
 * read from the kernel cache) and placing it into fresh guest RAM, once,
 * in this process. Prints one line; asserts nothing.
 *
 * Usage: bench_kernel_cache decode|cache FILE [CACHE_DIR] [MEM_MIB]
 *   decode: loader_kernel_decode(), no cache
 *   cache:  kernel_cache_decode() with the cache in CACHE_DIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmm/guest_mem.h"
#include "vmm/kernel_cache.h"
#include "vmm/loader_bzimage.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_kernel_cache decode|cache FILE "
			"[CACHE_DIR] [MEM_MIB]\n");
	return 2;
}

int main(int argc, char **argv)
{
	enum kernel_cache_status st = KERNEL_CACHE_OFF;
	struct xsvm_err err = {{0}};
	struct kernel_image img;
	struct loaded_kernel k;
	struct guest_mem m;
	struct stat sb;
	double t0, t1, t2;
	bool cache;
	void *buf;
	int fd, r;

	if (argc < 3 || (strcmp(argv[1], "decode") && strcmp(argv[1], "cache")))
		return usage();
	cache = !strcmp(argv[1], "cache");
	if (cache && argc < 4)
		return usage();
	fd = open(argv[2], O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) || !sb.st_size) {
		perror(argv[2]);
		return 2;
	}
	buf = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (buf == MAP_FAILED) {
		perror(argv[2]);
		return 2;
	}
	if (guest_mem_alloc(&m,
			    (uint64_t)(argc > 4 ? atoi(argv[4]) : 512) << 20,
			    &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	t0 = now_ms();
	if (cache)
		r = kernel_cache_decode(buf, (size_t)sb.st_size, argv[2],
					argv[3], &img, &st, &err);
	else
		r = loader_kernel_decode(buf, (size_t)sb.st_size, argv[2], &img,
					 &err);
	t1 = now_ms();
	if (!r)
		r = loader_kernel_place(&img, argv[2], &m, &k, &err);
	t2 = now_ms();
	if (r) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	printf("%s %s format %s vmlinux %zu decode_ms %.1f place_ms %.1f\n",
	       argv[1], kernel_cache_status_name(st), img.format, img.len,
	       t1 - t0, t2 - t1);
	kernel_image_free(&img);
	guest_mem_free(&m);
	munmap(buf, (size_t)sb.st_size);
	return 0;
}

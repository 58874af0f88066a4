// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache_dir.h"
#include "probe_cache.h"

#define CACHE_MAGIC "xsvm-probe-findings 1"

/* FNV-1a of the host key: the file name. */
static uint64_t key_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

int probe_cache_path(const struct host_id *h, char *buf, size_t len)
{
	char key[HOST_ID_KEY_LEN], dir[PROBE_CACHE_PATH_LEN - 32];
	int ret = cache_dir_path(dir, sizeof(dir));

	if (ret)
		return ret;
	host_id_key(h, key, sizeof(key));
	snprintf(buf, len, "%s/probe-%016llx.txt", dir,
		 (unsigned long long)key_hash(key));
	return 0;
}

int probe_cache_load(const char *path, const struct host_id *h,
		     struct probe_findings *f)
{
	char key[HOST_ID_KEY_LEN], line[HOST_ID_KEY_LEN + 16];
	unsigned int got = 0;
	FILE *in = fopen(path, "r");

	if (!in)
		return -ENOENT;
	host_id_key(h, key, sizeof(key));
	memset(f, 0, sizeof(*f));
	if (!fgets(line, sizeof(line), in) || strcmp(line, CACHE_MAGIC "\n")) {
		fclose(in);
		return -EINVAL;
	}
	if (!fgets(line, sizeof(line), in) || strncmp(line, "host ", 5) ||
	    strcspn(line + 5, "\n") != strlen(key) ||
	    strncmp(line + 5, key, strlen(key))) {
		fclose(in);
		return -ESTALE;
	}
	got += fscanf(in, "defects %x\n", &f->defects) == 1;
	got += fscanf(in, "stale_ebx0 %u\n", &f->stale_ebx0) == 1;
	got += fscanf(in, "stale_ebx1 %u\n", &f->stale_ebx1) == 1;
	got += fscanf(in, "faithful %u\n", &f->nr_faithful) == 1;
	got += fscanf(in, "unfaithful %u\n", &f->nr_unfaithful) == 1;
	fclose(in);
	return got == 5 ? 0 : -EINVAL;
}

int probe_cache_store(const char *path, const struct host_id *h,
		      const struct probe_findings *f)
{
	char key[HOST_ID_KEY_LEN], tmp[PROBE_CACHE_PATH_LEN + 16];
	FILE *out;
	int ret = 0;

	host_id_key(h, key, sizeof(key));
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	out = fopen(tmp, "w");
	if (!out)
		return -errno;
	fprintf(out,
		CACHE_MAGIC "\nhost %s\ndefects %x\nstale_ebx0 %u\nstale_ebx1 %u\nfaithful %u\nunfaithful %u\n",
		key, f->defects, f->stale_ebx0, f->stale_ebx1, f->nr_faithful,
		f->nr_unfaithful);
	if (fclose(out))
		ret = -EIO;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

int probe_lookup(const struct cpuid_table *t, double timeout_s,
		 struct probe_lookup *l, struct xsvm_err *err)
{
	const struct probe_config c = {.timeout_s = timeout_s};
	struct probe_outcome *o;
	int ret;

	memset(l, 0, sizeof(*l));
	host_id_read(&l->host);
	if (probe_cache_path(&l->host, l->path, sizeof(l->path)))
		l->path[0] = '\0';
	if (l->path[0] && !probe_cache_load(l->path, &l->host, &l->f)) {
		l->cached = true;
		return 0;
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		return xsvm_err_set(err, ENOMEM, "out of memory");
	ret = probe_run(t, &c, o, err);
	if (!ret && !o->probed)
		ret = xsvm_err_set(
			err, EIO,
			"the probe did not run to its end (run ended: %s)",
			run_end_name(o->mr.run.end));
	if (!ret) {
		probe_findings_of(&o->res, &l->f);
		l->stored = l->path[0] &&
			    !probe_cache_store(l->path, &l->host, &l->f);
	}
	free(o);
	return ret;
}

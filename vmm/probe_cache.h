/* SPDX-License-Identifier: MIT */
/*
 * The probe's findings, kept per host and KVM (host_id.h), so that
 * `xsvm run` can judge a kernel's warning without probing every time. One
 * small text file per host key in the cache directory: $XSVM_CACHE_DIR,
 * else $XDG_CACHE_HOME/xsvm, else $HOME/.cache/xsvm. A file whose host line
 * is not this host's (another kernel, module or CPU) is not used: the host
 * is probed again and the file replaced.
 */
#ifndef XSVM_VMM_PROBE_CACHE_H
#define XSVM_VMM_PROBE_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "cpuid/probe.h"
#include "host_id.h"
#include "probe_run.h"

#define PROBE_CACHE_PATH_LEN 512

/* The file for host h; -ENOENT when no directory can be named. */
int probe_cache_path(const struct host_id *h, char *buf, size_t len);

/* 0 and *f when path holds findings for h; -ENOENT, -ESTALE or -EINVAL. */
int probe_cache_load(const char *path, const struct host_id *h,
		     struct probe_findings *f);

/* Write atomically (a temporary file renamed over path). */
int probe_cache_store(const char *path, const struct host_id *h,
		      const struct probe_findings *f);

struct probe_lookup {
	struct probe_findings f;
	struct host_id host;
	bool cached; /* from the cache file, not probed now */
	bool stored; /* probed now and written to the cache */
	char path[PROBE_CACHE_PATH_LEN]; /* "" when there is no cache */
};

/*
 * The findings for this host: from the cache, else by probing with table t
 * (quietly: no console) and storing them. Returns 0, or a negative errno
 * with err set when the probe could not run to its end.
 */
int probe_lookup(const struct cpuid_table *t, double timeout_s,
		 struct probe_lookup *l, struct xsvm_err *err);

#endif

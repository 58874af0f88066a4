/* SPDX-License-Identifier: MIT */
/*
 * The directory xsvm keeps its caches in (the probe's findings,
 * probe_cache.h; decompressed kernels, kernel_cache.h): $XSVM_CACHE_DIR,
 * else $XDG_CACHE_HOME/xsvm, else $HOME/.cache/xsvm.
 */
#ifndef XSVM_VMM_CACHE_DIR_H
#define XSVM_VMM_CACHE_DIR_H

#include <stddef.h>

/*
 * Name the directory in buf (len bytes) and create it if need be (mode
 * 0700; for the XDG and HOME forms its parent too). Returns 0, -ENOENT
 * when none of the variables is set, or the negative errno of mkdir.
 */
int cache_dir_path(char *buf, size_t len);

#endif

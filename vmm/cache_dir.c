// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache_dir.h"

int cache_dir_path(char *buf, size_t len)
{
	const char *env = getenv("XSVM_CACHE_DIR");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (xdg && *xdg)
		snprintf(buf, len, "%s/xsvm", xdg);
	else if (home && *home)
		snprintf(buf, len, "%s/.cache/xsvm", home);
	else
		return -ENOENT;
	if (!env || !*env) {
		char *slash = strrchr(buf, '/');

		*slash = '\0';
		(void)mkdir(buf, 0700);
		*slash = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

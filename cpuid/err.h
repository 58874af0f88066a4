/* SPDX-License-Identifier: MIT */
/*
 * Error reporting for library code: a negative errno is returned and, where
 * the caller passes one, a one-line human-readable reason is written here.
 * Only the CLI prints it.
 */
#ifndef XSVM_CPUID_ERR_H
#define XSVM_CPUID_ERR_H

#include <errno.h>

#define XSVM_ERR_LEN 512

struct xsvm_err {
	char msg[XSVM_ERR_LEN];
};

/*
 * Format a reason into err (which may be NULL) and return -code, so that
 * callers can write: return xsvm_err_set(err, EINVAL, "line %u: ...", n);
 */
int xsvm_err_set(struct xsvm_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend "prefix: " to an existing message (e.g. a file name). */
void xsvm_err_prefix(struct xsvm_err *err, const char *prefix);

#endif

/* SPDX-License-Identifier: MIT */
/* Small string helpers for fixed-size buffers. */
#ifndef XSVM_VMM_TEXT_H
#define XSVM_VMM_TEXT_H

#include <string.h>

/* Copy src into dst[size]: always terminated, truncated to fit. */
static inline void text_copy(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

#endif

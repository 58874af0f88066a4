/* SPDX-License-Identifier: MIT */
/*
 * The version of xsvm and the git revision it was built from (generated at
 * build time by tools/version.cmake): printed by --version and carried by
 * every JSON output as "xsvm_version" and "xsvm_revision".
 */
#ifndef XSVM_VMM_CLI_VERSION_H
#define XSVM_VMM_CLI_VERSION_H

/* "0.1.0": the project version of CMakeLists.txt. */
extern const char xsvm_version[];
/* "73d2d08", "73d2d08-dirty" (tracked files changed) or "unknown". */
extern const char xsvm_revision[];

#endif

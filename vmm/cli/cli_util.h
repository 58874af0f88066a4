/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the command line: reading input files, parsing numbers given
 * as options, and loading a table SOURCE (host, native or a file).
 * Errors come back as a negative errno with a one-line reason that names
 * the file or the option; the caller prints it.
 */
#ifndef XSVM_VMM_CLI_UTIL_H
#define XSVM_VMM_CLI_UTIL_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpuid/diff.h"
#include "cpuid/err.h"
#include "cpuid/parse.h"
#include "cpuid/table.h"
#include "json.h"

/* Largest input file read into memory. */
#define CLI_FILE_MAX (64u << 20)

/* The name "-" reads standard input; messages call it this. */
#define CLI_STDIN_NAME "<stdin>"

/* The name used in messages for a path ("-" becomes CLI_STDIN_NAME). */
const char *cli_input_name(const char *path);

/*
 * Read a whole file (or "-" = stdin) into a NUL-terminated buffer the caller
 * frees. Refuses directories, empty files and files over CLI_FILE_MAX.
 */
int cli_read_file(const char *path, char **buf, size_t *len,
		  struct xsvm_err *err);

/*
 * Parse a full-range u64 given in decimal or 0x-hex for option opt (named in
 * messages, e.g. "--xcr0").
 */
int cli_parse_u64(const char *opt, const char *s, uint64_t *val,
		  struct xsvm_err *err);

enum cli_source_kind { CLI_SOURCE_HOST, CLI_SOURCE_NATIVE, CLI_SOURCE_FILE };

struct cli_source {
	enum cli_source_kind kind;
	const char *name; /* "host", "native" or the file name */
	struct cpuid_parse_info info; /* for files */
};

/*
 * Load SOURCE into t: "host" (KVM_GET_SUPPORTED_CPUID), "native" (the CPUID
 * instruction) or a file in any format cpuid_parse() knows ("-" = stdin).
 * When a `cpuid -r` file's other CPUs differ from CPU 0, says so on stderr.
 */
int cli_load_source(const char *source, struct cpuid_table *t,
		    struct cli_source *src, struct xsvm_err *err);

/* Load a file (never host/native) into t. */
int cli_load_file(const char *path, struct cpuid_table *t,
		  struct cli_source *src, struct xsvm_err *err);

/* Exit statuses of the cpuid subcommands (DESIGN.md). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_PROBLEM 1 /* the Linux model would warn */
#define CLI_EXIT_USAGE 2   /* bad usage or bad input */

/* Print "xsvm: MESSAGE" on stderr; returns CLI_EXIT_USAGE. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "xsvm: " and err's message; returns CLI_EXIT_USAGE. */
int cli_fail_err(const struct xsvm_err *err);

/* How a command takes its options (cli_options()). */
struct cli_command {
	const char *name;	   /* "run", "cpuid build": in messages */
	const struct option *opts; /* getopt_long's table; 'h' is --help */
	/* Take one option: 0, or an exit status (with the message printed). */
	int (*apply)(int opt, const char *arg, void *ctx);
	void *ctx;
	void (*usage)(FILE *f);	   /* --help; or usage_text */
	const char *usage_text;
};

/*
 * The option loop every command shares. An unknown option, or one without
 * its value, is bad usage named after the command (exit 2); -h and --help
 * print the usage on stdout (exit 0). Returns -1 when every option was
 * taken, with *next the index of the first positional argument, or else
 * the exit status.
 */
int cli_options(const struct cli_command *c, int argc, char **argv,
		int *next);

/* Start a JSON output document on f: its top-level object. */
void cli_json_begin(struct json_writer *w, FILE *f);

/*
 * End the document cli_json_begin started: the "xsvm_version" and
 * "xsvm_revision" members that every JSON output of xsvm carries, last, then
 * the object. Returns 0, or -EIO when writing failed.
 */
int cli_json_end(struct json_writer *w);

/*
 * Write d's register differences as the array key: each with kind, leaf and
 * subleaf and, for a changed register, keys[0] its name, keys[1] and keys[2]
 * its two values.
 */
void cli_json_diff(struct json_writer *w, const char *key,
		   const struct cpuid_diff *d, const char *const keys[3]);

#endif

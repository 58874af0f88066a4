/* SPDX-License-Identifier: MIT */
/*
 * A tiny streaming JSON writer for the CLI's --json output: objects, arrays,
 * strings (escaped), unsigned integers, booleans and hex-as-string values.
 * Members are named by passing a key; array elements pass key = NULL.
 * Output is indented two spaces per level and ends with a newline.
 */
#ifndef XSVM_VMM_CLI_JSON_H
#define XSVM_VMM_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json_writer {
	FILE *f;
	unsigned int depth;
	bool has_items[JSON_MAX_DEPTH]; /* a value was written at this level */
	bool overflow;			/* nesting deeper than JSON_MAX_DEPTH */
	unsigned int excess;		/* untracked levels open */
};

void json_init(struct json_writer *w, FILE *f);

void json_begin_object(struct json_writer *w, const char *key);
void json_end_object(struct json_writer *w);
void json_begin_array(struct json_writer *w, const char *key);
void json_end_array(struct json_writer *w);

void json_string(struct json_writer *w, const char *key, const char *val);
void json_u64(struct json_writer *w, const char *key, uint64_t val);
void json_bool(struct json_writer *w, const char *key, bool val);
/* val as the string "0x%llx" */
void json_hex(struct json_writer *w, const char *key, uint64_t val);

/* Ends the top-level value with a newline; returns 0 or -EIO. */
int json_finish(struct json_writer *w);

#endif

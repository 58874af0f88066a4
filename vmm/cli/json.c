// SPDX-License-Identifier: MIT
#include <errno.h>

#include "json.h"

void json_init(struct json_writer *w, FILE *f)
{
	w->f = f;
	w->depth = 0;
	w->has_items[0] = false;
	w->overflow = false;
	w->excess = 0;
}

static void indent(struct json_writer *w)
{
	for (unsigned int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

static void put_escaped(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Separator, indentation and "key": before any value. */
static void begin_value(struct json_writer *w, const char *key)
{
	if (w->depth) {
		if (w->has_items[w->depth])
			fputc(',', w->f);
		fputc('\n', w->f);
		indent(w);
		w->has_items[w->depth] = true;
	}
	if (key) {
		put_escaped(w->f, key);
		fputs(": ", w->f);
	}
}

static void open_nested(struct json_writer *w, const char *key, char ch)
{
	begin_value(w, key);
	fputc(ch, w->f);
	if (w->depth + 1 >= JSON_MAX_DEPTH) {
		/* deeper than tracked: refuse rather than misformat */
		w->overflow = true;
		w->excess++;
		return;
	}
	w->depth++;
	w->has_items[w->depth] = false;
}

static void close_nested(struct json_writer *w, char ch)
{
	bool had = w->has_items[w->depth];

	if (w->excess) {
		w->excess--;
		fputc(ch, w->f);
		return;
	}
	if (w->depth)
		w->depth--;
	if (had) {
		fputc('\n', w->f);
		indent(w);
	}
	fputc(ch, w->f);
}

void json_begin_object(struct json_writer *w, const char *key)
{
	open_nested(w, key, '{');
}

void json_end_object(struct json_writer *w)
{
	close_nested(w, '}');
}

void json_begin_array(struct json_writer *w, const char *key)
{
	open_nested(w, key, '[');
}

void json_end_array(struct json_writer *w)
{
	close_nested(w, ']');
}

void json_string(struct json_writer *w, const char *key, const char *val)
{
	begin_value(w, key);
	put_escaped(w->f, val ? val : "");
}

void json_u64(struct json_writer *w, const char *key, uint64_t val)
{
	begin_value(w, key);
	fprintf(w->f, "%llu", (unsigned long long)val);
}

void json_bool(struct json_writer *w, const char *key, bool val)
{
	begin_value(w, key);
	fputs(val ? "true" : "false", w->f);
}

void json_hex(struct json_writer *w, const char *key, uint64_t val)
{
	begin_value(w, key);
	fprintf(w->f, "\"0x%llx\"", (unsigned long long)val);
}

int json_finish(struct json_writer *w)
{
	fputc('\n', w->f);
	if (w->overflow || ferror(w->f))
		return -EIO;
	return 0;
}

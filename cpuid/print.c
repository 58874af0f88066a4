// SPDX-License-Identifier: MIT
/*
 * Table printers: the dump format, kvm-json and Debian's `cpuid -r` format
 * (see parse.h), into a caller's buffer as snprintf writes. Nothing here
 * allocates.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

/*
 * Output into a caller's buffer: everything that fits is written, the
 * result is always NUL-terminated (when len > 0), and need counts the
 * full length, as snprintf does.
 */
struct out {
	char *buf;
	size_t len, need;
};

static void out_put(struct out *o, const char *s, size_t n)
{
	if (o->need + 1 < o->len) {
		size_t room = o->len - 1 - o->need;

		memcpy(o->buf + o->need, s, n < room ? n : room);
	}
	o->need += n;
}

static void out_printf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	char line[192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	out_put(o, line, (size_t)n < sizeof(line) ? (size_t)n :
						    sizeof(line) - 1);
}

static size_t out_finish(struct out *o)
{
	if (o->len)
		o->buf[o->need < o->len ? o->need : o->len - 1] = '\0';
	return o->need;
}

size_t cpuid_table_print(const struct cpuid_table *t, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = len };

	for (unsigned int i = 0; i < t->nr; i++) {
		char line[128];
		int n = cpuid_entry_format(&t->e[i], line, sizeof(line));

		out_put(&o, line, (size_t)n);
		out_put(&o, "\n", 1);
	}
	return out_finish(&o);
}

size_t cpuid_table_print_kvm_json(const struct cpuid_table *t, char *buf,
				  size_t len)
{
	struct out o = { .buf = buf, .len = len };

	out_printf(&o, "{\n  \"nent\": %u,\n  \"entries\": [\n", t->nr);
	for (unsigned int i = 0; i < t->nr; i++) {
		const struct cpuid_entry *e = &t->e[i];

		out_printf(&o,
			   "    {\"function\": %u, \"index\": %u, \"flags\": %u, \"eax\": %u, \"ebx\": %u, \"ecx\": %u, \"edx\": %u}%s\n",
			   e->leaf, e->subleaf,
			   cpuid_leaf_is_indexed(e->leaf) ? CPUID_FLAG_INDEXED : 0,
			   e->eax, e->ebx, e->ecx, e->edx,
			   i + 1 < t->nr ? "," : "");
	}
	out_printf(&o, "  ]\n}\n");
	return out_finish(&o);
}

size_t cpuid_table_print_raw(const struct cpuid_table *t, char *buf,
			     size_t len)
{
	struct out o = { .buf = buf, .len = len };

	out_printf(&o, "CPU 0:\n");
	for (unsigned int i = 0; i < t->nr; i++) {
		const struct cpuid_entry *e = &t->e[i];

		out_printf(&o,
			   "   0x%08x 0x%02x: eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n",
			   e->leaf, e->subleaf, e->eax, e->ebx, e->ecx, e->edx);
	}
	return out_finish(&o);
}

size_t cpuid_table_print_format(const struct cpuid_table *t,
				enum cpuid_format f, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = len };

	switch (f) {
	case CPUID_FORMAT_DUMP:
		return cpuid_table_print(t, buf, len);
	case CPUID_FORMAT_RAW:
		return cpuid_table_print_raw(t, buf, len);
	case CPUID_FORMAT_KVM_JSON:
		return cpuid_table_print_kvm_json(t, buf, len);
	default:
		return out_finish(&o);
	}
}

int cpuid_export_format_parse(const char *s, enum cpuid_format *f,
			      struct xsvm_err *err)
{
	if (!strcmp(s, "dump"))
		*f = CPUID_FORMAT_DUMP;
	else if (!strcmp(s, "kvm-json"))
		*f = CPUID_FORMAT_KVM_JSON;
	else if (!strcmp(s, "cpuid-r"))
		*f = CPUID_FORMAT_RAW;
	else
		return xsvm_err_set(err, EINVAL,
				    "--format '%s': expected dump, kvm-json or cpuid-r",
				    s);
	return 0;
}

const char *cpuid_export_format_name(enum cpuid_format f)
{
	switch (f) {
	case CPUID_FORMAT_DUMP:
		return "dump";
	case CPUID_FORMAT_KVM_JSON:
		return "kvm-json";
	case CPUID_FORMAT_RAW:
		return "cpuid-r";
	default:
		return "?";
	}
}

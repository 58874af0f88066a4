// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "version.h"
#include "vmm/host_cpuid.h"

#define READ_CHUNK (64u << 10)

const char *cli_input_name(const char *path)
{
	return strcmp(path, "-") ? path : CLI_STDIN_NAME;
}

static int open_input(const char *path, const char *name,
		      struct xsvm_err *err)
{
	struct stat st;
	int fd, e;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);
	if (fd < 0) {
		e = errno;
		return xsvm_err_set(err, e, "%s: %s", name, strerror(e));
	}
	if (fstat(fd, &st)) {
		e = errno;
		close(fd);
		return xsvm_err_set(err, e, "%s: %s", name, strerror(e));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return xsvm_err_set(err, EISDIR, "%s: is a directory", name);
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > CLI_FILE_MAX) {
		close(fd);
		return xsvm_err_set(err, EFBIG, "%s: larger than the %u MiB limit",
				    name, CLI_FILE_MAX >> 20);
	}
	return fd;
}

/* Make room for one more chunk (and the NUL) after len bytes. */
static int grow(char **buf, size_t *cap, size_t len, const char *name,
		struct xsvm_err *err)
{
	size_t want = len + READ_CHUNK + 1;
	char *p;

	if (want <= *cap)
		return 0;
	if (want < *cap * 2)
		want = *cap * 2;
	p = realloc(*buf, want);
	if (!p)
		return xsvm_err_set(err, ENOMEM, "%s: out of memory", name);
	*buf = p;
	*cap = want;
	return 0;
}

static int read_all(int fd, const char *name, char **out, size_t *out_len,
		    struct xsvm_err *err)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int ret;

	for (;;) {
		ssize_t n;

		ret = grow(&buf, &cap, len, name, err);
		if (ret)
			break;
		n = read(fd, buf + len, READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = xsvm_err_set(err, errno, "%s: %s", name,
					   strerror(errno));
			break;
		}
		if (n == 0) {
			buf[len] = '\0';
			*out = buf;
			*out_len = len;
			return 0;
		}
		len += (size_t)n;
		if (len > CLI_FILE_MAX) {
			ret = xsvm_err_set(err, EFBIG,
					   "%s: larger than the %u MiB limit",
					   name, CLI_FILE_MAX >> 20);
			break;
		}
	}
	free(buf);
	return ret;
}

int cli_read_file(const char *path, char **buf, size_t *len,
		  struct xsvm_err *err)
{
	const char *name = cli_input_name(path);
	int fd, ret;

	*buf = NULL;
	*len = 0;
	fd = open_input(path, name, err);
	if (fd < 0)
		return fd;
	ret = read_all(fd, name, buf, len, err);
	close(fd);
	if (ret)
		return ret;
	if (!*len) {
		free(*buf);
		*buf = NULL;
		return xsvm_err_set(err, ENODATA, "%s: empty file", name);
	}
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cli_parse_u64(const char *opt, const char *s, uint64_t *val,
		  struct xsvm_err *err)
{
	unsigned int base = 10;
	const char *p = s;
	uint64_t v = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return xsvm_err_set(err, EINVAL,
				    "%s: '%s' is not a number (decimal or 0x-hex)",
				    opt, s);
	for (; *p; p++) {
		int d = hex_value(*p);

		if (d < 0 || (unsigned int)d >= base)
			return xsvm_err_set(err, EINVAL,
					    "%s: '%s' is not a number (decimal or 0x-hex)",
					    opt, s);
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return xsvm_err_set(err, ERANGE,
					    "%s: '%s' does not fit in 64 bits",
					    opt, s);
		v = v * base + (uint64_t)d;
	}
	*val = v;
	return 0;
}

static void report_cpus_differ(const struct cli_source *src)
{
	const struct cpuid_parse_info *i = &src->info;

	if (i->format != CPUID_FORMAT_RAW || !i->cpus_differ)
		return;
	fprintf(stderr,
		"xsvm: note: %s: CPU %u (of %u) differs from CPU 0; using CPU 0\n",
		src->name, i->first_diff_cpu, i->cpus);
}

int cli_load_file(const char *path, struct cpuid_table *t,
		  struct cli_source *src, struct xsvm_err *err)
{
	size_t len;
	char *buf;
	int ret;

	memset(src, 0, sizeof(*src));
	src->kind = CLI_SOURCE_FILE;
	src->name = cli_input_name(path);
	ret = cli_read_file(path, &buf, &len, err);
	if (ret)
		return ret;
	ret = cpuid_parse(t, src->name, buf, len, CPUID_FORMAT_AUTO,
			  &src->info, err);
	free(buf);
	if (ret)
		return ret;
	report_cpus_differ(src);
	return 0;
}

int cli_load_source(const char *source, struct cpuid_table *t,
		    struct cli_source *src, struct xsvm_err *err)
{
	memset(src, 0, sizeof(*src));
	if (!strcmp(source, "host")) {
		src->kind = CLI_SOURCE_HOST;
		src->name = "host";
		return host_cpuid_kvm(t, err);
	}
	if (!strcmp(source, "native")) {
		src->kind = CLI_SOURCE_NATIVE;
		src->name = "native";
		return host_cpuid_native(t, err);
	}
	return cli_load_file(source, t, src, err);
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("xsvm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_USAGE;
}

int cli_fail_err(const struct xsvm_err *err)
{
	return cli_fail("%s", err->msg[0] ? err->msg : "unknown error");
}

static int bad_option(const struct cli_command *c, char **argv, int ret)
{
	const char *arg = argv[optind - 1];

	if (ret == ':')
		return cli_fail("%s: option '%s' needs a value (see xsvm %s --help)",
				c->name, arg, c->name);
	if (optopt && optopt != 'h' && arg[0] == '-' && arg[1] != '-')
		return cli_fail("%s: unknown option '-%c' (see xsvm %s --help)",
				c->name, optopt, c->name);
	return cli_fail("%s: unknown option '%s' (see xsvm %s --help)",
			c->name, arg, c->name);
}

int cli_options(const struct cli_command *c, int argc, char **argv,
		int *next)
{
	int opt, ret;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":h", c->opts, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return bad_option(c, argv, opt);
		if (opt == 'h') {
			if (c->usage)
				c->usage(stdout);
			else
				fputs(c->usage_text, stdout);
			return CLI_EXIT_OK;
		}
		ret = c->apply(opt, optarg, c->ctx);
		if (ret)
			return ret;
	}
	*next = optind;
	return -1;
}

void cli_json_begin(struct json_writer *w, FILE *f)
{
	json_init(w, f);
	json_begin_object(w, NULL);
}

int cli_json_end(struct json_writer *w)
{
	json_string(w, "xsvm_version", xsvm_version);
	json_string(w, "xsvm_revision", xsvm_revision);
	json_end_object(w);
	return json_finish(w);
}

void cli_json_diff(struct json_writer *w, const char *key,
		   const struct cpuid_diff *d, const char *const keys[3])
{
	json_begin_array(w, key);
	for (unsigned int i = 0; i < d->nr; i++) {
		const struct cpuid_diff_entry *e = &d->d[i];

		json_begin_object(w, NULL);
		json_string(w, "kind", cpuid_diff_kind_name(e->kind));
		json_hex(w, "leaf", e->leaf);
		json_hex(w, "subleaf", e->subleaf);
		if (e->kind == CPUID_DIFF_CHANGED) {
			json_string(w, keys[0], cpuid_reg_names[e->reg]);
			json_hex(w, keys[1], e->a);
			json_hex(w, keys[2], e->b);
		}
		json_end_object(w);
	}
	json_end_array(w);
}

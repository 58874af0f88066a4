// SPDX-License-Identifier: MIT
/*
 * snprintf and vsnprintf for the test guest and the freestanding cpuid/
 * sources (the guest links no libc; the other functions are in libc.c).
 *
 * vsnprintf knows the flags - 0 + space #, a width and a precision (digits
 * or *), the length modifiers hh h l ll z j t and the conversions
 * d i u x X o c s p %. Anything else is printed as "%?" followed by the
 * conversion character, and no argument is consumed for it.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The output side of vsnprintf: counts everything, stores what fits. */
struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_n(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

enum {
	F_LEFT = 1,  /* - */
	F_ZERO = 2,  /* 0 */
	F_PLUS = 4,  /* + */
	F_SPACE = 8, /* space */
	F_ALT = 16,  /* # */
};

struct spec {
	unsigned int flags;
	int width;
	int prec; /* -1: none */
	char conv;
};

static void put_str(struct out *o, const struct spec *sp, const char *s)
{
	int n;

	if (!s)
		s = "(null)";
	n = (int)strnlen(s, sp->prec >= 0 ? (size_t)sp->prec : (size_t)INT_MAX);
	if (!(sp->flags & F_LEFT))
		put_n(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (sp->flags & F_LEFT)
		put_n(o, ' ', sp->width - n);
}

/* An integer: sign or prefix, zero padding from width or precision. */
static void put_int(struct out *o, const struct spec *sp, uintmax_t v, bool neg)
{
	const char *digits =
		sp->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned int base = 10;
	char tmp[24], prefix[3];
	int n = 0, np = 0, zeros, pad;

	if (sp->conv == 'x' || sp->conv == 'X' || sp->conv == 'p')
		base = 16;
	else if (sp->conv == 'o')
		base = 8;
	while (v) {
		tmp[n++] = digits[v % base];
		v /= base;
	}
	if (neg)
		prefix[np++] = '-';
	else if (sp->flags & F_PLUS)
		prefix[np++] = '+';
	else if (sp->flags & F_SPACE)
		prefix[np++] = ' ';
	if (((sp->flags & F_ALT) && base == 16 && n) || sp->conv == 'p') {
		prefix[np++] = '0';
		prefix[np++] = sp->conv == 'X' ? 'X' : 'x';
	}
	if ((sp->flags & F_ALT) && base == 8 && (!n || sp->prec <= n))
		tmp[n++] = '0'; /* a leading zero, unless already there */
	zeros = sp->prec < 0 ? (n ? 0 : 1) : sp->prec - n;
	if (zeros < 0)
		zeros = 0;
	pad = sp->width - np - zeros - n;
	if (sp->prec < 0 && (sp->flags & F_ZERO) && !(sp->flags & F_LEFT)) {
		zeros += pad > 0 ? pad : 0;
		pad = 0;
	}
	if (!(sp->flags & F_LEFT))
		put_n(o, ' ', pad);
	for (int i = 0; i < np; i++)
		put(o, prefix[i]);
	put_n(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (sp->flags & F_LEFT)
		put_n(o, ' ', pad);
}

enum length {
	L_INT,
	L_CHAR,
	L_SHORT,
	L_LONG,
	L_LLONG,
	L_SIZE,
	L_MAX,
	L_PTRDIFF
};

static const char *parse_length(const char *f, enum length *l)
{
	*l = L_INT;
	switch (*f) {
	case 'h':
		if (f[1] == 'h') {
			*l = L_CHAR;
			return f + 2;
		}
		*l = L_SHORT;
		return f + 1;
	case 'l':
		if (f[1] == 'l') {
			*l = L_LLONG;
			return f + 2;
		}
		*l = L_LONG;
		return f + 1;
	case 'z':
		*l = L_SIZE;
		return f + 1;
	case 'j':
		*l = L_MAX;
		return f + 1;
	case 't':
		*l = L_PTRDIFF;
		return f + 1;
	default:
		return f;
	}
}

/* va_list is an array type: pass it by pointer to helpers. */
static intmax_t arg_signed(va_list *ap, enum length l)
{
	switch (l) {
	case L_CHAR:
		return (signed char)va_arg(*ap, int);
	case L_SHORT:
		return (short)va_arg(*ap, int);
	case L_LONG:
		return va_arg(*ap, long);
	case L_LLONG:
		return va_arg(*ap, long long);
	case L_SIZE:
	case L_PTRDIFF:
		return va_arg(*ap, ptrdiff_t);
	case L_MAX:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uintmax_t arg_unsigned(va_list *ap, enum length l)
{
	switch (l) {
	case L_CHAR:
		return (unsigned char)va_arg(*ap, unsigned int);
	case L_SHORT:
		return (unsigned short)va_arg(*ap, unsigned int);
	case L_LONG:
		return va_arg(*ap, unsigned long);
	case L_LLONG:
		return va_arg(*ap, unsigned long long);
	case L_SIZE:
	case L_PTRDIFF:
		return va_arg(*ap, size_t);
	case L_MAX:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static int parse_number(const char **f)
{
	int n = 0;

	while (**f >= '0' && **f <= '9') {
		if (n < INT_MAX / 10)
			n = n * 10 + (**f - '0');
		(*f)++;
	}
	return n;
}

/* Flags, width and precision of one conversion; *f is past the '%'. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	static const char flag_chars[] = "-0+ #";

	sp->flags = 0;
	for (const char *c; *f && (c = strchr(flag_chars, *f)); f++)
		sp->flags |= 1u << (c - flag_chars);
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->flags |= F_LEFT;
			sp->width = sp->width == INT_MIN ? INT_MAX : -sp->width;
		}
		f++;
	} else {
		sp->width = parse_number(&f);
	}
	sp->prec = -1;
	if (*f == '.') {
		f++;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		} else {
			sp->prec = parse_number(&f);
		}
	}
	return f;
}

/* One conversion; *f is past the '%'. Returns the format after it. */
static const char *convert(struct out *o, const char *f, va_list *ap)
{
	struct spec sp;
	enum length l;
	intmax_t sv;
	char c;

	f = parse_spec(f, &sp, ap);
	f = parse_length(f, &l);
	sp.conv = *f;
	switch (sp.conv) {
	case 'd':
	case 'i':
		sv = arg_signed(ap, l);
		put_int(o, &sp, sv < 0 ? -(uintmax_t)sv : (uintmax_t)sv,
			sv < 0);
		break;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		sp.flags &= ~(unsigned int)(F_PLUS | F_SPACE);
		put_int(o, &sp, arg_unsigned(ap, l), false);
		break;
	case 'p':
		sp.flags &= ~(unsigned int)(F_PLUS | F_SPACE);
		put_int(o, &sp, (uintptr_t)va_arg(*ap, void *), false);
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		sp.prec = -1;
		put_str(o, &sp, (char[]){c, 0});
		if (!c) /* a NUL character still counts as one */
			put(o, '\0');
		break;
	case 's':
		put_str(o, &sp, va_arg(*ap, const char *));
		break;
	case '%':
		put(o, '%');
		break;
	case '\0':
		put(o, '%');
		put(o, '?');
		return f;
	default:
		put(o, '%');
		put(o, '?');
		put(o, sp.conv);
		break;
	}
	return f + 1;
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
	      va_list ap)
{
	struct out o = {.buf = buf, .size = size};
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = convert(&o, fmt + 1, &aq);
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT_MAX ? INT_MAX : (int)o.len;
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

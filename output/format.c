#include "output/format.h"

#include <stdbool.h>
#include <string.h>

struct out {
	char *buf;
	size_t cap, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, bool left, char pad)
{
	size_t fill = width > 0 && (size_t)width > n ? (size_t)width - n : 0;

	if (!left) {
		/* zero padding goes after a sign */
		if (pad == '0' && n > 0 && *s == '-') {
			put(o, *s++);
			n--;
		}
		while (fill--)
			put(o, pad);
	}
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		while (fill--)
			put(o, ' ');
}

static size_t utoa(char *tmp, unsigned long long v, unsigned int base)
{
	char rev[24];
	size_t n = 0, i = 0;

	do {
		rev[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		tmp[i++] = rev[--n];
	return i;
}

size_t out_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct out o = { buf, cap, 0 };

	for (const char *p = fmt; *p; p++) {
		bool left = false, is_signed = false;
		char pad = ' ', tmp[32];
		int width = 0, prec = -1, lng = 0;
		unsigned long long u = 0;
		unsigned int base = 10;
		size_t n;

		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		p++;
		for (;; p++) {
			if (*p == '-')
				left = true;
			else if (*p == '0')
				pad = '0';
			else
				break;
		}
		if (*p == '*') {
			width = va_arg(ap, int);
			p++;
		}
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (*p++ - '0');
		if (*p == '.' && p[1] == '*') {
			prec = va_arg(ap, int);
			p += 2;
		} else if (*p == '.') {
			prec = 0;
			for (p++; *p >= '0' && *p <= '9'; p++)
				prec = prec * 10 + (*p - '0');
		}
		for (; *p == 'l' || *p == 'z'; p++)
			lng = *p == 'z' ? 3 : lng + 1;
		switch (*p) {
		case '%':
			put(&o, '%');
			continue;
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			put_padded(&o, tmp, 1, width, left, ' ');
			continue;
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			n = prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s);
			put_padded(&o, s, n, width, left, ' ');
			continue;
		}
		case 'd':
		case 'i':
			is_signed = true;
			break;
		case 'x':
			base = 16;
			break;
		case 'u':
			break;
		default:	/* unknown conversion: print it as is */
			put(&o, '%');
			if (*p)
				put(&o, *p);
			else
				p--;
			continue;
		}
		if (is_signed) {
			long long v = lng == 0 ? va_arg(ap, int) :
				      lng == 1 ? va_arg(ap, long) :
				      lng == 3 ? (long long)va_arg(ap, ptrdiff_t) :
						 va_arg(ap, long long);

			n = 0;
			if (v < 0) {
				tmp[n++] = '-';
				u = 0ULL - (unsigned long long)v;
			} else {
				u = (unsigned long long)v;
			}
			n += utoa(tmp + n, u, base);
		} else {
			u = lng == 0 ? va_arg(ap, unsigned int) :
			    lng == 1 ? va_arg(ap, unsigned long) :
			    lng == 3 ? va_arg(ap, size_t) :
				       va_arg(ap, unsigned long long);
			n = utoa(tmp, u, base);
		}
		put_padded(&o, tmp, n, width, left, left ? ' ' : pad);
	}
	if (cap)
		buf[o.len < cap ? o.len : cap - 1] = '\0';
	return o.len < cap ? o.len : (cap ? cap - 1 : 0);
}

size_t out_format(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = out_vformat(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}

const char *out_mib(char *buf, size_t cap, int64_t bytes, int decimals)
{
	const unsigned long long mib = 1ULL << 20;
	unsigned long long mag, scale = 1, scaled, rem;
	bool neg = bytes < 0;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	mag = neg ? 0ULL - (unsigned long long)bytes : (unsigned long long)bytes;
	/*
	 * mag * scale / mib exactly, then rounded half to even as Python's
	 * format(x, '.Nf') does on the (exactly representable) quotient.
	 */
	scaled = (mag / mib) * scale + (mag % mib) * scale / mib;
	rem = (mag % mib) * scale % mib;
	if (rem > mib / 2 || (rem == mib / 2 && (scaled & 1)))
		scaled++;
	/* like Python, a negative value keeps its sign even when it rounds to 0 */
	if (decimals == 0)
		out_format(buf, cap, "%s%llu", neg ? "-" : "", scaled);
	else
		out_format(buf, cap, "%s%llu.%0*llu", neg ? "-" : "", scaled / scale, decimals,
			   scaled % scale);
	return buf;
}

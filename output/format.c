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

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0. */
static size_t utf8_char(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;	/* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;	/* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;	/* above U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* The bytes out_escape() shows escaped even in valid UTF-8. */
static bool control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/*
 * A C1 control (U+0080-U+009F: NEL is one) or U+2028/U+2029 in UTF-8 at
 * u: its code point, else 0.  Line breaks to str.splitlines and to some
 * log viewers.
 */
static unsigned breaker(const unsigned char *u, size_t n)
{
	if (n >= 2 && u[0] == 0xC2 && u[1] >= 0x80 && u[1] <= 0x9F)
		return u[1];
	if (n >= 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9))
		return 0x2000u | (u[2] - 0x80u);
	return 0;
}

bool out_has_control(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n; i++)
		if (control(u[i]) || breaker(u + i, n - i))
			return true;
	return false;
}

bool out_utf8_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0, k; i < n; i += k) {
		k = utf8_char(u + i, n - i);
		if (!k || (k == 1 && !u[i]))
			return false;
	}
	return true;
}

size_t out_escape(char *buf, size_t cap, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	struct out o = { buf, cap, 0 };

	for (size_t i = 0, k; i < n; i += k) {
		unsigned b;

		k = utf8_char(u + i, n - i);
		if (k > 1 && (b = breaker(u + i, k))) {
			put(&o, '\\');
			put(&o, b > 0xFF ? 'u' : 'x');
			for (int shift = b > 0xFF ? 12 : 4; shift >= 0; shift -= 4)
				put(&o, "0123456789abcdef"[(b >> shift) & 15]);
			continue;
		}
		if (k > 1 || (k == 1 && !control(u[i]))) {
			for (size_t j = 0; j < k; j++)
				put(&o, (char)u[i + j]);
			continue;
		}
		k = 1;
		put(&o, '\\');
		if (u[i] == '\n' || u[i] == '\r' || u[i] == '\t') {
			put(&o, u[i] == '\n' ? 'n' : u[i] == '\r' ? 'r' : 't');
		} else {
			put(&o, 'x');
			put(&o, "0123456789abcdef"[u[i] >> 4]);
			put(&o, "0123456789abcdef"[u[i] & 15]);
		}
	}
	if (cap)
		buf[o.len < cap ? o.len : cap - 1] = '\0';
	return o.len < cap ? o.len : (cap ? cap - 1 : 0);
}

/* The length of s[0..n) cut back to a whole UTF-8 character. */
static size_t utf8_whole(const char *s, size_t n)
{
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

const char *out_shown(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(s), head, tail;

	if (n <= 160)
		return s;
	head = utf8_whole(s, 80);
	tail = n - 60;
	while (tail < n && ((unsigned char)s[tail] & 0xC0) == 0x80)
		tail++;
	out_format(buf, cap, "%.*s...%s (%zu bytes)", (int)head, s, s + tail, n);
	return buf;
}

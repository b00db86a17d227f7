// SPDX-License-Identifier: GPL-2.0-only
#include "pack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BF_WPACK_MIN_CAP 256

void bf_wpack_init(struct bf_wpack *w)
{
	*w = (struct bf_wpack){ 0 };
}

void bf_wpack_clean(struct bf_wpack *w)
{
	free(w->data);
	bf_wpack_init(w);
}

/* Make room for @n more bytes and return where they go, NULL on error. */
static uint8_t *bf_wpack_reserve(struct bf_wpack *w, size_t n)
{
	size_t cap = w->cap ? w->cap : BF_WPACK_MIN_CAP;
	uint8_t *data;

	if (w->err)
		return NULL;
	if (n > SIZE_MAX / 2 - w->len) {
		w->err = -E2BIG;
		return NULL;
	}
	if (w->len + n > w->cap) {
		while (cap < w->len + n)
			cap *= 2;
		data = realloc(w->data, cap);
		if (!data) {
			w->err = -ENOMEM;
			return NULL;
		}
		w->data = data;
		w->cap = cap;
	}
	data = w->data + w->len;
	w->len += n;
	return data;
}

/* Little-endian whatever the host, byte by byte. */
static int bf_wpack_le(struct bf_wpack *w, uint64_t v, size_t n)
{
	uint8_t *p = bf_wpack_reserve(w, n);

	if (!p)
		return w->err;
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return 0;
}

int bf_wpack_u8(struct bf_wpack *w, uint8_t v)
{
	return bf_wpack_le(w, v, sizeof(v));
}

int bf_wpack_u16(struct bf_wpack *w, uint16_t v)
{
	return bf_wpack_le(w, v, sizeof(v));
}

int bf_wpack_u32(struct bf_wpack *w, uint32_t v)
{
	return bf_wpack_le(w, v, sizeof(v));
}

int bf_wpack_u64(struct bf_wpack *w, uint64_t v)
{
	return bf_wpack_le(w, v, sizeof(v));
}

int bf_wpack_bytes(struct bf_wpack *w, const void *p, size_t n)
{
	uint8_t *dst;

	if (!n)
		return w->err;
	dst = bf_wpack_reserve(w, n);
	if (!dst)
		return w->err;
	memcpy(dst, p, n);
	return 0;
}

int bf_wpack_fail(struct bf_wpack *w, int err)
{
	if (!w->err)
		w->err = err;
	return w->err;
}

int bf_wpack_str(struct bf_wpack *w, const char *s, size_t size)
{
	size_t n = strnlen(s, size);
	int r;

	if (n == size || n > UINT32_MAX)
		return bf_wpack_fail(w, -EINVAL);
	r = bf_wpack_u32(w, (uint32_t)n);
	if (r)
		return r;
	return bf_wpack_bytes(w, s, n);
}

int bf_wpack_finish(struct bf_wpack *w, void **buf, size_t *len)
{
	int r;

	/* An empty payload still gets a buffer: NULL means failure to callers. */
	if (!w->err && !w->data) {
		w->data = malloc(1);
		if (!w->data)
			w->err = -ENOMEM;
	}
	r = w->err;
	if (r) {
		bf_wpack_clean(w);
		return r;
	}
	*buf = w->data;
	*len = w->len;
	bf_wpack_init(w);
	return 0;
}

void bf_rpack_init(struct bf_rpack *r, const void *buf, size_t len)
{
	*r = (struct bf_rpack){ .data = buf, .len = len };
}

size_t bf_rpack_left(const struct bf_rpack *r)
{
	return r->failed ? 0 : r->len - r->off;
}

/* Consume @n bytes: their address, or NULL (and the reader fails). */
static const uint8_t *bf_rpack_take(struct bf_rpack *r, size_t n)
{
	const uint8_t *p;

	if (r->failed || n > r->len - r->off) {
		r->failed = true;
		return NULL;
	}
	p = r->data + r->off;
	r->off += n;
	return p;
}

static int bf_rpack_le(struct bf_rpack *r, uint64_t *v, size_t n)
{
	const uint8_t *p = bf_rpack_take(r, n);

	*v = 0;
	if (!p)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		*v |= (uint64_t)p[i] << (8 * i);
	return 0;
}

int bf_rpack_u8(struct bf_rpack *r, uint8_t *v)
{
	uint64_t x;
	int ret = bf_rpack_le(r, &x, sizeof(*v));

	*v = (uint8_t)x;
	return ret;
}

int bf_rpack_u16(struct bf_rpack *r, uint16_t *v)
{
	uint64_t x;
	int ret = bf_rpack_le(r, &x, sizeof(*v));

	*v = (uint16_t)x;
	return ret;
}

int bf_rpack_u32(struct bf_rpack *r, uint32_t *v)
{
	uint64_t x;
	int ret = bf_rpack_le(r, &x, sizeof(*v));

	*v = (uint32_t)x;
	return ret;
}

int bf_rpack_u64(struct bf_rpack *r, uint64_t *v)
{
	return bf_rpack_le(r, v, sizeof(*v));
}

int bf_rpack_reject(struct bf_rpack *r)
{
	r->failed = true;
	return -EINVAL;
}

int bf_rpack_error(const struct bf_rpack *r)
{
	return r->failed ? -EINVAL : 0;
}

int bf_rpack_bool(struct bf_rpack *r, bool *v)
{
	uint8_t x;

	*v = false;
	if (bf_rpack_u8(r, &x))
		return -EINVAL;
	if (x > 1)
		return bf_rpack_reject(r);
	*v = x;
	return 0;
}

int bf_rpack_enum(struct bf_rpack *r, uint32_t *v, uint32_t limit)
{
	if (bf_rpack_u32(r, v))
		return -EINVAL;
	if (*v >= limit) {
		*v = 0;
		return bf_rpack_reject(r);
	}
	return 0;
}

int bf_rpack_bytes(struct bf_rpack *r, void *dst, size_t n)
{
	const uint8_t *p = bf_rpack_take(r, n);

	if (!p) {
		memset(dst, 0, n);
		return -EINVAL;
	}
	memcpy(dst, p, n);
	return 0;
}

int bf_rpack_str(struct bf_rpack *r, char *dst, size_t size)
{
	const uint8_t *p;
	uint32_t n;

	if (size)
		dst[0] = '\0';
	if (bf_rpack_u32(r, &n))
		return -EINVAL;
	if (n >= size)
		return bf_rpack_reject(r);
	p = bf_rpack_take(r, n);
	if (!p)
		return -EINVAL;
	/* An inner NUL would make the string silently shorter than sent. */
	if (memchr(p, '\0', n))
		return bf_rpack_reject(r);
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 0;
}

int bf_rpack_count(struct bf_rpack *r, uint32_t *count, uint32_t max, size_t min_size)
{
	if (bf_rpack_u32(r, count))
		return -EINVAL;
	if (*count > max || (min_size && *count > bf_rpack_left(r) / min_size)) {
		*count = 0;
		return bf_rpack_reject(r);
	}
	return 0;
}

int bf_rpack_end(struct bf_rpack *r)
{
	if (r->failed || r->off != r->len)
		return bf_rpack_reject(r);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small bounded binary serializer: a growable writer and a checked reader.
 *
 * Why hand-written rather than protobuf, msgpack, JSON...: the daemon reads
 * these bytes from any local root client and from its own state file, so the
 * decoder is attack surface. A hundred lines we can read in one sitting, with
 * no allocation driven by a count we have not checked against the bytes
 * actually present, are easier to trust and to fuzz than a generic library,
 * and they add no dependency. Versioning is done by the user of the format
 * (wire.c starts every payload with a version number).
 *
 * Encoding: integers are little-endian, fixed width. A string is a u32 byte
 * count followed by that many bytes, without the terminating NUL.
 */
#ifndef BF_PACK_H
#define BF_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Writer. Errors are sticky: after the first failure (out of memory) every
 * later call fails with the same error and writes nothing, so a serializer
 * may check only the result of bf_wpack_finish().
 */
struct bf_wpack {
	uint8_t *data;
	size_t len;
	size_t cap;
	int err;
};

void bf_wpack_init(struct bf_wpack *w);
void bf_wpack_clean(struct bf_wpack *w);
int bf_wpack_u8(struct bf_wpack *w, uint8_t v);
int bf_wpack_u16(struct bf_wpack *w, uint16_t v);
int bf_wpack_u32(struct bf_wpack *w, uint32_t v);
int bf_wpack_u64(struct bf_wpack *w, uint64_t v);
int bf_wpack_bytes(struct bf_wpack *w, const void *p, size_t n);
/* Write the string held in a char array of @size bytes; -EINVAL if the
 * array has no NUL (the reader could not store it back). */
int bf_wpack_str(struct bf_wpack *w, const char *s, size_t size);
/* Make the writer fail with @err (a negative errno), e.g. on a value that
 * can't be encoded; returns @err. The first error wins. */
int bf_wpack_fail(struct bf_wpack *w, int err);
/* Hand the bytes over (free() them) and reset @w; on a sticky error return
 * it and free everything instead. */
int bf_wpack_finish(struct bf_wpack *w, void **buf, size_t *len);

/*
 * Reader over untrusted bytes. Every call checks bounds and returns -EINVAL
 * when the input is too short or malformed; on failure the output is zeroed
 * and the reader stays failed, so a missed check cannot read garbage.
 */
struct bf_rpack {
	const uint8_t *data;
	size_t len;
	size_t off;
	bool failed;
};

void bf_rpack_init(struct bf_rpack *r, const void *buf, size_t len);
int bf_rpack_u8(struct bf_rpack *r, uint8_t *v);
int bf_rpack_u16(struct bf_rpack *r, uint16_t *v);
int bf_rpack_u32(struct bf_rpack *r, uint32_t *v);
int bf_rpack_u64(struct bf_rpack *r, uint64_t *v);
/* A u8 that must be 0 or 1, so the encoding stays canonical. */
int bf_rpack_bool(struct bf_rpack *r, bool *v);
/* A u32 that must be below @limit: an enum with @limit values. */
int bf_rpack_enum(struct bf_rpack *r, uint32_t *v, uint32_t limit);
int bf_rpack_bytes(struct bf_rpack *r, void *dst, size_t n);
/* Read a string into a char array of @size bytes, NUL-terminated. Fails on
 * a string that doesn't fit with its NUL or that contains a NUL. */
int bf_rpack_str(struct bf_rpack *r, char *dst, size_t size);
/*
 * Read a u32 count of items that each take at least @min_size bytes on the
 * wire. Fails if it exceeds @max or if that many items cannot fit in the
 * bytes left: callers may then allocate count items without trusting the
 * sender any further.
 */
int bf_rpack_count(struct bf_rpack *r, uint32_t *count, uint32_t max, size_t min_size);
size_t bf_rpack_left(const struct bf_rpack *r);
/* Make the reader fail, for a value the caller finds invalid; -EINVAL. */
int bf_rpack_reject(struct bf_rpack *r);
/* 0, or -EINVAL if any read so far failed: lets a decoder read a few fields
 * (zeroed on failure) and check once before using them. */
int bf_rpack_error(const struct bf_rpack *r);
/* -EINVAL unless every byte was consumed: trailing bytes are malformed. */
int bf_rpack_end(struct bf_rpack *r);

#endif /* BF_PACK_H */

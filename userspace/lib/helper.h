/* SPDX-License-Identifier: GPL-2.0-only */
/* Small helpers used everywhere in userspace: cleanup attributes, sizes. */
#ifndef BF_HELPER_H
#define BF_HELPER_H

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void bf_freep(void *p)
{
	free(*(void **)p);
}

static inline void bf_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void bf_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ __attribute__((cleanup(bf_freep)))
#define _cleanup_close_ __attribute__((cleanup(bf_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(bf_fclosep)))

/* Hand a cleanup-managed value over to the caller. */
#define TAKE_PTR(p)                           \
	({                                    \
		__typeof__(p) _tmp_ = (p);    \
		(p) = NULL;                   \
		_tmp_;                        \
	})
#define TAKE_FD(fd)                   \
	({                            \
		int _tmp_ = (fd);     \
		(fd) = -1;            \
		_tmp_;                \
	})

/*
 * Room for @n elements of @size bytes in @ptr (malloc'd, or NULL), growing
 * it geometrically: appending one element at a time stays linear. The
 * capacity is the allocator's (malloc_usable_size()), so arrays allocated
 * to the exact size elsewhere (unpacking, copies) need no bookkeeping.
 * NULL on overflow or when out of memory, @ptr then left alone.
 */
static inline void *bf_grow(void *ptr, size_t n, size_t size)
{
	size_t cap;

	if (size && n > SIZE_MAX / size / 2)
		return NULL;
	if (ptr && n * size <= malloc_usable_size(ptr))
		return ptr;
	/* At least one: realloc() of 0 bytes may return NULL. */
	cap = n <= 2 ? (n ? n : 1) : 2 * n;
	return realloc(ptr, cap * size);
}

#endif /* BF_HELPER_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Direct packet access for the templates whose context has data and
 * data_end (XDP, TC): the parser reads the Ethernet, IP and transport
 * headers in place, a helper call each costing more than the rest of the
 * parse. What lies beyond the first buffer (non-linear skbs; the XDP
 * template, no xdp.frags program, gets frames whole, but a header past
 * data_end is read the same way) still goes through the template's
 * bf_load() helper.
 *
 * BF_DIRECT_LOADERS(type) defines, for a context @type with a bf_load():
 * - bf_hdr_ptr(): where headers at offsets the verifier follows closely
 *   (the Ethernet and IP headers) are in the packet, or NULL;
 * - bf_load_l4(): the copy of a transport header that bf_hdr_ptr() can't
 *   give in place (its offset depends on the IP header), through a global
 *   function, so that the many states of the caller don't each see the
 *   helper call.
 * The verifier follows a variable packet offset only well under 64 KiB:
 * headers are always within the first BF_DIRECT_MAX bytes.
 */
#ifndef BF_BPF_DIRECT_H
#define BF_BPF_DIRECT_H

#include "common.h"

#define BF_DIRECT_MAX 0x3fff
#define BF_HAVE_HDR_PTR
#define BF_HAVE_LOAD_L4

/* Where @off is in the packet, if @len bytes from there are in the first
 * buffer. The mask, hidden from the compiler that would drop it after the
 * check, is what the verifier bounds the offset with. */
#define bf_direct_ptr(ctx, off, len)                                                  \
	({                                                                            \
		__u32 _off_ = (off);                                                  \
		__u8 *_p_ = NULL;                                                     \
		if (_off_ <= BF_DIRECT_MAX) {                                         \
			asm volatile("" : "+r"(_off_));                               \
			_p_ = (__u8 *)(long)(ctx)->data + (_off_ & BF_DIRECT_MAX);    \
			if (_p_ + (len) > (__u8 *)(long)(ctx)->data_end)              \
				_p_ = NULL;                                           \
		}                                                                     \
		_p_;                                                                  \
	})

#define BF_DIRECT_LOADERS(type)                                                        \
	static __always_inline const __u8 *bf_hdr_ptr(type *ctx, __u32 off, __u32 len) \
	{                                                                              \
		return bf_direct_ptr(ctx, off, len);                                   \
	}                                                                              \
                                                                                       \
	__noinline int bf_load_l4_global(type *ctx, __u32 off, struct bf_l4buf *buf,   \
					 __u32 len)                                    \
	{                                                                              \
		if (!buf)                                                              \
			return -1;                                                     \
		/* Bounded on the register the helper call uses. */                    \
		asm volatile("" : "+r"(len));                                          \
		len &= 15;                                                             \
		if (!len || len > sizeof(buf->b))                                      \
			return -1;                                                     \
		return bf_load(ctx, off, buf->b, len);                                 \
	}                                                                              \
                                                                                       \
	static __always_inline int bf_load_l4(type *ctx, __u32 off, struct bf_l4buf *buf, \
					      __u32 len)                               \
	{                                                                              \
		return bf_load_l4_global(ctx, off, buf, len);                          \
	}

#endif /* BF_BPF_DIRECT_H */

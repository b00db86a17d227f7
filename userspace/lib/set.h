/* SPDX-License-Identifier: GPL-2.0-only */
/* A set: elements with a key of one or more matcher types, for "in". */
#ifndef BF_SET_H
#define BF_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpfilter/abi.h>

#include "matcher.h"

#define BF_NAME_LEN 64

/*
 * Elements are stored packed, nelems * elem_size bytes, each element the
 * concatenation of its components encoded by bf_set_comp_size(): IPv4
 * address 4 bytes, IPv6 address 16 bytes, a network its address followed by
 * one prefix-length byte, a port 2 bytes big-endian, a protocol or ICMP
 * type/code 1 byte, mark or ifindex 4 bytes big-endian.
 */
struct bf_set {
	char name[BF_NAME_LEN]; /* empty for an anonymous (inline) set */
	uint8_t nkeys;
	enum bf_matcher_type key[BF_SET_MAX_COMPS];
	size_t nelems;
	uint8_t *elems;
};

/* Encoded size of one component of type @type, 0 if it can't be a key. */
size_t bf_set_comp_size(enum bf_matcher_type type);
size_t bf_set_elem_size(const struct bf_set *set);
/* A set keyed by one network type: longest-prefix match. */
bool bf_set_is_prefix(const struct bf_set *set);
/* Appends one element of bf_set_elem_size() bytes. */
int bf_set_add_elem(struct bf_set *set, const void *elem);
void bf_set_clean(struct bf_set *set);

#endif /* BF_SET_H */

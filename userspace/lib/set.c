// SPDX-License-Identifier: GPL-2.0-only
#include "set.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"

size_t bf_set_comp_size(enum bf_matcher_type type)
{
	switch (type) {
	case BF_MATCHER_IP4_SADDR:
	case BF_MATCHER_IP4_DADDR:
	case BF_MATCHER_META_MARK:
	case BF_MATCHER_META_IFACE:
		return 4;
	case BF_MATCHER_IP4_SNET:
	case BF_MATCHER_IP4_DNET:
		return 5;
	case BF_MATCHER_IP6_SADDR:
	case BF_MATCHER_IP6_DADDR:
		return 16;
	case BF_MATCHER_IP6_SNET:
	case BF_MATCHER_IP6_DNET:
		return 17;
	case BF_MATCHER_META_SPORT:
	case BF_MATCHER_META_DPORT:
	case BF_MATCHER_TCP_SPORT:
	case BF_MATCHER_TCP_DPORT:
	case BF_MATCHER_UDP_SPORT:
	case BF_MATCHER_UDP_DPORT:
	case BF_MATCHER_META_L3_PROTO:
		return 2;
	case BF_MATCHER_META_L4_PROTO:
	case BF_MATCHER_IP4_PROTO:
	case BF_MATCHER_ICMP_TYPE:
	case BF_MATCHER_ICMP_CODE:
	case BF_MATCHER_ICMPV6_TYPE:
	case BF_MATCHER_ICMPV6_CODE:
		return 1;
	default:
		return 0;
	}
}

size_t bf_set_elem_size(const struct bf_set *set)
{
	size_t size = 0;

	for (unsigned int i = 0; i < set->nkeys; i++)
		size += bf_set_comp_size(set->key[i]);
	return size;
}

bool bf_set_is_prefix(const struct bf_set *set)
{
	if (set->nkeys != 1)
		return false;
	switch (set->key[0]) {
	case BF_MATCHER_IP4_SNET:
	case BF_MATCHER_IP4_DNET:
	case BF_MATCHER_IP6_SNET:
	case BF_MATCHER_IP6_DNET:
		return true;
	default:
		return false;
	}
}

int bf_set_add_elem(struct bf_set *set, const void *elem)
{
	size_t size = bf_set_elem_size(set);
	uint8_t *elems;

	if (!size)
		return -EINVAL;
	elems = bf_grow(set->elems, set->nelems + 1, size);
	if (!elems)
		return -ENOMEM;
	memcpy(elems + set->nelems * size, elem, size);
	set->elems = elems;
	set->nelems++;
	return 0;
}

void bf_set_clean(struct bf_set *set)
{
	free(set->elems);
	set->elems = NULL;
	set->nelems = 0;
}

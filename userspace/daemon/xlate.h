/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Translation of the model into the records the templates read: each
 * matcher of the language becomes a comparison of bytes of struct bf_pkt,
 * each set a list of packet fields forming its key.
 */
#ifndef BF_XLATE_H
#define BF_XLATE_H

#include <stdbool.h>

#include <bpfilter/abi.h>

#include "lib/chain.h"

int bf_xlate_matcher(const struct bf_chain *chain, const struct bf_matcher *m,
		     struct bf_matcher_rec *rec);
int bf_xlate_set(const struct bf_set *set, struct bf_set_rec *rec);
/* Key of element @idx of exact set @set_idx. */
void bf_xlate_set_key(const struct bf_set *set, uint32_t set_idx, size_t idx,
		      struct bf_set_key *key);
/* Key of element @idx of prefix set @set_idx. */
void bf_xlate_lpm_key(const struct bf_set *set, uint32_t set_idx, size_t idx,
		      struct bf_lpm_key *key);

#endif /* BF_XLATE_H */

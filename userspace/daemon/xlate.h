/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Translation of the model into the records the templates read: each
 * matcher of the language becomes a comparison of bytes of struct bf_pkt,
 * each set a list of packet fields forming its key, each rule its actions
 * and verdict.
 */
#ifndef BF_XLATE_H
#define BF_XLATE_H

#include <stdbool.h>

#include <bpfilter/abi.h>

#include "lib/chain.h"

/*
 * Set elements are keyed with the set's id: its index in the chain in the
 * low 24 bits, the generation (struct bf_set_rec.gen) in the high 8. The
 * program looks up the current generation's keys only, so an update-set
 * writes the elements of generation gen + 1 (mod 256), then flips
 * bf_set_rec.gen with one map update, then deletes generation gen's
 * elements: a packet sees the old set or the new one, never a mix.
 */
#define BF_SET_GEN_SHIFT 24
#define BF_SET_MAX (1U << BF_SET_GEN_SHIFT)

int bf_xlate_matcher(const struct bf_chain *chain, const struct bf_matcher *m,
		     struct bf_matcher_rec *rec);
/* Record of @rule, whose matchers start at @first_matcher. */
void bf_xlate_rule(const struct bf_rule *rule, uint32_t first_matcher, struct bf_rule_rec *rec);
/* The template's configuration for @chain (@debug: bpf_printk on errors). */
void bf_xlate_cfg(const struct bf_chain *chain, bool debug, struct bf_cfg *cfg);
/* Whether some rule of @chain logs. */
bool bf_chain_logs(const struct bf_chain *chain);
/* Record of @set; its generation is 0. */
int bf_xlate_set(const struct bf_set *set, struct bf_set_rec *rec);
/* The id keying generation @gen of set @set_idx (bf_set_key.set; in
 * bf_lpm_key.set big-endian). */
uint32_t bf_xlate_set_id(uint32_t set_idx, uint8_t gen);
/* Key of element @elem (bf_set_elem_size(@set) bytes, encoded as in
 * struct bf_set) in generation @gen of exact set @set_idx. */
void bf_xlate_set_key_gen(const struct bf_set *set, uint32_t set_idx, uint8_t gen,
			  const void *elem, struct bf_set_key *key);
/* Same for prefix set @set_idx, in the LPM trie. */
void bf_xlate_lpm_key_gen(const struct bf_set *set, uint32_t set_idx, uint8_t gen,
			  const void *elem, struct bf_lpm_key *key);
/* Key of element @idx of exact set @set_idx, generation 0. */
void bf_xlate_set_key(const struct bf_set *set, uint32_t set_idx, size_t idx,
		      struct bf_set_key *key);
/* Key of element @idx of prefix set @set_idx, generation 0. */
void bf_xlate_lpm_key(const struct bf_set *set, uint32_t set_idx, size_t idx,
		      struct bf_lpm_key *key);

#endif /* BF_XLATE_H */

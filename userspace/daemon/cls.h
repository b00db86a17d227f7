/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The classifier the templates walk to find the rules that can match a
 * packet without trying every rule (struct bf_cls_node in abi.h, design in
 * docs/performance.md). Built from the translated matchers of a chain: it
 * only ever narrows the candidates; each rule's test, or its matchers
 * where the test isn't exact (rtest.h), still decides.
 */
#ifndef BF_CLS_H
#define BF_CLS_H

#include <stdint.h>

#include <bpfilter/abi.h>

struct bf_cls {
	struct bf_cls_node *nodes;
	uint32_t nnodes;
	uint32_t *list;
	uint32_t nlist;
	uint8_t ntrees;
	/* The words the walks read the most (bf_cfg.cls_words). */
	uint8_t words[BF_CLS_WORDS];
	/* The most candidates a packet can get from one tree. */
	uint32_t max_leaf;
};

/*
 * Build the classifier of @nrules rules; rule i's matchers are
 * @matchers[first[i]] to @matchers[first[i] + count[i] - 1], its test
 * @tests[i] (for the cost model).
 */
int bf_cls_build(const struct bf_matcher_rec *matchers, const uint32_t *first,
		 const uint16_t *count, const struct bf_rule_test *tests, uint32_t nrules,
		 struct bf_cls *cls);
/* The first level of each of @cls's trees, for the configuration
 * (bf_cfg.cls_roots). */
void bf_cls_roots(const struct bf_cls *cls, struct bf_cls_root *roots);
void bf_cls_free(struct bf_cls *cls);

#endif /* BF_CLS_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A rule's matchers folded into word tests (struct bf_rule_test in
 * abi.h): what lets the template decide most candidates in a few loads,
 * without running their matchers one by one.
 */
#ifndef BF_RTEST_H
#define BF_RTEST_H

#include <stdbool.h>
#include <stdint.h>

#include <bpfilter/abi.h>

/* The test of the rule whose matchers are @matchers[0..n-1]. */
void bf_rule_test_build(const struct bf_matcher_rec *matchers, uint32_t n,
			struct bf_rule_test *out);
/* The template's evaluation of @t on the packet context @pkt. */
bool bf_rule_test_pass(const uint8_t *pkt, const struct bf_rule_test *t);

#endif /* BF_RTEST_H */

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef BF_RULE_H
#define BF_RULE_H

#include <stdbool.h>
#include <stddef.h>

#include <bpfilter/abi.h>

#include "matcher.h"

struct bf_rule {
	struct bf_matcher *matchers;
	size_t nmatchers;
	bool counter;
	enum bf_verdict verdict;
};

int bf_rule_add_matcher(struct bf_rule *rule, const struct bf_matcher *m);
void bf_rule_clean(struct bf_rule *rule);

#endif /* BF_RULE_H */

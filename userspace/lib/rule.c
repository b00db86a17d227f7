// SPDX-License-Identifier: GPL-2.0-only
#include "rule.h"

#include <errno.h>
#include <stdlib.h>

#include "helper.h"

int bf_rule_add_matcher(struct bf_rule *rule, const struct bf_matcher *m)
{
	struct bf_matcher *matchers;

	matchers = bf_grow(rule->matchers, rule->nmatchers + 1, sizeof(*matchers));
	if (!matchers)
		return -ENOMEM;
	matchers[rule->nmatchers++] = *m;
	rule->matchers = matchers;
	return 0;
}

void bf_rule_clean(struct bf_rule *rule)
{
	free(rule->matchers);
	rule->matchers = NULL;
	rule->nmatchers = 0;
}

// SPDX-License-Identifier: GPL-2.0-only
#include "chain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"

struct bf_chain *bf_chain_new(void)
{
	struct bf_chain *chain = calloc(1, sizeof(*chain));

	if (chain)
		chain->policy = BF_VERDICT_ACCEPT;
	return chain;
}

void bf_chain_free(struct bf_chain **chain)
{
	struct bf_chain *c = *chain;

	if (!c)
		return;
	for (size_t i = 0; i < c->nrules; i++)
		bf_rule_clean(&c->rules[i]);
	for (size_t i = 0; i < c->nsets; i++)
		bf_set_clean(&c->sets[i]);
	free(c->rules);
	free(c->sets);
	free(c->counters);
	free(c);
	*chain = NULL;
}

int bf_chain_add_rule(struct bf_chain *chain, const struct bf_rule *rule)
{
	struct bf_rule *rules;

	rules = bf_grow(chain->rules, chain->nrules + 1, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	rules[chain->nrules++] = *rule;
	chain->rules = rules;
	return 0;
}

int bf_chain_add_set(struct bf_chain *chain, const struct bf_set *set)
{
	struct bf_set *sets;

	sets = bf_grow(chain->sets, chain->nsets + 1, sizeof(*sets));
	if (!sets)
		return -ENOMEM;
	sets[chain->nsets++] = *set;
	chain->sets = sets;
	return 0;
}

int bf_chain_find_set(const struct bf_chain *chain, const char *name)
{
	for (size_t i = 0; i < chain->nsets; i++) {
		if (chain->sets[i].name[0] && !strcmp(chain->sets[i].name, name))
			return (int)i;
	}
	return -ENOENT;
}

bool bf_chain_has_opt(const struct bf_chain *chain, enum bf_hookopt opt)
{
	return chain->opts.used & (1U << opt);
}

struct bf_ruleset *bf_ruleset_new(void)
{
	return calloc(1, sizeof(struct bf_ruleset));
}

void bf_ruleset_free(struct bf_ruleset **rs)
{
	struct bf_ruleset *r = *rs;

	if (!r)
		return;
	for (size_t i = 0; i < r->nchains; i++)
		bf_chain_free(&r->chains[i]);
	free(r->chains);
	free(r);
	*rs = NULL;
}

int bf_ruleset_add_chain(struct bf_ruleset *rs, struct bf_chain *chain)
{
	struct bf_chain **chains;

	chains = reallocarray(rs->chains, rs->nchains + 1, sizeof(*chains));
	if (!chains)
		return -ENOMEM;
	chains[rs->nchains++] = chain;
	rs->chains = chains;
	return 0;
}

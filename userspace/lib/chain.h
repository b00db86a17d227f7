/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The model: a chain is a hook, hook options, a policy, sets and ordered
 * rules. The parser produces it, the wire carries it, the daemon compiles
 * it and keeps it, bfcli prints it.
 */
#ifndef BF_CHAIN_H
#define BF_CHAIN_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpfilter/abi.h>

#include "rule.h"
#include "set.h"

enum bf_hookopt {
	BF_HOOKOPT_IFINDEX = 0,
	BF_HOOKOPT_CGPATH,
	BF_HOOKOPT_FAMILY,
	BF_HOOKOPT_PRIORITIES,
	_BF_HOOKOPT_MAX,
};

enum bf_family {
	BF_FAMILY_INET4 = 1 << 0,
	BF_FAMILY_INET6 = 1 << 1,
};

struct bf_hookopts {
	uint32_t used; /* bit (1 << enum bf_hookopt) per option given */
	uint32_t ifindex; /* 0 when given by name, until resolved */
	char ifname[IF_NAMESIZE];
	char cgpath[PATH_MAX];
	uint32_t family; /* enum bf_family bits */
	int32_t priorities[2];
};

struct bf_chain {
	char name[BF_NAME_LEN];
	enum bf_hook hook;
	struct bf_hookopts opts;
	enum bf_verdict policy;
	struct bf_set *sets;
	size_t nsets;
	struct bf_rule *rules;
	size_t nrules;
	/* Filled by the daemon for get requests: nrules + 2 entries, the
	 * policy counter then the error counter after the rules'. NULL
	 * otherwise. */
	struct bf_counter *counters;
};

struct bf_ruleset {
	struct bf_chain **chains;
	size_t nchains;
};

struct bf_chain *bf_chain_new(void);
void bf_chain_free(struct bf_chain **chain);
/* Both take ownership of the arrays inside @rule / @set (shallow copy). */
int bf_chain_add_rule(struct bf_chain *chain, const struct bf_rule *rule);
int bf_chain_add_set(struct bf_chain *chain, const struct bf_set *set);
/* Index of the named set, or -ENOENT. */
int bf_chain_find_set(const struct bf_chain *chain, const char *name);
bool bf_chain_has_opt(const struct bf_chain *chain, enum bf_hookopt opt);

struct bf_ruleset *bf_ruleset_new(void);
void bf_ruleset_free(struct bf_ruleset **rs);
/* Takes ownership of @chain. */
int bf_ruleset_add_chain(struct bf_ruleset *rs, struct bf_chain *chain);

#define _cleanup_bf_chain_ __attribute__((cleanup(bf_chain_free)))
#define _cleanup_bf_ruleset_ __attribute__((cleanup(bf_ruleset_free)))

#endif /* BF_CHAIN_H */

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef BF_RULE_H
#define BF_RULE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpfilter/abi.h>

#include "matcher.h"

enum bf_redirect_dir {
	BF_REDIRECT_OUT = 0,
	BF_REDIRECT_IN,
};

struct bf_rule {
	struct bf_matcher *matchers;
	size_t nmatchers;
	bool counter;
	enum bf_verdict verdict;
	/* "log [HEADERS] [every DURATION]": enum bf_log_hdr bits, 0 for no
	 * log; a bare "log" is all three. */
	uint8_t log;
	uint64_t log_every_ns;
	/* "mark VALUE" */
	bool has_mark;
	uint32_t mark;
	/* "REDIRECT IFACE in|out": the name as written (resolved by the
	 * daemon) or, when an index was given, an empty name. */
	uint32_t redirect_ifindex;
	char redirect_ifname[IF_NAMESIZE];
	enum bf_redirect_dir redirect_dir;
};

int bf_rule_add_matcher(struct bf_rule *rule, const struct bf_matcher *m);
void bf_rule_clean(struct bf_rule *rule);

#endif /* BF_RULE_H */

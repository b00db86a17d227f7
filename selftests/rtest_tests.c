// SPDX-License-Identifier: GPL-2.0-only
/*
 * The folding of a rule's matchers into word tests (userspace/daemon/
 * rtest.c): which rules get an exact test, the words and ranges it holds,
 * and that a test evaluates as the template does. What the tests mean on
 * real packets, the differential tests hold against the reference
 * evaluator; here, the shapes the engine's speed relies on.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "daemon/rtest.h"
#include "daemon/xlate.h"
#include "lib/chain.h"
#include "lib/helper.h"
#include "lib/parse.h"
#include "test.h"

/* The test of the one rule of an XDP chain with matchers @matchers, or
 * false after a failed assertion. */
static bool rtest_of(const char *matchers, struct bf_rule_test *out)
{
	_cleanup_free_ struct bf_matcher_rec *recs = NULL;
	struct bf_ruleset *rs = NULL;
	const struct bf_rule *rule;
	char text[512], err[256] = "";
	bool ok = false;
	int r;

	snprintf(text, sizeof(text), "chain c BF_HOOK_XDP ACCEPT\nrule %s DROP\n", matchers);
	r = bf_parse_ruleset(text, &rs, err, sizeof(err));
	if (!ASSERT_TRUE(r == 0, "parsing '%s': %s", matchers, err))
		return false;
	if (!ASSERT_TRUE(rs->nchains == 1 && rs->chains[0]->nrules == 1, "one rule in '%s'",
			 matchers))
		goto out;
	rule = &rs->chains[0]->rules[0];
	recs = calloc(rule->nmatchers + 1, sizeof(*recs));
	if (!ASSERT_TRUE(recs, "out of memory"))
		goto out;
	for (size_t i = 0; i < rule->nmatchers; i++) {
		r = bf_xlate_matcher(rs->chains[0], &rule->matchers[i], &recs[i]);
		if (!ASSERT_TRUE(r == 0, "translating '%s': %s", matchers, strerror(-r)))
			goto out;
	}
	bf_rule_test_build(recs, rule->nmatchers, out);
	ok = true;
out:
	bf_ruleset_free(&rs);
	return ok;
}

/* The word test of @t at byte @off of struct bf_pkt, NULL if none. */
static const uint32_t *rtest_word(const struct bf_rule_test *t, size_t off, uint32_t *value)
{
	for (unsigned int i = 0; i < t->nwords; i++) {
		if (t->off[i] == off) {
			*value = t->value[i];
			return &t->mask[i];
		}
	}
	return NULL;
}

struct rtest_case {
	const char *matchers;
	bool exact;
	unsigned int nwords;
	unsigned int nranges;
};

/*
 * Equalities, prefixes, ranges and "all" flags fold exactly, with the
 * protocols they need in the flags word; negations, sets, "any" flags and
 * probabilities don't, and their rule keeps what folds as a filter; rules
 * needing more words or ranges than a test holds keep the most telling
 * ones.
 */
BF_TEST(cls_rule_tests)
{
	static const struct rtest_case cases[] = {
		{ "ip4.saddr 192.0.2.1", true, 2, 0 },
		{ "ip4.snet 192.0.2.0/24 ip4.daddr 198.51.100.7", true, 3, 0 },
		{ "ip4.snet 10.0.0.0/8 ip4.dnet 10.1.0.0/16 tcp.sport range 1024-65535 "
		  "tcp.dport range 80-88",
		  true, 3, 2 },
		{ "meta.l4_proto udp udp.dport 53", true, 3, 0 },
		{ "tcp.flags all syn,ack", true, 2, 0 },
		{ "ip6.saddr 2001:db8::1", false, 4, 0 },
		{ "ip4.saddr not 192.0.2.1", false, 1, 0 },
		{ "tcp.flags any syn,fin", false, 1, 0 },
		{ "meta.probability 50%", false, 0, 0 },
		{ "tcp.sport range 1-2 tcp.dport range 3-4 meta.dport range 5-6", false, 1, 2 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct rtest_case *c = &cases[i];
		struct bf_rule_test t;

		if (!rtest_of(c->matchers, &t))
			continue;
		ASSERT_TRUE(!!t.exact == c->exact, "'%s': test %s, expected %s", c->matchers,
			    t.exact ? "exact" : "not exact", c->exact ? "exact" : "not exact");
		ASSERT_TRUE(t.nwords == c->nwords && t.nranges == c->nranges,
			    "'%s': %u words and %u ranges, expected %u and %u", c->matchers,
			    t.nwords, t.nranges, c->nwords, c->nranges);
	}
}

/* What one test holds, and how it evaluates on packet contexts. */
BF_TEST(cls_rule_test_eval)
{
	struct bf_pkt pkt = {};
	struct bf_rule_test t;
	const uint32_t *mask;
	uint32_t value, addr = htonl(0xc0000201); /* 192.0.2.1 */

	if (!rtest_of("ip4.saddr 192.0.2.1 udp.dport range 1000-2000", &t))
		return;
	ASSERT_TRUE(t.exact, "address and port range: exact");
	/* The whole address first: the first failing test ends it. */
	ASSERT_EQ(t.off[0], offsetof(struct bf_pkt, saddr), "first word");
	mask = rtest_word(&t, offsetof(struct bf_pkt, saddr), &value);
	ASSERT_TRUE(mask && *mask == 0xffffffff && value == addr,
		    "source word: %#x/%#x, expected %#x/0xffffffff", mask ? value : 0,
		    mask ? *mask : 0, addr);
	mask = rtest_word(&t, 0, &value);
	ASSERT_TRUE(mask && *mask == (BF_PKT_IPV4 | BF_PKT_UDP) && value == *mask,
		    "flags word: %#x/%#x, expected IPv4 and UDP", mask ? value : 0,
		    mask ? *mask : 0);
	ASSERT_TRUE(t.nranges == 1 && t.roff[0] == offsetof(struct bf_pkt, dport) &&
			    t.lo[0] == 1000 && t.span[0] == 1000,
		    "port range: %u ranges, at byte %u, from %u over %u", t.nranges, t.roff[0],
		    t.lo[0], t.span[0]);

	pkt.flags = BF_PKT_IPV4 | BF_PKT_UDP | BF_PKT_PORTS | BF_PKT_L3 | BF_PKT_L4;
	memcpy(pkt.saddr, &addr, sizeof(addr));
	pkt.dport = htons(1500);
	ASSERT_TRUE(bf_rule_test_pass((const uint8_t *)&pkt, &t), "inside");
	pkt.dport = htons(2001);
	ASSERT_TRUE(!bf_rule_test_pass((const uint8_t *)&pkt, &t), "port past the range");
	pkt.dport = htons(1000);
	ASSERT_TRUE(bf_rule_test_pass((const uint8_t *)&pkt, &t), "first port of the range");
	pkt.flags &= ~BF_PKT_UDP;
	pkt.flags |= BF_PKT_TCP;
	ASSERT_TRUE(!bf_rule_test_pass((const uint8_t *)&pkt, &t), "TCP");
	pkt.flags = BF_PKT_IPV6 | BF_PKT_UDP | BF_PKT_PORTS;
	ASSERT_TRUE(!bf_rule_test_pass((const uint8_t *)&pkt, &t),
		    "IPv6 whose source starts with the address");

	/* Two equalities no packet can satisfy at once: a test nothing
	 * passes. */
	if (!rtest_of("ip4.saddr 192.0.2.1 ip4.saddr 192.0.2.2", &t))
		return;
	ASSERT_TRUE(t.exact, "conflicting addresses: exact");
	pkt.flags = BF_PKT_IPV4;
	ASSERT_TRUE(!bf_rule_test_pass((const uint8_t *)&pkt, &t), "conflicting addresses");
	memset(&pkt, 0xff, sizeof(pkt));
	ASSERT_TRUE(!bf_rule_test_pass((const uint8_t *)&pkt, &t),
		    "conflicting addresses, every bit set");
}

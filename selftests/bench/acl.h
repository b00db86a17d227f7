/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A firewall-like ACL in the style of ClassBench's acl seeds, generated
 * from a seed (the same seed gives the same rules on every machine), and a
 * userspace first-match check over the generated tuples: it says which rule
 * a packet must hit, independently of the engine that runs the chain.
 */
#ifndef BF_BENCH_ACL_H
#define BF_BENCH_ACL_H

#include <stdint.h>
#include <stdio.h>

#include <bpfilter/abi.h>

/* One rule as a 5-tuple classifier sees it. Addresses in host order, with
 * the bits past their prefix zero; a wildcard is a prefix of length 0 or
 * the port range 0-65535. */
struct bench_acl_rule {
	uint32_t src, dst;
	uint8_t slen, dlen;
	uint8_t proto; /* 0: any (and then no ports), 6 or 17 */
	uint16_t sport_lo, sport_hi;
	uint16_t dport_lo, dport_hi;
	enum bf_verdict verdict;
};

#define BENCH_ACL_SITES 64

struct bench_acl {
	struct bench_acl_rule *rules;
	uint32_t n;
	enum bf_verdict policy;
	/* The /16 networks addresses are drawn from. */
	uint32_t sites[BENCH_ACL_SITES];
};

/* A packet's 5-tuple, the rule it hits first (-1: none) and the verdict
 * that gives (the policy when none). */
struct bench_acl_pkt {
	uint32_t src, dst;
	uint8_t proto;
	uint16_t sport, dport;
	int64_t rule;
	enum bf_verdict verdict;
};

int bench_acl_gen(struct bench_acl *acl, uint32_t n, uint64_t seed);
void bench_acl_free(struct bench_acl *acl);

/* Write "chain bench @hook POLICY" and the rules, in bfcli's language. */
int bench_acl_write(const struct bench_acl *acl, const char *hook, FILE *f);

/* The index of the first rule @pkt matches, -1 if none. */
int64_t bench_acl_first_match(const struct bench_acl *acl, const struct bench_acl_pkt *pkt);

/*
 * A packet built inside a rule at or after @target whose first matching
 * rule is that rule, so that the hit lands where it was asked; rule and
 * verdict filled in from bench_acl_first_match(). -ENOENT if none was found
 * (an ACL where every later rule is shadowed).
 */
int bench_acl_hit(const struct bench_acl *acl, uint32_t target, uint64_t seed,
		  struct bench_acl_pkt *pkt);
/* A packet no rule matches: it gets the policy. */
int bench_acl_miss(const struct bench_acl *acl, uint64_t seed, struct bench_acl_pkt *pkt);

#endif /* BF_BENCH_ACL_H */

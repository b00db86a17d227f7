// SPDX-License-Identifier: GPL-2.0-only
/*
 * ClassBench-style ACL generator (acl.h). The shape follows what the acl
 * seeds of ClassBench show of real firewalls: destinations mostly hosts
 * (/32) and /24s, sources often wildcards, a spread of shorter prefixes,
 * TCP or UDP with well-known destination ports or port ranges, source
 * ports nearly always wildcards, mostly ACCEPT with some DROP, and a
 * default-deny policy. The numbers are this generator's own, not taken
 * from ClassBench's seed files.
 */
#include "acl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/helper.h"
#include "../rng.h"

/* /24 subnets used per site: few enough that prefixes nest and overlap. */
#define BENCH_ACL_SUBNETS 16
/* Tries per rule before looking at the next one for a hit. */
#define BENCH_ACL_HIT_TRIES 16
#define BENCH_ACL_MISS_TRIES 1000
/* Miss packets come from 198.18.0.0/15 (RFC 2544), which no site is in. */
#define BENCH_ACL_MISS_SRC 0xc6120000U /* 198.18.0.0/16 */
#define BENCH_ACL_MISS_DST 0xc6130000U /* 198.19.0.0/16 */

/* Uniform in [lo, hi] (the bias of a modulo is irrelevant here). */
static uint32_t bench_rng_range(struct bf_rng *r, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(bf_rng_u64(r) % ((uint64_t)hi - lo + 1));
}

/* True with probability @pct percent. */
static bool bench_rng_pct(struct bf_rng *r, uint32_t pct)
{
	return bench_rng_range(r, 0, 99) < pct;
}

/* Prefix lengths in [lo, hi] with a weight (the weights add up to 100). */
struct bench_acl_len {
	uint8_t weight, lo, hi;
};

static const struct bench_acl_len bench_acl_src_lens[] = {
	{ 30, 0, 0 },  { 3, 8, 8 },    { 4, 9, 15 },  { 10, 16, 16 },
	{ 8, 17, 23 }, { 20, 24, 24 }, { 5, 25, 31 }, { 20, 32, 32 },
};

static const struct bench_acl_len bench_acl_dst_lens[] = {
	{ 5, 0, 0 },	{ 2, 8, 8 },	{ 3, 9, 15 },  { 8, 16, 16 },
	{ 10, 17, 23 }, { 25, 24, 24 }, { 7, 25, 31 }, { 40, 32, 32 },
};

static const uint16_t bench_acl_ports[] = {
	21,  22,  23,  25,  53,	  80,	110,  123,  143,  161,	389,
	443, 445, 514, 993, 1433, 1521, 3306, 3389, 5432, 8080, 8443,
};

struct bench_acl_range {
	uint16_t lo, hi;
};

static const struct bench_acl_range bench_acl_ranges[] = {
	{ 1024, 65535 }, { 6000, 6063 }, { 0, 1023 },	   { 49152, 65535 },
	{ 8000, 8999 },	 { 5060, 5061 }, { 33434, 33534 }, { 137, 139 },
};

struct bench_acl_gen {
	struct bf_rng rng;
	const uint32_t *sites; /* BENCH_ACL_SITES /16 networks */
};

static uint32_t bench_acl_mask(uint8_t len)
{
	return len ? ~0U << (32 - len) : 0;
}

static uint8_t bench_acl_len(struct bf_rng *rng, const struct bench_acl_len *lens, size_t n)
{
	uint32_t pick = bench_rng_range(rng, 0, 99);

	for (size_t i = 0; i < n; i++) {
		if (pick < lens[i].weight)
			return (uint8_t)bench_rng_range(rng, lens[i].lo, lens[i].hi);
		pick -= lens[i].weight;
	}
	return 32;
}

/* Unicast /16s outside 0/8, 127/8 and 198/8 (whose /8 would hold the miss
 * packets' 198.18.0.0/15). */
static void bench_acl_sites(struct bf_rng *rng, uint32_t *sites)
{
	for (size_t i = 0; i < BENCH_ACL_SITES; i++) {
		uint32_t first;

		do {
			first = bench_rng_range(rng, 1, 223);
		} while (first == 127 || first == 198);
		sites[i] = first << 24 | bench_rng_range(rng, 0, 255) << 16;
	}
}

/* An address of a site's few subnets. */
static uint32_t bench_acl_host(struct bench_acl_gen *g)
{
	uint32_t site = g->sites[bench_rng_range(&g->rng, 0, BENCH_ACL_SITES - 1)];

	return site | bench_rng_range(&g->rng, 0, BENCH_ACL_SUBNETS - 1) << 8 |
	       bench_rng_range(&g->rng, 1, 254);
}

static void bench_acl_ports_of(struct bench_acl_gen *g, struct bench_acl_rule *r)
{
	struct bf_rng *rng = &g->rng;
	uint32_t pick = bench_rng_range(rng, 0, 99);

	r->sport_lo = r->dport_lo = 0;
	r->sport_hi = r->dport_hi = 65535;
	if (!r->proto)
		return;

	if (pick < 55) {
		r->dport_lo = bench_rng_pct(rng, 70)
				      ? bench_acl_ports[bench_rng_range(
						rng, 0, ARRAY_SIZE(bench_acl_ports) - 1)]
				      : (uint16_t)bench_rng_range(rng, 1024, 65535);
		r->dport_hi = r->dport_lo;
	} else if (pick < 75) {
		const struct bench_acl_range *range = &bench_acl_ranges[bench_rng_range(
			rng, 0, ARRAY_SIZE(bench_acl_ranges) - 1)];

		r->dport_lo = range->lo;
		r->dport_hi = range->hi;
	}

	pick = bench_rng_range(rng, 0, 99);
	if (pick < 10) {
		r->sport_lo = 1024;
	} else if (pick < 15) {
		r->sport_lo =
			bench_acl_ports[bench_rng_range(rng, 0, ARRAY_SIZE(bench_acl_ports) - 1)];
		r->sport_hi = r->sport_lo;
	}
}

static void bench_acl_rule(struct bench_acl_gen *g, struct bench_acl_rule *r)
{
	struct bf_rng *rng = &g->rng;
	uint32_t pick;

	r->slen = bench_acl_len(rng, bench_acl_src_lens, ARRAY_SIZE(bench_acl_src_lens));
	/* Never both addresses wildcards: such a rule would shadow much of
	 * what follows, and real ACLs keep those for the end. */
	do {
		r->dlen = bench_acl_len(rng, bench_acl_dst_lens, ARRAY_SIZE(bench_acl_dst_lens));
	} while (!r->slen && !r->dlen);
	r->src = bench_acl_host(g) & bench_acl_mask(r->slen);
	r->dst = bench_acl_host(g) & bench_acl_mask(r->dlen);

	pick = bench_rng_range(rng, 0, 99);
	r->proto = pick < 60 ? 6 : pick < 90 ? 17 : 0;
	bench_acl_ports_of(g, r);
	r->verdict = bench_rng_pct(rng, 75) ? BF_VERDICT_ACCEPT : BF_VERDICT_DROP;
}

int bench_acl_gen(struct bench_acl *acl, uint32_t n, uint64_t seed)
{
	struct bench_acl_gen g = { .rng = { seed }, .sites = acl->sites };

	acl->rules = calloc(n ? n : 1, sizeof(*acl->rules));
	if (!acl->rules)
		return -ENOMEM;
	acl->n = n;
	acl->policy = BF_VERDICT_DROP;
	bench_acl_sites(&g.rng, acl->sites);
	for (uint32_t i = 0; i < n; i++)
		bench_acl_rule(&g, &acl->rules[i]);
	return 0;
}

void bench_acl_free(struct bench_acl *acl)
{
	free(acl->rules);
	acl->rules = NULL;
	acl->n = 0;
}

static void bench_acl_write_addr(FILE *f, const char *field, uint32_t addr, uint8_t len)
{
	struct in_addr a = { .s_addr = htonl(addr) };
	char buf[INET_ADDRSTRLEN];

	if (!len)
		return;
	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	if (len == 32)
		fprintf(f, " ip4.%saddr eq %s", field, buf);
	else
		fprintf(f, " ip4.%snet eq %s/%u", field, buf, len);
}

static void bench_acl_write_port(FILE *f, const char *proto, const char *field, uint16_t lo,
				 uint16_t hi)
{
	if (lo == 0 && hi == 65535)
		return;
	if (lo == hi)
		fprintf(f, " %s.%s eq %u", proto, field, lo);
	else
		fprintf(f, " %s.%s range %u-%u", proto, field, lo, hi);
}

static void bench_acl_write_rule(FILE *f, const struct bench_acl_rule *r)
{
	const char *proto = r->proto == 6 ? "tcp" : "udp";
	bool ports = r->sport_lo || r->sport_hi != 65535 || r->dport_lo || r->dport_hi != 65535;

	fprintf(f, "rule");
	bench_acl_write_addr(f, "s", r->src, r->slen);
	bench_acl_write_addr(f, "d", r->dst, r->dlen);
	/* A port matcher implies its protocol; without one, say it. */
	if (r->proto && !ports)
		fprintf(f, " ip4.proto eq %s", proto);
	if (r->proto) {
		bench_acl_write_port(f, proto, "sport", r->sport_lo, r->sport_hi);
		bench_acl_write_port(f, proto, "dport", r->dport_lo, r->dport_hi);
	}
	fprintf(f, " %s\n", r->verdict == BF_VERDICT_ACCEPT ? "ACCEPT" : "DROP");
}

int bench_acl_write(const struct bench_acl *acl, const char *hook, FILE *f)
{
	fprintf(f, "chain bench %s %s\n", hook,
		acl->policy == BF_VERDICT_ACCEPT ? "ACCEPT" : "DROP");
	for (uint32_t i = 0; i < acl->n; i++)
		bench_acl_write_rule(f, &acl->rules[i]);
	return ferror(f) ? -EIO : 0;
}

static bool bench_acl_match(const struct bench_acl_rule *r, const struct bench_acl_pkt *p)
{
	return (p->src & bench_acl_mask(r->slen)) == r->src &&
	       (p->dst & bench_acl_mask(r->dlen)) == r->dst &&
	       (!r->proto || r->proto == p->proto) && p->sport >= r->sport_lo &&
	       p->sport <= r->sport_hi && p->dport >= r->dport_lo && p->dport <= r->dport_hi;
}

int64_t bench_acl_first_match(const struct bench_acl *acl, const struct bench_acl_pkt *pkt)
{
	for (uint32_t i = 0; i < acl->n; i++) {
		if (bench_acl_match(&acl->rules[i], pkt))
			return i;
	}
	return -1;
}

static void bench_acl_judge(const struct bench_acl *acl, struct bench_acl_pkt *pkt)
{
	pkt->rule = bench_acl_first_match(acl, pkt);
	pkt->verdict = pkt->rule < 0 ? acl->policy : acl->rules[pkt->rule].verdict;
}

/* A packet inside rule @r: random where the rule has a wildcard. */
static void bench_acl_inside(struct bench_acl_gen *g, const struct bench_acl_rule *r,
			     struct bench_acl_pkt *pkt)
{
	struct bf_rng *rng = &g->rng;
	uint32_t smask = bench_acl_mask(r->slen), dmask = bench_acl_mask(r->dlen);

	pkt->src = r->src | (bench_acl_host(g) & ~smask);
	pkt->dst = r->dst | (bench_acl_host(g) & ~dmask);
	pkt->proto = r->proto ?: (bench_rng_pct(rng, 50) ? 6 : 17);
	/* Ephemeral source ports, as clients use, where any would do. */
	pkt->sport = r->sport_lo == 0 && r->sport_hi == 65535
			     ? (uint16_t)bench_rng_range(rng, 1024, 65535)
			     : (uint16_t)bench_rng_range(rng, r->sport_lo, r->sport_hi);
	pkt->dport = (uint16_t)bench_rng_range(rng, r->dport_lo, r->dport_hi);
}

int bench_acl_hit(const struct bench_acl *acl, uint32_t target, uint64_t seed,
		  struct bench_acl_pkt *pkt)
{
	/* The ACL's own sites: wildcards get addresses that look like the
	 * rest of the traffic. */
	struct bench_acl_gen g = { .rng = { seed }, .sites = acl->sites };

	for (uint32_t i = target; i < acl->n; i++) {
		for (int t = 0; t < BENCH_ACL_HIT_TRIES; t++) {
			bench_acl_inside(&g, &acl->rules[i], pkt);
			bench_acl_judge(acl, pkt);
			if (pkt->rule == i)
				return 0;
		}
	}
	return -ENOENT;
}

int bench_acl_miss(const struct bench_acl *acl, uint64_t seed, struct bench_acl_pkt *pkt)
{
	struct bf_rng rng = { seed };

	for (int t = 0; t < BENCH_ACL_MISS_TRIES; t++) {
		pkt->src = BENCH_ACL_MISS_SRC | bench_rng_range(&rng, 1, 0xfffe);
		pkt->dst = BENCH_ACL_MISS_DST | bench_rng_range(&rng, 1, 0xfffe);
		pkt->proto = 6;
		pkt->sport = (uint16_t)bench_rng_range(&rng, 1024, 65535);
		pkt->dport = (uint16_t)bench_rng_range(&rng, 1, 65535);
		bench_acl_judge(acl, pkt);
		if (pkt->rule < 0)
			return 0;
	}
	return -ENOENT;
}

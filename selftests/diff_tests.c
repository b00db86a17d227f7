// SPDX-License-Identifier: GPL-2.0-only
/*
 * Differential tests: random chains run on random frames by the BPF
 * programs (BPF_PROG_TEST_RUN, through the daemon's own validate, resolve
 * and bf_prog_load() path) and by the reference evaluator (lib/eval.h), the
 * executable specification of the rules. For every pair, the hook's verdict,
 * the counters that moved (rules, policy, error) with the bytes they count,
 * and on TC and cgroup_skb the mark the packet leaves with must agree.
 *
 * Chains draw every matcher the hook takes, with every operator, "not",
 * inline, named, composite and prefix sets, every verdict, counter, mark
 * (TC, cgroup_skb) and log actions, and a policy. Their values come from a
 * small pool drawn per chain (addresses sharing prefixes of random lengths,
 * ports, protocols, marks...), and so do the frames' fields most of the
 * time, so that rules do match. Frames: Ethernet, VLAN tags, IPv4 with
 * options and fragments, IPv6 with extension headers and fragments, TCP,
 * UDP, ICMP, ICMPv6, other protocols and EtherTypes, truncated frames.
 *
 * Left out: meta.flow_hash (the kernel keys its hash with a secret drawn
 * at boot) and meta.probability other than 0% and 100% (random draws).
 *
 * BF_DIFF_SEED picks the seed (printed as "diff: seed N" otherwise),
 * BF_DIFF_PAIRS the number of frame runs of each test; a mismatch prints
 * the chain, the frame and both results.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/cgen.h"
#include "daemon/prog.h"
#include "lib/chain.h"
#include "lib/dump.h"
#include "lib/eval.h"
#include "lib/helper.h"
#include "lib/names.h"
#include "lib/set.h"
#include "lib/validate.h"
#include "pkt.h"
#include "prog_run.h"
#include "rng.h"
#include "test.h"

/* Pairs of a test when BF_DIFF_PAIRS doesn't say: diff_random is the main
 * one, the per-family ones add a few on their hooks. */
#define DIFF_PAIRS 20000
#define DIFF_FAMILY_PAIRS 2000
/* Frames per chain: loading costs milliseconds (tens to hundreds on
 * netfilter), a run microseconds, so a chain is worth many frames, but not
 * so many that few chains are tried. */
#define DIFF_FRAMES_PER_CHAIN 100
/* Mismatches printed in full; the others are counted. */
#define DIFF_MAX_REPORTS 5

#define FRAME_MAX 768
#define POOL_N 4
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define PPM_ONE 1000000U

static uint32_t rng_below(struct bf_rng *r, uint32_t n)
{
	return n ? (uint32_t)(bf_rng_u64(r) % n) : 0;
}

static bool rng_pct(struct bf_rng *r, unsigned int pct)
{
	return rng_below(r, 100) < pct;
}

static void rng_bytes(struct bf_rng *r, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)bf_rng_u64(r);
}

#define PICK(r, arr) ((arr)[rng_below((r), ARRAY_SIZE(arr))])

/*
 * The values of one chain and its frames. Rules take their values from
 * here; frames too, most of the time, so that rules match.
 */
struct pool {
	uint8_t ip4[POOL_N][4];
	uint8_t ip6[POOL_N][16];
	uint16_t port[POOL_N];
	uint8_t proto[POOL_N];
	uint8_t icmp_type[POOL_N];
	uint8_t icmp_code[POOL_N];
	uint8_t dscp[POOL_N];
	uint8_t tcp_flags[POOL_N];
	uint32_t mark[POOL_N];
	uint16_t ethertype[POOL_N];
	uint32_t ifindex[POOL_N];
};

static const uint16_t some_ports[] = { 0, 1, 22, 53, 80, 255, 256, 443, 1023, 1024, 65535 };
static const uint8_t some_protos[] = { 6, 17, 1, 58, 47, 132, 50, 51, 59, 0, 4, 41 };
static const uint8_t some_icmp_types[] = { 0, 3, 8, 11, 1, 2, 128, 129, 135, 136 };
static const uint8_t some_icmp_codes[] = { 0, 1, 3, 4 };
static const uint8_t some_dscps[] = { 0, 8, 10, 46, 56, 63, 1, 34 };
static const uint8_t some_flags[] = { 0x02, 0x12, 0x10, 0x11, 0x04, 0x18, 0x00, 0xff, 0xc2 };
static const uint32_t some_marks[] = { 0, 1, 0x10, 0xdeadbeef, 0xffffffff, 0x100 };
static const uint16_t some_ethertypes[] = { ETH_P_IP, ETH_P_IPV6, 0x0806, 0x8100, 0x88a8, 0x88cc };
static const uint8_t exthdr_types[] = { 0, 43, 44, 51, 60, 135 };

/* Copy the first @bits bits of @from into @to. */
static void copy_bits(uint8_t *to, const uint8_t *from, unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	memcpy(to, from, bytes);
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		to[bytes] = (uint8_t)((from[bytes] & mask) | (to[bytes] & ~mask));
	}
}

/* Addresses that share prefixes of random lengths with each other, so that
 * networks of every length both match and miss. */
static void pool_addrs(struct bf_rng *r, uint8_t *addrs, size_t alen)
{
	rng_bytes(r, addrs, alen);
	for (size_t i = 1; i < POOL_N; i++) {
		const uint8_t *from = addrs + rng_below(r, (uint32_t)i) * alen;
		uint8_t *a = addrs + i * alen;

		rng_bytes(r, a, alen);
		copy_bits(a, from, rng_below(r, (uint32_t)alen * 8 + 1));
	}
}

static void pool_init(struct bf_rng *r, struct pool *p)
{
	pool_addrs(r, &p->ip4[0][0], 4);
	pool_addrs(r, &p->ip6[0][0], 16);
	for (size_t i = 0; i < POOL_N; i++) {
		p->port[i] = rng_pct(r, 50) ? PICK(r, some_ports) : (uint16_t)bf_rng_u64(r);
		p->proto[i] = rng_pct(r, 85) ? PICK(r, some_protos) : (uint8_t)bf_rng_u64(r);
		p->icmp_type[i] = rng_pct(r, 85) ? PICK(r, some_icmp_types) : (uint8_t)bf_rng_u64(r);
		p->icmp_code[i] = rng_pct(r, 85) ? PICK(r, some_icmp_codes) : (uint8_t)bf_rng_u64(r);
		p->dscp[i] = rng_pct(r, 60) ? PICK(r, some_dscps) : (uint8_t)rng_below(r, 64);
		p->tcp_flags[i] = rng_pct(r, 80) ? PICK(r, some_flags) : (uint8_t)bf_rng_u64(r);
		p->mark[i] = rng_pct(r, 70) ? PICK(r, some_marks) : (uint32_t)bf_rng_u64(r);
		/* Anything else than 802.3 lengths: skb->protocol is then the
		 * EtherType itself. */
		p->ethertype[i] = rng_pct(r, 80) ? PICK(r, some_ethertypes)
						 : (uint16_t)(0x0600 + rng_below(r, 0xfa00));
		p->ifindex[i] = rng_pct(r, 60) ? TPROG_IFINDEX : 1 + rng_below(r, 1000);
	}
}

static void put_be(uint8_t *p, uint32_t v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(v >> (8 * (len - 1 - i)));
}

/* Chains. */

struct gen {
	struct bf_rng *r;
	const struct pool *p;
	struct bf_chain *chain;
	enum bf_hook hook;
	/* No CONTINUE rule: the engine's first-match path, which tries
	 * the candidates in any order (bf_cfg.first_match). */
	bool terminal;
};

static bool is_net(enum bf_matcher_type t)
{
	return t == BF_MATCHER_IP4_SNET || t == BF_MATCHER_IP4_DNET || t == BF_MATCHER_IP6_SNET ||
	       t == BF_MATCHER_IP6_DNET;
}

static bool is_ip6(enum bf_matcher_type t)
{
	return t >= BF_MATCHER_IP6_SADDR && t <= BF_MATCHER_IP6_DNET;
}

static uint8_t gen_plen(struct bf_rng *r, unsigned int max)
{
	return (uint8_t)rng_below(r, max + 1);
}

static uint16_t gen_port(struct gen *g)
{
	return rng_pct(g->r, 90) ? PICK(g->r, g->p->port) : (uint16_t)bf_rng_u64(g->r);
}

static uint8_t gen_proto(struct gen *g)
{
	return rng_pct(g->r, 50) ? PICK(g->r, g->p->proto) : PICK(g->r, some_protos);
}

/* Component @type of a set element, encoded as set.h says. */
static void gen_comp(struct gen *g, enum bf_matcher_type type, uint8_t *e)
{
	const struct pool *p = g->p;
	struct bf_rng *r = g->r;

	switch (type) {
	case BF_MATCHER_IP4_SADDR:
	case BF_MATCHER_IP4_DADDR:
		memcpy(e, PICK(r, p->ip4), 4);
		break;
	case BF_MATCHER_IP4_SNET:
	case BF_MATCHER_IP4_DNET:
		memcpy(e, PICK(r, p->ip4), 4);
		e[4] = gen_plen(r, 32);
		break;
	case BF_MATCHER_IP6_SADDR:
	case BF_MATCHER_IP6_DADDR:
		memcpy(e, PICK(r, p->ip6), 16);
		break;
	case BF_MATCHER_IP6_SNET:
	case BF_MATCHER_IP6_DNET:
		memcpy(e, PICK(r, p->ip6), 16);
		e[16] = gen_plen(r, 128);
		break;
	case BF_MATCHER_META_L3_PROTO:
		put_be(e, PICK(r, p->ethertype), 2);
		break;
	case BF_MATCHER_META_L4_PROTO:
	case BF_MATCHER_IP4_PROTO:
		e[0] = gen_proto(g);
		break;
	case BF_MATCHER_ICMP_TYPE:
	case BF_MATCHER_ICMPV6_TYPE:
		e[0] = PICK(r, p->icmp_type);
		break;
	case BF_MATCHER_ICMP_CODE:
	case BF_MATCHER_ICMPV6_CODE:
		e[0] = PICK(r, p->icmp_code);
		break;
	case BF_MATCHER_META_MARK:
		put_be(e, PICK(r, p->mark), 4);
		break;
	case BF_MATCHER_META_IFACE:
		put_be(e, PICK(r, p->ifindex), 4);
		break;
	default:
		/* Ports. */
		put_be(e, gen_port(g), 2);
		break;
	}
}

/* Mostly a few elements, sometimes none, sometimes many (values repeat:
 * the pool is small). */
static size_t gen_nelems(struct bf_rng *r)
{
	uint32_t x = rng_below(r, 100);

	if (x < 5)
		return 0;
	if (x < 95)
		return 1 + rng_below(r, 6);
	return 20 + rng_below(r, 100);
}

/* Add a set keyed @key with random elements (sometimes none) to the chain;
 * returns its index or a negative errno. */
static int gen_set(struct gen *g, const enum bf_matcher_type *key, unsigned int nkeys, bool named)
{
	struct bf_set set = { .nkeys = (uint8_t)nkeys };
	uint8_t elem[BF_SET_KEY_MAX + BF_SET_MAX_COMPS];
	size_t nelems = gen_nelems(g->r);
	int r;

	memcpy(set.key, key, nkeys * sizeof(*key));
	if (named)
		snprintf(set.name, sizeof(set.name), "s%zu", g->chain->nsets);
	for (size_t i = 0; i < nelems; i++) {
		size_t off = 0;

		for (unsigned int k = 0; k < nkeys; k++) {
			gen_comp(g, key[k], elem + off);
			off += bf_set_comp_size(key[k]);
		}
		r = bf_set_add_elem(&set, elem);
		if (r) {
			bf_set_clean(&set);
			return r;
		}
	}
	r = bf_chain_add_set(g->chain, &set);
	if (r) {
		bf_set_clean(&set);
		return r;
	}
	return (int)g->chain->nsets - 1;
}

/* Types a set key can have on the chain's hook. */
static size_t key_types(const struct gen *g, enum bf_matcher_type *types)
{
	size_t n = 0;

	for (enum bf_matcher_type t = 0; t < BF_MATCHER_SET; t++) {
		if (bf_set_comp_size(t) && bf_matcher_allowed_on_hook(t, g->hook))
			types[n++] = t;
	}
	return n;
}

/* A key: one network (a prefix set), or 1 to 3 other components of at most
 * BF_SET_KEY_MAX bytes, mostly of one IP version. */
static unsigned int gen_key(struct gen *g, enum bf_matcher_type *key)
{
	enum bf_matcher_type types[_BF_MATCHER_MAX];
	size_t ntypes = key_types(g, types), size = 0;
	unsigned int nkeys = 1 + rng_below(g->r, 3), n = 0;
	bool ip6 = rng_pct(g->r, 50);

	if (rng_pct(g->r, 20)) {
		static const enum bf_matcher_type nets[] = {
			BF_MATCHER_IP4_SNET,
			BF_MATCHER_IP4_DNET,
			BF_MATCHER_IP6_SNET,
			BF_MATCHER_IP6_DNET,
		};

		key[0] = PICK(g->r, nets);
		return 1;
	}
	for (unsigned int tries = 0; n < nkeys && tries < 32; tries++) {
		enum bf_matcher_type t = types[rng_below(g->r, (uint32_t)ntypes)];

		if (is_net(t) || size + bf_set_comp_size(t) > BF_SET_KEY_MAX)
			continue;
		if ((t >= BF_MATCHER_IP4_SADDR && t <= BF_MATCHER_IP6_DNET) && is_ip6(t) != ip6 &&
		    rng_pct(g->r, 90))
			continue;
		key[n++] = t;
		size += bf_set_comp_size(t);
	}
	return n;
}

/* "(KEY, ...) [not] in SET", named or anonymous; a named set may serve
 * several rules. */
static int gen_set_matcher(struct gen *g, struct bf_matcher *m)
{
	enum bf_matcher_type key[BF_SET_MAX_COMPS];
	unsigned int nkeys;
	int idx;

	m->type = BF_MATCHER_SET;
	m->op = BF_OP_IN;
	if (g->chain->nsets && rng_pct(g->r, 30)) {
		size_t i = rng_below(g->r, (uint32_t)g->chain->nsets);

		if (g->chain->sets[i].name[0]) {
			m->set = (uint32_t)i;
			return 0;
		}
	}
	nkeys = gen_key(g, key);
	if (!nkeys)
		return -EAGAIN;
	idx = gen_set(g, key, nkeys, rng_pct(g->r, 50));
	if (idx < 0)
		return idx;
	m->set = (uint32_t)idx;
	return 0;
}

static void gen_num(struct bf_matcher *m, uint32_t v)
{
	m->num.lo = m->num.hi = v;
}

static void gen_range(struct gen *g, struct bf_matcher *m)
{
	uint32_t a = gen_port(g), b = gen_port(g);
	uint32_t lo = a < b ? a : b, hi = a < b ? b : a;

	/* Bounds next to the pool's values too: off-by-ones show there. */
	if (rng_pct(g->r, 20) && lo < hi)
		lo++;
	if (rng_pct(g->r, 20) && hi > lo)
		hi--;
	if (rng_pct(g->r, 20))
		hi = lo;
	m->num.lo = lo;
	m->num.hi = hi;
}

static void gen_addr(struct gen *g, struct bf_matcher *m)
{
	bool ip6 = is_ip6(m->type);
	size_t alen = ip6 ? 16 : 4;

	memcpy(m->ip.addr, ip6 ? PICK(g->r, g->p->ip6) : PICK(g->r, g->p->ip4), alen);
	m->ip.plen = (uint8_t)(alen * 8);
	if (is_net(m->type)) {
		m->ip.plen = gen_plen(g->r, (unsigned int)alen * 8);
		/* Bits past the prefix don't count: make some of them odd. */
		if (rng_pct(g->r, 30)) {
			uint8_t noise[16];

			rng_bytes(g->r, noise, alen);
			copy_bits(noise, m->ip.addr, m->ip.plen);
			memcpy(m->ip.addr, noise, alen);
		}
	}
}

static uint32_t gen_percent(struct gen *g, bool deterministic)
{
	static const uint32_t some[] = { 0, PPM_ONE, 500000, 100000, 999999, 1 };

	if (deterministic)
		return rng_pct(g->r, 50) ? 0 : PPM_ONE;
	return rng_pct(g->r, 70) ? PICK(g->r, some) : rng_below(g->r, PPM_ONE + 1);
}

/* The payload of a matcher of type m->type and operator m->op, not IN. */
static void gen_payload(struct gen *g, struct bf_matcher *m)
{
	const struct pool *p = g->p;
	struct bf_rng *r = g->r;

	switch (m->type) {
	case BF_MATCHER_META_IFACE:
		m->iface.ifindex = PICK(r, p->ifindex);
		return;
	case BF_MATCHER_META_L3_PROTO:
		return gen_num(m, PICK(r, p->ethertype));
	case BF_MATCHER_META_L4_PROTO:
	case BF_MATCHER_IP4_PROTO:
		return gen_num(m, gen_proto(g));
	case BF_MATCHER_IP6_NEXTHDR:
		return gen_num(m, rng_pct(r, 40) ? PICK(r, exthdr_types) : gen_proto(g));
	case BF_MATCHER_META_PROBABILITY:
		return gen_num(m, gen_percent(g, true));
	case BF_MATCHER_META_FLOW_PROBABILITY:
		return gen_num(m, gen_percent(g, false));
	case BF_MATCHER_META_MARK:
		return gen_num(m, PICK(r, p->mark));
	case BF_MATCHER_TCP_FLAGS:
		return gen_num(m, rng_pct(r, 70) ? PICK(r, p->tcp_flags) : (uint8_t)bf_rng_u64(r));
	case BF_MATCHER_ICMP_TYPE:
	case BF_MATCHER_ICMPV6_TYPE:
		return gen_num(m, PICK(r, p->icmp_type));
	case BF_MATCHER_ICMP_CODE:
	case BF_MATCHER_ICMPV6_CODE:
		return gen_num(m, PICK(r, p->icmp_code));
	case BF_MATCHER_IP4_DSCP:
	case BF_MATCHER_IP6_DSCP:
		return gen_num(m, PICK(r, p->dscp));
	default:
		break;
	}
	if (m->type >= BF_MATCHER_IP4_SADDR && m->type <= BF_MATCHER_IP6_DNET)
		return gen_addr(g, m);
	/* Ports. */
	if (m->op == BF_OP_RANGE)
		return gen_range(g, m);
	gen_num(m, gen_port(g));
}

/* A random operator @type takes: IN a quarter of the time it can. */
static enum bf_matcher_op gen_op(struct gen *g, enum bf_matcher_type type)
{
	enum bf_matcher_op ops[_BF_OP_MAX];
	size_t n = 0;

	if (bf_matcher_op_allowed(type, BF_OP_IN) && rng_pct(g->r, 25))
		return BF_OP_IN;
	for (enum bf_matcher_op op = 0; op < _BF_OP_MAX; op++) {
		if (op != BF_OP_IN && bf_matcher_op_allowed(type, op))
			ops[n++] = op;
	}
	return ops[rng_below(g->r, (uint32_t)n)];
}

/* Matcher types of the hook: all but meta.flow_hash; sets twice, for
 * their many forms. */
static size_t matcher_types(const struct gen *g, enum bf_matcher_type *types)
{
	size_t n = 0;

	for (enum bf_matcher_type t = 0; t < _BF_MATCHER_MAX; t++) {
		if (t == BF_MATCHER_META_FLOW_HASH || !bf_matcher_allowed_on_hook(t, g->hook))
			continue;
		types[n++] = t;
		if (t == BF_MATCHER_SET)
			types[n++] = t;
	}
	return n;
}

static int gen_matcher(struct gen *g, struct bf_matcher *m)
{
	enum bf_matcher_type types[_BF_MATCHER_MAX + 1];
	size_t ntypes = matcher_types(g, types);
	int idx;

	memset(m, 0, sizeof(*m));
	m->negate = rng_pct(g->r, 25);
	m->type = types[rng_below(g->r, (uint32_t)ntypes)];
	if (m->type == BF_MATCHER_SET)
		return gen_set_matcher(g, m);

	m->op = gen_op(g, m->type);
	if (m->op != BF_OP_IN) {
		gen_payload(g, m);
		return 0;
	}
	/* "TYPE in { ... }": an anonymous set keyed by the type. */
	idx = gen_set(g, &m->type, 1, false);
	if (idx < 0)
		return idx;
	m->set = (uint32_t)idx;
	return 0;
}

static size_t gen_nmatchers(struct bf_rng *r)
{
	uint32_t x = rng_below(r, 100);

	if (x < 10)
		return 0;
	if (x < 45)
		return 1;
	if (x < 75)
		return 2;
	if (x < 90)
		return 3;
	return 4 + rng_below(r, 3);
}

static void gen_verdict(struct gen *g, struct bf_rule *rule)
{
	static const enum bf_verdict terminal[] = {
		BF_VERDICT_ACCEPT,
		BF_VERDICT_DROP,
		BF_VERDICT_NEXT,
		BF_VERDICT_REDIRECT,
	};
	enum bf_verdict v;

	if (!g->terminal && rng_pct(g->r, 40)) {
		rule->verdict = BF_VERDICT_CONTINUE;
		return;
	}
	v = PICK(g->r, terminal);
	if (v == BF_VERDICT_REDIRECT) {
		bool in = bf_redirect_allowed_on_hook(g->hook, BF_REDIRECT_IN) && rng_pct(g->r, 50);

		if (!in && !bf_redirect_allowed_on_hook(g->hook, BF_REDIRECT_OUT)) {
			v = BF_VERDICT_DROP;
		} else {
			/* Redirects need an interface that exists: lo. */
			rule->redirect_ifindex = TPROG_IFINDEX;
			rule->redirect_dir = in ? BF_REDIRECT_IN : BF_REDIRECT_OUT;
		}
	}
	rule->verdict = v;
}

static int gen_rule(struct gen *g)
{
	size_t nmatchers = gen_nmatchers(g->r);
	struct bf_rule rule = {};
	int r;

	for (size_t i = 0; i < nmatchers; i++) {
		struct bf_matcher m;

		r = gen_matcher(g, &m);
		if (r == -EAGAIN)
			continue;
		r = r ?: bf_rule_add_matcher(&rule, &m);
		if (r) {
			bf_rule_clean(&rule);
			return r;
		}
	}
	rule.counter = rng_pct(g->r, 65);
	if (bf_mark_allowed_on_hook(g->hook) && rng_pct(g->r, 25)) {
		rule.has_mark = true;
		rule.mark = PICK(g->r, g->p->mark);
	}
	if (rng_pct(g->r, 5)) {
		rule.log = (uint8_t)(1 + rng_below(g->r, 7));
		rule.log_every_ns = rng_pct(g->r, 50) ? 0 : 1000000;
	}
	gen_verdict(g, &rule);
	r = bf_chain_add_rule(g->chain, &rule);
	if (r)
		bf_rule_clean(&rule);
	return r;
}

static size_t gen_nrules(struct bf_rng *r)
{
	uint32_t x = rng_below(r, 100);

	if (x < 3)
		return 0;
	if (x < 60)
		return 1 + rng_below(r, 8);
	if (x < 92)
		return 9 + rng_below(r, 24);
	if (x < 98)
		return 33 + rng_below(r, 48);
	/* Enough for the classifier to split them into several trees. */
	return 100 + rng_below(r, 200);
}

static struct bf_chain *gen_chain(struct bf_rng *r, const struct pool *p, enum bf_hook hook)
{
	static const enum bf_verdict policies[] = {
		BF_VERDICT_ACCEPT,
		BF_VERDICT_DROP,
		BF_VERDICT_NEXT,
	};
	_cleanup_bf_chain_ struct bf_chain *chain = bf_chain_new();
	struct gen g = { .r = r, .p = p, .chain = chain, .hook = hook };
	size_t nrules = gen_nrules(r);

	/* Else most chains of more than a few rules would have one. */
	g.terminal = rng_pct(r, 50);

	if (!chain)
		return NULL;
	snprintf(chain->name, sizeof(chain->name), "diff");
	chain->hook = hook;
	chain->policy = PICK(r, policies);
	for (size_t i = 0; i < nrules; i++) {
		if (gen_rule(&g))
			return NULL;
	}
	return TAKE_PTR(chain);
}

/* Frames. */

struct frame {
	uint8_t buf[FRAME_MAX];
	size_t len;
	/* The EtherType after the MACs: skb->protocol for cgroup_skb. */
	uint16_t ethertype;
	/* The family, for netfilter's pf: PKT_L3_IP4 or PKT_L3_IP6. */
	enum pkt_l3 l3;
	/* Where the network header starts and how much of it the kernel's
	 * skb test runs insist on (0: none). */
	size_t l3_off;
	size_t l3_min;
};

static uint8_t *frame_put(struct frame *f, size_t n)
{
	uint8_t *p = f->buf + f->len;

	/* Frames are built far below FRAME_MAX: see gen_frame(). */
	f->len += n;
	return p;
}

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len % 2)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t frame_port(struct gen *g)
{
	return rng_pct(g->r, 85) ? PICK(g->r, g->p->port) : (uint16_t)bf_rng_u64(g->r);
}

static uint8_t frame_proto(struct gen *g)
{
	uint32_t x = rng_below(g->r, 100);

	if (x < 30)
		return 6;
	if (x < 55)
		return 17;
	if (x < 65)
		return 1;
	if (x < 75)
		return 58;
	return gen_proto(g);
}

static void frame_l4(struct gen *g, struct frame *f, uint8_t proto)
{
	struct bf_rng *r = g->r;
	uint8_t *h;

	switch (proto) {
	case 6:
		h = frame_put(f, 20);
		rng_bytes(r, h, 20);
		put_be(h, frame_port(g), 2);
		put_be(h + 2, frame_port(g), 2);
		h[12] = 5 << 4;
		h[13] = rng_pct(r, 75) ? PICK(r, g->p->tcp_flags) : (uint8_t)bf_rng_u64(r);
		break;
	case 17:
		h = frame_put(f, 8);
		rng_bytes(r, h, 8);
		put_be(h, frame_port(g), 2);
		put_be(h + 2, frame_port(g), 2);
		break;
	case 1:
	case 58:
		h = frame_put(f, 8);
		rng_bytes(r, h, 8);
		h[0] = rng_pct(r, 85) ? PICK(r, g->p->icmp_type) : (uint8_t)bf_rng_u64(r);
		h[1] = rng_pct(r, 85) ? PICK(r, g->p->icmp_code) : (uint8_t)bf_rng_u64(r);
		break;
	default:
		rng_bytes(r, frame_put(f, 8), 8);
		break;
	}
}

static void frame_addr(struct gen *g, uint8_t *dst, bool ip6)
{
	size_t alen = ip6 ? 16 : 4;

	if (rng_pct(g->r, 85))
		memcpy(dst, ip6 ? PICK(g->r, g->p->ip6) : PICK(g->r, g->p->ip4), alen);
	else
		rng_bytes(g->r, dst, alen);
}

static uint8_t frame_tos(struct gen *g)
{
	if (rng_pct(g->r, 80))
		return (uint8_t)(PICK(g->r, g->p->dscp) << 2 | rng_below(g->r, 4));
	return (uint8_t)bf_rng_u64(g->r);
}

/* IPv4: version and IHL mostly right, options, fragments of every kind. */
static void frame_ip4(struct gen *g, struct frame *f)
{
	struct bf_rng *r = g->r;
	size_t start = f->len, ihl;
	uint8_t *h = frame_put(f, 20);
	uint32_t frag = rng_below(r, 100);
	uint8_t proto = frame_proto(g);

	ihl = rng_pct(r, 70) ? 5 : rng_pct(r, 90) ? 6 + rng_below(r, 10) : rng_below(r, 5);
	h[0] = (uint8_t)((rng_pct(r, 97) ? 4 : rng_below(r, 16)) << 4 | ihl);
	h[1] = frame_tos(g);
	put_be(h + 4, (uint32_t)bf_rng_u64(r), 2);
	/* Flags and offset: DF maybe; a first fragment (MF, offset 0); a
	 * later one (offset != 0, MF or not). */
	if (frag < 70)
		put_be(h + 6, rng_pct(r, 50) ? 0x4000 : 0, 2);
	else if (frag < 82)
		put_be(h + 6, 0x2000, 2);
	else
		put_be(h + 6, (rng_pct(r, 50) ? 0x2000 : 0) | (1 + rng_below(r, 0x1fff)), 2);
	h[8] = 64;
	h[9] = proto;
	frame_addr(g, h + 12, false);
	frame_addr(g, h + 16, false);
	if (ihl > 5) {
		uint8_t *opts = frame_put(f, (ihl - 5) * 4);

		if (rng_pct(r, 50))
			memset(opts, 1, (ihl - 5) * 4);
		else
			rng_bytes(r, opts, (ihl - 5) * 4);
	}
	frame_l4(g, f, proto);
	put_be(h + 2, (uint32_t)(f->len - start), 2);
	if (ihl >= 5)
		put_be(h + 10, csum(h, ihl * 4), 2);
	f->l3_min = 20;
}

/* One IPv6 extension header of @type, its Next Header left to the next. */
static uint8_t *frame_exthdr(struct gen *g, struct frame *f, uint8_t type)
{
	struct bf_rng *r = g->r;
	size_t len;
	uint8_t *h;

	if (type == 44) {
		h = frame_put(f, 8);
		rng_bytes(r, h, 8);
		h[1] = 0;
		/* Offset 0 (a first fragment) or not, M either way. */
		put_be(h + 2,
		       (rng_pct(r, 50) ? 0 : (1 + rng_below(r, 0x1fff)) << 3) | rng_below(r, 2), 2);
		return h;
	}
	if (type == 51) {
		uint8_t words = (uint8_t)(1 + rng_below(r, 4));

		len = ((size_t)words + 2) * 4;
		h = frame_put(f, len);
		rng_bytes(r, h, len);
		h[1] = words;
		return h;
	}
	len = 1 + rng_below(r, 3);
	h = frame_put(f, len * 8);
	rng_bytes(r, h, len * 8);
	h[1] = (uint8_t)(len - 1);
	return h;
}

static size_t frame_nexthdrs(struct bf_rng *r)
{
	if (rng_pct(r, 50))
		return 0;
	if (rng_pct(r, 70))
		return 1 + rng_below(r, 3);
	/* Around BF_EVAL_MAX_EXTHDRS, and past it. */
	return 4 + rng_below(r, 7);
}

static void frame_ip6(struct gen *g, struct frame *f)
{
	struct bf_rng *r = g->r;
	size_t start = f->len, n = frame_nexthdrs(r);
	uint8_t *h = frame_put(f, 40);
	uint8_t tc = frame_tos(g), proto = frame_proto(g);
	uint8_t *next = h + 6;

	rng_bytes(r, h, 4);
	h[0] = (uint8_t)((rng_pct(r, 97) ? 6 : rng_below(r, 16)) << 4 | tc >> 4);
	h[1] = (uint8_t)((tc & 0x0f) << 4 | (h[1] & 0x0f));
	h[7] = 64;
	frame_addr(g, h + 8, true);
	frame_addr(g, h + 24, true);
	for (size_t i = 0; i < n; i++) {
		uint8_t type = PICK(r, exthdr_types);

		*next = type;
		next = frame_exthdr(g, f, type);
	}
	*next = proto;
	frame_l4(g, f, proto);
	put_be(h + 4, (uint32_t)(f->len - start - 40), 2);
	f->l3_min = 40;
}

/* Cut some frames short: anywhere for XDP, after the network header for
 * the others, whose test runs refuse IP frames cut inside it. */
static void frame_truncate(struct gen *g, struct frame *f)
{
	size_t min = g->hook == BF_HOOK_XDP ? PKT_ETH_HLEN : f->l3_off + f->l3_min;

	if (!rng_pct(g->r, 10) || f->len <= min)
		return;
	f->len = min + rng_below(g->r, (uint32_t)(f->len - min));
}

static bool is_nf(enum bf_hook hook)
{
	return hook >= BF_HOOK_NF_PRE_ROUTING && hook <= BF_HOOK_NF_POST_ROUTING;
}

/* The EtherType of a frame: IPv4 or IPv6 mostly (only them on netfilter,
 * whose test runs take nothing else), else one of the pool. */
static uint16_t frame_ethertype(struct gen *g)
{
	uint32_t x = rng_below(g->r, 100);

	if (is_nf(g->hook))
		return x < 50 ? ETH_P_IP : ETH_P_IPV6;
	if (x < 45)
		return ETH_P_IP;
	if (x < 90)
		return ETH_P_IPV6;
	return PICK(g->r, g->p->ethertype);
}

static void gen_frame(struct gen *g, struct frame *f)
{
	struct bf_rng *r = g->r;
	uint16_t type = frame_ethertype(g);
	uint8_t *eth;

	f->len = 0;
	f->l3_min = 0;
	eth = frame_put(f, PKT_ETH_HLEN);
	rng_bytes(r, eth, 12);
	f->ethertype = type;
	/* One VLAN tag sometimes, two rarely, where the hook sees
	 * Ethernet (cgroup_skb sees the tag as its network header). */
	if (!is_nf(g->hook) && rng_pct(r, 10)) {
		f->ethertype = rng_pct(r, 70) ? 0x8100 : 0x88a8;
		put_be(eth + 12, f->ethertype, 2);
		eth = frame_put(f, 4);
		put_be(eth, (uint32_t)bf_rng_u64(r), 2);
		if (rng_pct(r, 10))
			type = 0x8100;
		put_be(eth + 2, type, 2);
	} else {
		put_be(eth + 12, type, 2);
	}
	f->l3_off = f->len;
	f->l3 = type == ETH_P_IPV6 ? PKT_L3_IP6 : PKT_L3_IP4;

	if (type == ETH_P_IP)
		frame_ip4(g, f);
	else if (type == ETH_P_IPV6)
		frame_ip6(g, f);
	else
		rng_bytes(r, frame_put(f, 28), 28);
	if (rng_pct(r, 50)) {
		size_t n = rng_below(r, 32);

		rng_bytes(r, frame_put(f, n), n);
	}
	frame_truncate(g, f);
}

/* Running and comparing. */

struct diff_stats {
	unsigned long pairs;
	unsigned long chains;
	unsigned long invalid;
	unsigned long refused;
	unsigned long mismatches;
	unsigned long load_failures;
	unsigned long verdicts[_BF_VERDICT_MAX];
	unsigned long policy;
	unsigned long matched;
	/* Per matcher type: in a rule that matched a frame, and negated. */
	unsigned long type_hits[_BF_MATCHER_MAX];
	unsigned long type_neg_hits[_BF_MATCHER_MAX];
	double load_s;
};

/* One chain's program and what the tests remember between its runs. */
struct diff_prog {
	struct tprog t;
	struct bf_counter *before;
	struct bf_counter *after;
	uint64_t *matched;
	uint64_t *counted;
	size_t nslots;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool hook_sees_l2(enum bf_hook hook)
{
	return TPROG_HOOK(hook) & TPROG_HOOKS_L2;
}

static bool hook_writes_mark(enum bf_hook hook)
{
	return TPROG_HOOK(hook) & TPROG_HOOKS_MARK;
}

/* What BPF_PROG_TEST_RUN gives the hook besides the frame (prog_run.h):
 * lo as the interface, the mark of the context where there is one. */
static void diff_ctx(enum bf_hook hook, const struct frame *f, uint32_t mark,
		     struct bf_eval_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->l2 = hook_sees_l2(hook);
	ctx->ifindex = TPROG_IFINDEX;
	ctx->mark = hook_writes_mark(hook) ? mark : 0;
	if (is_nf(hook))
		ctx->l3_proto = f->l3 == PKT_L3_IP6 ? ETH_P_IPV6 : ETH_P_IP;
	else
		ctx->l3_proto = f->ethertype;
}

static void print_hex(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, "%02x%s", p[i], i % 16 == 15 || i + 1 == len ? "\n" : " ");
}

static void print_pkt(const struct bf_eval_pkt *pkt)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int family = pkt->have & BF_EVAL_HAVE_IP6 ? AF_INET6 : AF_INET;

	fprintf(stderr, "  parsed: have 0x%02x l3 0x%04x l4 %u dscp %u", pkt->have, pkt->l3_proto,
		pkt->l4_proto, pkt->dscp);
	if (pkt->have & (BF_EVAL_HAVE_IP4 | BF_EVAL_HAVE_IP6))
		fprintf(stderr, " %s > %s", inet_ntop(family, pkt->saddr, s, sizeof(s)),
			inet_ntop(family, pkt->daddr, d, sizeof(d)));
	fprintf(stderr, " ports %u > %u flags 0x%02x icmp %u/%u exthdrs", pkt->sport, pkt->dport,
		pkt->tcp_flags, pkt->icmp_type, pkt->icmp_code);
	for (unsigned int i = 0; i < pkt->nexthdrs; i++)
		fprintf(stderr, " %u", pkt->exthdrs[i]);
	fprintf(stderr, " flow_prob 0x%08" PRIx32 "\n", bf_eval_flow_prob(pkt));
}

static void print_slots(const char *who, enum bf_verdict v, const struct diff_prog *dp, bool bpf,
			uint32_t mark)
{
	fprintf(stderr, "  %s: %s, counters", who, tprog_verdict_name(v));
	for (size_t i = 0; i < dp->nslots; i++) {
		bool moved = bpf ? dp->after[i].packets != dp->before[i].packets
				 : bf_eval_bit(dp->counted, i);

		if (!moved)
			continue;
		if (i + 2 == dp->nslots)
			fprintf(stderr, " policy");
		else if (i + 1 == dp->nslots)
			fprintf(stderr, " error");
		else
			fprintf(stderr, " %zu", i);
		if (bpf)
			fprintf(stderr, "(+%" PRIu64 "/%" PRIu64 "B)",
				(uint64_t)(dp->after[i].packets - dp->before[i].packets),
				(uint64_t)(dp->after[i].bytes - dp->before[i].bytes));
	}
	fprintf(stderr, ", mark 0x%" PRIx32 "\n", mark);
}

static void report(const char *test, uint64_t seed, unsigned long pair, const struct diff_prog *dp,
		   const struct frame *f, const struct bf_eval_ctx *ctx, enum bf_verdict bpf_v,
		   const struct bf_eval_result *res)
{
	struct bf_eval_pkt pkt;
	size_t skip = ctx->l2 ? 0 : PKT_ETH_HLEN;

	fprintf(stderr, "diff: MISMATCH in %s, seed %" PRIu64 ", pair %lu, on %s\n", test, seed,
		pair, tprog_hook_name(dp->t.hook));
	bf_chain_dump(stderr, dp->t.chain, true);
	fprintf(stderr, "  frame, %zu bytes (the hook sees them from byte %zu on):\n", f->len,
		skip);
	print_hex(f->buf, f->len);
	fprintf(stderr, "  ctx: l2 %d l3_proto 0x%04x ifindex %u mark 0x%" PRIx32 "\n", ctx->l2,
		ctx->l3_proto, ctx->ifindex, ctx->mark);
	bf_eval_parse(f->buf + skip, f->len - skip, ctx, &pkt);
	print_pkt(&pkt);
	print_slots("bpf ", bpf_v, dp, true, dp->t.mark_out);
	print_slots("eval", res->hook_verdict, dp, false, res->mark);
	fprintf(stderr, "  eval: chain verdict %s by rule %ld, %u rules matched\n",
		tprog_verdict_name(res->verdict), res->rule, res->nmatched);
	fprintf(stderr, "  reproduce: BF_DIFF_SEED=%" PRIu64 " bf_selftests -t %s\n", seed, test);
}

/* Whether the counters moved as the evaluator says: one packet of the
 * hook's length in each slot it counted, nothing elsewhere. */
static bool counters_agree(const struct diff_prog *dp, uint64_t len)
{
	for (size_t i = 0; i < dp->nslots; i++) {
		uint64_t pkts = dp->after[i].packets - dp->before[i].packets;
		uint64_t bytes = dp->after[i].bytes - dp->before[i].bytes;
		uint64_t want = bf_eval_bit(dp->counted, i);

		if (pkts != want || bytes != want * len)
			return false;
	}
	return true;
}

static void count_hits(struct diff_stats *st, const struct bf_chain *chain,
		       const struct bf_eval_result *res)
{
	for (size_t i = 0; i < chain->nrules; i++) {
		const struct bf_rule *rule = &chain->rules[i];

		if (!bf_eval_bit(res->matched, i))
			continue;
		for (size_t j = 0; j < rule->nmatchers; j++) {
			st->type_hits[rule->matchers[j].type]++;
			st->type_neg_hits[rule->matchers[j].type] += rule->matchers[j].negate;
		}
	}
}

/*
 * Run frame @f through the program and the evaluator. Returns 1 when they
 * agree, 0 when they don't, -EAGAIN when the kernel refused the frame, or
 * another negative errno.
 */
static int run_pair(struct diff_prog *dp, const struct frame *f, uint32_t mark,
		    struct bf_eval_ctx *ctx, struct bf_eval_result *res, enum bf_verdict *bpf_v)
{
	const struct tprog_opts opts = { .mark = mark };
	size_t skip;
	int r;

	diff_ctx(dp->t.hook, f, mark, ctx);
	skip = ctx->l2 ? 0 : PKT_ETH_HLEN;
	memset(res, 0, sizeof(*res));
	res->matched = dp->matched;
	res->counted = dp->counted;
	r = bf_eval_chain(dp->t.chain, f->buf + skip, f->len - skip, ctx, res);
	if (r)
		return r;

	r = tprog_run_raw(&dp->t, f->buf, f->len, f->l3, &opts, bpf_v);
	if (r == -EINVAL)
		return -EAGAIN;
	if (r)
		return r;
	r = tprog_counters(&dp->t, dp->after, dp->nslots);
	if (r)
		return r;

	if (*bpf_v != res->hook_verdict || !counters_agree(dp, f->len - skip))
		return 0;
	if (hook_writes_mark(dp->t.hook) && dp->t.mark_out != res->mark)
		return 0;
	return 1;
}

static void diff_prog_close(struct diff_prog *dp)
{
	tprog_close(&dp->t);
	free(dp->before);
	free(dp->after);
	free(dp->matched);
	free(dp->counted);
	memset(dp, 0, sizeof(*dp));
}

/* Validate, resolve and load @chain (taken) as the daemon does; -EAGAIN
 * for a draw the validator refuses. */
static int diff_prog_load(struct diff_prog *dp, struct bf_chain *chain, struct diff_stats *st)
{
	char err[512];
	double start = now_s();
	int r;

	memset(dp, 0, sizeof(*dp));
	dp->t.chain = chain;
	dp->t.hook = chain->hook;
	if (bf_chain_validate(chain, err, sizeof(err))) {
		if (bf_test_verbose())
			fprintf(stderr, "diff: invalid draw skipped: %s\n", err);
		return -EAGAIN;
	}
	r = bf_chain_resolve(chain, err, sizeof(err));
	r = r ?: bf_prog_load(chain, &dp->t.prog, err, sizeof(err));
	st->load_s += now_s() - start;
	if (r) {
		fprintf(stderr, "diff: loading a valid chain failed: %s\n", err);
		bf_chain_dump(stderr, chain, true);
		return r;
	}

	dp->nslots = chain->nrules + 2;
	dp->before = calloc(dp->nslots, sizeof(*dp->before));
	dp->after = calloc(dp->nslots, sizeof(*dp->after));
	dp->matched = calloc(BF_EVAL_WORDS(dp->nslots), sizeof(*dp->matched));
	dp->counted = calloc(BF_EVAL_WORDS(dp->nslots), sizeof(*dp->counted));
	if (!dp->before || !dp->after || !dp->matched || !dp->counted)
		return -ENOMEM;
	return 0;
}

struct diff_run {
	const char *test;
	uint64_t seed;
	unsigned long pairs;
	const enum bf_hook *hooks;
	size_t nhooks;
	struct diff_stats st;
};

static uint32_t frame_mark(struct gen *g)
{
	uint32_t x = rng_below(g->r, 100);

	if (x < 50)
		return PICK(g->r, g->p->mark);
	return x < 70 ? 0 : (uint32_t)bf_rng_u64(g->r);
}

/* The frames of one chain; false after a failure that ends the test. */
static bool run_frames(struct diff_run *run, struct diff_prog *dp, struct gen *g,
		       unsigned long nframes)
{
	struct diff_stats *st = &run->st;

	for (unsigned long i = 0; i < nframes; i++) {
		struct bf_eval_result res;
		struct bf_eval_ctx ctx;
		enum bf_verdict v;
		struct frame f;
		int r;

		gen_frame(g, &f);
		r = run_pair(dp, &f, frame_mark(g), &ctx, &res, &v);
		if (r == -EAGAIN) {
			st->refused++;
			continue;
		}
		if (!ASSERT_TRUE(r >= 0, "%s: pair %lu: %s", run->test, st->pairs, strerror(-r)))
			return false;
		if (!r) {
			if (st->mismatches < DIFF_MAX_REPORTS)
				report(run->test, run->seed, st->pairs, dp, &f, &ctx, v, &res);
			st->mismatches++;
		}
		st->pairs++;
		st->verdicts[res.hook_verdict]++;
		st->policy += res.rule < 0;
		st->matched += res.nmatched;
		count_hits(st, dp->t.chain, &res);
		memcpy(dp->before, dp->after, dp->nslots * sizeof(*dp->before));
	}
	return true;
}

static void print_coverage(const struct diff_run *run)
{
	const struct diff_stats *st = &run->st;
	bool all = true;

	for (enum bf_matcher_type t = 0; t < _BF_MATCHER_MAX; t++) {
		if (t == BF_MATCHER_META_FLOW_HASH || st->type_hits[t])
			continue;
		for (size_t h = 0; h < run->nhooks; h++) {
			if (!bf_matcher_allowed_on_hook(t, run->hooks[h]))
				continue;
			fprintf(stderr, "%s %s", all ? "diff: never in a matching rule:" : ",",
				bf_matcher_type_to_str(t));
			all = false;
			break;
		}
	}
	if (!all)
		fprintf(stderr, "\n");
	if (!bf_test_verbose())
		return;
	for (enum bf_matcher_type t = 0; t < _BF_MATCHER_MAX; t++) {
		fprintf(stderr, "diff:   %-22s in %lu matching rules (%lu negated)\n",
			bf_matcher_type_to_str(t), st->type_hits[t], st->type_neg_hits[t]);
	}
}

static void print_summary(const struct diff_run *run, double elapsed)
{
	const struct diff_stats *st = &run->st;

	printf("diff: %s: %lu pairs on %lu chains in %.1fs (loading %.1fs), %lu mismatches; "
	       "%lu invalid draws, %lu frames refused by the kernel\n",
	       run->test, st->pairs, st->chains, elapsed, st->load_s, st->mismatches, st->invalid,
	       st->refused);
	printf("diff: %s: verdicts ACCEPT %lu DROP %lu NEXT %lu REDIRECT %lu; policy %lu; "
	       "%.2f matching rules per frame\n",
	       run->test, st->verdicts[BF_VERDICT_ACCEPT], st->verdicts[BF_VERDICT_DROP],
	       st->verdicts[BF_VERDICT_NEXT], st->verdicts[BF_VERDICT_REDIRECT], st->policy,
	       st->pairs ? (double)st->matched / st->pairs : 0.0);
	print_coverage(run);
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);
	uint64_t v;

	if (!s || !*s)
		return def;
	if (bf_str_to_u64(s, UINT64_MAX, &v)) {
		fprintf(stderr, "diff: ignoring %s='%s': not a number\n", name, s);
		return def;
	}
	return v;
}

/* One chain: draw, load, run its frames. False when the test must stop. */
static bool run_chain(struct diff_run *run, struct bf_rng *r, unsigned long nframes)
{
	enum bf_hook hook = run->hooks[rng_below(r, (uint32_t)run->nhooks)];
	struct diff_prog dp;
	struct pool pool;
	struct gen g;
	struct bf_chain *chain;
	bool ok;
	int ret;

	pool_init(r, &pool);
	chain = gen_chain(r, &pool, hook);
	if (!ASSERT_TRUE(chain, "%s: generating a chain: out of memory", run->test))
		return false;
	ret = diff_prog_load(&dp, chain, &run->st);
	if (ret == -EAGAIN) {
		run->st.invalid++;
		diff_prog_close(&dp);
		return true;
	}
	if (ret) {
		run->st.load_failures++;
		ASSERT_TRUE(false, "%s: seed %" PRIu64 ": chain %lu: %s", run->test, run->seed,
			    run->st.chains, strerror(-ret));
		diff_prog_close(&dp);
		return run->st.load_failures < DIFF_MAX_REPORTS;
	}
	run->st.chains++;
	g = (struct gen){ .r = r, .p = &pool, .chain = dp.t.chain, .hook = hook };
	ok = run_frames(run, &dp, &g, nframes);
	diff_prog_close(&dp);
	return ok;
}

/* The seed of the run: BF_DIFF_SEED, or the time and pid, drawn once so
 * that every test of a run prints the same. */
static uint64_t diff_seed(void)
{
	static uint64_t seed;
	static bool drawn;

	if (!drawn) {
		struct bf_rng r = { .s = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32 };

		seed = env_u64("BF_DIFF_SEED", bf_rng_u64(&r) >> 16);
		drawn = true;
	}
	return seed;
}

/* Each test its own stream, from the run's seed and its name. */
static uint64_t test_stream(uint64_t seed, const char *test)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const char *c = test; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
	return seed ^ h;
}

static void diff_test(const char *test, const enum bf_hook *hooks, size_t nhooks,
		      unsigned long def_pairs)
{
	struct diff_run run = {
		.test = test,
		.hooks = hooks,
		.nhooks = nhooks,
		.seed = diff_seed(),
		.pairs = (unsigned long)env_u64("BF_DIFF_PAIRS", def_pairs),
	};
	struct bf_rng r = { .s = test_stream(run.seed, test) };
	double start = now_s();

	/* Invalid draws and refused frames cost no pair: stop on tries too,
	 * should the generator ever produce nothing but those. */
	unsigned long tries = 0, max_tries = run.pairs * 4 + 100;

	printf("diff: seed %" PRIu64 " (%s, %lu pairs)\n", run.seed, test, run.pairs);
	while (run.st.pairs < run.pairs && tries < max_tries) {
		unsigned long left = run.pairs - run.st.pairs;

		tries += DIFF_FRAMES_PER_CHAIN;
		if (!run_chain(&run, &r,
			       left < DIFF_FRAMES_PER_CHAIN ? left : DIFF_FRAMES_PER_CHAIN))
			break;
	}
	print_summary(&run, now_s() - start);
	ASSERT_TRUE(run.st.mismatches == 0, "%s: %lu mismatches of %lu pairs, seed %" PRIu64, test,
		    run.st.mismatches, run.st.pairs, run.seed);
	ASSERT_TRUE(run.st.pairs >= run.pairs, "%s: only %lu of %lu pairs ran", test, run.st.pairs,
		    run.pairs);
}

#define DIFF_TEST(name, pairs, ...)                                  \
	BF_TEST(name)                                                \
	{                                                            \
		static const enum bf_hook hooks[] = { __VA_ARGS__ }; \
		diff_test(#name, hooks, ARRAY_SIZE(hooks), pairs);   \
	}

DIFF_TEST(diff_random, DIFF_PAIRS, BF_HOOK_XDP, BF_HOOK_TC_INGRESS, BF_HOOK_TC_EGRESS,
	  BF_HOOK_NF_PRE_ROUTING, BF_HOOK_NF_LOCAL_IN, BF_HOOK_NF_FORWARD, BF_HOOK_NF_LOCAL_OUT,
	  BF_HOOK_NF_POST_ROUTING, BF_HOOK_CGROUP_SKB_INGRESS, BF_HOOK_CGROUP_SKB_EGRESS)
DIFF_TEST(diff_xdp, DIFF_FAMILY_PAIRS, BF_HOOK_XDP)
DIFF_TEST(diff_tc, DIFF_FAMILY_PAIRS, BF_HOOK_TC_INGRESS, BF_HOOK_TC_EGRESS)
DIFF_TEST(diff_nf, DIFF_FAMILY_PAIRS, BF_HOOK_NF_PRE_ROUTING, BF_HOOK_NF_LOCAL_IN,
	  BF_HOOK_NF_FORWARD, BF_HOOK_NF_LOCAL_OUT, BF_HOOK_NF_POST_ROUTING)
DIFF_TEST(diff_cgroup, DIFF_FAMILY_PAIRS, BF_HOOK_CGROUP_SKB_INGRESS, BF_HOOK_CGROUP_SKB_EGRESS)

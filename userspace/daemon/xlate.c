// SPDX-License-Identifier: GPL-2.0-only
#include "xlate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Where a matcher type's field lives in struct bf_pkt, and which packet
 * features it implies. */
struct bf_field {
	uint16_t off;
	uint8_t len;
	uint32_t req;
};

#define F(field, r) { offsetof(struct bf_pkt, field), sizeof(((struct bf_pkt *)0)->field), (r) }

static const struct bf_field bf_fields[_BF_MATCHER_MAX] = {
	[BF_MATCHER_META_IFACE] = F(ifindex, 0),
	[BF_MATCHER_META_L3_PROTO] = F(l3_proto, BF_PKT_L3),
	[BF_MATCHER_META_L4_PROTO] = F(l4_proto, BF_PKT_L4),
	[BF_MATCHER_META_SPORT] = F(sport, BF_PKT_PORTS),
	[BF_MATCHER_META_DPORT] = F(dport, BF_PKT_PORTS),
	[BF_MATCHER_META_PROBABILITY] = { 0, 0, 0 }, /* no packet field */
	[BF_MATCHER_META_MARK] = F(mark, 0),
	[BF_MATCHER_IP4_SADDR] = { offsetof(struct bf_pkt, saddr), 4, BF_PKT_IPV4 },
	[BF_MATCHER_IP4_DADDR] = { offsetof(struct bf_pkt, daddr), 4, BF_PKT_IPV4 },
	[BF_MATCHER_IP4_SNET] = { offsetof(struct bf_pkt, saddr), 4, BF_PKT_IPV4 },
	[BF_MATCHER_IP4_DNET] = { offsetof(struct bf_pkt, daddr), 4, BF_PKT_IPV4 },
	[BF_MATCHER_IP4_PROTO] = F(l4_proto, BF_PKT_IPV4 | BF_PKT_L4),
	[BF_MATCHER_IP6_SADDR] = F(saddr, BF_PKT_IPV6),
	[BF_MATCHER_IP6_DADDR] = F(daddr, BF_PKT_IPV6),
	[BF_MATCHER_IP6_SNET] = F(saddr, BF_PKT_IPV6),
	[BF_MATCHER_IP6_DNET] = F(daddr, BF_PKT_IPV6),
	[BF_MATCHER_IP6_NEXTHDR] = F(l4_proto, BF_PKT_IPV6 | BF_PKT_L4),
	[BF_MATCHER_TCP_SPORT] = F(sport, BF_PKT_TCP),
	[BF_MATCHER_TCP_DPORT] = F(dport, BF_PKT_TCP),
	[BF_MATCHER_TCP_FLAGS] = F(tcp_flags, BF_PKT_TCP),
	[BF_MATCHER_UDP_SPORT] = F(sport, BF_PKT_UDP),
	[BF_MATCHER_UDP_DPORT] = F(dport, BF_PKT_UDP),
	[BF_MATCHER_ICMP_TYPE] = F(icmp_type, BF_PKT_ICMP),
	[BF_MATCHER_ICMP_CODE] = F(icmp_code, BF_PKT_ICMP),
	[BF_MATCHER_ICMPV6_TYPE] = F(icmp_type, BF_PKT_ICMPV6),
	[BF_MATCHER_ICMPV6_CODE] = F(icmp_code, BF_PKT_ICMPV6),
	[BF_MATCHER_IP4_DSCP] = F(dscp, BF_PKT_IPV4),
	[BF_MATCHER_IP6_DSCP] = F(dscp, BF_PKT_IPV6),
	/* Filled for every packet of a chain that uses them (bf_cfg). */
	[BF_MATCHER_META_FLOW_HASH] = F(flow_hash, 0),
	[BF_MATCHER_META_FLOW_PROBABILITY] = F(flow_prob, 0),
};

#undef F

/* IPv6 extension headers: ip6.nexthdr matches them anywhere in the chain. */
static uint8_t bf_exthdr_bit(uint32_t nexthdr)
{
	switch (nexthdr) {
	case 0:
		return BF_EXT_HOP;
	case 43:
		return BF_EXT_ROUTE;
	case 44:
		return BF_EXT_FRAG;
	case 51:
		return BF_EXT_AH;
	case 60:
		return BF_EXT_DST;
	case 135:
		return BF_EXT_MH;
	default:
		return 0;
	}
}

/* Store @v big-endian in the last @len bytes order: value[0] is the MSB. */
static void bf_put_be(uint8_t *dst, uint32_t v, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		dst[i] = v >> (8 * (len - 1 - i));
}

static void bf_prefix_mask(uint8_t *mask, unsigned int len, unsigned int plen)
{
	for (unsigned int i = 0; i < len; i++) {
		unsigned int bits = plen > 8 * i ? plen - 8 * i : 0;

		mask[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
	}
}

/*
 * meta.flow_probability @ppm: the flows whose hash (uniform over 32 bits)
 * is below ppm / 10^6 * 2^32, i.e. RANGE [0, that - 1]; 0% is the empty
 * range [1, 0], 100% the whole one.
 */
static void bf_xlate_flow_prob(uint32_t ppm, struct bf_matcher_rec *rec)
{
	uint64_t n = ppm >= 1000000 ? 1ULL << 32 : ((uint64_t)ppm << 32) / 1000000;

	rec->op = BF_CMP_RANGE;
	if (!n) {
		bf_put_be(rec->value, 1, 4);
		bf_put_be(rec->mask, 0, 4);
		return;
	}
	bf_put_be(rec->value, 0, 4);
	bf_put_be(rec->mask, (uint32_t)(n - 1), 4);
}

static bool bf_is_ip(enum bf_matcher_type t)
{
	return t >= BF_MATCHER_IP4_SADDR && t <= BF_MATCHER_IP6_DNET && t != BF_MATCHER_IP4_PROTO;
}

int bf_xlate_matcher(const struct bf_chain *chain, const struct bf_matcher *m,
		     struct bf_matcher_rec *rec)
{
	const struct bf_field *f;

	memset(rec, 0, sizeof(*rec));
	rec->negate = m->negate;

	if (m->op == BF_OP_IN) {
		struct bf_set_rec set;

		/* The key's protocols are required here too, or "not in"
		 * would match packets without them. */
		if (m->set >= chain->nsets || bf_xlate_set(&chain->sets[m->set], &set))
			return -EINVAL;
		rec->op = BF_CMP_SET;
		rec->arg = m->set;
		rec->req = set.req;
		return 0;
	}
	if ((unsigned int)m->type >= BF_MATCHER_SET)
		return -EINVAL;

	f = &bf_fields[m->type];
	rec->off = f->off;
	rec->len = f->len;
	rec->req = f->req;

	if (m->type == BF_MATCHER_META_PROBABILITY) {
		rec->op = BF_CMP_PROB;
		rec->arg = m->num.lo >= 1000000 ? 0xffffffff :
						  (uint32_t)(((uint64_t)m->num.lo << 32) / 1000000);
		return 0;
	}

	if (m->type == BF_MATCHER_META_FLOW_PROBABILITY) {
		bf_xlate_flow_prob(m->num.lo, rec);
		return 0;
	}

	if (m->type == BF_MATCHER_IP6_NEXTHDR && bf_exthdr_bit(m->num.lo)) {
		rec->off = offsetof(struct bf_pkt, exthdrs);
		rec->len = 1;
		rec->req = BF_PKT_IPV6;
		rec->op = BF_CMP_ANY;
		rec->mask[0] = bf_exthdr_bit(m->num.lo);
		return 0;
	}

	if (bf_is_ip(m->type)) {
		bf_prefix_mask(rec->mask, rec->len, m->ip.plen);
		for (unsigned int i = 0; i < rec->len; i++)
			rec->value[i] = m->ip.addr[i] & rec->mask[i];
		rec->op = BF_CMP_EQ;
		return 0;
	}

	if (m->type == BF_MATCHER_META_IFACE) {
		bf_put_be(rec->value, m->iface.ifindex, 4);
		memset(rec->mask, 0xff, 4);
		rec->op = BF_CMP_EQ;
		return 0;
	}

	switch (m->op) {
	case BF_OP_EQ:
		rec->op = BF_CMP_EQ;
		bf_put_be(rec->value, m->num.lo, rec->len);
		memset(rec->mask, 0xff, rec->len);
		return 0;
	case BF_OP_RANGE:
		rec->op = BF_CMP_RANGE;
		bf_put_be(rec->value, m->num.lo, rec->len);
		bf_put_be(rec->mask, m->num.hi, rec->len);
		return 0;
	case BF_OP_ANY:
	case BF_OP_ALL:
		rec->op = m->op == BF_OP_ANY ? BF_CMP_ANY : BF_CMP_ALL;
		bf_put_be(rec->mask, m->num.lo, rec->len);
		return 0;
	default:
		return -EINVAL;
	}
}

void bf_xlate_rule(const struct bf_rule *rule, uint32_t first_matcher, struct bf_rule_rec *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->first_matcher = first_matcher;
	rec->nmatchers = rule->nmatchers;
	rec->verdict = rule->verdict;
	if (rule->counter)
		rec->flags |= BF_RULE_COUNTER;
	if (rule->has_mark) {
		rec->flags |= BF_RULE_MARK;
		rec->mark = rule->mark;
	}
	if (rule->verdict == BF_VERDICT_REDIRECT) {
		rec->redirect_ifindex = rule->redirect_ifindex;
		if (rule->redirect_dir == BF_REDIRECT_IN)
			rec->flags |= BF_RULE_REDIRECT_IN;
	}
	rec->log = rule->log;
	rec->log_every_ns = rule->log ? rule->log_every_ns : 0;
}

static bool bf_chain_uses(const struct bf_chain *chain, enum bf_matcher_type type)
{
	for (size_t i = 0; i < chain->nrules; i++) {
		for (size_t j = 0; j < chain->rules[i].nmatchers; j++) {
			if (chain->rules[i].matchers[j].type == type)
				return true;
		}
	}
	for (size_t i = 0; i < chain->nsets; i++) {
		for (unsigned int k = 0; k < chain->sets[i].nkeys; k++) {
			if (chain->sets[i].key[k] == type)
				return true;
		}
	}
	return false;
}

void bf_xlate_cfg(const struct bf_chain *chain, bool debug, struct bf_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nrules = chain->nrules;
	cfg->hook = chain->hook;
	cfg->policy = chain->policy;
	cfg->debug = debug;
	cfg->flow_prob = bf_chain_uses(chain, BF_MATCHER_META_FLOW_PROBABILITY);
	cfg->flow_hash = bf_chain_uses(chain, BF_MATCHER_META_FLOW_HASH);
}

bool bf_chain_logs(const struct bf_chain *chain)
{
	for (size_t i = 0; i < chain->nrules; i++) {
		if (chain->rules[i].log)
			return true;
	}
	return false;
}

int bf_xlate_set(const struct bf_set *set, struct bf_set_rec *rec)
{
	unsigned int key_off = 0;

	memset(rec, 0, sizeof(*rec));
	if (!set->nkeys || set->nkeys > BF_SET_MAX_COMPS)
		return -EINVAL;

	rec->ncomps = set->nkeys;
	rec->lpm = bf_set_is_prefix(set);
	for (unsigned int i = 0; i < set->nkeys; i++) {
		enum bf_matcher_type t = set->key[i];

		if ((unsigned int)t >= BF_MATCHER_SET || !bf_set_comp_size(t))
			return -EINVAL;
		rec->comps[i].off = bf_fields[t].off;
		rec->comps[i].len = bf_fields[t].len;
		rec->comps[i].key_off = key_off;
		rec->req |= bf_fields[t].req;
		key_off += bf_fields[t].len;
	}
	return 0;
}

uint32_t bf_xlate_set_id(uint32_t set_idx, uint8_t gen)
{
	return (uint32_t)gen << BF_SET_GEN_SHIFT | set_idx;
}

void bf_xlate_set_key_gen(const struct bf_set *set, uint32_t set_idx, uint8_t gen,
			  const void *elem, struct bf_set_key *key)
{
	size_t size = bf_set_elem_size(set);

	memset(key, 0, sizeof(*key));
	key->set = bf_xlate_set_id(set_idx, gen);
	/* Element encoding equals the packet fields' (no networks here). */
	memcpy(key->data, elem, size < sizeof(key->data) ? size : sizeof(key->data));
}

void bf_xlate_lpm_key_gen(const struct bf_set *set, uint32_t set_idx, uint8_t gen,
			  const void *elem, struct bf_lpm_key *key)
{
	/* An address, then its prefix length. */
	size_t alen = bf_set_elem_size(set) - 1;
	const uint8_t *e = elem;
	uint8_t mask[BF_LPM_DATA_MAX];

	memset(key, 0, sizeof(*key));
	/* Big-endian: the set's id is the first 32 bits of the prefix. */
	key->set = htonl(bf_xlate_set_id(set_idx, gen));
	key->prefixlen = 32 + e[alen];
	if (alen > BF_LPM_DATA_MAX)
		alen = BF_LPM_DATA_MAX;
	bf_prefix_mask(mask, alen, e[alen]);
	for (size_t i = 0; i < alen; i++)
		key->data[i] = e[i] & mask[i];
}

void bf_xlate_set_key(const struct bf_set *set, uint32_t set_idx, size_t idx,
		      struct bf_set_key *key)
{
	bf_xlate_set_key_gen(set, set_idx, 0, set->elems + idx * bf_set_elem_size(set), key);
}

void bf_xlate_lpm_key(const struct bf_set *set, uint32_t set_idx, size_t idx,
		      struct bf_lpm_key *key)
{
	bf_xlate_lpm_key_gen(set, set_idx, 0, set->elems + idx * bf_set_elem_size(set), key);
}

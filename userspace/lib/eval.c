// SPDX-License-Identifier: GPL-2.0-only
#include "eval.h"

#include <errno.h>
#include <string.h>

#include "names.h"
#include "set.h"

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8

#define IP4_HLEN 20
#define IP6_HLEN 40
#define IP4_FRAG_OFF_MASK 0x1fff
#define IP6_FRAG_OFF_MASK 0xfff8

#define IPPROTO_ICMP_NUM 1
#define IPPROTO_TCP_NUM 6
#define IPPROTO_UDP_NUM 17
#define IPPROTO_ICMPV6_NUM 58

/* The transport header bytes a packet must hold for its fields to be
 * known: TCP up to its flags byte, UDP its ports, ICMP type and code. */
#define TCP_NEED 14
#define UDP_NEED 4
#define ICMP_NEED 2

#define PPM_ONE 1000000U

/* IPv6 extension header numbers. */
enum {
	EXT_HOP = 0,
	EXT_ROUTE = 43,
	EXT_FRAG = 44,
	EXT_AH = 51,
	EXT_DST = 60,
	EXT_MH = 135,
};

/* A frame and the bounds of what can be read from it. */
struct frame {
	const uint8_t *p;
	size_t len;
};

static bool frame_has(const struct frame *f, size_t off, size_t n)
{
	return off <= f->len && n <= f->len - off;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Parsing: each function fills what it finds and stops at the first missing
 * byte, leaving the rest unknown. */

static void parse_l4(const struct frame *f, size_t off, struct bf_eval_pkt *pkt)
{
	const uint8_t *h = f->p + off;

	switch (pkt->l4_proto) {
	case IPPROTO_TCP_NUM:
		if (!frame_has(f, off, TCP_NEED))
			return;
		pkt->sport = be16(h);
		pkt->dport = be16(h + 2);
		pkt->tcp_flags = h[13];
		pkt->have |= BF_EVAL_HAVE_TCP;
		break;
	case IPPROTO_UDP_NUM:
		if (!frame_has(f, off, UDP_NEED))
			return;
		pkt->sport = be16(h);
		pkt->dport = be16(h + 2);
		pkt->have |= BF_EVAL_HAVE_UDP;
		break;
	case IPPROTO_ICMP_NUM:
	case IPPROTO_ICMPV6_NUM:
		if (!frame_has(f, off, ICMP_NEED))
			return;
		pkt->icmp_type = h[0];
		pkt->icmp_code = h[1];
		pkt->have |=
			pkt->l4_proto == IPPROTO_ICMP_NUM ? BF_EVAL_HAVE_ICMP : BF_EVAL_HAVE_ICMP6;
		break;
	default:
		break;
	}
}

static void parse_ip4(const struct frame *f, size_t off, struct bf_eval_pkt *pkt)
{
	const uint8_t *h = f->p + off;
	size_t ihl;

	if (!frame_has(f, off, IP4_HLEN))
		return;
	ihl = (size_t)(h[0] & 0x0f) * 4;
	if (h[0] >> 4 != 4 || ihl < IP4_HLEN)
		return;

	pkt->have |= BF_EVAL_HAVE_IP4 | BF_EVAL_HAVE_L4;
	pkt->dscp = h[1] >> 2;
	pkt->l4_proto = h[9];
	memcpy(pkt->saddr, h + 12, 4);
	memcpy(pkt->daddr, h + 16, 4);

	/* Only the first fragment holds the transport header; the others
	 * still tell the protocol. */
	if (be16(h + 6) & IP4_FRAG_OFF_MASK)
		return;
	parse_l4(f, off + ihl, pkt);
}

static bool is_exthdr(uint8_t nexthdr)
{
	switch (nexthdr) {
	case EXT_HOP:
	case EXT_ROUTE:
	case EXT_FRAG:
	case EXT_AH:
	case EXT_DST:
	case EXT_MH:
		return true;
	default:
		return false;
	}
}

/* Length of the extension header @type whose first bytes are @h. */
static size_t exthdr_len(uint8_t type, const uint8_t *h)
{
	if (type == EXT_FRAG)
		return 8;
	/* AH counts 4-byte words minus 2, the others 8-byte words minus 1. */
	if (type == EXT_AH)
		return ((size_t)h[1] + 2) * 4;
	return ((size_t)h[1] + 1) * 8;
}

static void parse_ip6(const struct frame *f, size_t off, struct bf_eval_pkt *pkt)
{
	const uint8_t *h = f->p + off;
	uint8_t next;

	if (!frame_has(f, off, IP6_HLEN) || h[0] >> 4 != 6)
		return;

	pkt->have |= BF_EVAL_HAVE_IP6;
	/* Traffic class: low nibble of byte 0, high nibble of byte 1. */
	pkt->dscp = (uint8_t)(((h[0] & 0x0f) << 4 | h[1] >> 4) >> 2);
	memcpy(pkt->saddr, h + 8, 16);
	memcpy(pkt->daddr, h + 24, 16);
	next = h[6];
	off += IP6_HLEN;

	while (is_exthdr(next)) {
		if (pkt->nexthdrs == BF_EVAL_MAX_EXTHDRS)
			return;
		pkt->exthdrs[pkt->nexthdrs++] = next;
		/* Next header and length (and a fragment's offset). */
		if (!frame_has(f, off, 4))
			return;
		h = f->p + off;
		if (next == EXT_FRAG && (be16(h + 2) & IP6_FRAG_OFF_MASK)) {
			/* A non-first fragment: what follows is not here. */
			pkt->l4_proto = h[0];
			pkt->have |= BF_EVAL_HAVE_L4;
			return;
		}
		off += exthdr_len(next, h);
		next = h[0];
	}

	pkt->l4_proto = next;
	pkt->have |= BF_EVAL_HAVE_L4;
	parse_l4(f, off, pkt);
}

static void parse_l3(const struct frame *f, size_t off, uint16_t proto, struct bf_eval_pkt *pkt)
{
	pkt->l3_proto = proto;
	pkt->have |= BF_EVAL_HAVE_L3;
	if (proto == ETH_P_IP)
		parse_ip4(f, off, pkt);
	else if (proto == ETH_P_IPV6)
		parse_ip6(f, off, pkt);
}

/* Ethernet, and one VLAN tag seen through, as iptables and nftables do. */
static void parse_eth(const struct frame *f, struct bf_eval_pkt *pkt)
{
	size_t off = ETH_HLEN;
	uint16_t proto;

	if (!frame_has(f, 0, ETH_HLEN))
		return;
	proto = be16(f->p + 12);
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		if (!frame_has(f, off, 4))
			return;
		proto = be16(f->p + off + 2);
		off += 4;
	}
	parse_l3(f, off, proto, pkt);
}

void bf_eval_parse(const uint8_t *frame, size_t len, const struct bf_eval_ctx *ctx,
		   struct bf_eval_pkt *pkt)
{
	const struct frame f = { .p = frame, .len = frame ? len : 0 };

	memset(pkt, 0, sizeof(*pkt));
	if (ctx->l2)
		parse_eth(&f, pkt);
	else
		parse_l3(&f, 0, ctx->l3_proto, pkt);
}

/* meta.flow_probability's hash (bpf/engine.h, bf_flow_prob()). The words
 * are the packet's bytes read little-endian, as the BPF program reads them
 * from memory on the little-endian machines it runs on. */

#define FLOW_SEED 0x6270666c6f770000ULL
#define FLOW_MUL 0x9e3779b97f4a7c15ULL

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t flow_step(uint64_t h, uint64_t w)
{
	h = (h ^ w) * FLOW_MUL;
	return h ^ (h >> 29);
}

static uint64_t fmix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* One end of the flow: its 16 address bytes and its port, whose two
 * big-endian bytes read little-endian are the port byte-swapped. */
static uint64_t flow_end(const uint8_t *addr, uint16_t port)
{
	uint16_t word = (uint16_t)(port >> 8 | port << 8);

	return flow_step(flow_step(FLOW_SEED ^ word, le64(addr)), le64(addr + 8));
}

uint32_t bf_eval_flow_prob(const struct bf_eval_pkt *pkt)
{
	bool ports = pkt->have & (BF_EVAL_HAVE_TCP | BF_EVAL_HAVE_UDP);
	uint8_t proto = pkt->have & BF_EVAL_HAVE_L4 ? pkt->l4_proto : 0;
	uint64_t h = flow_end(pkt->saddr, ports ? pkt->sport : 0) +
		     flow_end(pkt->daddr, ports ? pkt->dport : 0);

	return (uint32_t)(fmix64(flow_step(h, proto)) >> 32);
}

/* Evaluation of a chain on a parsed packet. */

struct eval_state {
	const struct bf_chain *chain;
	const struct bf_eval_pkt *pkt;
	const struct bf_eval_ctx *ctx;
	/* The mark as the rules see it: "mark" actions change it. */
	uint32_t mark;
	bool have_flow_prob;
	uint32_t flow_prob;
};

/*
 * Whether the packet has the field of @type: a matcher implies its
 * protocol, so a packet without the field never matches, "not" or not.
 * IPv6 extension headers need IPv6 only (see match_nexthdr()).
 */
static bool has_field(const struct bf_eval_pkt *pkt, enum bf_matcher_type type)
{
	uint32_t have = pkt->have;

	switch (type) {
	case BF_MATCHER_META_L3_PROTO:
		return have & BF_EVAL_HAVE_L3;
	case BF_MATCHER_META_L4_PROTO:
		return have & BF_EVAL_HAVE_L4;
	case BF_MATCHER_META_SPORT:
	case BF_MATCHER_META_DPORT:
		return have & (BF_EVAL_HAVE_TCP | BF_EVAL_HAVE_UDP);
	case BF_MATCHER_IP4_SADDR:
	case BF_MATCHER_IP4_DADDR:
	case BF_MATCHER_IP4_SNET:
	case BF_MATCHER_IP4_DNET:
	case BF_MATCHER_IP4_DSCP:
		return have & BF_EVAL_HAVE_IP4;
	case BF_MATCHER_IP4_PROTO:
		return (have & BF_EVAL_HAVE_IP4) && (have & BF_EVAL_HAVE_L4);
	case BF_MATCHER_IP6_SADDR:
	case BF_MATCHER_IP6_DADDR:
	case BF_MATCHER_IP6_SNET:
	case BF_MATCHER_IP6_DNET:
	case BF_MATCHER_IP6_DSCP:
		return have & BF_EVAL_HAVE_IP6;
	case BF_MATCHER_IP6_NEXTHDR:
		return (have & BF_EVAL_HAVE_IP6) && (have & BF_EVAL_HAVE_L4);
	case BF_MATCHER_TCP_SPORT:
	case BF_MATCHER_TCP_DPORT:
	case BF_MATCHER_TCP_FLAGS:
		return have & BF_EVAL_HAVE_TCP;
	case BF_MATCHER_UDP_SPORT:
	case BF_MATCHER_UDP_DPORT:
		return have & BF_EVAL_HAVE_UDP;
	case BF_MATCHER_ICMP_TYPE:
	case BF_MATCHER_ICMP_CODE:
		return have & BF_EVAL_HAVE_ICMP;
	case BF_MATCHER_ICMPV6_TYPE:
	case BF_MATCHER_ICMPV6_CODE:
		return have & BF_EVAL_HAVE_ICMP6;
	default:
		/* Interface, mark, probabilities, flow hash: every packet. */
		return true;
	}
}

static uint32_t flow_prob(struct eval_state *st)
{
	if (!st->have_flow_prob) {
		st->flow_prob = bf_eval_flow_prob(st->pkt);
		st->have_flow_prob = true;
	}
	return st->flow_prob;
}

/* The numeric value of field @type, for a packet that has it. */
static uint32_t field_num(struct eval_state *st, enum bf_matcher_type type)
{
	const struct bf_eval_pkt *pkt = st->pkt;

	switch (type) {
	case BF_MATCHER_META_IFACE:
		return st->ctx->ifindex;
	case BF_MATCHER_META_L3_PROTO:
		return pkt->l3_proto;
	case BF_MATCHER_META_L4_PROTO:
	case BF_MATCHER_IP4_PROTO:
	case BF_MATCHER_IP6_NEXTHDR:
		return pkt->l4_proto;
	case BF_MATCHER_META_SPORT:
	case BF_MATCHER_TCP_SPORT:
	case BF_MATCHER_UDP_SPORT:
		return pkt->sport;
	case BF_MATCHER_META_DPORT:
	case BF_MATCHER_TCP_DPORT:
	case BF_MATCHER_UDP_DPORT:
		return pkt->dport;
	case BF_MATCHER_META_MARK:
		return st->mark;
	case BF_MATCHER_TCP_FLAGS:
		return pkt->tcp_flags;
	case BF_MATCHER_ICMP_TYPE:
	case BF_MATCHER_ICMPV6_TYPE:
		return pkt->icmp_type;
	case BF_MATCHER_ICMP_CODE:
	case BF_MATCHER_ICMPV6_CODE:
		return pkt->icmp_code;
	case BF_MATCHER_IP4_DSCP:
	case BF_MATCHER_IP6_DSCP:
		return pkt->dscp;
	case BF_MATCHER_META_FLOW_HASH:
		return st->ctx->flow_hash;
	default:
		return 0;
	}
}

/* The address bytes field @type reads (4 for IPv4, 16 for IPv6), or NULL. */
static const uint8_t *field_addr(const struct bf_eval_pkt *pkt, enum bf_matcher_type type,
				 size_t *len)
{
	switch (type) {
	case BF_MATCHER_IP4_SADDR:
	case BF_MATCHER_IP4_SNET:
		*len = 4;
		return pkt->saddr;
	case BF_MATCHER_IP4_DADDR:
	case BF_MATCHER_IP4_DNET:
		*len = 4;
		return pkt->daddr;
	case BF_MATCHER_IP6_SADDR:
	case BF_MATCHER_IP6_SNET:
		*len = 16;
		return pkt->saddr;
	case BF_MATCHER_IP6_DADDR:
	case BF_MATCHER_IP6_DNET:
		*len = 16;
		return pkt->daddr;
	default:
		return NULL;
	}
}

/* Whether the first @plen bits of @a and @b are equal. */
static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned int plen)
{
	unsigned int bytes = plen / 8, bits = plen % 8;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));

	if (memcmp(a, b, bytes))
		return false;
	return !bits || !((a[bytes] ^ b[bytes]) & mask);
}

/* meta.probability @ppm: a fresh draw each time. */
static int match_probability(const struct eval_state *st, uint32_t ppm, bool *match)
{
	uint64_t below = ((uint64_t)ppm << 32) / PPM_ONE;

	if (ppm >= PPM_ONE || !ppm) {
		*match = ppm;
		return 0;
	}
	if (!st->ctx->prandom)
		return -EDOM;
	*match = st->ctx->prandom(st->ctx->prandom_data) < below;
	return 0;
}

/* meta.flow_probability @ppm: the flows whose hash is below @ppm of 2^32. */
static bool match_flow_probability(struct eval_state *st, uint32_t ppm)
{
	uint64_t below = ppm >= PPM_ONE ? 1ULL << 32 : ((uint64_t)ppm << 32) / PPM_ONE;

	return flow_prob(st) < below;
}

/* The language's numeric operators. */
static bool match_num(uint32_t v, enum bf_matcher_op op, uint32_t lo, uint32_t hi)
{
	switch (op) {
	case BF_OP_EQ:
		return v == lo;
	case BF_OP_RANGE:
		return lo <= v && v <= hi;
	case BF_OP_ANY:
		return v & lo;
	case BF_OP_ALL:
		return (v & lo) == lo;
	default:
		return false;
	}
}

/* Decode a big-endian number of @len bytes. */
static uint32_t get_be(const uint8_t *p, size_t len)
{
	uint32_t v = 0;

	for (size_t i = 0; i < len; i++)
		v = v << 8 | p[i];
	return v;
}

/* Whether component @type of a set element, encoded at @e (set.h), is the
 * packet's value. */
static bool comp_eq(struct eval_state *st, enum bf_matcher_type type, const uint8_t *e)
{
	size_t size = bf_set_comp_size(type), alen;
	const uint8_t *addr = field_addr(st->pkt, type, &alen);

	if (addr)
		return !memcmp(addr, e, alen);
	return field_num(st, type) == get_be(e, size);
}

static bool set_elem_matches(struct eval_state *st, const struct bf_set *set, const uint8_t *e)
{
	size_t alen;
	const uint8_t *addr;

	/* A prefix set's element: an address, then its prefix length. */
	if (bf_set_is_prefix(set)) {
		addr = field_addr(st->pkt, set->key[0], &alen);
		return e[alen] <= alen * 8 && prefix_eq(addr, e, e[alen]);
	}
	for (unsigned int k = 0; k < set->nkeys; k++) {
		if (!comp_eq(st, set->key[k], e))
			return false;
		e += bf_set_comp_size(set->key[k]);
	}
	return true;
}

/* "(KEY) in SET": the packet must have every component of the key. */
static int match_set(struct eval_state *st, const struct bf_matcher *m, bool *avail, bool *match)
{
	const struct bf_set *set;
	size_t size;

	if (m->set >= st->chain->nsets)
		return -EINVAL;
	set = &st->chain->sets[m->set];
	size = bf_set_elem_size(set);
	if (!set->nkeys || set->nkeys > BF_SET_MAX_COMPS || !size || (set->nelems && !set->elems))
		return -EINVAL;

	*avail = true;
	for (unsigned int k = 0; k < set->nkeys; k++)
		*avail &= has_field(st->pkt, set->key[k]);
	*match = false;
	for (size_t i = 0; *avail && i < set->nelems && !*match; i++)
		*match = set_elem_matches(st, set, set->elems + i * size);
	return 0;
}

/* ip6.nexthdr: an extension header anywhere in the chain of headers, or
 * the transport protocol after them. */
static bool match_nexthdr(const struct bf_eval_pkt *pkt, uint32_t v, bool *avail)
{
	if (v > UINT8_MAX || !is_exthdr((uint8_t)v)) {
		*avail = has_field(pkt, BF_MATCHER_IP6_NEXTHDR);
		return *avail && pkt->l4_proto == v;
	}
	*avail = pkt->have & BF_EVAL_HAVE_IP6;
	for (unsigned int i = 0; i < pkt->nexthdrs; i++) {
		if (pkt->exthdrs[i] == v)
			return true;
	}
	return false;
}

/* Matcher @m on the packet, before "not": whether the packet has what it
 * reads (@avail) and, if so, whether it matches. */
static int match_raw(struct eval_state *st, const struct bf_matcher *m, bool *avail, bool *match)
{
	const uint8_t *addr;
	size_t alen;

	if (m->op == BF_OP_IN)
		return match_set(st, m, avail, match);

	*avail = has_field(st->pkt, m->type);
	addr = field_addr(st->pkt, m->type, &alen);
	if (addr) {
		if (m->ip.plen > alen * 8)
			return -EINVAL;
		*match = prefix_eq(addr, m->ip.addr, m->ip.plen);
		return 0;
	}

	switch (m->type) {
	case BF_MATCHER_META_IFACE:
		/* A name must have been resolved into an index. */
		if (!m->iface.ifindex)
			return -EINVAL;
		*match = st->ctx->ifindex == m->iface.ifindex;
		return 0;
	case BF_MATCHER_META_PROBABILITY:
		return match_probability(st, m->num.lo, match);
	case BF_MATCHER_META_FLOW_PROBABILITY:
		*match = match_flow_probability(st, m->num.lo);
		return 0;
	case BF_MATCHER_IP6_NEXTHDR:
		*match = match_nexthdr(st->pkt, m->num.lo, avail);
		return 0;
	case BF_MATCHER_SET:
		return -EINVAL;
	default:
		if ((unsigned int)m->type >= _BF_MATCHER_MAX)
			return -EINVAL;
		*match = match_num(field_num(st, m->type), m->op, m->num.lo, m->num.hi);
		return 0;
	}
}

static int match_matcher(struct eval_state *st, const struct bf_matcher *m, bool *match)
{
	bool avail = false, raw = false;
	int r = match_raw(st, m, &avail, &raw);

	if (r)
		return r;
	/* "not" negates the comparison, not the protocol it implies. */
	*match = avail && (m->negate ? !raw : raw);
	return 0;
}

static int match_rule(struct eval_state *st, const struct bf_rule *rule, bool *match)
{
	if (rule->nmatchers && !rule->matchers)
		return -EINVAL;
	*match = true;
	for (size_t i = 0; i < rule->nmatchers && *match; i++) {
		int r = match_matcher(st, &rule->matchers[i], match);

		if (r)
			return r;
	}
	return 0;
}

static void set_bit(uint64_t *map, size_t idx)
{
	if (map)
		map[idx / 64] |= 1ULL << (idx % 64);
}

/* What the hook's program returns for @verdict. */
static enum bf_verdict hook_verdict(enum bf_hook hook, enum bf_verdict verdict)
{
	if (verdict == BF_VERDICT_DROP)
		return BF_VERDICT_DROP;
	if (verdict == BF_VERDICT_NEXT && bf_hook_is_tc(hook))
		return BF_VERDICT_NEXT;
	if (verdict == BF_VERDICT_REDIRECT && bf_hook_has_l2(hook))
		return BF_VERDICT_REDIRECT;
	return BF_VERDICT_ACCEPT;
}

static void result_reset(const struct bf_chain *chain, const struct bf_eval_ctx *ctx,
			 struct bf_eval_result *res)
{
	size_t words = BF_EVAL_WORDS(chain->nrules + 2);

	res->verdict = chain->policy;
	res->rule = -1;
	res->redirect_ifindex = 0;
	res->redirect_in = false;
	res->mark = ctx->mark;
	res->nmatched = 0;
	res->nlogged = 0;
	if (res->matched)
		memset(res->matched, 0, words * sizeof(*res->matched));
	if (res->counted)
		memset(res->counted, 0, words * sizeof(*res->counted));
}

/* The actions of rule @idx, which matched; true when its verdict ends the
 * walk. */
static bool apply_rule(struct eval_state *st, size_t idx, struct bf_eval_result *res)
{
	const struct bf_rule *rule = &st->chain->rules[idx];

	res->nmatched++;
	set_bit(res->matched, idx);
	if (rule->counter)
		set_bit(res->counted, idx);
	/* Later rules see the new mark. */
	if (rule->has_mark)
		st->mark = rule->mark;
	if (rule->log)
		res->nlogged++;
	if (rule->verdict == BF_VERDICT_CONTINUE)
		return false;

	res->verdict = rule->verdict;
	res->rule = (long)idx;
	if (rule->verdict == BF_VERDICT_REDIRECT) {
		res->redirect_ifindex = rule->redirect_ifindex;
		res->redirect_in = rule->redirect_dir == BF_REDIRECT_IN;
	}
	return true;
}

int bf_eval_chain_pkt(const struct bf_chain *chain, const struct bf_eval_pkt *pkt,
		      const struct bf_eval_ctx *ctx, struct bf_eval_result *res)
{
	struct eval_state st = { .chain = chain, .pkt = pkt, .ctx = ctx, .mark = ctx->mark };
	bool ended = false;

	if (bf_hook_is_sock_addr(chain->hook))
		return -EOPNOTSUPP;
	if ((unsigned int)chain->hook >= _BF_HOOK_MAX || (chain->nrules && !chain->rules))
		return -EINVAL;

	result_reset(chain, ctx, res);
	for (size_t i = 0; i < chain->nrules && !ended; i++) {
		bool match;
		int r = match_rule(&st, &chain->rules[i], &match);

		if (r)
			return r;
		if (match)
			ended = apply_rule(&st, i, res);
	}
	if (!ended)
		set_bit(res->counted, chain->nrules);
	res->mark = st.mark;
	res->hook_verdict = hook_verdict(chain->hook, res->verdict);
	return 0;
}

int bf_eval_chain(const struct bf_chain *chain, const uint8_t *frame, size_t len,
		  const struct bf_eval_ctx *ctx, struct bf_eval_result *res)
{
	struct bf_eval_pkt pkt;

	bf_eval_parse(frame, len, ctx, &pkt);
	return bf_eval_chain_pkt(chain, &pkt, ctx, res);
}

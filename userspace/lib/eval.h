/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The reference evaluator: what a chain does with a packet, computed in
 * userspace from the model alone. It is the executable specification of the
 * rule semantics (docs/bfcli.md): it parses the raw frame itself and reads
 * every matcher as the language states it (addresses, prefixes, port
 * ranges, flags, sets), without the daemon's translation into byte
 * comparisons or the templates' parser. The differential tests hold the
 * BPF programs to it.
 *
 * Packet hooks only: XDP, TC, netfilter and cgroup_skb. Socket-address
 * hooks have no frame (-EOPNOTSUPP).
 */
#ifndef BF_EVAL_H
#define BF_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain.h"

/*
 * IPv6 extension headers walked before the transport header: past that
 * many, the transport protocol stays unknown (as with a header cut short).
 */
#define BF_EVAL_MAX_EXTHDRS 8

/* What the parser found in a frame: the fields each matcher implies. */
enum bf_eval_have {
	/* The network protocol is known: an EtherType, or the hook's family. */
	BF_EVAL_HAVE_L3 = 1U << 0,
	/* A whole IPv4 (20 bytes, version 4, IHL >= 5) or IPv6 (40 bytes,
	 * version 6) header: addresses and DSCP. */
	BF_EVAL_HAVE_IP4 = 1U << 1,
	BF_EVAL_HAVE_IP6 = 1U << 2,
	/* The transport protocol is known: IPv4's protocol field; for IPv6 the
	 * header after the extension headers, or the one a non-first
	 * fragment announces. Its header may still be missing. */
	BF_EVAL_HAVE_L4 = 1U << 3,
	/* The transport header is there, as far as the fields read from it:
	 * TCP's first 14 bytes (ports and flags), UDP's first 4 (ports),
	 * ICMP's and ICMPv6's first 2 (type and code). Never in a non-first
	 * fragment. ICMP means protocol 1 and ICMPv6 protocol 58, whatever
	 * the IP version. */
	BF_EVAL_HAVE_TCP = 1U << 4,
	BF_EVAL_HAVE_UDP = 1U << 5,
	BF_EVAL_HAVE_ICMP = 1U << 6,
	BF_EVAL_HAVE_ICMP6 = 1U << 7,
};

/* A parsed frame. Numbers are in host order; addresses as on the wire. */
struct bf_eval_pkt {
	uint32_t have;	   /* enum bf_eval_have */
	uint16_t l3_proto; /* EtherType */
	uint8_t l4_proto;
	uint8_t dscp;
	/* IPv4 addresses use the first 4 bytes, the rest is zero. */
	uint8_t saddr[16];
	uint8_t daddr[16];
	uint16_t sport;
	uint16_t dport;
	uint8_t tcp_flags;
	uint8_t icmp_type;
	uint8_t icmp_code;
	/* IPv6 extension headers met, by Next Header number, in order
	 * (a header cut short counts: the header before announced it). */
	uint8_t exthdrs[BF_EVAL_MAX_EXTHDRS];
	uint8_t nexthdrs;
};

/* What a packet carries besides its bytes, as the hook sees it. */
struct bf_eval_ctx {
	/* The frame starts at the Ethernet header (XDP, TC); otherwise at
	 * the network header (netfilter, cgroup_skb), and l3_proto says what
	 * it is: skb->protocol on cgroup_skb, the hook's family on netfilter
	 * (0x0800 or 0x86dd). */
	bool l2;
	uint16_t l3_proto;
	/* Interface the hook reports (meta.iface): the input one on ingress
	 * hooks, the output one on egress hooks. */
	uint32_t ifindex;
	/* The packet's mark when the chain starts (0 on XDP). */
	uint32_t mark;
	/* The kernel's flow hash (meta.flow_hash), TC only. */
	uint32_t flow_hash;
	/*
	 * meta.probability draws a uniform 32-bit number each time one of its
	 * matchers is evaluated: prandom(data) supplies it. 0% and 100% need
	 * no draw; anything in between without prandom is -EDOM.
	 */
	uint32_t (*prandom)(void *data);
	void *prandom_data;
};

/* The words of a bitmap of @nbits bits. */
#define BF_EVAL_WORDS(nbits) (((nbits) + 63) / 64)

struct bf_eval_result {
	/* The chain's verdict: the first terminal rule's, else the policy
	 * (ACCEPT, DROP, NEXT or REDIRECT). */
	enum bf_verdict verdict;
	/* What the hook does with the packet: NEXT is ACCEPT outside TC, as
	 * the templates return it. */
	enum bf_verdict hook_verdict;
	/* The rule whose verdict ended the walk, -1 when the policy applied. */
	long rule;
	/* REDIRECT: where to. */
	uint32_t redirect_ifindex;
	bool redirect_in;
	/* The packet's mark at the end: ctx->mark, or the last "mark" of a
	 * rule that matched. */
	uint32_t mark;
	/* Rules whose matchers all matched (their actions ran). */
	uint32_t nmatched;
	/*
	 * Optional bitmaps of BF_EVAL_WORDS(nrules + 2) words, provided by the
	 * caller, laid out as the counters map: bit i for rule i, then the
	 * policy slot (nrules) and the error slot (nrules + 1).
	 * - matched: rules whose matchers all matched;
	 * - counted: slots whose counters move: matching rules with
	 *   "counter", and the policy slot when the policy applied. The
	 *   error slot never moves: the evaluator can't fail on a packet.
	 */
	uint64_t *matched;
	uint64_t *counted;
	/* Rules that logged (before any "every" rate limit), counted. */
	uint32_t nlogged;
};

static inline bool bf_eval_bit(const uint64_t *map, size_t idx)
{
	return map[idx / 64] >> (idx % 64) & 1;
}

/*
 * Parse @frame (@len bytes) as the hook sees it, per @ctx. Missing bytes
 * are no error: a header cut short leaves its fields unknown.
 */
void bf_eval_parse(const uint8_t *frame, size_t len, const struct bf_eval_ctx *ctx,
		   struct bf_eval_pkt *pkt);

/*
 * meta.flow_probability's value for @pkt: a hash of its addresses, ports
 * (0 without a TCP or UDP header) and transport protocol (0 when unknown),
 * the same both ways. The engine's (bpf/engine.h), re-implemented: it is
 * part of the language's definition.
 */
uint32_t bf_eval_flow_prob(const struct bf_eval_pkt *pkt);

/*
 * Run @chain, valid (bf_chain_validate()) and with its interfaces resolved,
 * on @frame. Fills @res (its bitmaps if set). Returns 0, -EINVAL for a chain
 * the evaluator can't read (unresolved interface, a set that isn't there),
 * -EOPNOTSUPP for a socket-address hook, -EDOM for a random draw without
 * ctx->prandom.
 */
int bf_eval_chain(const struct bf_chain *chain, const uint8_t *frame, size_t len,
		  const struct bf_eval_ctx *ctx, struct bf_eval_result *res);

/* Same on an already parsed packet. */
int bf_eval_chain_pkt(const struct bf_chain *chain, const struct bf_eval_pkt *pkt,
		      const struct bf_eval_ctx *ctx, struct bf_eval_result *res);

#endif /* BF_EVAL_H */

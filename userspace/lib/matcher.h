/* SPDX-License-Identifier: GPL-2.0-only */
/* A matcher: one condition of a rule, as the language states it. */
#ifndef BF_MATCHER_H
#define BF_MATCHER_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

enum bf_matcher_type {
	BF_MATCHER_META_IFACE = 0,
	BF_MATCHER_META_L3_PROTO,
	BF_MATCHER_META_L4_PROTO,
	BF_MATCHER_META_SPORT,
	BF_MATCHER_META_DPORT,
	BF_MATCHER_META_PROBABILITY,
	BF_MATCHER_META_MARK,
	BF_MATCHER_IP4_SADDR,
	BF_MATCHER_IP4_DADDR,
	BF_MATCHER_IP4_SNET,
	BF_MATCHER_IP4_DNET,
	BF_MATCHER_IP4_PROTO,
	BF_MATCHER_IP6_SADDR,
	BF_MATCHER_IP6_DADDR,
	BF_MATCHER_IP6_SNET,
	BF_MATCHER_IP6_DNET,
	BF_MATCHER_IP6_NEXTHDR,
	BF_MATCHER_TCP_SPORT,
	BF_MATCHER_TCP_DPORT,
	BF_MATCHER_TCP_FLAGS,
	BF_MATCHER_UDP_SPORT,
	BF_MATCHER_UDP_DPORT,
	BF_MATCHER_ICMP_TYPE,
	BF_MATCHER_ICMP_CODE,
	BF_MATCHER_ICMPV6_TYPE,
	BF_MATCHER_ICMPV6_CODE,
	BF_MATCHER_IP4_DSCP,
	BF_MATCHER_IP6_DSCP,
	BF_MATCHER_META_FLOW_HASH,
	BF_MATCHER_META_FLOW_PROBABILITY,
	/* "(KEY, ...) in SET": the key is the set's, op is BF_OP_IN. */
	BF_MATCHER_SET,
	_BF_MATCHER_MAX,
};

enum bf_matcher_op {
	BF_OP_EQ = 0,
	BF_OP_RANGE,
	BF_OP_IN,
	BF_OP_ANY,
	BF_OP_ALL,
	_BF_OP_MAX,
};

/* TCP flag bits, as in the TCP header's flags byte. */
enum bf_tcp_flag {
	BF_TCP_FIN = 1 << 0,
	BF_TCP_SYN = 1 << 1,
	BF_TCP_RST = 1 << 2,
	BF_TCP_PSH = 1 << 3,
	BF_TCP_ACK = 1 << 4,
	BF_TCP_URG = 1 << 5,
	BF_TCP_ECE = 1 << 6,
	BF_TCP_CWR = 1 << 7,
};

/*
 * Payload, by type (all host order):
 * - ip4.* / ip6.* addresses and networks: ip.addr (4 or 16 bytes, network
 *   order as on the wire) and ip.plen (32 or 128 for plain addresses);
 * - ports, protocols, ICMP type/code, mark, ip6.nexthdr, meta.l3_proto:
 *   num.lo (and num.hi for BF_OP_RANGE; hi == lo otherwise);
 * - meta.probability, meta.flow_probability: num.lo in parts per million
 *   (50% is 500000);
 * - ip4.dscp, ip6.dscp: num.lo (0-63); meta.flow_hash: num.lo/num.hi;
 * - tcp.flags: num.lo, a mask of enum bf_tcp_flag;
 * - meta.iface: iface.ifindex and/or iface.name (name as written, resolved
 *   by the daemon; empty when an index was given);
 * - BF_OP_IN: set, the index of the set in its chain (anonymous sets
 *   written inline are stored in the chain too).
 */
struct bf_matcher {
	enum bf_matcher_type type;
	enum bf_matcher_op op;
	bool negate;
	uint32_t set;
	union {
		struct {
			uint8_t addr[16];
			uint8_t plen;
		} ip;
		struct {
			uint32_t lo;
			uint32_t hi;
		} num;
		struct {
			uint32_t ifindex;
			char name[IF_NAMESIZE];
		} iface;
	};
};

#endif /* BF_MATCHER_H */

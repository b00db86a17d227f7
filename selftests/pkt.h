/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Crafted packets for BPF_PROG_TEST_RUN: a struct pkt_spec says what the
 * packet carries, pkt_build() writes the bytes, Ethernet header first (the
 * kernel's test runs expect Ethernet for every program type and strip it
 * themselves where the hook does not see it).
 *
 * Specs are meant to be written inline in test tables, so every field has
 * a usable zero value: no VLAN tag, no options, no fragment, default
 * addresses. The PKT_*() macros below give a complete packet of a kind and
 * take designated initializers that override its fields.
 */
#ifndef BF_SELFTESTS_PKT_H
#define BF_SELFTESTS_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 1024
#define PKT_MAX_EXTHDRS 8

#define PKT_ETH_HLEN 14
#define PKT_VLAN_HLEN 4

/* Network layer of a spec. */
enum pkt_l3 {
	PKT_L3_IP4 = 0,
	PKT_L3_IP6,
	/* Any other EtherType (spec->ethertype), followed by spec->payload
	 * zero bytes. */
	PKT_L3_OTHER,
};

/* IPv6 extension header types, as numbered in the Next Header field. */
enum pkt_ip6_ext {
	PKT_EXT_HOP = 0,
	PKT_EXT_ROUTE = 43,
	PKT_EXT_FRAG = 44,
	PKT_EXT_AH = 51,
	PKT_EXT_DST = 60,
	PKT_EXT_MH = 135,
};

struct pkt_spec {
	/* One VLAN tag with this VLAN ID when vlan is true; its TPID is
	 * vlan_tpid, 0 for 802.1Q (0x8100). */
	bool vlan;
	uint16_t vlan_id;
	uint16_t vlan_tpid;

	enum pkt_l3 l3;
	/* PKT_L3_OTHER only. */
	uint16_t ethertype;

	/* Textual addresses of the family of l3; NULL: 10.0.0.1 -> 10.0.0.2
	 * or 2001:db8::1 -> 2001:db8::2. */
	const char *saddr;
	const char *daddr;
	/* IPv4 TOS or IPv6 traffic class byte. */
	uint8_t tos;
	/* Fragment offset in 8-byte units: IPv4 header, or the IPv6
	 * fragment extension header (which must then be in exthdrs). */
	uint16_t frag_off;
	/* More-fragments flag, same place. */
	bool more_frags;
	/* IPv4 options length in bytes, a multiple of 4 up to 40 (NOPs). */
	uint8_t ip4_optlen;

	/* IPv6 extension headers, in order, before the L4 header. */
	uint8_t exthdrs[PKT_MAX_EXTHDRS];
	size_t nexthdrs;

	/* L4 protocol number. TCP, UDP, ICMP and ICMPv6 get a real header;
	 * any other protocol gets 8 zero bytes. */
	uint8_t proto;
	uint16_t sport;
	uint16_t dport;
	/* TCP flags byte (FIN 0x01 ... CWR 0x80). */
	uint8_t tcp_flags;
	uint8_t icmp_type;
	uint8_t icmp_code;

	/* Bytes of zero payload after the L4 header. */
	size_t payload;
	/* Keep only the first @truncate bytes of the frame; 0: keep all. */
	size_t truncate;
};

#define PKT_IPPROTO_TCP 6
#define PKT_IPPROTO_UDP 17
#define PKT_IPPROTO_ICMP 1
#define PKT_IPPROTO_ICMPV6 58

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10
#define PKT_TCP_URG 0x20
#define PKT_TCP_ECE 0x40
#define PKT_TCP_CWR 0x80

/*
 * Packets of a kind, with fields overridden by designated initializers:
 * PKT_TCP4(.dport = 22). Later initializers win (C11 6.7.9p19), which is
 * the point here, so -Woverride-init, which warns about exactly that, is
 * off in every file using them.
 */
#pragma GCC diagnostic ignored "-Woverride-init"

#define PKT_TCP4(...)                                                                \
	((struct pkt_spec){ .l3 = PKT_L3_IP4, .proto = PKT_IPPROTO_TCP, .sport = 40000, \
			    .dport = 80, .tcp_flags = PKT_TCP_ACK, __VA_ARGS__ })
#define PKT_UDP4(...)                                                                \
	((struct pkt_spec){ .l3 = PKT_L3_IP4, .proto = PKT_IPPROTO_UDP, .sport = 40000, \
			    .dport = 53, __VA_ARGS__ })
#define PKT_ICMP4(...)                                                              \
	((struct pkt_spec){ .l3 = PKT_L3_IP4, .proto = PKT_IPPROTO_ICMP, .icmp_type = 8, \
			    __VA_ARGS__ })
#define PKT_IP4(...) ((struct pkt_spec){ .l3 = PKT_L3_IP4, __VA_ARGS__ })
#define PKT_TCP6(...)                                                                \
	((struct pkt_spec){ .l3 = PKT_L3_IP6, .proto = PKT_IPPROTO_TCP, .sport = 40000, \
			    .dport = 80, .tcp_flags = PKT_TCP_ACK, __VA_ARGS__ })
#define PKT_UDP6(...)                                                                \
	((struct pkt_spec){ .l3 = PKT_L3_IP6, .proto = PKT_IPPROTO_UDP, .sport = 40000, \
			    .dport = 53, __VA_ARGS__ })
#define PKT_ICMP6(...)                                                                 \
	((struct pkt_spec){ .l3 = PKT_L3_IP6, .proto = PKT_IPPROTO_ICMPV6, .icmp_type = 128, \
			    __VA_ARGS__ })
#define PKT_IP6(...) ((struct pkt_spec){ .l3 = PKT_L3_IP6, __VA_ARGS__ })
/* The IPv6 extension headers of a spec: PKT_EXT(PKT_EXT_HOP, PKT_EXT_FRAG). */
#define PKT_EXT(...) .exthdrs = { __VA_ARGS__ }, .nexthdrs = sizeof((uint8_t[]){ __VA_ARGS__ })

#define PKT_ARP(...) \
	((struct pkt_spec){ .l3 = PKT_L3_OTHER, .ethertype = 0x0806, .payload = 28, __VA_ARGS__ })

/*
 * Write the frame described by @spec to @buf (@size bytes). Returns its
 * length, or -EINVAL for an impossible spec (bad address, too many bytes).
 */
int pkt_build(const struct pkt_spec *spec, uint8_t *buf, size_t size);

/* One line saying what @spec is, for failure messages. */
void pkt_describe(const struct pkt_spec *spec, char *buf, size_t size);

/* Offset of the network header in a frame built from @spec. */
size_t pkt_l3_off(const struct pkt_spec *spec);

/* Whether the frame is IPv4 or IPv6 (netfilter runs need one of them). */
static inline bool pkt_is_ip(const struct pkt_spec *spec)
{
	return spec->l3 == PKT_L3_IP4 || spec->l3 == PKT_L3_IP6;
}

#endif /* BF_SELFTESTS_PKT_H */

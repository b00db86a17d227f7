/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packet parser shared by the packet templates: fills a struct bf_pkt once,
 * so rules never touch the packet again, and notes where the headers are
 * for "log", which copies them (bf_log_headers()).
 *
 * The including template defines BF_HCTX (the type of its packet handle) and
 * bf_load(), which copies bytes at an offset from the start of the packet as
 * the hook sees it. Loads go through helpers rather than direct packet
 * access: they also work on non-linear skbs and on the netfilter dynptr.
 * Included after engine.h (struct bf_run).
 */
#ifndef BF_BPF_PARSE_H
#define BF_BPF_PARSE_H

#include "common.h"

#define BF_IPV6_MAX_EXTHDRS 8

/*
 * The Ethernet, IP and transport headers, read once per packet: a template
 * with direct packet access defines bf_load_hdr() to read them in place
 * (a helper call each costs more than the rest of the parse). The IPv6
 * extension header walk and "log" keep bf_load(): a second way to read
 * in each of those steps would multiply what the verifier explores.
 */
#ifndef BF_HAVE_LOAD_HDR
#define bf_load_hdr bf_load
#endif

#ifndef BF_HAVE_LOAD_L4
#define bf_load_l4(h, off, buf, len) bf_load(h, off, (buf)->b, len)
#endif

#define BF_ETH_P_IP 0x0800
#define BF_ETH_P_IPV6 0x86DD
#define BF_ETH_P_8021Q 0x8100
#define BF_ETH_P_8021AD 0x88A8

struct bf_iphdr {
	__u8 ver_ihl;
	__u8 tos;
	__u16 tot_len;
	__u16 id;
	__u16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__u16 check;
	__u8 saddr[4];
	__u8 daddr[4];
};

struct bf_ipv6hdr {
	__u8 ver_tc;
	__u8 tc_flow;
	__u16 flow;
	__u16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

static __always_inline void bf_parse_l4(BF_HCTX *h, struct bf_run *run, __u32 off)
{
	struct bf_pkt *pkt = &run->pkt;
	struct bf_l4buf buf;
	__u8 *hdr = buf.b;

	/* A constant: the verifier drops the rest when no rule needs it. */
	if (!bf_cfg.parse_l4)
		return;
	run->l4_off = off;
	switch (pkt->l4_proto) {
	case 6: /* TCP */
		if (bf_load_l4(h, off, &buf, 14))
			return;
		__builtin_memcpy(&pkt->sport, &hdr[0], 2);
		__builtin_memcpy(&pkt->dport, &hdr[2], 2);
		pkt->tcp_flags = hdr[13];
		pkt->flags |= BF_PKT_TCP | BF_PKT_PORTS;
		break;
	case 17: /* UDP */
		if (bf_load_l4(h, off, &buf, 4))
			return;
		__builtin_memcpy(&pkt->sport, &hdr[0], 2);
		__builtin_memcpy(&pkt->dport, &hdr[2], 2);
		pkt->flags |= BF_PKT_UDP | BF_PKT_PORTS;
		break;
	case 1: /* ICMP */
	case 58: /* ICMPv6 */
		if (bf_load_l4(h, off, &buf, 2))
			return;
		pkt->icmp_type = hdr[0];
		pkt->icmp_code = hdr[1];
		pkt->flags |= pkt->l4_proto == 1 ? BF_PKT_ICMP : BF_PKT_ICMPV6;
		break;
	}
}

static __always_inline void bf_parse_ipv4(BF_HCTX *h, struct bf_run *run, __u32 off)
{
	struct bf_pkt *pkt = &run->pkt;
	struct bf_iphdr ip;
	__u32 ihl;

	if (bf_load_hdr(h, off, &ip, sizeof(ip)))
		return;
	ihl = (ip.ver_ihl & 0x0f) * 4;
	if ((ip.ver_ihl >> 4) != 4 || ihl < sizeof(ip))
		return;

	pkt->flags |= BF_PKT_IPV4 | BF_PKT_L4;
	pkt->l4_proto = ip.protocol;
	pkt->dscp = ip.tos >> 2;
	__builtin_memcpy(pkt->saddr, ip.saddr, 4);
	__builtin_memcpy(pkt->daddr, ip.daddr, 4);

	/* A non-first fragment has no transport header. */
	if (bpf_ntohs(ip.frag_off) & 0x1fff)
		return;
	bf_parse_l4(h, run, off + ihl);
}

static __always_inline void bf_parse_ipv6(BF_HCTX *h, struct bf_run *run, __u32 off)
{
	struct bf_pkt *pkt = &run->pkt;
	struct bf_ipv6hdr ip6;
	__u8 ext[4];
	__u8 nexthdr;
	int i;

	if (bf_load_hdr(h, off, &ip6, sizeof(ip6)))
		return;
	if ((ip6.ver_tc >> 4) != 6)
		return;

	pkt->flags |= BF_PKT_IPV6;
	/* Traffic class: the low 4 bits of the first byte, the high 4 of the
	 * second; DSCP is its upper 6 bits. */
	pkt->dscp = (ip6.ver_tc & 0x0f) << 2 | ip6.tc_flow >> 6;
	__builtin_memcpy(pkt->saddr, ip6.saddr, 16);
	__builtin_memcpy(pkt->daddr, ip6.daddr, 16);
	nexthdr = ip6.nexthdr;
	off += sizeof(ip6);

	/* Up to BF_IPV6_MAX_EXTHDRS extension headers, then one more look
	 * for the transport header that may follow the last of them. */
	for (i = 0; i <= BF_IPV6_MAX_EXTHDRS; i++) {
		__u32 len;

		if (i == BF_IPV6_MAX_EXTHDRS) {
			/* Past the walk: a transport header, or another
			 * extension header, not walked nor recorded. */
			switch (nexthdr) {
			case 0:
			case 43:
			case 44:
			case 51:
			case 60:
			case 135:
				return;
			default:
				goto l4;
			}
		}
		switch (nexthdr) {
		case 0:
			pkt->exthdrs |= BF_EXT_HOP;
			break;
		case 43:
			pkt->exthdrs |= BF_EXT_ROUTE;
			break;
		case 44:
			pkt->exthdrs |= BF_EXT_FRAG;
			break;
		case 51:
			pkt->exthdrs |= BF_EXT_AH;
			break;
		case 60:
			pkt->exthdrs |= BF_EXT_DST;
			break;
		case 135:
			pkt->exthdrs |= BF_EXT_MH;
			break;
		default:
			goto l4;
		}
		if (bf_load(h, off, ext, sizeof(ext)))
			return;
		if (nexthdr == 44) {
			/* Only the first fragment carries the transport header. */
			if ((((__u16)ext[2] << 8 | ext[3]) & 0xfff8) != 0) {
				pkt->l4_proto = ext[0];
				pkt->flags |= BF_PKT_L4;
				return;
			}
			len = 8;
		} else if (nexthdr == 51) {
			len = ((__u32)ext[1] + 2) * 4;
		} else {
			len = ((__u32)ext[1] + 1) * 8;
		}
		nexthdr = ext[0];
		off += len;
	}
	/* Too many extension headers: the transport header stays unknown. */
	return;

l4:
	pkt->l4_proto = nexthdr;
	pkt->flags |= BF_PKT_L4;
	bf_parse_l4(h, run, off);
}

/* Parse from the network header at @off, given the EtherType @l3_proto
 * (big-endian). */
static __always_inline void bf_parse_l3(BF_HCTX *h, struct bf_run *run, __u32 off,
					__u16 l3_proto)
{
	struct bf_pkt *pkt = &run->pkt;

	pkt->l3_proto = l3_proto;
	pkt->flags |= BF_PKT_L3;
	run->l3_off = off;

	if (l3_proto == bpf_htons(BF_ETH_P_IP))
		bf_parse_ipv4(h, run, off);
	else if (l3_proto == bpf_htons(BF_ETH_P_IPV6))
		bf_parse_ipv6(h, run, off);
}

/* Parse from the Ethernet header at offset 0 (XDP and TC). One VLAN tag is
 * skipped, as iptables and nftables see through it too. */
static __always_inline void bf_parse_eth(BF_HCTX *h, struct bf_run *run)
{
	__u16 proto;
	__u32 off = 12;

	if (bf_load_hdr(h, off, &proto, sizeof(proto)))
		return;
	off += 2;
	if (proto == bpf_htons(BF_ETH_P_8021Q) || proto == bpf_htons(BF_ETH_P_8021AD)) {
		if (bf_load_hdr(h, off + 2, &proto, sizeof(proto)))
			return;
		off += 4;
	}
	bf_parse_l3(h, run, off, proto);
}

/*
 * "log": copy the headers the rule asks for from the packet into @e, those
 * the parser found: the link header at offset 0 when @l2 (the hook sees
 * Ethernet), the network header, the transport header (TCP's 20 bytes, 8
 * for the others). The network header takes BF_LOG_L3_LEN bytes, IPv6's
 * fixed header or IPv4's with up to 20 bytes of options or of what
 * follows (the reader finds the header length in it); an IPv4 packet
 * shorter than that gets its 20-byte header. Sizes are constants: the
 * verifier checks them with no bounds to track. A header the packet
 * doesn't hold whole is left out of e->have.
 */
static __always_inline void bf_log_headers(BF_HCTX *h, struct bf_run *run,
					   struct bf_log_entry *e, bool l2)
{
	__u32 flags = run->pkt.flags;

	if ((e->hdrs & BF_LOG_LINK) && l2 && !bf_load(h, 0, e->l2, BF_LOG_L2_LEN))
		e->have |= BF_LOG_LINK;

	if ((e->hdrs & BF_LOG_INTERNET) && (flags & (BF_PKT_IPV4 | BF_PKT_IPV6))) {
		if (!bf_load(h, run->l3_off, e->l3, BF_LOG_L3_LEN) ||
		    ((flags & BF_PKT_IPV4) && !bf_load(h, run->l3_off, e->l3, 20)))
			e->have |= BF_LOG_INTERNET;
	}

	if ((e->hdrs & BF_LOG_TRANSPORT) &&
	    (flags & (BF_PKT_TCP | BF_PKT_UDP | BF_PKT_ICMP | BF_PKT_ICMPV6))) {
		int r = (flags & BF_PKT_TCP) ? bf_load(h, run->l4_off, e->l4, 20) :
					       bf_load(h, run->l4_off, e->l4, 8);

		if (!r)
			e->have |= BF_LOG_TRANSPORT;
	}
}

#endif /* BF_BPF_PARSE_H */

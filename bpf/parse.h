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
 * with direct packet access defines bf_hdr_ptr() to give their address in
 * the packet, read in place a word at a time (a helper call each costs
 * more than the rest of the parse); elsewhere, and for what lies beyond
 * the first buffer, bf_load() copies them. Each header's fields are read
 * into the packet context on either way, so the two join again before the
 * next header: what follows is verified once. The IPv6 extension header
 * walk and "log" keep bf_load().
 */
#ifndef BF_HAVE_HDR_PTR
#define bf_hdr_ptr(h, off, len) ((const __u8 *)0)
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

/* The transport header of protocol @proto at @hdr into the packet
 * context: its first bf_l4_len(@proto) bytes. */
static __always_inline void bf_l4_read(struct bf_pkt *pkt, const __u8 *hdr, __u8 proto)
{
	switch (proto) {
	case 6: /* TCP */
		*(__u32 *)&pkt->sport = *(const __u32 *)hdr;
		pkt->tcp_flags = hdr[13];
		pkt->flags |= BF_PKT_TCP | BF_PKT_PORTS;
		break;
	case 17: /* UDP */
		*(__u32 *)&pkt->sport = *(const __u32 *)hdr;
		pkt->flags |= BF_PKT_UDP | BF_PKT_PORTS;
		break;
	default: /* ICMP, ICMPv6 */
		pkt->icmp_type = hdr[0];
		pkt->icmp_code = hdr[1];
		pkt->flags |= proto == 1 ? BF_PKT_ICMP : BF_PKT_ICMPV6;
		break;
	}
}

/* Bytes of the transport header the parser reads, 0 for a protocol it
 * doesn't know. */
static __always_inline __u32 bf_l4_len(__u8 proto)
{
	switch (proto) {
	case 6:
		return 14;
	case 17:
		return 4;
	case 1:
	case 58:
		return 2;
	default:
		return 0;
	}
}

static __always_inline void bf_parse_l4(BF_HCTX *h, struct bf_run *run, __u32 off)
{
	struct bf_pkt *pkt = &run->pkt;
	__u8 proto = pkt->l4_proto;
	struct bf_l4buf buf;
	const __u8 *p;
	__u32 len;

	/* A constant: the verifier drops the rest when no rule needs it. */
	if (!bf_cfg.parse_l4)
		return;
	run->l4_off = off;
	len = bf_l4_len(proto);
	if (!len)
		return;
	/* The longest read: a shorter header goes the copying way. */
	p = bf_hdr_ptr(h, off, sizeof(buf.b));
	if (p) {
		bf_l4_read(pkt, p, proto);
	} else {
		if (bf_load_l4(h, off, &buf, len))
			return;
		bf_l4_read(pkt, buf.b, proto);
	}
}

/* The IPv4 header at @ip into the packet context: its length, 1 for a
 * non-first fragment (no transport header), 0 if it isn't IPv4. */
static __always_inline __u32 bf_ipv4_read(struct bf_pkt *pkt, const __u8 *ip)
{
	__u32 ihl = (ip[0] & 0x0f) * 4;

	if ((ip[0] >> 4) != 4 || ihl < sizeof(struct bf_iphdr))
		return 0;
	pkt->flags |= BF_PKT_IPV4 | BF_PKT_L4;
	pkt->l4_proto = ip[9];
	pkt->dscp = ip[1] >> 2;
	*(__u32 *)pkt->saddr = *(const __u32 *)(ip + 12);
	*(__u32 *)pkt->daddr = *(const __u32 *)(ip + 16);
	return *(const __u16 *)(ip + 6) & bpf_htons(0x1fff) ? 1 : ihl;
}

static __always_inline void bf_parse_ipv4(BF_HCTX *h, struct bf_run *run, __u32 off)
{
	const __u8 *p = bf_hdr_ptr(h, off, sizeof(struct bf_iphdr));
	struct bf_iphdr ip __attribute__((aligned(8)));
	__u32 ihl;

	if (p) {
		ihl = bf_ipv4_read(&run->pkt, p);
	} else {
		if (bf_load(h, off, &ip, sizeof(ip)))
			return;
		ihl = bf_ipv4_read(&run->pkt, (const __u8 *)&ip);
	}
	if (ihl > 1)
		bf_parse_l4(h, run, off + ihl);
}

/* The IPv6 header at @ip into the packet context: its next header, -1 if
 * it isn't IPv6. */
static __always_inline int bf_ipv6_read(struct bf_pkt *pkt, const __u8 *ip)
{
	int i;

	if ((ip[0] >> 4) != 6)
		return -1;
	pkt->flags |= BF_PKT_IPV6;
	/* Traffic class: the low 4 bits of the first byte, the high 4 of the
	 * second; DSCP is its upper 6 bits. */
	pkt->dscp = (ip[0] & 0x0f) << 2 | ip[1] >> 6;
	for (i = 0; i < 4; i++) {
		((__u32 *)pkt->saddr)[i] = ((const __u32 *)(ip + 8))[i];
		((__u32 *)pkt->daddr)[i] = ((const __u32 *)(ip + 24))[i];
	}
	return ip[6];
}

static __always_inline void bf_parse_ipv6(BF_HCTX *h, struct bf_run *run, __u32 off)
{
	const __u8 *p = bf_hdr_ptr(h, off, sizeof(struct bf_ipv6hdr));
	struct bf_ipv6hdr ip6 __attribute__((aligned(8)));
	struct bf_pkt *pkt = &run->pkt;
	__u8 ext[4];
	int nexthdr;
	int i;

	if (p) {
		nexthdr = bf_ipv6_read(pkt, p);
	} else {
		if (bf_load(h, off, &ip6, sizeof(ip6)))
			return;
		nexthdr = bf_ipv6_read(pkt, (const __u8 *)&ip6);
	}
	if (nexthdr < 0)
		return;
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
	const __u8 *p = bf_hdr_ptr(h, 0, 18);
	__u16 proto;
	__u32 off = 14;

	if (p) {
		/* Room for a tag: anything shorter has no IP header either. */
		proto = *(const __u16 *)(p + 12);
		if (proto == bpf_htons(BF_ETH_P_8021Q) || proto == bpf_htons(BF_ETH_P_8021AD)) {
			proto = *(const __u16 *)(p + 16);
			off = 18;
		}
	} else {
		if (bf_load(h, 12, &proto, sizeof(proto)))
			return;
		if (proto == bpf_htons(BF_ETH_P_8021Q) || proto == bpf_htons(BF_ETH_P_8021AD)) {
			if (bf_load(h, 16, &proto, sizeof(proto)))
				return;
			off = 18;
		}
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

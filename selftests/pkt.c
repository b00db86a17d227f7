// SPDX-License-Identifier: GPL-2.0-only
#include "pkt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PKT_ETH_P_IP 0x0800
#define PKT_ETH_P_IPV6 0x86DD
#define PKT_ETH_P_8021Q 0x8100

/* Local, locally administered MACs: the hooks under test never look. */
static const uint8_t pkt_dmac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t pkt_smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

/* Writes into a fixed buffer; a write past its end marks it failed, so
 * builders don't check every step. */
struct pkt_buf {
	uint8_t *data;
	size_t size;
	size_t len;
	bool overflow;
};

static uint8_t *pkt_put(struct pkt_buf *b, size_t len)
{
	uint8_t *p;

	if (b->overflow || len > b->size - b->len) {
		b->overflow = true;
		return NULL;
	}
	p = b->data + b->len;
	memset(p, 0, len);
	b->len += len;
	return p;
}

static void pkt_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static size_t pkt_l4_len(const struct pkt_spec *spec)
{
	switch (spec->proto) {
	case PKT_IPPROTO_TCP:
		return 20;
	default:
		/* UDP, ICMP and ICMPv6 headers are 8 bytes; other protocols
		 * get 8 bytes too so that there is something to parse. */
		return 8;
	}
}

static size_t pkt_ext_len(uint8_t type)
{
	/* AH's minimal size with a 96-bit ICV; the others' minimum. */
	return type == PKT_EXT_AH ? 24 : 8;
}

static size_t pkt_l3_payload_len(const struct pkt_spec *spec)
{
	size_t len = pkt_l4_len(spec) + spec->payload;

	if (spec->l3 == PKT_L3_IP6) {
		for (size_t i = 0; i < spec->nexthdrs; i++)
			len += pkt_ext_len(spec->exthdrs[i]);
	}
	return len;
}

size_t pkt_l3_off(const struct pkt_spec *spec)
{
	return PKT_ETH_HLEN + (spec->vlan ? PKT_VLAN_HLEN : 0);
}

static uint16_t pkt_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void pkt_build_eth(const struct pkt_spec *spec, struct pkt_buf *b)
{
	uint16_t type;
	uint8_t *p;

	switch (spec->l3) {
	case PKT_L3_IP4:
		type = PKT_ETH_P_IP;
		break;
	case PKT_L3_IP6:
		type = PKT_ETH_P_IPV6;
		break;
	default:
		type = spec->ethertype;
		break;
	}

	p = pkt_put(b, pkt_l3_off(spec));
	if (!p)
		return;
	memcpy(p, pkt_dmac, 6);
	memcpy(p + 6, pkt_smac, 6);
	if (spec->vlan) {
		pkt_put_be16(p + 12, spec->vlan_tpid ?: PKT_ETH_P_8021Q);
		pkt_put_be16(p + 14, spec->vlan_id & 0x0fff);
		p += PKT_VLAN_HLEN;
	}
	pkt_put_be16(p + 12, type);
}

static int pkt_build_ip4(const struct pkt_spec *spec, struct pkt_buf *b)
{
	size_t hlen = 20 + spec->ip4_optlen;
	uint16_t frag;
	uint8_t *p;

	if (spec->ip4_optlen % 4 || spec->ip4_optlen > 40)
		return -EINVAL;
	p = pkt_put(b, hlen);
	if (!p)
		return -EINVAL;

	p[0] = 0x40 | (uint8_t)(hlen / 4);
	p[1] = spec->tos;
	pkt_put_be16(p + 2, (uint16_t)(hlen + pkt_l3_payload_len(spec)));
	pkt_put_be16(p + 4, 0x1234);
	frag = (spec->frag_off & 0x1fff) | (spec->more_frags ? 0x2000 : 0);
	pkt_put_be16(p + 6, frag);
	p[8] = 64;
	p[9] = spec->proto;
	if (inet_pton(AF_INET, spec->saddr ?: "10.0.0.1", p + 12) != 1 ||
	    inet_pton(AF_INET, spec->daddr ?: "10.0.0.2", p + 16) != 1)
		return -EINVAL;
	/* Options: NOPs, valid and meaningless. */
	memset(p + 20, 1, spec->ip4_optlen);
	pkt_put_be16(p + 10, pkt_csum(p, hlen));
	return 0;
}

static void pkt_build_ext(const struct pkt_spec *spec, struct pkt_buf *b, uint8_t type,
			  uint8_t next)
{
	size_t len = pkt_ext_len(type);
	uint8_t *p = pkt_put(b, len);

	if (!p)
		return;
	p[0] = next;
	switch (type) {
	case PKT_EXT_HOP:
	case PKT_EXT_DST:
		/* Hdr Ext Len 0, then a PadN option filling the 8 bytes. */
		p[2] = 1;
		p[3] = 4;
		break;
	case PKT_EXT_ROUTE:
		/* Segment routing type, no segments left. */
		p[2] = 4;
		break;
	case PKT_EXT_FRAG:
		pkt_put_be16(p + 2, (uint16_t)(spec->frag_off << 3 | (spec->more_frags ? 1 : 0)));
		p[7] = 0x42; /* identification */
		break;
	case PKT_EXT_AH:
		/* Payload Len in 4-byte units minus 2. */
		p[1] = (uint8_t)(len / 4 - 2);
		p[7] = 0x42; /* SPI */
		break;
	case PKT_EXT_MH:
		/* Binding refresh request. */
		p[2] = 0;
		break;
	}
}

static int pkt_build_ip6(const struct pkt_spec *spec, struct pkt_buf *b)
{
	uint8_t *p;

	if (spec->nexthdrs > PKT_MAX_EXTHDRS)
		return -EINVAL;
	p = pkt_put(b, 40);
	if (!p)
		return -EINVAL;

	p[0] = 0x60 | spec->tos >> 4;
	p[1] = (uint8_t)(spec->tos << 4);
	pkt_put_be16(p + 4, (uint16_t)pkt_l3_payload_len(spec));
	p[6] = spec->nexthdrs ? spec->exthdrs[0] : spec->proto;
	p[7] = 64;
	if (inet_pton(AF_INET6, spec->saddr ?: "2001:db8::1", p + 8) != 1 ||
	    inet_pton(AF_INET6, spec->daddr ?: "2001:db8::2", p + 24) != 1)
		return -EINVAL;

	for (size_t i = 0; i < spec->nexthdrs; i++) {
		uint8_t next = i + 1 < spec->nexthdrs ? spec->exthdrs[i + 1] : spec->proto;

		pkt_build_ext(spec, b, spec->exthdrs[i], next);
	}
	return 0;
}

static void pkt_build_l4(const struct pkt_spec *spec, struct pkt_buf *b)
{
	uint8_t *p = pkt_put(b, pkt_l4_len(spec));

	if (!p)
		return;
	switch (spec->proto) {
	case PKT_IPPROTO_TCP:
		pkt_put_be16(p, spec->sport);
		pkt_put_be16(p + 2, spec->dport);
		p[7] = 1; /* sequence number */
		p[12] = 5 << 4; /* data offset: no options */
		p[13] = spec->tcp_flags;
		pkt_put_be16(p + 14, 65535); /* window */
		break;
	case PKT_IPPROTO_UDP:
		pkt_put_be16(p, spec->sport);
		pkt_put_be16(p + 2, spec->dport);
		pkt_put_be16(p + 4, (uint16_t)(8 + spec->payload));
		break;
	case PKT_IPPROTO_ICMP:
	case PKT_IPPROTO_ICMPV6:
		p[0] = spec->icmp_type;
		p[1] = spec->icmp_code;
		break;
	}
}

int pkt_build(const struct pkt_spec *spec, uint8_t *buf, size_t size)
{
	struct pkt_buf b = { .data = buf, .size = size };
	int r = 0;

	pkt_build_eth(spec, &b);
	switch (spec->l3) {
	case PKT_L3_IP4:
		r = pkt_build_ip4(spec, &b);
		break;
	case PKT_L3_IP6:
		r = pkt_build_ip6(spec, &b);
		break;
	case PKT_L3_OTHER:
		pkt_put(&b, spec->payload);
		break;
	default:
		return -EINVAL;
	}
	if (r)
		return r;

	if (pkt_is_ip(spec)) {
		pkt_build_l4(spec, &b);
		pkt_put(&b, spec->payload);
	}
	if (b.overflow)
		return -EINVAL;
	if (spec->truncate && spec->truncate < b.len)
		b.len = spec->truncate;
	return (int)b.len;
}

static const char *pkt_l4_name(uint8_t proto)
{
	switch (proto) {
	case PKT_IPPROTO_TCP:
		return "TCP";
	case PKT_IPPROTO_UDP:
		return "UDP";
	case PKT_IPPROTO_ICMP:
		return "ICMP";
	case PKT_IPPROTO_ICMPV6:
		return "ICMPv6";
	default:
		return NULL;
	}
}

void pkt_describe(const struct pkt_spec *spec, char *buf, size_t size)
{
	const char *l4 = pkt_l4_name(spec->proto);
	bool v4 = spec->l3 == PKT_L3_IP4;
	FILE *f = fmemopen(buf, size, "w");

	if (!f) {
		snprintf(buf, size, "?");
		return;
	}
	if (spec->vlan)
		fprintf(f, "vlan %u ", spec->vlan_id);
	if (!pkt_is_ip(spec)) {
		fprintf(f, "ethertype 0x%04x", spec->ethertype);
	} else {
		fprintf(f, "%s %s %s", v4 ? "IPv4" : "IPv6", spec->saddr ?: (v4 ? "10.0.0.1" : "2001:db8::1"),
			spec->daddr ?: (v4 ? "10.0.0.2" : "2001:db8::2"));
		if (l4)
			fprintf(f, " %s", l4);
		else
			fprintf(f, " proto %u", spec->proto);
		if (spec->proto == PKT_IPPROTO_TCP || spec->proto == PKT_IPPROTO_UDP)
			fprintf(f, " %u > %u", spec->sport, spec->dport);
		if (spec->proto == PKT_IPPROTO_TCP)
			fprintf(f, " flags 0x%02x", spec->tcp_flags);
		if (spec->proto == PKT_IPPROTO_ICMP || spec->proto == PKT_IPPROTO_ICMPV6)
			fprintf(f, " type %u code %u", spec->icmp_type, spec->icmp_code);
		if (spec->ip4_optlen)
			fprintf(f, " options %u", spec->ip4_optlen);
		for (size_t i = 0; i < spec->nexthdrs && i < PKT_MAX_EXTHDRS; i++)
			fprintf(f, "%s%u", i ? "," : " ext ", spec->exthdrs[i]);
		if (spec->frag_off || spec->more_frags)
			fprintf(f, " frag %u%s", spec->frag_off, spec->more_frags ? "+" : "");
	}
	if (spec->truncate)
		fprintf(f, " cut at %zu", spec->truncate);
	fclose(f);
}

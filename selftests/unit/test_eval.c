// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reference evaluator (lib/eval.h) on hand-written cases: every matcher
 * family with its operators and "not", sets, the corners of the parser
 * (VLAN tags, options, fragments, extension headers, truncation, hooks
 * without Ethernet), and the walk of a chain (CONTINUE, marks, counters,
 * policy, verdicts per hook). Frames are built with selftests/pkt.c.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pkt.h"
#include "lib/chain.h"
#include "lib/eval.h"
#include "lib/helper.h"
#include "lib/names.h"
#include "lib/parse.h"
#include "unit.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd

/* Parse @text, which defines one chain. */
static struct bf_chain *chain_from(const char *text)
{
	_cleanup_bf_ruleset_ struct bf_ruleset *rs = NULL;
	char err[256];
	int r = bf_parse_ruleset(text, &rs, err, sizeof(err));

	ck_assert_msg(!r, "parsing '%s': %s", text, err);
	ck_assert_uint_eq(rs->nchains, 1);
	return TAKE_PTR(rs->chains[0]);
}

/* The frame of @spec as @hook sees it, and the context to go with it. */
struct tframe {
	uint8_t buf[PKT_MAX];
	const uint8_t *data;
	size_t len;
	struct bf_eval_ctx ctx;
};

static void tframe_build(struct tframe *f, enum bf_hook hook, const struct pkt_spec *spec,
			 uint32_t mark)
{
	int len = pkt_build(spec, f->buf, sizeof(f->buf));

	ck_assert_int_ge(len, PKT_ETH_HLEN);
	memset(&f->ctx, 0, sizeof(f->ctx));
	f->ctx.l2 = bf_hook_has_l2(hook);
	f->ctx.ifindex = 1;
	f->ctx.mark = mark;
	f->data = f->buf;
	f->len = (size_t)len;
	if (!f->ctx.l2) {
		/* skb->protocol, or netfilter's family: the EtherType. */
		f->ctx.l3_proto = (uint16_t)(f->buf[12] << 8 | f->buf[13]);
		f->data += PKT_ETH_HLEN;
		f->len -= PKT_ETH_HLEN;
	}
}

/* Whether "rule @rule counter DROP" (after @sets) matches @spec on @hook. */
static bool matches(enum bf_hook hook, const char *sets, const char *rule,
		    const struct pkt_spec *spec, uint32_t mark)
{
	_cleanup_bf_chain_ struct bf_chain *chain = NULL;
	struct bf_eval_result res = {};
	_cleanup_free_ char *text = NULL;
	struct tframe f;
	int r;

	ck_assert_int_ge(asprintf(&text, "chain t %s ACCEPT %s rule %s counter DROP",
				  bf_hook_to_str(hook), sets ?: "", rule), 0);
	chain = chain_from(text);
	tframe_build(&f, hook, spec, mark);
	r = bf_eval_chain(chain, f.data, f.len, &f.ctx, &res);
	ck_assert_msg(!r, "'%s': %s", rule, strerror(-r));
	return res.verdict == BF_VERDICT_DROP;
}

struct ecase {
	const char *sets;
	const char *rule;
	struct pkt_spec pkt;
	bool match;
	uint32_t mark;
	/* Only on hooks that see Ethernet (VLAN tags, non-IP frames). */
	bool l2_only;
};

#define YES(r, p, ...) { .rule = (r), .pkt = p, .match = true, __VA_ARGS__ }
#define NO(r, p, ...) { .rule = (r), .pkt = p, .match = false, __VA_ARGS__ }

/* Each case on a hook with Ethernet (TC: it has a mark) and, unless it
 * needs Ethernet, on cgroup_skb and netfilter, which start at the IP
 * header: the answer must be the same. */
static void check_cases(const char *table, const struct ecase *cases, size_t n)
{
	static const enum bf_hook hooks[] = {
		BF_HOOK_TC_INGRESS,
		BF_HOOK_CGROUP_SKB_EGRESS,
		BF_HOOK_NF_LOCAL_IN,
	};

	for (size_t i = 0; i < n; i++) {
		const struct ecase *c = &cases[i];

		for (size_t h = 0; h < ARRAY_SIZE(hooks); h++) {
			char desc[256];

			if (h && (c->l2_only || !pkt_is_ip(&c->pkt) || c->pkt.vlan))
				continue;
			/* Netfilter has no mark to give in a test. */
			if (hooks[h] == BF_HOOK_NF_LOCAL_IN && c->mark)
				continue;
			if (matches(hooks[h], c->sets, c->rule, &c->pkt, c->mark) == c->match)
				continue;
			pkt_describe(&c->pkt, desc, sizeof(desc));
			ck_abort_msg("%s row %zu on %s: '%s' %s %s", table, i,
				     bf_hook_to_str(hooks[h]), c->rule,
				     c->match ? "does not match" : "matches", desc);
		}
	}
}

#define CHECK(name, cases) check_cases(name, cases, ARRAY_SIZE(cases))

START_TEST(eval_meta)
{
	const struct ecase cases[] = {
		YES("meta.iface 1", PKT_TCP4()),
		NO("meta.iface 2", PKT_TCP4()),
		YES("meta.iface not 2", PKT_UDP6()),
		YES("meta.iface 1", PKT_ARP(), .l2_only = true),
		YES("meta.l3_proto ipv4", PKT_TCP4()),
		NO("meta.l3_proto ipv4", PKT_TCP6()),
		YES("meta.l3_proto not ipv4", PKT_ARP(), .l2_only = true),
		YES("meta.l3_proto arp", PKT_ARP(), .l2_only = true),
		YES("meta.l4_proto tcp", PKT_TCP6(PKT_EXT(PKT_EXT_HOP, PKT_EXT_DST))),
		NO("meta.l4_proto 0", PKT_TCP6(PKT_EXT(PKT_EXT_HOP))),
		YES("meta.l4_proto not tcp", PKT_UDP4()),
		NO("meta.l4_proto not tcp", PKT_ARP(), .l2_only = true),
		YES("meta.dport 80", PKT_TCP4()),
		YES("meta.dport 53", PKT_UDP6()),
		NO("meta.dport 0", PKT_ICMP4()),
		NO("meta.sport not 1", PKT_ICMP6()),
		YES("meta.sport range 255-256", PKT_UDP4(.sport = 256)),
		NO("meta.sport range 255-256", PKT_UDP4(.sport = 257)),
		YES("meta.dport not range 1000-2000", PKT_TCP4()),
		YES("meta.mark 5", PKT_TCP4(), .mark = 5),
		NO("meta.mark 5", PKT_TCP4(), .mark = 6),
		YES("meta.mark 0", PKT_TCP4()),
		YES("meta.mark not 5", PKT_ICMP6()),
		YES("meta.probability 100%", PKT_TCP4()),
		NO("meta.probability 0%", PKT_TCP4()),
		YES("meta.probability not 0%", PKT_TCP4()),
		YES("meta.flow_probability 100%", PKT_UDP6()),
		NO("meta.flow_probability 0%", PKT_UDP6()),
		YES("meta.flow_probability not 0%", PKT_ARP(), .l2_only = true),
	};

	CHECK("meta", cases);
}
END_TEST

START_TEST(eval_ip4)
{
	const struct ecase cases[] = {
		YES("ip4.saddr 10.0.0.1", PKT_TCP4()),
		NO("ip4.saddr 10.0.0.2", PKT_TCP4()),
		NO("ip4.saddr 10.0.0.1", PKT_TCP6(.saddr = "a00:1::")),
		YES("ip4.daddr not 10.0.0.9", PKT_UDP4()),
		NO("ip4.daddr not 10.0.0.9", PKT_ARP(), .l2_only = true),
		YES("ip4.snet 10.0.0.0/31", PKT_TCP4()),
		NO("ip4.snet 10.0.0.2/31", PKT_TCP4()),
		YES("ip4.dnet 192.168.128.0/17", PKT_UDP4(.daddr = "192.168.200.1")),
		NO("ip4.dnet 192.168.128.0/17", PKT_UDP4(.daddr = "192.168.127.1")),
		YES("ip4.snet 0.0.0.0/0", PKT_ICMP4()),
		NO("ip4.snet 0.0.0.0/0", PKT_ICMP6()),
		YES("ip4.proto gre", PKT_IP4(.proto = 47)),
		NO("ip4.proto tcp", PKT_TCP6()),
		YES("ip4.proto not tcp", PKT_UDP4()),
		YES("ip4.dscp ef", PKT_UDP4(.tos = 0xb8 | 3)),
		NO("ip4.dscp ef", PKT_UDP6(.tos = 0xb8)),
		YES("ip4.dscp not cs1", PKT_TCP4()),
		/* Options move the transport header. */
		YES("tcp.dport 22", PKT_TCP4(.dport = 22, .ip4_optlen = 40)),
		NO("tcp.dport 257", PKT_TCP4(.ip4_optlen = 8)),
		/* A later fragment: protocol, no ports. */
		YES("meta.l4_proto tcp", PKT_TCP4(.frag_off = 10)),
		NO("tcp.dport 80", PKT_TCP4(.frag_off = 10)),
		NO("tcp.dport not 22", PKT_TCP4(.frag_off = 10)),
		YES("tcp.dport 80", PKT_TCP4(.more_frags = true)),
		YES("ip4.dscp af21", PKT_TCP4(.tos = 18 << 2, .frag_off = 5)),
	};

	CHECK("ip4", cases);
}
END_TEST

START_TEST(eval_ip6)
{
	const struct pkt_spec all = PKT_TCP6(
		PKT_EXT(PKT_EXT_HOP, PKT_EXT_ROUTE, PKT_EXT_FRAG, PKT_EXT_DST, PKT_EXT_AH));
	const struct pkt_spec later = PKT_UDP6(PKT_EXT(PKT_EXT_HOP, PKT_EXT_FRAG), .frag_off = 3);
	const struct ecase cases[] = {
		YES("ip6.saddr 2001:db8::1", PKT_TCP6()),
		NO("ip6.saddr 2001:db8::2", PKT_TCP6()),
		NO("ip6.daddr ::", PKT_TCP4()),
		YES("ip6.dnet 2001:db8:0:0:8000::/65", PKT_TCP6(.daddr = "2001:db8::8000:0:0:1")),
		NO("ip6.dnet 2001:db8:0:0:8000::/65", PKT_TCP6(.daddr = "2001:db8::7fff:0:0:1")),
		YES("ip6.snet not fd00::/8", PKT_TCP6()),
		NO("ip6.snet not fd00::/8", PKT_TCP4()),
		YES("ip6.nexthdr tcp", all),
		NO("ip6.nexthdr udp", all),
		YES("ip6.nexthdr hop", all),
		YES("ip6.nexthdr ah", all),
		NO("ip6.nexthdr mh", all),
		NO("ip6.nexthdr not frag", all),
		YES("ip6.nexthdr not frag", PKT_TCP6()),
		NO("ip6.nexthdr not frag", PKT_TCP4()),
		YES("tcp.dport 80", all),
		YES("ip6.nexthdr 59", PKT_IP6(PKT_EXT(PKT_EXT_MH), .proto = 59)),
		YES("ip6.dscp 1", PKT_TCP6(.tos = 1 << 2)),
		YES("ip6.dscp 63", PKT_TCP6(.tos = 0xff)),
		NO("ip6.dscp 0", PKT_UDP4()),
		/* A later fragment: the protocol it announces, no ports. */
		YES("meta.l4_proto udp", later),
		YES("ip6.nexthdr frag", later),
		NO("udp.dport 53", later),
		NO("meta.sport not 1", later),
		YES("udp.dport 53", PKT_UDP6(PKT_EXT(PKT_EXT_FRAG), .more_frags = true)),
	};

	CHECK("ip6", cases);
}
END_TEST

START_TEST(eval_transport)
{
	const struct ecase cases[] = {
		YES("tcp.dport 22", PKT_TCP4(.dport = 22)),
		NO("tcp.dport 22", PKT_UDP4(.dport = 22)),
		NO("tcp.dport not 22", PKT_UDP4(.dport = 80)),
		YES("tcp.dport range 1024-65535", PKT_TCP6(.dport = 65535)),
		NO("tcp.sport not range 40000-40000", PKT_TCP4()),
		YES("tcp.flags syn", PKT_TCP4(.tcp_flags = PKT_TCP_SYN)),
		NO("tcp.flags eq syn", PKT_TCP4(.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK)),
		YES("tcp.flags any syn,fin", PKT_TCP4(.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK)),
		NO("tcp.flags any fin,rst", PKT_TCP4(.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK)),
		YES("tcp.flags all syn,ack", PKT_TCP4(.tcp_flags = 0x1a)),
		NO("tcp.flags all syn,ack", PKT_TCP4(.tcp_flags = PKT_TCP_SYN)),
		YES("tcp.flags not all syn,ack", PKT_TCP4(.tcp_flags = PKT_TCP_SYN)),
		NO("tcp.flags not any syn", PKT_UDP4()),
		YES("udp.dport 53", PKT_UDP6()),
		NO("udp.dport 53", PKT_TCP4(.dport = 53)),
		YES("udp.sport range 39999-40000", PKT_UDP6()),
		NO("udp.dport not 53", PKT_TCP4(.dport = 123)),
		YES("icmp.type echo-request", PKT_ICMP4()),
		NO("icmp.type 3", PKT_ICMP6(.icmp_type = 3)),
		YES("icmp.code not 3", PKT_ICMP4(.icmp_type = 3, .icmp_code = 4)),
		NO("icmp.code not 3", PKT_ICMP6()),
		YES("icmpv6.type nd-neighbor-solicit",
		    PKT_ICMP6(.icmp_type = 135, PKT_EXT(PKT_EXT_HOP))),
		NO("icmpv6.type 8", PKT_ICMP4()),
		YES("icmpv6.code 4", PKT_ICMP6(.icmp_type = 1, .icmp_code = 4)),
		/* The protocol number decides, not the IP version. */
		YES("icmp.type 8", PKT_IP6(.proto = PKT_IPPROTO_ICMP, .icmp_type = 8)),
	};

	CHECK("transport", cases);
}
END_TEST

START_TEST(eval_sets)
{
	static const char pairs[] = "set pairs (ip4.daddr, tcp.dport) in { 10.0.0.2, 22; 10.0.0.3, 80 }";
	static const char nets[] = "set nets (ip6.snet) in { 2001:db8::/32; fd00::/8 }";
	static const char empty[] = "set e (udp.dport) in {}";
	const struct ecase cases[] = {
		YES("ip4.saddr in { 10.0.0.3; 10.0.0.1 }", PKT_TCP4()),
		NO("ip4.saddr in { 10.0.0.3; 10.0.0.4 }", PKT_TCP4()),
		NO("ip4.saddr not in { 10.0.0.3 }", PKT_TCP6()),
		YES("tcp.dport in { 22; 80; 443 }", PKT_TCP4(.dport = 443)),
		NO("tcp.dport in { 22; 80; 443 }", PKT_UDP4(.dport = 443)),
		YES("ip4.snet in { 192.168.0.0/16; 10.0.0.0/8 }", PKT_TCP4()),
		YES("ip4.dnet in { 0.0.0.0/0 }", PKT_UDP4()),
		NO("ip4.dnet not in { 10.0.0.0/24 }", PKT_TCP4()),
		YES("meta.mark in { 1; 7 }", PKT_TCP4(), .mark = 7),
		YES("meta.iface in { 1 }", PKT_ARP(), .l2_only = true),
		YES("meta.l3_proto in { arp; ipv6 }", PKT_ARP(), .l2_only = true),
		{ .sets = pairs, .rule = "(ip4.daddr, tcp.dport) in pairs",
		  .pkt = PKT_TCP4(.dport = 22), .match = true },
		{ .sets = pairs, .rule = "(ip4.daddr, tcp.dport) in pairs",
		  .pkt = PKT_TCP4(.dport = 80), .match = false },
		{ .sets = pairs, .rule = "(ip4.daddr, tcp.dport) not in pairs",
		  .pkt = PKT_TCP4(.dport = 80), .match = true },
		{ .sets = pairs, .rule = "(ip4.daddr, tcp.dport) not in pairs",
		  .pkt = PKT_UDP4(.dport = 80), .match = false },
		{ .sets = pairs, .rule = "(ip4.daddr, tcp.dport) in pairs",
		  .pkt = PKT_TCP4(.dport = 22, .frag_off = 1), .match = false },
		{ .sets = nets, .rule = "(ip6.snet) in nets", .pkt = PKT_UDP6(), .match = true },
		{ .sets = nets, .rule = "(ip6.snet) in nets",
		  .pkt = PKT_UDP6(.saddr = "2001:db9::1"), .match = false },
		{ .sets = nets, .rule = "(ip6.snet) not in nets", .pkt = PKT_UDP4(), .match = false },
		{ .sets = empty, .rule = "(udp.dport) in e", .pkt = PKT_UDP4(), .match = false },
		{ .sets = empty, .rule = "(udp.dport) not in e", .pkt = PKT_UDP4(), .match = true },
		{ .sets = empty, .rule = "(udp.dport) not in e", .pkt = PKT_TCP4(), .match = false },
		YES("(ip4.saddr, meta.l4_proto) in { 10.0.0.1, icmp }", PKT_ICMP4()),
		NO("(ip4.saddr, meta.l4_proto) in { 10.0.0.1, icmp }", PKT_UDP4()),
	};

	CHECK("sets", cases);
}
END_TEST

/* Ethernet corners and frames cut short: a field is known when the bytes
 * that hold it are there. */
START_TEST(eval_parse)
{
	const struct ecase cases[] = {
		YES("meta.l3_proto ipv4", PKT_TCP4(.vlan = true, .vlan_id = 5)),
		YES("tcp.dport 80", PKT_TCP4(.vlan = true, .vlan_tpid = 0x88a8)),
		NO("meta.l3_proto 0x8100", PKT_TCP4(.vlan = true)),
		/* Truncated: IP header whole, transport header cut. */
		YES("meta.l4_proto tcp", PKT_TCP4(.truncate = 14 + 20 + 2)),
		NO("tcp.sport 40000", PKT_TCP4(.truncate = 14 + 20 + 2)),
		NO("tcp.dport 80", PKT_TCP4(.truncate = 14 + 20 + 13)),
		YES("tcp.dport 80", PKT_TCP4(.truncate = 14 + 20 + 14)),
		YES("udp.dport 53", PKT_UDP6(.truncate = 14 + 40 + 4)),
		NO("icmp.type 8", PKT_ICMP4(.truncate = 14 + 20 + 1)),
		/* Cut inside the IP header: only the EtherType is known. */
		YES("meta.l3_proto ipv4", PKT_TCP4(.truncate = 14 + 10), .l2_only = true),
		NO("ip4.snet 0.0.0.0/0", PKT_TCP4(.truncate = 14 + 10), .l2_only = true),
		NO("meta.l4_proto not udp", PKT_TCP4(.truncate = 14), .l2_only = true),
		/* An extension header cut short is seen, what follows isn't. */
		YES("ip6.nexthdr hop", PKT_TCP6(PKT_EXT(PKT_EXT_HOP), .truncate = 14 + 40 + 2)),
		NO("meta.l4_proto tcp", PKT_TCP6(PKT_EXT(PKT_EXT_HOP), .truncate = 14 + 40 + 2)),
		/* BF_EVAL_MAX_EXTHDRS extension headers are walked... */
		YES("udp.dport 53", PKT_UDP6(PKT_EXT(0, 60, 0, 60, 0, 60, 0, 60))),
		/* ...not one more: "proto 0" is a 9th (hop-by-hop). */
		NO("meta.l4_proto 0", PKT_IP6(PKT_EXT(0, 60, 0, 60, 0, 60, 0, 60), .proto = 0)),
		YES("ip6.nexthdr dst", PKT_IP6(PKT_EXT(0, 60, 0, 60, 0, 60, 0, 60), .proto = 0)),
	};

	CHECK("parse", cases);
}
END_TEST

/* Frames without Ethernet: the hook's family says what they are. */
START_TEST(eval_no_l2)
{
	uint8_t frame[PKT_MAX];
	struct bf_eval_ctx ctx = { .l3_proto = ETH_P_IPV6 };
	struct bf_eval_pkt pkt;
	int len = pkt_build(&PKT_TCP4(), frame, sizeof(frame));

	ck_assert_int_gt(len, PKT_ETH_HLEN);
	/* An IPv4 packet on an IPv6 hook is not IPv6. */
	bf_eval_parse(frame + PKT_ETH_HLEN, (size_t)len - PKT_ETH_HLEN, &ctx, &pkt);
	ck_assert_uint_eq(pkt.have, BF_EVAL_HAVE_L3);
	ck_assert_uint_eq(pkt.l3_proto, ETH_P_IPV6);

	ctx.l3_proto = ETH_P_IP;
	bf_eval_parse(frame + PKT_ETH_HLEN, (size_t)len - PKT_ETH_HLEN, &ctx, &pkt);
	ck_assert_uint_eq(pkt.have, BF_EVAL_HAVE_L3 | BF_EVAL_HAVE_IP4 | BF_EVAL_HAVE_L4 |
					    BF_EVAL_HAVE_TCP);
	ck_assert_uint_eq(pkt.dport, 80);

	/* cgroup_skb's skb->protocol of a tagged frame: the tag's type. */
	ctx.l3_proto = 0x8100;
	bf_eval_parse(frame + PKT_ETH_HLEN, (size_t)len - PKT_ETH_HLEN, &ctx, &pkt);
	ck_assert_uint_eq(pkt.have, BF_EVAL_HAVE_L3);

	bf_eval_parse(NULL, 0, &ctx, &pkt);
	ck_assert_uint_eq(pkt.have, BF_EVAL_HAVE_L3);
	ctx.l2 = true;
	bf_eval_parse(frame, 13, &ctx, &pkt);
	ck_assert_uint_eq(pkt.have, 0);
}
END_TEST

/* Run @text on @spec over TC ingress, results in @res with room for
 * 64 rules. */
static void run_chain(const char *text, enum bf_hook hook, const struct pkt_spec *spec,
		      uint32_t mark, struct bf_eval_result *res, uint64_t *matched, uint64_t *counted)
{
	_cleanup_bf_chain_ struct bf_chain *chain = chain_from(text);
	struct tframe f;
	int r;

	ck_assert_uint_le(chain->nrules + 2, 64);
	tframe_build(&f, hook, spec, mark);
	memset(res, 0, sizeof(*res));
	res->matched = matched;
	res->counted = counted;
	r = bf_eval_chain(chain, f.data, f.len, &f.ctx, res);
	ck_assert_int_eq(r, 0);
}

START_TEST(eval_walk)
{
	static const char text[] = "chain t BF_HOOK_TC_INGRESS DROP\n"
				   "rule ip4.saddr 10.0.0.1 counter mark 0x10 CONTINUE\n"
				   "rule meta.mark 0x10 counter log CONTINUE\n"
				   "rule tcp.dport 80 CONTINUE\n"
				   "rule udp.dport 53 counter ACCEPT\n"
				   "rule meta.mark 0x10 tcp.dport 80 counter mark 0x20 NEXT\n"
				   "rule counter ACCEPT\n";
	struct bf_eval_result res;
	uint64_t matched[1], counted[1];

	/* CONTINUE rules count and mark; a later rule sees the mark. */
	run_chain(text, BF_HOOK_TC_INGRESS, &PKT_TCP4(), 0, &res, matched, counted);
	ck_assert_int_eq(res.verdict, BF_VERDICT_NEXT);
	ck_assert_int_eq(res.hook_verdict, BF_VERDICT_NEXT);
	ck_assert_int_eq(res.rule, 4);
	ck_assert_uint_eq(res.mark, 0x20);
	ck_assert_uint_eq(res.nmatched, 4);
	ck_assert_uint_eq(res.nlogged, 1);
	ck_assert_uint_eq(matched[0], 0x17);
	ck_assert_uint_eq(counted[0], 0x13);

	/* The first terminal rule wins; the mark of the context is kept. */
	run_chain(text, BF_HOOK_TC_INGRESS, &PKT_UDP4(.saddr = "10.0.0.9"), 7, &res, matched,
		  counted);
	ck_assert_int_eq(res.verdict, BF_VERDICT_ACCEPT);
	ck_assert_int_eq(res.rule, 3);
	ck_assert_uint_eq(res.mark, 7);
	ck_assert_uint_eq(counted[0], 0x08);

	/* NEXT is ACCEPT outside TC. */
	run_chain("chain t BF_HOOK_XDP NEXT rule tcp.dport 81 DROP", BF_HOOK_XDP, &PKT_TCP4(), 0,
		  &res, matched, counted);
	ck_assert_int_eq(res.verdict, BF_VERDICT_NEXT);
	ck_assert_int_eq(res.hook_verdict, BF_VERDICT_ACCEPT);
	ck_assert_int_eq(res.rule, -1);
	/* Nothing matched: the policy slot (after the rules) counts. */
	ck_assert_uint_eq(counted[0], 0x2);
	ck_assert_uint_eq(res.nmatched, 0);

	run_chain("chain t BF_HOOK_TC_EGRESS ACCEPT rule tcp.dport 80 REDIRECT 3 in",
		  BF_HOOK_TC_EGRESS, &PKT_TCP6(), 0, &res, matched, counted);
	ck_assert_int_eq(res.hook_verdict, BF_VERDICT_REDIRECT);
	ck_assert_uint_eq(res.redirect_ifindex, 3);
	ck_assert(res.redirect_in);
	ck_assert_uint_eq(counted[0], 0);

	/* An empty chain applies its policy. */
	run_chain("chain t BF_HOOK_NF_LOCAL_IN DROP", BF_HOOK_NF_LOCAL_IN, &PKT_TCP4(), 0, &res,
		  matched, counted);
	ck_assert_int_eq(res.hook_verdict, BF_VERDICT_DROP);
	ck_assert_uint_eq(counted[0], 0x1);
}
END_TEST

static uint32_t draw_value;

static uint32_t draw(void *data)
{
	(*(unsigned int *)data)++;
	return draw_value;
}

START_TEST(eval_probability)
{
	_cleanup_bf_chain_ struct bf_chain *chain = chain_from(
		"chain t BF_HOOK_XDP ACCEPT rule tcp.dport 81 meta.probability 50% DROP\n"
		"rule meta.probability 50% meta.probability 25% DROP");
	struct bf_eval_result res = {};
	unsigned int draws = 0;
	struct tframe f;

	tframe_build(&f, BF_HOOK_XDP, &PKT_TCP4(), 0);
	ck_assert_int_eq(bf_eval_chain(chain, f.data, f.len, &f.ctx, &res), -EDOM);

	f.ctx.prandom = draw;
	f.ctx.prandom_data = &draws;
	/* 0x3fffffff is below 25% of 2^32: both draws pass. */
	draw_value = 0x3fffffff;
	ck_assert_int_eq(bf_eval_chain(chain, f.data, f.len, &f.ctx, &res), 0);
	ck_assert_int_eq(res.verdict, BF_VERDICT_DROP);
	/* The first rule stopped at its port: one draw per matcher reached. */
	ck_assert_uint_eq(draws, 2);

	draw_value = 0x40000000;
	ck_assert_int_eq(bf_eval_chain(chain, f.data, f.len, &f.ctx, &res), 0);
	ck_assert_int_eq(res.verdict, BF_VERDICT_ACCEPT);
}
END_TEST

/* meta.flow_probability: the same for both directions of a flow, and
 * "not" its complement. */
START_TEST(eval_flow_probability)
{
	const struct pkt_spec fwd = PKT_TCP4(.saddr = "192.0.2.1", .daddr = "198.51.100.7",
					     .sport = 1234, .dport = 443);
	const struct pkt_spec rev = PKT_TCP4(.saddr = "198.51.100.7", .daddr = "192.0.2.1",
					     .sport = 443, .dport = 1234);
	struct bf_eval_ctx ctx = { .l2 = true };
	struct bf_eval_pkt a, b;
	uint8_t fa[PKT_MAX], fb[PKT_MAX];
	int la = pkt_build(&fwd, fa, sizeof(fa)), lb = pkt_build(&rev, fb, sizeof(fb));
	uint32_t h;
	char rule[64];

	bf_eval_parse(fa, (size_t)la, &ctx, &a);
	bf_eval_parse(fb, (size_t)lb, &ctx, &b);
	h = bf_eval_flow_prob(&a);
	ck_assert_uint_eq(h, bf_eval_flow_prob(&b));
	a.dport++;
	ck_assert_uint_ne(h, bf_eval_flow_prob(&a));

	/* The threshold: below ppm / 10^6 of 2^32. */
	snprintf(rule, sizeof(rule), "meta.flow_probability %.4f%%",
		 (double)((uint64_t)h * 1000000 / (1ULL << 32) + 1) / 10000);
	ck_assert(matches(BF_HOOK_XDP, NULL, rule, &fwd, 0));
	ck_assert(matches(BF_HOOK_XDP, NULL, rule, &rev, 0));
	snprintf(rule, sizeof(rule), "meta.flow_probability %.4f%%",
		 (double)((uint64_t)h * 1000000 / (1ULL << 32)) / 10000);
	ck_assert(!matches(BF_HOOK_XDP, NULL, rule, &fwd, 0));
}
END_TEST

START_TEST(eval_errors)
{
	_cleanup_bf_chain_ struct bf_chain *sock = chain_from(
		"chain t BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4 ACCEPT rule tcp.dport 22 DROP");
	_cleanup_bf_chain_ struct bf_chain *named = chain_from(
		"chain t BF_HOOK_XDP ACCEPT rule meta.iface lo DROP");
	struct bf_eval_result res = {};
	struct tframe f;

	tframe_build(&f, BF_HOOK_XDP, &PKT_TCP4(), 0);
	ck_assert_int_eq(bf_eval_chain(sock, f.data, f.len, &f.ctx, &res), -EOPNOTSUPP);
	/* Interface names are resolved by the daemon, not here. */
	ck_assert_int_eq(bf_eval_chain(named, f.data, f.len, &f.ctx, &res), -EINVAL);
	named->rules[0].matchers[0].iface.ifindex = 1;
	ck_assert_int_eq(bf_eval_chain(named, f.data, f.len, &f.ctx, &res), 0);
	ck_assert_int_eq(res.verdict, BF_VERDICT_DROP);
	named->rules[0].matchers[0].op = BF_OP_IN;
	named->rules[0].matchers[0].set = 3;
	ck_assert_int_eq(bf_eval_chain(named, f.data, f.len, &f.ctx, &res), -EINVAL);
}
END_TEST

Suite *bf_eval_suite(void)
{
	Suite *s = suite_create("eval");
	TCase *tc = tcase_create("matchers");

	tcase_add_test(tc, eval_meta);
	tcase_add_test(tc, eval_ip4);
	tcase_add_test(tc, eval_ip6);
	tcase_add_test(tc, eval_transport);
	tcase_add_test(tc, eval_sets);
	tcase_add_test(tc, eval_parse);
	tcase_add_test(tc, eval_no_l2);
	suite_add_tcase(s, tc);

	tc = tcase_create("chains");
	tcase_add_test(tc, eval_walk);
	tcase_add_test(tc, eval_probability);
	tcase_add_test(tc, eval_flow_probability);
	tcase_add_test(tc, eval_errors);
	suite_add_tcase(s, tc);
	return s;
}

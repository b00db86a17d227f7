// SPDX-License-Identifier: GPL-2.0-only
/* The rule language: names, parser, validation of what it yields, dump. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chain.h"
#include "lib/dump.h"
#include "lib/helper.h"
#include "lib/names.h"
#include "lib/parse.h"
#include "lib/validate.h"
#include "unit.h"

#define ERRLEN 512

static struct bf_ruleset *parse_ok(const char *text)
{
	struct bf_ruleset *rs = NULL;
	char err[ERRLEN] = "";
	int r = bf_parse_ruleset(text, &rs, err, sizeof(err));

	ck_assert_msg(r == 0, "parse failed (%d): %s\n--- text:\n%s", r, err, text);
	ck_assert_ptr_nonnull(rs);
	return rs;
}

/* The error must be exactly @expected, and nothing may be returned. */
static void parse_err(const char *text, const char *expected)
{
	struct bf_ruleset *rs = (void *)1;
	char err[ERRLEN] = "";
	int r = bf_parse_ruleset(text, &rs, err, sizeof(err));

	ck_assert_msg(r < 0, "parse of '%s' succeeded", text);
	ck_assert_ptr_null(rs);
	ck_assert_str_eq(err, expected);
}

/* Parse "chain c HOOK ACCEPT rule MATCHER ACCEPT" and return its matcher. */
static struct bf_matcher one_matcher(const char *hook, const char *matcher)
{
	struct bf_ruleset *rs;
	struct bf_matcher m;
	char text[512];

	snprintf(text, sizeof(text), "chain c %s ACCEPT\n    rule\n        %s\n        ACCEPT\n",
		 hook, matcher);
	rs = parse_ok(text);
	ck_assert_uint_eq(rs->nchains, 1);
	ck_assert_uint_eq(rs->chains[0]->nrules, 1);
	ck_assert_uint_eq(rs->chains[0]->rules[0].nmatchers, 1);
	m = rs->chains[0]->rules[0].matchers[0];
	bf_ruleset_free(&rs);
	return m;
}

static char *dump_str(const struct bf_chain *chain, bool set_content)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(bf_chain_dump(f, chain, set_content), 0);
	fclose(f);
	return buf;
}

static void assert_matcher_eq(const struct bf_matcher *a, const struct bf_matcher *b)
{
	ck_assert_int_eq(a->type, b->type);
	ck_assert_int_eq(a->op, b->op);
	ck_assert_int_eq(a->negate, b->negate);
	if (a->op == BF_OP_IN) {
		ck_assert_uint_eq(a->set, b->set);
		return;
	}
	switch (a->type) {
	case BF_MATCHER_META_IFACE:
		ck_assert_uint_eq(a->iface.ifindex, b->iface.ifindex);
		ck_assert_str_eq(a->iface.name, b->iface.name);
		break;
	case BF_MATCHER_IP4_SADDR ... BF_MATCHER_IP4_DNET:
	case BF_MATCHER_IP6_SADDR ... BF_MATCHER_IP6_DNET:
		ck_assert_mem_eq(a->ip.addr, b->ip.addr, sizeof(a->ip.addr));
		ck_assert_uint_eq(a->ip.plen, b->ip.plen);
		break;
	default:
		ck_assert_uint_eq(a->num.lo, b->num.lo);
		ck_assert_uint_eq(a->num.hi, b->num.hi);
		break;
	}
}

static void assert_set_eq(const struct bf_set *a, const struct bf_set *b)
{
	ck_assert_str_eq(a->name, b->name);
	ck_assert_uint_eq(a->nkeys, b->nkeys);
	ck_assert_mem_eq(a->key, b->key, a->nkeys * sizeof(a->key[0]));
	ck_assert_uint_eq(a->nelems, b->nelems);
	if (a->nelems)
		ck_assert_mem_eq(a->elems, b->elems, a->nelems * bf_set_elem_size(a));
}

static void assert_chain_eq(const struct bf_chain *a, const struct bf_chain *b)
{
	ck_assert_str_eq(a->name, b->name);
	ck_assert_int_eq(a->hook, b->hook);
	ck_assert_int_eq(a->policy, b->policy);
	ck_assert_uint_eq(a->opts.used, b->opts.used);
	ck_assert_uint_eq(a->opts.ifindex, b->opts.ifindex);
	ck_assert_str_eq(a->opts.ifname, b->opts.ifname);
	ck_assert_str_eq(a->opts.cgpath, b->opts.cgpath);
	ck_assert_uint_eq(a->opts.family, b->opts.family);
	ck_assert_int_eq(a->opts.priorities[0], b->opts.priorities[0]);
	ck_assert_int_eq(a->opts.priorities[1], b->opts.priorities[1]);
	ck_assert_uint_eq(a->nsets, b->nsets);
	for (size_t i = 0; i < a->nsets; i++)
		assert_set_eq(&a->sets[i], &b->sets[i]);
	ck_assert_uint_eq(a->nrules, b->nrules);
	for (size_t i = 0; i < a->nrules; i++) {
		ck_assert_int_eq(a->rules[i].verdict, b->rules[i].verdict);
		ck_assert_int_eq(a->rules[i].counter, b->rules[i].counter);
		ck_assert_uint_eq(a->rules[i].log, b->rules[i].log);
		ck_assert_uint_eq(a->rules[i].log_every_ns, b->rules[i].log_every_ns);
		ck_assert_int_eq(a->rules[i].has_mark, b->rules[i].has_mark);
		ck_assert_uint_eq(a->rules[i].mark, b->rules[i].mark);
		ck_assert_uint_eq(a->rules[i].redirect_ifindex, b->rules[i].redirect_ifindex);
		ck_assert_str_eq(a->rules[i].redirect_ifname, b->rules[i].redirect_ifname);
		ck_assert_int_eq(a->rules[i].redirect_dir, b->rules[i].redirect_dir);
		ck_assert_uint_eq(a->rules[i].nmatchers, b->rules[i].nmatchers);
		for (size_t j = 0; j < a->rules[i].nmatchers; j++)
			assert_matcher_eq(&a->rules[i].matchers[j], &b->rules[i].matchers[j]);
	}
}

/* Names. */

START_TEST(names_numbers)
{
	uint64_t v;

	ck_assert_int_eq(bf_str_to_u64("0", 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(bf_str_to_u64("65535", 65535, &v), 0);
	ck_assert_uint_eq(v, 65535);
	ck_assert_int_eq(bf_str_to_u64("0x1F", 255, &v), 0);
	ck_assert_uint_eq(v, 31);
	ck_assert_int_eq(bf_str_to_u64("65536", 65535, &v), -ERANGE);
	ck_assert_int_eq(bf_str_to_u64("99999999999999999999999", UINT64_MAX, &v), -ERANGE);
	ck_assert_int_eq(bf_str_to_u64("", 10, &v), -EINVAL);
	ck_assert_int_eq(bf_str_to_u64("0x", 10, &v), -EINVAL);
	ck_assert_int_eq(bf_str_to_u64("-1", 10, &v), -EINVAL);
	ck_assert_int_eq(bf_str_to_u64(" 1", 10, &v), -EINVAL);
	ck_assert_int_eq(bf_str_to_u64("1a", 100, &v), -EINVAL);
}
END_TEST

START_TEST(names_enums_round_trip)
{
	for (int h = 0; h < _BF_HOOK_MAX; h++) {
		enum bf_hook hook;

		ck_assert_ptr_nonnull(bf_hook_to_str(h));
		ck_assert_int_eq(bf_hook_from_str(bf_hook_to_str(h), &hook), 0);
		ck_assert_int_eq(hook, h);
	}
	for (int t = 0; t < _BF_MATCHER_MAX; t++) {
		enum bf_matcher_type type;

		ck_assert_ptr_nonnull(bf_matcher_type_to_str(t));
		if (t == BF_MATCHER_SET)
			continue;
		ck_assert_int_eq(bf_matcher_type_from_str(bf_matcher_type_to_str(t), &type), 0);
		ck_assert_int_eq(type, t);
	}
	for (int o = 0; o < _BF_OP_MAX; o++) {
		enum bf_matcher_op op;

		ck_assert_int_eq(bf_matcher_op_from_str(bf_matcher_op_to_str(o), &op), 0);
		ck_assert_int_eq(op, o);
	}
	for (int v = 0; v < _BF_VERDICT_MAX; v++) {
		enum bf_verdict verdict;

		ck_assert_int_eq(bf_verdict_from_str(bf_verdict_to_str(v), &verdict), 0);
		ck_assert_int_eq(verdict, v);
	}
	for (int o = 0; o < _BF_HOOKOPT_MAX; o++) {
		enum bf_hookopt opt;

		ck_assert_int_eq(bf_hookopt_from_str(bf_hookopt_to_str(o), &opt), 0);
		ck_assert_int_eq(opt, o);
	}
	ck_assert_ptr_null(bf_hook_to_str(_BF_HOOK_MAX));
	ck_assert_ptr_null(bf_hook_to_str((enum bf_hook)-1));
	ck_assert_ptr_null(bf_matcher_type_to_str(_BF_MATCHER_MAX));
	ck_assert_ptr_null(bf_matcher_op_to_str(_BF_OP_MAX));
	ck_assert_ptr_null(bf_verdict_to_str(_BF_VERDICT_MAX));
}
END_TEST

START_TEST(names_keywords_are_case_sensitive)
{
	enum bf_matcher_type type;
	enum bf_verdict verdict;
	enum bf_hook hook;

	ck_assert_int_eq(bf_hook_from_str("bf_hook_xdp", &hook), -EINVAL);
	ck_assert_int_eq(bf_verdict_from_str("accept", &verdict), -EINVAL);
	ck_assert_int_eq(bf_matcher_type_from_str("IP4.SADDR", &type), -EINVAL);
	ck_assert_int_eq(bf_matcher_type_from_str("set", &type), -EINVAL);

	ck_assert_int_eq(bf_hook_from_str("BF_HOOK_CGROUP_INGRESS", &hook), 0);
	ck_assert_int_eq(hook, BF_HOOK_CGROUP_SKB_INGRESS);
	ck_assert_int_eq(bf_hook_from_str("BF_HOOK_CGROUP_EGRESS", &hook), 0);
	ck_assert_int_eq(hook, BF_HOOK_CGROUP_SKB_EGRESS);
	ck_assert_int_eq(bf_hook_from_str("BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6", &hook), 0);
	ck_assert_int_eq(hook, BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6);
	ck_assert_int_eq(bf_verdict_from_str("next", &verdict), -EINVAL);
}
END_TEST

START_TEST(names_protocols)
{
	static const struct {
		const char *name;
		uint8_t value;
	} l4[] = {
		{ "tcp", 6 },	  { "UDP", 17 }, { "icmp", 1 },	  { "icmpv6", 58 },
		{ "ipv6-icmp", 58 }, { "gre", 47 }, { "esp", 50 },	  { "ah", 51 },
		{ "sctp", 132 },  { "udplite", 136 }, { "42", 42 }, { "0xff", 255 },
	};
	uint16_t l3;
	uint8_t v;

	for (size_t i = 0; i < sizeof(l4) / sizeof(l4[0]); i++) {
		ck_assert_int_eq(bf_l4_proto_from_str(l4[i].name, &v), 0);
		ck_assert_uint_eq(v, l4[i].value);
	}
	ck_assert_int_eq(bf_l4_proto_from_str("256", &v), -ERANGE);
	ck_assert_int_eq(bf_l4_proto_from_str("nope", &v), -EINVAL);
	ck_assert_str_eq(bf_l4_proto_to_str(58), "icmpv6");
	ck_assert_str_eq(bf_l4_proto_to_str(6), "tcp");
	ck_assert_ptr_null(bf_l4_proto_to_str(200));

	ck_assert_int_eq(bf_l3_proto_from_str("ipv4", &l3), 0);
	ck_assert_uint_eq(l3, 0x0800);
	ck_assert_int_eq(bf_l3_proto_from_str("IPv6", &l3), 0);
	ck_assert_uint_eq(l3, 0x86dd);
	ck_assert_int_eq(bf_l3_proto_from_str("0x88cc", &l3), 0);
	ck_assert_uint_eq(l3, 0x88cc);
	ck_assert_int_eq(bf_l3_proto_from_str("0x10000", &l3), -ERANGE);
	ck_assert_str_eq(bf_l3_proto_to_str(0x86dd), "ipv6");

	ck_assert_int_eq(bf_ip6_nexthdr_from_str("hop", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(bf_ip6_nexthdr_from_str("route", &v), 0);
	ck_assert_uint_eq(v, 43);
	ck_assert_int_eq(bf_ip6_nexthdr_from_str("FRAG", &v), 0);
	ck_assert_uint_eq(v, 44);
	ck_assert_int_eq(bf_ip6_nexthdr_from_str("ah", &v), 0);
	ck_assert_uint_eq(v, 51);
	ck_assert_int_eq(bf_ip6_nexthdr_from_str("dst", &v), 0);
	ck_assert_uint_eq(v, 60);
	ck_assert_int_eq(bf_ip6_nexthdr_from_str("mh", &v), 0);
	ck_assert_uint_eq(v, 135);
	ck_assert_int_eq(bf_ip6_nexthdr_from_str("tcp", &v), 0);
	ck_assert_uint_eq(v, 6);
	ck_assert_str_eq(bf_ip6_nexthdr_to_str(60), "dst");
}
END_TEST

START_TEST(names_icmp_and_flags)
{
	static const struct {
		const char *name;
		uint8_t v4, v6; /* 255: not a name of that family */
	} types[] = {
		{ "echo-reply", 0, 129 },
		{ "destination-unreachable", 3, 1 },
		{ "source-quench", 4, 255 },
		{ "redirect", 5, 255 },
		{ "echo-request", 8, 128 },
		{ "router-advertisement", 9, 255 },
		{ "router-solicitation", 10, 255 },
		{ "time-exceeded", 11, 3 },
		{ "parameter-problem", 12, 4 },
		{ "timestamp-request", 13, 255 },
		{ "timestamp-reply", 14, 255 },
		{ "info-request", 15, 255 },
		{ "info-reply", 16, 255 },
		{ "address-mask-request", 17, 255 },
		{ "address-mask-reply", 18, 255 },
		{ "packet-too-big", 255, 2 },
		{ "mld-listener-query", 255, 130 },
		{ "mld-listener-report", 255, 131 },
		{ "mld-listener-reduction", 255, 132 },
		{ "nd-router-solicit", 255, 133 },
		{ "nd-router-advert", 255, 134 },
		{ "nd-neighbor-solicit", 255, 135 },
		{ "nd-neighbor-advert", 255, 136 },
		{ "nd-redirect", 255, 137 },
		{ "mld2-listener-report", 255, 143 },
	};
	static const char *flags[] = { "fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr" };
	enum bf_tcp_flag flag;
	uint8_t v;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (types[i].v4 != 255) {
			ck_assert_int_eq(bf_icmp_type_from_str(types[i].name, &v), 0);
			ck_assert_uint_eq(v, types[i].v4);
			ck_assert_str_eq(bf_icmp_type_to_str(v), types[i].name);
		} else {
			ck_assert_int_eq(bf_icmp_type_from_str(types[i].name, &v), -EINVAL);
		}
		if (types[i].v6 != 255) {
			ck_assert_int_eq(bf_icmpv6_type_from_str(types[i].name, &v), 0);
			ck_assert_uint_eq(v, types[i].v6);
			ck_assert_str_eq(bf_icmpv6_type_to_str(v), types[i].name);
		}
	}
	ck_assert_int_eq(bf_icmp_type_from_str("Echo-Request", &v), 0);
	ck_assert_uint_eq(v, 8);

	for (size_t i = 0; i < 8; i++) {
		ck_assert_int_eq(bf_tcp_flag_from_str(flags[i], &flag), 0);
		ck_assert_int_eq(flag, 1 << i);
		ck_assert_str_eq(bf_tcp_flag_to_str(flag), flags[i]);
	}
	ck_assert_int_eq(bf_tcp_flag_from_str("SYN", &flag), 0);
	ck_assert_int_eq(flag, BF_TCP_SYN);
	ck_assert_int_eq(bf_tcp_flag_from_str("1", &flag), -EINVAL);
}
END_TEST

START_TEST(names_dscp_and_log)
{
	static const struct {
		const char *name;
		uint8_t value;
	} classes[] = {
		{ "cs0", 0 },	{ "cs1", 8 },	{ "cs2", 16 },	{ "cs3", 24 },	{ "cs4", 32 },
		{ "cs5", 40 },	{ "cs6", 48 },	{ "cs7", 56 },	{ "af11", 10 }, { "af12", 12 },
		{ "af13", 14 }, { "af21", 18 }, { "af22", 20 }, { "af23", 22 }, { "af31", 26 },
		{ "af32", 28 }, { "af33", 30 }, { "af41", 34 }, { "af42", 36 }, { "af43", 38 },
		{ "ef", 46 },
	};
	enum bf_log_hdr hdr;
	uint8_t v;

	for (size_t i = 0; i < ARRAY_SIZE(classes); i++) {
		ck_assert_int_eq(bf_dscp_from_str(classes[i].name, &v), 0);
		ck_assert_uint_eq(v, classes[i].value);
		ck_assert_str_eq(bf_dscp_to_str(v), classes[i].name);
	}
	ck_assert_int_eq(bf_dscp_from_str("EF", &v), 0);
	ck_assert_uint_eq(v, 46);
	ck_assert_int_eq(bf_dscp_from_str("63", &v), 0);
	ck_assert_ptr_null(bf_dscp_to_str(63));
	ck_assert_int_eq(bf_dscp_from_str("64", &v), -ERANGE);
	ck_assert_int_eq(bf_dscp_from_str("af14", &v), -EINVAL);
	ck_assert_int_eq(bf_dscp_from_str("be", &v), -EINVAL);

	ck_assert_int_eq(bf_log_hdr_from_str("link", &hdr), 0);
	ck_assert_int_eq(hdr, BF_LOG_LINK);
	ck_assert_int_eq(bf_log_hdr_from_str("Internet", &hdr), 0);
	ck_assert_int_eq(hdr, BF_LOG_INTERNET);
	ck_assert_str_eq(bf_log_hdr_to_str(BF_LOG_TRANSPORT), "transport");
	ck_assert_int_eq(bf_log_hdr_from_str("network", &hdr), -EINVAL);
	ck_assert_ptr_null(bf_log_hdr_to_str(1U << 3));

	ck_assert_str_eq(bf_verdict_to_str(BF_VERDICT_NEXT), "NEXT");
	ck_assert_str_eq(bf_verdict_to_str(BF_VERDICT_REDIRECT), "REDIRECT");
	ck_assert(bf_matcher_op_allowed(BF_MATCHER_META_FLOW_HASH, BF_OP_RANGE));
	ck_assert(!bf_matcher_op_allowed(BF_MATCHER_IP4_DSCP, BF_OP_RANGE));
	ck_assert(!bf_matcher_op_allowed(BF_MATCHER_IP4_DSCP, BF_OP_IN));
	ck_assert(!bf_matcher_op_allowed(BF_MATCHER_META_FLOW_PROBABILITY, BF_OP_RANGE));
}
END_TEST

START_TEST(names_hook_rules)
{
	/* What a socket address has (BFCLI.md), per hook. */
	static const enum bf_matcher_type common[] = {
		BF_MATCHER_META_DPORT, BF_MATCHER_TCP_DPORT, BF_MATCHER_UDP_DPORT,
		BF_MATCHER_META_L4_PROTO, BF_MATCHER_SET,
	};
	static const struct {
		enum bf_hook hook;
		enum bf_matcher_type extra[5];
		size_t nextra;
	} sock[] = {
		{ BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4,
		  { BF_MATCHER_IP4_DADDR, BF_MATCHER_IP4_DNET, BF_MATCHER_IP4_PROTO }, 3 },
		{ BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6, { BF_MATCHER_IP6_DADDR, BF_MATCHER_IP6_DNET }, 2 },
		{ BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4,
		  { BF_MATCHER_IP4_DADDR, BF_MATCHER_IP4_DNET, BF_MATCHER_IP4_PROTO,
		    BF_MATCHER_IP4_SADDR, BF_MATCHER_IP4_SNET },
		  5 },
		{ BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6,
		  { BF_MATCHER_IP6_DADDR, BF_MATCHER_IP6_DNET, BF_MATCHER_IP6_SADDR,
		    BF_MATCHER_IP6_SNET },
		  4 },
	};

	ck_assert(!bf_matcher_allowed_on_hook(BF_MATCHER_META_MARK, BF_HOOK_XDP));
	ck_assert(bf_matcher_allowed_on_hook(BF_MATCHER_META_MARK, BF_HOOK_TC_INGRESS));
	for (int h = 0; h < _BF_HOOK_MAX; h++) {
		if (bf_hook_is_sock_addr(h))
			continue;
		for (int t = 0; t < _BF_MATCHER_MAX; t++) {
			bool want = !(t == BF_MATCHER_META_MARK && h == BF_HOOK_XDP) &&
				    !(t == BF_MATCHER_META_FLOW_HASH && !bf_hook_is_tc(h));

			ck_assert_msg(bf_matcher_allowed_on_hook(t, h) == want, "%s on %s",
				      bf_matcher_type_to_str(t), bf_hook_to_str(h));
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(sock); i++) {
		for (int t = 0; t < _BF_MATCHER_MAX; t++) {
			bool want = false;

			for (size_t j = 0; j < ARRAY_SIZE(common); j++)
				want |= common[j] == (enum bf_matcher_type)t;
			for (size_t j = 0; j < sock[i].nextra; j++)
				want |= sock[i].extra[j] == (enum bf_matcher_type)t;
			ck_assert_msg(bf_matcher_allowed_on_hook(t, sock[i].hook) == want, "%s on %s",
				      bf_matcher_type_to_str(t), bf_hook_to_str(sock[i].hook));
		}
		ck_assert(bf_hookopt_allowed_on_hook(BF_HOOKOPT_CGPATH, sock[i].hook));
		ck_assert(!bf_hookopt_allowed_on_hook(BF_HOOKOPT_IFINDEX, sock[i].hook));
		ck_assert(!bf_mark_allowed_on_hook(sock[i].hook));
		ck_assert(!bf_redirect_allowed_on_hook(sock[i].hook, BF_REDIRECT_OUT));
		ck_assert(!bf_hook_has_l2(sock[i].hook));
	}
	ck_assert(bf_mark_allowed_on_hook(BF_HOOK_TC_EGRESS));
	ck_assert(bf_mark_allowed_on_hook(BF_HOOK_CGROUP_SKB_INGRESS));
	ck_assert(!bf_mark_allowed_on_hook(BF_HOOK_XDP));
	ck_assert(!bf_mark_allowed_on_hook(BF_HOOK_NF_LOCAL_IN));
	ck_assert(bf_redirect_allowed_on_hook(BF_HOOK_XDP, BF_REDIRECT_OUT));
	ck_assert(!bf_redirect_allowed_on_hook(BF_HOOK_XDP, BF_REDIRECT_IN));
	ck_assert(bf_redirect_allowed_on_hook(BF_HOOK_TC_INGRESS, BF_REDIRECT_IN));
	ck_assert(bf_redirect_allowed_on_hook(BF_HOOK_TC_EGRESS, BF_REDIRECT_OUT));
	ck_assert(!bf_redirect_allowed_on_hook(BF_HOOK_NF_FORWARD, BF_REDIRECT_OUT));
	ck_assert(!bf_redirect_allowed_on_hook(BF_HOOK_CGROUP_SKB_EGRESS, BF_REDIRECT_OUT));
	ck_assert(bf_hook_has_l2(BF_HOOK_XDP));
	ck_assert(!bf_hook_has_l2(BF_HOOK_NF_PRE_ROUTING));
	ck_assert(!bf_matcher_allowed_on_hook(_BF_MATCHER_MAX, BF_HOOK_XDP));
	ck_assert(!bf_matcher_allowed_on_hook(BF_MATCHER_IP4_SADDR, _BF_HOOK_MAX));

	ck_assert(bf_hookopt_allowed_on_hook(BF_HOOKOPT_IFINDEX, BF_HOOK_XDP));
	ck_assert(bf_hookopt_allowed_on_hook(BF_HOOKOPT_IFINDEX, BF_HOOK_TC_EGRESS));
	ck_assert(!bf_hookopt_allowed_on_hook(BF_HOOKOPT_IFINDEX, BF_HOOK_NF_LOCAL_IN));
	ck_assert(bf_hookopt_allowed_on_hook(BF_HOOKOPT_FAMILY, BF_HOOK_NF_FORWARD));
	ck_assert(bf_hookopt_allowed_on_hook(BF_HOOKOPT_PRIORITIES, BF_HOOK_NF_POST_ROUTING));
	ck_assert(bf_hookopt_allowed_on_hook(BF_HOOKOPT_CGPATH, BF_HOOK_CGROUP_SKB_EGRESS));
	ck_assert(!bf_hookopt_allowed_on_hook(BF_HOOKOPT_CGPATH, BF_HOOK_TC_INGRESS));

	ck_assert(bf_matcher_op_allowed(BF_MATCHER_TCP_DPORT, BF_OP_RANGE));
	ck_assert(!bf_matcher_op_allowed(BF_MATCHER_IP4_SADDR, BF_OP_RANGE));
	ck_assert(bf_matcher_op_allowed(BF_MATCHER_TCP_FLAGS, BF_OP_ANY));
	ck_assert(!bf_matcher_op_allowed(BF_MATCHER_TCP_FLAGS, BF_OP_IN));
	ck_assert(!bf_matcher_op_allowed(BF_MATCHER_SET, BF_OP_EQ));
	ck_assert(bf_matcher_op_allowed(BF_MATCHER_SET, BF_OP_IN));
}
END_TEST

/* Matchers: every type and operator, to the model values. */

struct num_case {
	const char *text;
	enum bf_matcher_type type;
	enum bf_matcher_op op;
	bool negate;
	uint32_t lo;
	uint32_t hi;
};

static const struct num_case num_cases[] = {
	{ "meta.l3_proto ipv4", BF_MATCHER_META_L3_PROTO, BF_OP_EQ, false, 0x0800, 0x0800 },
	{ "meta.l3_proto eq ipv6", BF_MATCHER_META_L3_PROTO, BF_OP_EQ, false, 0x86dd, 0x86dd },
	{ "meta.l3_proto 0x0806", BF_MATCHER_META_L3_PROTO, BF_OP_EQ, false, 0x0806, 0x0806 },
	{ "meta.l4_proto tcp", BF_MATCHER_META_L4_PROTO, BF_OP_EQ, false, 6, 6 },
	{ "meta.l4_proto not eq ICMPv6", BF_MATCHER_META_L4_PROTO, BF_OP_EQ, true, 58, 58 },
	{ "meta.l4_proto 253", BF_MATCHER_META_L4_PROTO, BF_OP_EQ, false, 253, 253 },
	{ "meta.sport 22", BF_MATCHER_META_SPORT, BF_OP_EQ, false, 22, 22 },
	{ "meta.sport range 1000-2000", BF_MATCHER_META_SPORT, BF_OP_RANGE, false, 1000, 2000 },
	{ "meta.dport not range 0-65535", BF_MATCHER_META_DPORT, BF_OP_RANGE, true, 0, 65535 },
	{ "meta.probability 50%", BF_MATCHER_META_PROBABILITY, BF_OP_EQ, false, 500000, 500000 },
	{ "meta.probability eq 33.3%", BF_MATCHER_META_PROBABILITY, BF_OP_EQ, false, 333000, 333000 },
	{ "meta.probability 0.0001%", BF_MATCHER_META_PROBABILITY, BF_OP_EQ, false, 1, 1 },
	{ "meta.probability 100%", BF_MATCHER_META_PROBABILITY, BF_OP_EQ, false, 1000000, 1000000 },
	{ "meta.mark 0xdeadbeef", BF_MATCHER_META_MARK, BF_OP_EQ, false, 0xdeadbeef, 0xdeadbeef },
	{ "meta.mark not 42", BF_MATCHER_META_MARK, BF_OP_EQ, true, 42, 42 },
	{ "ip4.proto udp", BF_MATCHER_IP4_PROTO, BF_OP_EQ, false, 17, 17 },
	{ "ip4.proto eq 132", BF_MATCHER_IP4_PROTO, BF_OP_EQ, false, 132, 132 },
	{ "ip6.nexthdr frag", BF_MATCHER_IP6_NEXTHDR, BF_OP_EQ, false, 44, 44 },
	{ "ip6.nexthdr tcp", BF_MATCHER_IP6_NEXTHDR, BF_OP_EQ, false, 6, 6 },
	{ "ip6.nexthdr 59", BF_MATCHER_IP6_NEXTHDR, BF_OP_EQ, false, 59, 59 },
	{ "tcp.sport 80", BF_MATCHER_TCP_SPORT, BF_OP_EQ, false, 80, 80 },
	{ "tcp.sport not 80", BF_MATCHER_TCP_SPORT, BF_OP_EQ, true, 80, 80 },
	{ "tcp.dport eq 0x16", BF_MATCHER_TCP_DPORT, BF_OP_EQ, false, 22, 22 },
	{ "tcp.dport range 1-1024", BF_MATCHER_TCP_DPORT, BF_OP_RANGE, false, 1, 1024 },
	{ "tcp.flags syn", BF_MATCHER_TCP_FLAGS, BF_OP_EQ, false, BF_TCP_SYN, BF_TCP_SYN },
	{ "tcp.flags any syn,ack", BF_MATCHER_TCP_FLAGS, BF_OP_ANY, false,
	  BF_TCP_SYN | BF_TCP_ACK, BF_TCP_SYN | BF_TCP_ACK },
	{ "tcp.flags all FIN, psh, urg", BF_MATCHER_TCP_FLAGS, BF_OP_ALL, false,
	  BF_TCP_FIN | BF_TCP_PSH | BF_TCP_URG, BF_TCP_FIN | BF_TCP_PSH | BF_TCP_URG },
	{ "tcp.flags not eq rst,ece,cwr", BF_MATCHER_TCP_FLAGS, BF_OP_EQ, true,
	  BF_TCP_RST | BF_TCP_ECE | BF_TCP_CWR, BF_TCP_RST | BF_TCP_ECE | BF_TCP_CWR },
	{ "tcp.flags eq 0", BF_MATCHER_TCP_FLAGS, BF_OP_EQ, false, 0, 0 },
	{ "udp.sport 53", BF_MATCHER_UDP_SPORT, BF_OP_EQ, false, 53, 53 },
	{ "udp.dport range 5000-5000", BF_MATCHER_UDP_DPORT, BF_OP_RANGE, false, 5000, 5000 },
	{ "icmp.type echo-request", BF_MATCHER_ICMP_TYPE, BF_OP_EQ, false, 8, 8 },
	{ "icmp.type 3", BF_MATCHER_ICMP_TYPE, BF_OP_EQ, false, 3, 3 },
	{ "icmp.code 4", BF_MATCHER_ICMP_CODE, BF_OP_EQ, false, 4, 4 },
	{ "icmpv6.type packet-too-big", BF_MATCHER_ICMPV6_TYPE, BF_OP_EQ, false, 2, 2 },
	{ "icmpv6.type not nd-router-advert", BF_MATCHER_ICMPV6_TYPE, BF_OP_EQ, true, 134, 134 },
	{ "icmpv6.code eq 255", BF_MATCHER_ICMPV6_CODE, BF_OP_EQ, false, 255, 255 },
	{ "ip4.dscp ef", BF_MATCHER_IP4_DSCP, BF_OP_EQ, false, 46, 46 },
	{ "ip4.dscp eq CS6", BF_MATCHER_IP4_DSCP, BF_OP_EQ, false, 48, 48 },
	{ "ip4.dscp not af11", BF_MATCHER_IP4_DSCP, BF_OP_EQ, true, 10, 10 },
	{ "ip4.dscp 63", BF_MATCHER_IP4_DSCP, BF_OP_EQ, false, 63, 63 },
	{ "ip4.dscp 0x2e", BF_MATCHER_IP4_DSCP, BF_OP_EQ, false, 46, 46 },
	{ "ip6.dscp Af43", BF_MATCHER_IP6_DSCP, BF_OP_EQ, false, 38, 38 },
	{ "ip6.dscp eq 0", BF_MATCHER_IP6_DSCP, BF_OP_EQ, false, 0, 0 },
	{ "meta.flow_hash 123", BF_MATCHER_META_FLOW_HASH, BF_OP_EQ, false, 123, 123 },
	{ "meta.flow_hash eq 0xffffffff", BF_MATCHER_META_FLOW_HASH, BF_OP_EQ, false, UINT32_MAX,
	  UINT32_MAX },
	{ "meta.flow_hash range 0-100", BF_MATCHER_META_FLOW_HASH, BF_OP_RANGE, false, 0, 100 },
	{ "meta.flow_hash not range 7-4294967295", BF_MATCHER_META_FLOW_HASH, BF_OP_RANGE, true, 7,
	  UINT32_MAX },
	{ "meta.flow_probability 25%", BF_MATCHER_META_FLOW_PROBABILITY, BF_OP_EQ, false, 250000,
	  250000 },
	{ "meta.flow_probability eq 0.5%", BF_MATCHER_META_FLOW_PROBABILITY, BF_OP_EQ, false, 5000,
	  5000 },
};

START_TEST(matcher_numbers)
{
	for (size_t i = 0; i < sizeof(num_cases) / sizeof(num_cases[0]); i++) {
		const struct num_case *c = &num_cases[i];
		const char *hook = c->type == BF_MATCHER_META_MARK ? "BF_HOOK_TC_INGRESS" : "BF_HOOK_XDP";
		struct bf_matcher m = one_matcher(hook, c->text);

		ck_assert_msg(m.type == c->type, "%s: type %d", c->text, m.type);
		ck_assert_msg(m.op == c->op, "%s: op %d", c->text, m.op);
		ck_assert_msg(m.negate == c->negate, "%s: negate", c->text);
		ck_assert_msg(m.num.lo == c->lo && m.num.hi == c->hi, "%s: %u-%u", c->text, m.num.lo,
			      m.num.hi);
	}
}
END_TEST

START_TEST(matcher_addresses)
{
	uint8_t a4[4] = { 192, 168, 1, 1 }, n4[4] = { 10, 1, 0, 0 };
	uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint8_t n6[16] = { 0xfe, 0x80 };
	struct bf_matcher m;

	m = one_matcher("BF_HOOK_XDP", "ip4.saddr eq 192.168.1.1");
	ck_assert_int_eq(m.type, BF_MATCHER_IP4_SADDR);
	ck_assert_int_eq(m.op, BF_OP_EQ);
	ck_assert_mem_eq(m.ip.addr, a4, 4);
	ck_assert_uint_eq(m.ip.plen, 32);

	m = one_matcher("BF_HOOK_XDP", "ip4.daddr not 192.168.1.1");
	ck_assert_int_eq(m.type, BF_MATCHER_IP4_DADDR);
	ck_assert(m.negate);
	ck_assert_mem_eq(m.ip.addr, a4, 4);

	/* A network keeps its address as written. */
	m = one_matcher("BF_HOOK_XDP", "ip4.snet 10.1.0.0/8");
	ck_assert_int_eq(m.type, BF_MATCHER_IP4_SNET);
	ck_assert_mem_eq(m.ip.addr, n4, 4);
	ck_assert_uint_eq(m.ip.plen, 8);

	m = one_matcher("BF_HOOK_XDP", "ip4.dnet eq 10.1.0.0/0");
	ck_assert_int_eq(m.type, BF_MATCHER_IP4_DNET);
	ck_assert_uint_eq(m.ip.plen, 0);

	m = one_matcher("BF_HOOK_XDP", "ip6.saddr 2001:db8::1");
	ck_assert_int_eq(m.type, BF_MATCHER_IP6_SADDR);
	ck_assert_mem_eq(m.ip.addr, a6, 16);
	ck_assert_uint_eq(m.ip.plen, 128);

	m = one_matcher("BF_HOOK_XDP", "ip6.daddr not eq 2001:0db8:0000::0001");
	ck_assert_int_eq(m.type, BF_MATCHER_IP6_DADDR);
	ck_assert(m.negate);
	ck_assert_mem_eq(m.ip.addr, a6, 16);

	m = one_matcher("BF_HOOK_XDP", "ip6.snet fe80::/10");
	ck_assert_int_eq(m.type, BF_MATCHER_IP6_SNET);
	ck_assert_mem_eq(m.ip.addr, n6, 16);
	ck_assert_uint_eq(m.ip.plen, 10);

	m = one_matcher("BF_HOOK_XDP", "ip6.dnet fe80::/128");
	ck_assert_int_eq(m.type, BF_MATCHER_IP6_DNET);
	ck_assert_uint_eq(m.ip.plen, 128);
}
END_TEST

START_TEST(matcher_iface)
{
	struct bf_matcher m;

	m = one_matcher("BF_HOOK_TC_INGRESS", "meta.iface eq 4");
	ck_assert_int_eq(m.type, BF_MATCHER_META_IFACE);
	ck_assert_uint_eq(m.iface.ifindex, 4);
	ck_assert_str_eq(m.iface.name, "");

	m = one_matcher("BF_HOOK_TC_INGRESS", "meta.iface not eth0.100");
	ck_assert(m.negate);
	ck_assert_uint_eq(m.iface.ifindex, 0);
	ck_assert_str_eq(m.iface.name, "eth0.100");

	/* Quotes make a keyword a name. */
	m = one_matcher("BF_HOOK_TC_INGRESS", "meta.iface \"counter\"");
	ck_assert_str_eq(m.iface.name, "counter");
}
END_TEST

START_TEST(matcher_inline_sets)
{
	struct bf_ruleset *rs = parse_ok(
		"chain c BF_HOOK_XDP ACCEPT\n"
		"    rule ip4.saddr in {192.0.2.1,192.0.2.2} DROP\n"
		"    rule tcp.dport not in {22;80\n443} DROP\n"
		"    rule ip4.snet in { 10.0.0.0/8, 192.168.0.0/16 } DROP\n");
	const struct bf_chain *c = rs->chains[0];
	const uint8_t ips[] = { 192, 0, 2, 1, 192, 0, 2, 2 };
	const uint8_t ports[] = { 0, 22, 0, 80, 0x01, 0xbb };
	const uint8_t nets[] = { 10, 0, 0, 0, 8, 192, 168, 0, 0, 16 };
	const struct bf_matcher *m;

	ck_assert_uint_eq(c->nsets, 3);

	m = &c->rules[0].matchers[0];
	ck_assert_int_eq(m->type, BF_MATCHER_IP4_SADDR);
	ck_assert_int_eq(m->op, BF_OP_IN);
	ck_assert(!m->negate);
	ck_assert_uint_eq(m->set, 0);
	ck_assert_str_eq(c->sets[0].name, "");
	ck_assert_uint_eq(c->sets[0].nkeys, 1);
	ck_assert_int_eq(c->sets[0].key[0], BF_MATCHER_IP4_SADDR);
	ck_assert_uint_eq(c->sets[0].nelems, 2);
	ck_assert_mem_eq(c->sets[0].elems, ips, sizeof(ips));

	m = &c->rules[1].matchers[0];
	ck_assert_int_eq(m->type, BF_MATCHER_TCP_DPORT);
	ck_assert_int_eq(m->op, BF_OP_IN);
	ck_assert(m->negate);
	ck_assert_uint_eq(m->set, 1);
	ck_assert_uint_eq(c->sets[1].nelems, 3);
	ck_assert_mem_eq(c->sets[1].elems, ports, sizeof(ports));

	m = &c->rules[2].matchers[0];
	ck_assert_uint_eq(m->set, 2);
	ck_assert(bf_set_is_prefix(&c->sets[2]));
	ck_assert_mem_eq(c->sets[2].elems, nets, sizeof(nets));
	ck_assert_int_eq(bf_chain_validate(c, NULL, 0), 0);
	bf_ruleset_free(&rs);
}
END_TEST

/* Hooks, options, verdicts, keywords. */

START_TEST(hooks_and_options)
{
	static const struct {
		const char *text;
		enum bf_hook hook;
	} hooks[] = {
		{ "BF_HOOK_XDP", BF_HOOK_XDP },
		{ "BF_HOOK_TC_INGRESS", BF_HOOK_TC_INGRESS },
		{ "BF_HOOK_TC_EGRESS", BF_HOOK_TC_EGRESS },
		{ "BF_HOOK_NF_PRE_ROUTING", BF_HOOK_NF_PRE_ROUTING },
		{ "BF_HOOK_NF_LOCAL_IN", BF_HOOK_NF_LOCAL_IN },
		{ "BF_HOOK_NF_FORWARD", BF_HOOK_NF_FORWARD },
		{ "BF_HOOK_NF_LOCAL_OUT", BF_HOOK_NF_LOCAL_OUT },
		{ "BF_HOOK_NF_POST_ROUTING", BF_HOOK_NF_POST_ROUTING },
		{ "BF_HOOK_CGROUP_SKB_INGRESS", BF_HOOK_CGROUP_SKB_INGRESS },
		{ "BF_HOOK_CGROUP_SKB_EGRESS", BF_HOOK_CGROUP_SKB_EGRESS },
		{ "BF_HOOK_CGROUP_INGRESS", BF_HOOK_CGROUP_SKB_INGRESS },
		{ "BF_HOOK_CGROUP_EGRESS", BF_HOOK_CGROUP_SKB_EGRESS },
	};
	struct bf_ruleset *rs;
	const struct bf_chain *c;
	char text[128];

	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		snprintf(text, sizeof(text), "chain c%zu %s DROP", i, hooks[i].text);
		rs = parse_ok(text);
		ck_assert_int_eq(rs->chains[0]->hook, hooks[i].hook);
		ck_assert_int_eq(rs->chains[0]->policy, BF_VERDICT_DROP);
		ck_assert_uint_eq(rs->chains[0]->opts.used, 0);
		bf_ruleset_free(&rs);
	}

	rs = parse_ok("chain a BF_HOOK_XDP{ifindex=2} ACCEPT\n"
		      "chain b BF_HOOK_TC_EGRESS { ifindex = eth1 } ACCEPT\n"
		      "chain c BF_HOOK_NF_LOCAL_IN{family=inet6,priorities=-10-20} DROP\n"
		      "chain d BF_HOOK_CGROUP_SKB_EGRESS{cgpath=\"/sys/fs/cgroup/my app\"} DROP\n"
		      "chain e BF_HOOK_NF_FORWARD{} ACCEPT\n");
	ck_assert_uint_eq(rs->nchains, 5);
	c = rs->chains[0];
	ck_assert_str_eq(c->name, "a");
	ck_assert(bf_chain_has_opt(c, BF_HOOKOPT_IFINDEX));
	ck_assert_uint_eq(c->opts.ifindex, 2);
	ck_assert_int_eq(c->policy, BF_VERDICT_ACCEPT);
	c = rs->chains[1];
	ck_assert_uint_eq(c->opts.ifindex, 0);
	ck_assert_str_eq(c->opts.ifname, "eth1");
	c = rs->chains[2];
	ck_assert_uint_eq(c->opts.used, (1U << BF_HOOKOPT_FAMILY) | (1U << BF_HOOKOPT_PRIORITIES));
	ck_assert_uint_eq(c->opts.family, BF_FAMILY_INET6);
	ck_assert_int_eq(c->opts.priorities[0], -10);
	ck_assert_int_eq(c->opts.priorities[1], 20);
	c = rs->chains[3];
	ck_assert(bf_chain_has_opt(c, BF_HOOKOPT_CGPATH));
	ck_assert_str_eq(c->opts.cgpath, "/sys/fs/cgroup/my app");
	ck_assert_uint_eq(rs->chains[4]->opts.used, 0);
	for (size_t i = 0; i < rs->nchains; i++)
		ck_assert_int_eq(bf_chain_validate(rs->chains[i], NULL, 0), 0);
	bf_ruleset_free(&rs);
}
END_TEST

START_TEST(hookopt_parse)
{
	struct bf_hookopts o = {};
	char err[ERRLEN];

	ck_assert_int_eq(bf_hookopt_parse("ifindex", "0x10", &o, err, sizeof(err)), 0);
	ck_assert_uint_eq(o.ifindex, 16);
	ck_assert_int_eq(bf_hookopt_parse("ifindex", "3", &o, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "duplicate hook option 'ifindex'");
	ck_assert_int_eq(bf_hookopt_parse("cgpath", "/sys/fs/cgroup", &o, err, sizeof(err)), 0);
	ck_assert_int_eq(bf_hookopt_parse("family", "inet4", &o, err, sizeof(err)), 0);
	ck_assert_uint_eq(o.family, BF_FAMILY_INET4);
	ck_assert_int_eq(bf_hookopt_parse("priorities", "1-2", &o, err, sizeof(err)), 0);
	ck_assert_int_eq(o.priorities[0], 1);
	ck_assert_int_eq(o.priorities[1], 2);
	ck_assert_uint_eq(o.used, (1U << _BF_HOOKOPT_MAX) - 1);

	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(bf_hookopt_parse("ifindex", "0", &o, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "interface index 0 out of range (1-4294967295)");
	ck_assert_int_eq(bf_hookopt_parse("ifindex", "a/b", &o, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "invalid interface name 'a/b'");
	ck_assert_int_eq(bf_hookopt_parse("ifindex", "averyveryverylongname", &o, err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(bf_hookopt_parse("cgpath", "relative", &o, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "cgroup path 'relative' is not absolute");
	ck_assert_int_eq(bf_hookopt_parse("family", "inet", &o, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "invalid family 'inet' (inet4 or inet6)");
	ck_assert_int_eq(bf_hookopt_parse("priorities", "3-3", &o, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(bf_hookopt_parse("priorities", "0-3", &o, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(bf_hookopt_parse("priorities", "1-2-3", &o, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(bf_hookopt_parse("priorities", "1-2147483648", &o, err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(bf_hookopt_parse("priorities", "-2147483648-2147483647", &o, err,
					  sizeof(err)), 0);
	ck_assert_int_eq(o.priorities[0], INT32_MIN);
	ck_assert_int_eq(o.priorities[1], INT32_MAX);
	ck_assert_int_eq(bf_hookopt_parse("colour", "red", &o, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "unknown hook option 'colour'");
	ck_assert_int_eq(bf_hookopt_parse("family", "", &o, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(bf_hookopt_parse("family", NULL, &o, err, sizeof(err)), -EINVAL);
	/* Failures leave the option unset. */
	ck_assert_uint_eq(o.used, 1U << BF_HOOKOPT_PRIORITIES);
}
END_TEST

START_TEST(verdicts_counter_comments)
{
	struct bf_ruleset *rs = parse_ok(
		"# leading comment\n"
		"chain c BF_HOOK_TC_INGRESS ACCEPT # trailing comment\n"
		"\trule ACCEPT\n"
		"    rule counter DROP\n"
		"    rule\n"
		"        # comment between matchers\n"
		"        tcp.dport 22 # after a matcher\n"
		"        counter\n"
		"        CONTINUE\n"
		"chain d BF_HOOK_XDP DROP rule ip4.saddr 1.1.1.1 ACCEPT");
	const struct bf_chain *c = rs->chains[0];

	ck_assert_uint_eq(rs->nchains, 2);
	ck_assert_uint_eq(c->nrules, 3);
	ck_assert_int_eq(c->rules[0].verdict, BF_VERDICT_ACCEPT);
	ck_assert(!c->rules[0].counter);
	ck_assert_uint_eq(c->rules[0].nmatchers, 0);
	ck_assert_int_eq(c->rules[1].verdict, BF_VERDICT_DROP);
	ck_assert(c->rules[1].counter);
	ck_assert_int_eq(c->rules[2].verdict, BF_VERDICT_CONTINUE);
	ck_assert(c->rules[2].counter);
	ck_assert_uint_eq(c->rules[2].nmatchers, 1);
	ck_assert_int_eq(rs->chains[1]->policy, BF_VERDICT_DROP);
	ck_assert_uint_eq(rs->chains[1]->nrules, 1);
	bf_ruleset_free(&rs);

	/* Nothing at all is an empty ruleset. */
	rs = parse_ok("  # only a comment\n\n");
	ck_assert_uint_eq(rs->nchains, 0);
	bf_ruleset_free(&rs);
}
END_TEST

/* Parse "chain c HOOK ACCEPT rule TEXT" and return its only rule (the
 * matchers are freed: only the scalar fields are looked at). */
static struct bf_rule one_rule(const char *hook, const char *text)
{
	struct bf_ruleset *rs;
	struct bf_rule rule;
	char buf[512];

	snprintf(buf, sizeof(buf), "chain c %s ACCEPT\n    rule\n        %s\n", hook, text);
	rs = parse_ok(buf);
	ck_assert_uint_eq(rs->chains[0]->nrules, 1);
	rule = rs->chains[0]->rules[0];
	rule.matchers = NULL;
	rule.nmatchers = 0;
	bf_ruleset_free(&rs);
	return rule;
}

START_TEST(rule_log)
{
	const uint8_t all = BF_LOG_LINK | BF_LOG_INTERNET | BF_LOG_TRANSPORT;
	static const struct {
		const char *text;
		uint8_t log;
		uint64_t every_ns;
	} cases[] = {
		{ "log ACCEPT", BF_LOG_LINK | BF_LOG_INTERNET | BF_LOG_TRANSPORT, 0 },
		{ "log link DROP", BF_LOG_LINK, 0 },
		{ "log transport,internet CONTINUE", BF_LOG_INTERNET | BF_LOG_TRANSPORT, 0 },
		{ "log link, internet, transport ACCEPT", BF_LOG_LINK | BF_LOG_INTERNET | BF_LOG_TRANSPORT,
		  0 },
		{ "log every 500ms ACCEPT", BF_LOG_LINK | BF_LOG_INTERNET | BF_LOG_TRANSPORT, 500000000 },
		{ "log internet every 1s ACCEPT", BF_LOG_INTERNET, 1000000000 },
		{ "log internet every 1.5s ACCEPT", BF_LOG_INTERNET, 1500000000 },
		{ "log link every 0.5ms ACCEPT", BF_LOG_LINK, 500000 },
		{ "log link every 2us ACCEPT", BF_LOG_LINK, 2000 },
		{ "log link every 1ns ACCEPT", BF_LOG_LINK, 1 },
		{ "log link every 1.000000001s ACCEPT", BF_LOG_LINK, 1000000001 },
		{ "log link every 0.001us ACCEPT", BF_LOG_LINK, 1 },
		{ "log link every 18446744073.709551615s ACCEPT", BF_LOG_LINK, UINT64_MAX },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct bf_rule r = one_rule("BF_HOOK_XDP", cases[i].text);

		ck_assert_msg(r.log == cases[i].log, "%s: log 0x%x", cases[i].text, r.log);
		ck_assert_msg(r.log_every_ns == cases[i].every_ns, "%s: every %llu", cases[i].text,
			      (unsigned long long)r.log_every_ns);
		ck_assert(!r.counter && !r.has_mark);
	}
	ck_assert_uint_eq(one_rule("BF_HOOK_XDP", "ACCEPT").log, 0);
	ck_assert_uint_eq(one_rule("BF_HOOK_XDP", "tcp.dport 22 log ACCEPT").log, all);
}
END_TEST

START_TEST(rule_actions_any_order)
{
	static const char *const orders[] = {
		"log internet counter mark 0x10 CONTINUE",
		"counter log internet mark 16 CONTINUE",
		"mark 0x10 counter log internet CONTINUE",
		"mark 0X10 log internet counter CONTINUE",
	};

	for (size_t i = 0; i < ARRAY_SIZE(orders); i++) {
		struct bf_rule r = one_rule("BF_HOOK_TC_INGRESS", orders[i]);

		ck_assert_msg(r.counter && r.has_mark && r.mark == 16 && r.log == BF_LOG_INTERNET,
			      "%s", orders[i]);
		ck_assert_int_eq(r.verdict, BF_VERDICT_CONTINUE);
	}
	ck_assert_uint_eq(one_rule("BF_HOOK_TC_INGRESS", "mark 0 ACCEPT").mark, 0);
	ck_assert(one_rule("BF_HOOK_TC_INGRESS", "mark 0 ACCEPT").has_mark);
	ck_assert_uint_eq(one_rule("BF_HOOK_TC_INGRESS", "mark 4294967295 ACCEPT").mark, UINT32_MAX);
	ck_assert_uint_eq(one_rule("BF_HOOK_TC_INGRESS", "mark 0xffffffff ACCEPT").mark, UINT32_MAX);
}
END_TEST

START_TEST(rule_next_and_redirect)
{
	struct bf_ruleset *rs;
	struct bf_rule r;

	r = one_rule("BF_HOOK_TC_INGRESS", "NEXT");
	ck_assert_int_eq(r.verdict, BF_VERDICT_NEXT);

	r = one_rule("BF_HOOK_TC_INGRESS", "REDIRECT eth1 out");
	ck_assert_int_eq(r.verdict, BF_VERDICT_REDIRECT);
	ck_assert_str_eq(r.redirect_ifname, "eth1");
	ck_assert_uint_eq(r.redirect_ifindex, 0);
	ck_assert_int_eq(r.redirect_dir, BF_REDIRECT_OUT);

	r = one_rule("BF_HOOK_TC_EGRESS", "REDIRECT 7 in");
	ck_assert_str_eq(r.redirect_ifname, "");
	ck_assert_uint_eq(r.redirect_ifindex, 7);
	ck_assert_int_eq(r.redirect_dir, BF_REDIRECT_IN);

	/* Keywords as interface names: quoted. */
	r = one_rule("BF_HOOK_XDP", "REDIRECT \"in\" out");
	ck_assert_str_eq(r.redirect_ifname, "in");
	r = one_rule("BF_HOOK_XDP", "REDIRECT out out");
	ck_assert_str_eq(r.redirect_ifname, "out");

	/* NEXT is a policy too, on every hook. */
	for (int h = 0; h < _BF_HOOK_MAX; h++) {
		char text[128];

		snprintf(text, sizeof(text), "chain c %s NEXT rule DROP", bf_hook_to_str(h));
		rs = parse_ok(text);
		ck_assert_int_eq(rs->chains[0]->policy, BF_VERDICT_NEXT);
		ck_assert_int_eq(bf_chain_validate(rs->chains[0], NULL, 0), 0);
		bf_ruleset_free(&rs);
	}
}
END_TEST

START_TEST(errors_actions)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
		{ "rule log every 0ms ACCEPT", "line 1, column 50: duration '0ms' must be more than 0" },
		{ "rule log every 0.0s ACCEPT",
		  "line 1, column 50: duration '0.0s' must be more than 0" },
		{ "rule log every 500 ACCEPT",
		  "line 1, column 50: invalid duration '500' (expected a number and a unit: 500ms, 1s, "
		  "1.5s; units ns, us, ms, s)" },
		{ "rule log every ms ACCEPT",
		  "line 1, column 50: invalid duration 'ms' (expected a number and a unit: 500ms, 1s, "
		  "1.5s; units ns, us, ms, s)" },
		{ "rule log every 1.s ACCEPT",
		  "line 1, column 50: invalid duration '1.s' (expected a number and a unit: 500ms, 1s, "
		  "1.5s; units ns, us, ms, s)" },
		{ "rule log every 5min ACCEPT",
		  "line 1, column 50: invalid duration '5min' (expected a number and a unit: 500ms, 1s, "
		  "1.5s; units ns, us, ms, s)" },
		{ "rule log every -1s ACCEPT",
		  "line 1, column 50: invalid duration '-1s' (expected a number and a unit: 500ms, 1s, "
		  "1.5s; units ns, us, ms, s)" },
		{ "rule log every 1.5ns ACCEPT",
		  "line 1, column 50: duration '1.5ns' is not a whole number of nanoseconds" },
		{ "rule log every 1.0000000001s ACCEPT",
		  "line 1, column 50: duration '1.0000000001s' is not a whole number of nanoseconds" },
		{ "rule log every 18446744074s ACCEPT",
		  "line 1, column 50: duration '18446744074s' out of range" },
		{ "rule log every 99999999999999999999ns ACCEPT",
		  "line 1, column 50: duration '99999999999999999999ns' out of range" },
		{ "rule log every ACCEPT",
		  "line 1, column 50: syntax error, unexpected 'ACCEPT', expecting name or value" },
		{ "rule every 1s ACCEPT", "line 1, column 40: syntax error, unexpected 'every'" },
		{ "rule log foo ACCEPT",
		  "line 1, column 44: unknown log header 'foo' (link, internet or transport)" },
		{ "rule log link,link ACCEPT", "line 1, column 49: log header 'link' given twice" },
		{ "rule log log ACCEPT", "line 1, column 44: 'log' given twice in a rule" },
		{ "rule mark 1 mark 2 ACCEPT", "line 1, column 47: 'mark' given twice in a rule" },
		{ "rule mark 0x100000000 ACCEPT",
		  "line 1, column 45: mark 0x100000000 out of range (0-4294967295)" },
		{ "rule mark -1 ACCEPT", "line 1, column 45: invalid mark '-1'" },
		{ "rule mark ACCEPT",
		  "line 1, column 45: syntax error, unexpected 'ACCEPT', expecting name or value" },
		{ "rule REDIRECT eth1", "line 1, column 49: REDIRECT eth1 needs a direction: in or out" },
		{ "rule REDIRECT eth1 rule ACCEPT",
		  "line 1, column 49: REDIRECT eth1 needs a direction: in or out" },
		{ "rule REDIRECT eth1 sideways",
		  "line 1, column 54: invalid REDIRECT direction 'sideways' (in or out)" },
		{ "rule REDIRECT a/b out", "line 1, column 49: invalid interface name 'a/b'" },
		{ "rule REDIRECT 0 out",
		  "line 1, column 49: interface index 0 out of range (1-4294967295)" },
		{ "rule REDIRECT",
		  "line 1, column 48: syntax error, unexpected end of input, expecting name or value" },
		{ "rule ip4.dscp foo DROP",
		  "line 1, column 49: unknown DSCP class 'foo' (0-63, cs0-cs7, af11-af13, af21-af23, "
		  "af31-af33, af41-af43 or ef)" },
		{ "rule ip6.dscp 64 DROP", "line 1, column 49: DSCP 64 out of range (0-63)" },
		{ "rule ip4.dscp range 1-2 DROP",
		  "line 1, column 40: operator 'range' not supported by ip4.dscp" },
		{ "rule ip4.dscp in { ef } DROP",
		  "line 1, column 40: operator 'in' not supported by ip4.dscp" },
		{ "rule meta.flow_hash range 5-1 DROP",
		  "line 1, column 61: invalid flow hash range 5-1: 5 is above 1" },
		{ "rule meta.flow_hash 0x100000000 DROP",
		  "line 1, column 55: flow hash 0x100000000 out of range (0-4294967295)" },
		{ "rule meta.flow_hash range 5 DROP",
		  "line 1, column 61: invalid flow hash range '5' (expected A-B)" },
		{ "rule meta.flow_probability 101% DROP",
		  "line 1, column 62: probability 101% out of range (0-100%)" },
		{ "rule meta.flow_probability range 1-2 DROP",
		  "line 1, column 40: operator 'range' not supported by meta.flow_probability" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char text[256];

		snprintf(text, sizeof(text), "chain c BF_HOOK_TC_INGRESS ACCEPT %s", cases[i].text);
		parse_err(text, cases[i].err);
	}
	parse_err("chain c BF_HOOK_XDP REDIRECT", "line 1, column 21: invalid policy 'REDIRECT' "
						    "(ACCEPT, DROP or NEXT)");
	parse_err("chain c BF_HOOK_XDP REDIRECT eth0 out",
		  "line 1, column 21: invalid policy 'REDIRECT' (ACCEPT, DROP or NEXT)");
	parse_err("chain c BF_HOOK_XDP CONTINUE rule ACCEPT",
		  "line 1, column 21: invalid policy 'CONTINUE' (ACCEPT, DROP or NEXT)");
}
END_TEST

/* Hook-dependent checks: the parser accepts, validation refuses. */
static void validate_err(const char *text, const char *expected)
{
	struct bf_ruleset *rs = parse_ok(text);
	char err[ERRLEN] = "";

	ck_assert_uint_eq(rs->nchains, 1);
	ck_assert_msg(bf_chain_validate(rs->chains[0], err, sizeof(err)) == -EINVAL,
		      "'%s' validated", text);
	ck_assert_str_eq(err, expected);
	bf_ruleset_free(&rs);
}

static void validate_ok(const char *text)
{
	struct bf_ruleset *rs = parse_ok(text);
	char err[ERRLEN] = "";

	for (size_t i = 0; i < rs->nchains; i++) {
		ck_assert_msg(bf_chain_validate(rs->chains[i], err, sizeof(err)) == 0, "%s\n%s", err,
			      text);
	}
	bf_ruleset_free(&rs);
}

START_TEST(validate_actions_per_hook)
{
	validate_err("chain c BF_HOOK_NF_LOCAL_IN ACCEPT rule tcp.dport 22 REDIRECT eth1 out",
		     "chain 'c', rule 0: REDIRECT is not available on BF_HOOK_NF_LOCAL_IN");
	validate_err("chain c BF_HOOK_CGROUP_SKB_EGRESS ACCEPT rule ACCEPT rule REDIRECT 2 out",
		     "chain 'c', rule 1: REDIRECT is not available on BF_HOOK_CGROUP_SKB_EGRESS");
	validate_err("chain c BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4 ACCEPT rule REDIRECT 2 out",
		     "chain 'c', rule 0: REDIRECT is not available on "
		     "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4");
	validate_err("chain c BF_HOOK_XDP ACCEPT rule REDIRECT eth1 in",
		     "chain 'c', rule 0: REDIRECT in is not available on BF_HOOK_XDP (only out)");
	validate_err("chain c BF_HOOK_XDP ACCEPT rule mark 1 ACCEPT",
		     "chain 'c', rule 0: mark is not available on BF_HOOK_XDP");
	validate_err("chain c BF_HOOK_NF_FORWARD ACCEPT rule counter mark 0x10 ACCEPT",
		     "chain 'c', rule 0: mark is not available on BF_HOOK_NF_FORWARD");
	validate_err("chain c BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6 ACCEPT rule mark 1 ACCEPT",
		     "chain 'c', rule 0: mark is not available on BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6");
	validate_err("chain c BF_HOOK_XDP ACCEPT rule meta.flow_hash 1 ACCEPT",
		     "chain 'c', rule 0, matcher 'meta.flow_hash': not available on BF_HOOK_XDP");
	validate_err("chain c BF_HOOK_NF_LOCAL_OUT ACCEPT rule meta.flow_hash range 1-2 ACCEPT",
		     "chain 'c', rule 0, matcher 'meta.flow_hash': not available on "
		     "BF_HOOK_NF_LOCAL_OUT");

	validate_ok("chain a BF_HOOK_XDP{ifindex=1} NEXT\n"
		    "    rule ip4.dscp ef log every 1s counter REDIRECT eth1 out\n"
		    "    rule ip6.dscp cs1 NEXT\n"
		    "    rule meta.flow_probability 10% log link REDIRECT 3 out\n"
		    "chain b BF_HOOK_TC_INGRESS ACCEPT\n"
		    "    rule meta.flow_hash range 0-100 mark 0x10 CONTINUE\n"
		    "    rule meta.mark 0x10 REDIRECT eth1 in\n"
		    "    rule REDIRECT eth1 out\n"
		    "chain c BF_HOOK_TC_EGRESS DROP rule mark 1 NEXT rule REDIRECT 1 in\n"
		    "chain d BF_HOOK_CGROUP_SKB_INGRESS ACCEPT rule mark 7 log CONTINUE\n"
		    "chain e BF_HOOK_CGROUP_SKB_EGRESS ACCEPT rule ip4.dscp af41 mark 7 DROP\n"
		    /* No Ethernet header there: allowed, entries just lack it. */
		    "chain f BF_HOOK_NF_PRE_ROUTING ACCEPT rule log link NEXT\n"
		    "chain g BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4 ACCEPT rule log link DROP\n");
}
END_TEST

START_TEST(validate_sock_addr_matchers)
{
	static const struct {
		const char *hook;
		const char *matcher;
	} refused[] = {
		/* sendmsg's source address on connect hooks */
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4", "ip4.saddr 10.0.0.1" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4", "ip4.snet 10.0.0.0/8" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6", "ip6.saddr ::1" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6", "ip6.snet ::/0" },
		/* the other family */
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4", "ip6.daddr ::1" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4", "ip6.saddr ::1" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6", "ip4.daddr 1.2.3.4" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6", "ip4.dnet 1.2.3.0/24" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6", "ip4.proto tcp" },
		/* no packet */
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4", "meta.iface 1" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4", "meta.mark 1" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4", "meta.probability 50%" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4", "meta.flow_probability 50%" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4", "meta.flow_hash 1" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4", "meta.sport 1" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4", "meta.l3_proto ipv4" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4", "tcp.flags syn" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4", "tcp.sport 1" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4", "udp.sport 1" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4", "icmp.type echo-request" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6", "icmpv6.code 1" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6", "ip6.nexthdr tcp" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4", "ip4.dscp ef" },
		{ "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6", "ip6.dscp ef" },
	};
	char text[256], expected[256];

	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		const char *type = refused[i].matcher;

		snprintf(text, sizeof(text), "chain c %s{cgpath=/sys/fs/cgroup} ACCEPT rule %s DROP",
			 refused[i].hook, type);
		snprintf(expected, sizeof(expected),
			 "chain 'c', rule 0, matcher '%.*s': not available on %s",
			 (int)strcspn(type, " "), type, refused[i].hook);
		validate_err(text, expected);
	}
	validate_err("chain c BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4 ACCEPT\n"
		     "    set s (ip4.saddr, tcp.dport) in { 1.2.3.4, 80 }\n"
		     "    rule (ip4.saddr, tcp.dport) in s DROP",
		     "chain 'c', rule 0, matcher 'set': ip4.saddr not available on "
		     "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4");
	validate_err("chain c BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4 ACCEPT\n"
		     "    rule ip4.saddr in { 1.2.3.4 } DROP",
		     "chain 'c', rule 0, matcher 'ip4.saddr': not available on "
		     "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4");
	parse_err("chain c BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6{ifindex=1} ACCEPT",
		  "line 1, column 43: hook option 'ifindex' not supported on "
		  "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6");

	validate_ok("chain c4 BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4{cgpath=/sys/fs/cgroup/a} DROP\n"
		    "    set dst (ip4.daddr, tcp.dport) in { 10.0.0.1, 443 }\n"
		    "    rule ip4.daddr 10.0.0.1 meta.dport 443 tcp.dport 443 udp.dport 53\n"
		    "         meta.l4_proto tcp ip4.proto tcp ip4.dnet 10.0.0.0/8 log counter ACCEPT\n"
		    "    rule (ip4.daddr, tcp.dport) in dst ACCEPT\n"
		    "    rule ip4.dnet in { 10.0.0.0/8 } tcp.dport in { 80; 443 } NEXT\n"
		    "chain c6 BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6{cgpath=/sys/fs/cgroup/a} DROP\n"
		    "    rule ip6.daddr ::1 ip6.dnet ::/0 meta.dport 1 tcp.dport 1 udp.dport 1\n"
		    "         meta.l4_proto udp ACCEPT\n"
		    "chain s4 BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4{cgpath=/sys/fs/cgroup/a} DROP\n"
		    "    rule ip4.saddr 1.2.3.4 ip4.snet 1.2.3.0/24 ip4.daddr 1.1.1.1 udp.dport 53\n"
		    "         ACCEPT\n"
		    "chain s6 BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6{cgpath=/sys/fs/cgroup/a} DROP\n"
		    "    rule ip6.saddr ::1 ip6.snet ::/0 ip6.daddr ::2 ip6.dnet ::/1 udp.dport 53\n"
		    "         ACCEPT\n");
}
END_TEST

/* Sets. */

START_TEST(sets_named_and_composite)
{
	struct bf_ruleset *rs = parse_ok(
		"chain c BF_HOOK_TC_INGRESS ACCEPT\n"
		"    set blocked (ip4.saddr) in { 192.0.2.1; 192.0.2.7 }\n"
		"    set pairs (ip4.daddr, tcp.dport) in {\n"
		"        10.0.0.1, 22\n"
		"        10.0.0.2, 443 # comment\n"
		"    }\n"
		"    set empty (ip6.saddr, udp.sport, meta.l4_proto) in {}\n"
		"    set nets (ip6.dnet) in { 2001:db8::/32; ::/0 }\n"
		"    set misc (meta.mark, meta.iface, icmp.type, meta.l3_proto) in {\n"
		"        0x01020304, 7, echo-reply, ipv6\n"
		"    }\n"
		"    rule (ip4.saddr) in blocked counter DROP\n"
		"    rule (ip4.daddr, tcp.dport) not in pairs DROP\n"
		"    rule (ip4.saddr, udp.dport) in { 1.2.3.4, 53; 1.2.3.5, 0x35 } ACCEPT\n"
		"    rule ip4.saddr not in blocked ACCEPT\n");
	const struct bf_chain *c = rs->chains[0];
	const uint8_t blocked[] = { 192, 0, 2, 1, 192, 0, 2, 7 };
	const uint8_t pairs[] = { 10, 0, 0, 1, 0, 22, 10, 0, 0, 2, 0x01, 0xbb };
	const uint8_t nets[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32,
				 0,    0,    0,	   0,	 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	const uint8_t misc[] = { 1, 2, 3, 4, 0, 0, 0, 7, 0, 0x86, 0xdd };
	const uint8_t anon[] = { 1, 2, 3, 4, 0, 53, 1, 2, 3, 5, 0, 53 };

	ck_assert_uint_eq(c->nsets, 6);
	ck_assert_str_eq(c->sets[0].name, "blocked");
	ck_assert_uint_eq(c->sets[0].nelems, 2);
	ck_assert_mem_eq(c->sets[0].elems, blocked, sizeof(blocked));

	ck_assert_str_eq(c->sets[1].name, "pairs");
	ck_assert_uint_eq(c->sets[1].nkeys, 2);
	ck_assert_int_eq(c->sets[1].key[0], BF_MATCHER_IP4_DADDR);
	ck_assert_int_eq(c->sets[1].key[1], BF_MATCHER_TCP_DPORT);
	ck_assert_uint_eq(c->sets[1].nelems, 2);
	ck_assert_mem_eq(c->sets[1].elems, pairs, sizeof(pairs));

	ck_assert_uint_eq(c->sets[2].nkeys, 3);
	ck_assert_uint_eq(c->sets[2].nelems, 0);

	ck_assert(bf_set_is_prefix(&c->sets[3]));
	ck_assert_uint_eq(c->sets[3].nelems, 2);
	ck_assert_mem_eq(c->sets[3].elems, nets, sizeof(nets));

	ck_assert_uint_eq(c->sets[4].nkeys, 4);
	ck_assert_uint_eq(c->sets[4].nelems, 1);
	ck_assert_mem_eq(c->sets[4].elems, misc, sizeof(misc));

	ck_assert_int_eq(c->rules[0].matchers[0].type, BF_MATCHER_SET);
	ck_assert_int_eq(c->rules[0].matchers[0].op, BF_OP_IN);
	ck_assert_uint_eq(c->rules[0].matchers[0].set, 0);
	ck_assert(!c->rules[0].matchers[0].negate);
	ck_assert(c->rules[0].counter);
	ck_assert_uint_eq(c->rules[1].matchers[0].set, 1);
	ck_assert(c->rules[1].matchers[0].negate);

	/* An anonymous set with a composite key, stored after the named ones. */
	ck_assert_int_eq(c->rules[2].matchers[0].type, BF_MATCHER_SET);
	ck_assert_uint_eq(c->rules[2].matchers[0].set, 5);
	ck_assert_str_eq(c->sets[5].name, "");
	ck_assert_mem_eq(c->sets[5].elems, anon, sizeof(anon));

	/* "TYPE in NAME" is the same as "(TYPE) in NAME". */
	ck_assert_int_eq(c->rules[3].matchers[0].type, BF_MATCHER_SET);
	ck_assert_int_eq(c->rules[3].matchers[0].op, BF_OP_IN);
	ck_assert_uint_eq(c->rules[3].matchers[0].set, 0);
	ck_assert(c->rules[3].matchers[0].negate);
	ck_assert_int_eq(bf_chain_validate(c, NULL, 0), 0);
	bf_ruleset_free(&rs);
}
END_TEST

/* Errors: the message names the line, the column and what is wrong. */

START_TEST(errors_syntax)
{
	parse_err("chain c BF_HOOK_XDP ACCEPT\n  rule\n    ip4.saddr eq 1.2.3.4 DROP foo\n",
		  "line 3, column 31: syntax error, unexpected 'foo', expecting end of input, "
		  "'chain' or 'rule'");
	parse_err("chain c BF_HOOK_XDP ACCEPT\nrule\n", "line 3, column 1: syntax error, "
		  "unexpected end of input");
	parse_err("rule ACCEPT", "line 1, column 1: syntax error, unexpected 'rule', expecting "
		  "end of input or 'chain'");
	parse_err("chain c BF_HOOK_XDP{ifindex} ACCEPT",
		  "line 1, column 28: syntax error, unexpected '}', expecting '='");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule counter counter ACCEPT",
		  "line 1, column 41: 'counter' given twice in a rule");
	/* Matchers come before the actions. */
	parse_err("chain c BF_HOOK_XDP ACCEPT rule counter tcp.dport 22 ACCEPT",
		  "line 1, column 41: syntax error, unexpected 'tcp.dport'");
	parse_err("chain c BF_HOOK_XDP accept",
		  "line 1, column 21: syntax error, unexpected 'accept'");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule meta.iface \"eth0 DROP",
		  "line 1, column 44: syntax error, unexpected '\"eth0 DROP'");
	parse_err("chain c BF_HOOK_XDP ACCEPT set s (ip4.saddr) in { 1.1.1.1",
		  "line 1, column 58: syntax error, unexpected end of input, expecting newline, "
		  "'}', ',' or ';'");
	/* Newlines only separate elements inside a set's braces. */
	parse_err("chain c BF_HOOK_XDP ACCEPT rule ip4.saddr in { 1.1.1.1, } DROP",
		  "line 1, column 57: syntax error, unexpected '}', expecting newline or name or value");
}
END_TEST

START_TEST(errors_values)
{
	parse_err("chain c BF_HOOK_FOO ACCEPT", "line 1, column 9: unknown hook 'BF_HOOK_FOO'");
	parse_err("chain c BF_HOOK_XDP ACCEPT\n  rule\n    ip4.foo eq 1 DROP",
		  "line 3, column 5: unknown matcher 'ip4.foo'");
	parse_err("chain c BF_HOOK_XDP ACCEPT\n  rule\n    meta.l4_proto eq tcpp DROP",
		  "line 3, column 22: unknown protocol 'tcpp'");
	parse_err("chain c BF_HOOK_XDP ACCEPT\nrule\n   tcp.dport eq 70000 DROP",
		  "line 3, column 17: port 70000 out of range (0-65535)");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule meta.sport range 1000-70000 DROP",
		  "line 1, column 50: port 70000 out of range (0-65535)");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule tcp.dport range 20-10 DROP",
		  "line 1, column 49: invalid port range 20-10: 20 is above 10");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule tcp.dport range 20 DROP",
		  "line 1, column 49: invalid port range '20' (expected A-B)");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule ip4.snet 10.0.0.0/33 DROP",
		  "line 1, column 42: prefix length 33 out of range (0-32)");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule ip6.dnet ::/129 DROP",
		  "line 1, column 42: prefix length 129 out of range (0-128)");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule ip4.saddr 1.2.3 DROP",
		  "line 1, column 43: invalid IPv4 address '1.2.3'");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule ip6.saddr 1.2.3.4 DROP",
		  "line 1, column 43: invalid IPv6 address '1.2.3.4'");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule ip4.saddr range 1.2.3.4 DROP",
		  "line 1, column 33: operator 'range' not supported by ip4.saddr");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule tcp.flags in { syn } DROP",
		  "line 1, column 33: operator 'in' not supported by tcp.flags");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule tcp.dport 22,23 DROP",
		  "line 1, column 46: tcp.dport takes one value (use 'in { ... }' for several)");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule tcp.flags any syn,foo DROP",
		  "line 1, column 51: unknown TCP flag 'foo'");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule icmp.type nope DROP",
		  "line 1, column 43: unknown ICMP type 'nope'");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule icmp.code 256 DROP",
		  "line 1, column 43: ICMP code 256 out of range (0-255)");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule meta.probability 101% DROP",
		  "line 1, column 50: probability 101% out of range (0-100%)");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule meta.probability 50 DROP",
		  "line 1, column 50: invalid probability '50' (expected a percentage: 50%)");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule meta.mark 0x100000000 DROP",
		  "line 1, column 43: mark 0x100000000 out of range (0-4294967295)");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule meta.iface a/b DROP",
		  "line 1, column 44: invalid interface name 'a/b'");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule meta.l3_proto 0x10000 DROP",
		  "line 1, column 47: layer 3 protocol 0x10000 out of range (0-65535)");
}
END_TEST

START_TEST(errors_semantic)
{
	parse_err("chain c BF_HOOK_XDP ACCEPT rule (ip4.saddr) in nope DROP",
		  "line 1, column 48: undefined set 'nope'");
	parse_err("chain c BF_HOOK_XDP ACCEPT\n  set s (ip4.daddr) in {}\n"
		  "  rule (ip4.saddr) in s DROP",
		  "line 3, column 23: set 's' has key (ip4.daddr), not (ip4.saddr)");
	parse_err("chain c BF_HOOK_XDP ACCEPT set s (ip4.saddr) in {} set s (ip4.saddr) in {}",
		  "line 1, column 56: set 's' defined twice");
	parse_err("chain c BF_HOOK_XDP ACCEPT set s (ip4.snet, tcp.dport) in {}",
		  "line 1, column 45: ip4.snet is only allowed alone in a set key (prefix set)");
	parse_err("chain c BF_HOOK_XDP ACCEPT set s (tcp.flags) in {}",
		  "line 1, column 35: tcp.flags can't be part of a set key");
	parse_err("chain c BF_HOOK_XDP ACCEPT set s (ip6.saddr, ip6.daddr, ip6.saddr) in {}",
		  "line 1, column 57: set key is 48 bytes, more than 40");
	parse_err("chain c BF_HOOK_XDP ACCEPT set s (icmp.code, icmp.code, icmp.code, icmp.code, "
		  "icmp.code) in {}",
		  "line 1, column 79: a set key has at most 4 components");
	parse_err("chain c BF_HOOK_XDP ACCEPT set s (ip4.saddr, tcp.dport) in { 1.2.3.4 }",
		  "line 1, column 62: element has 1 value, key (ip4.saddr, tcp.dport) has 2");
	parse_err("chain c BF_HOOK_XDP ACCEPT set s (ip4.saddr, tcp.dport) in { 1.2.3.4, 99999 }",
		  "line 1, column 71: port 99999 out of range (0-65535)");
	parse_err("chain c BF_HOOK_XDP{ifindex=1,ifindex=2} ACCEPT",
		  "line 1, column 31: duplicate hook option 'ifindex'");
	parse_err("chain c BF_HOOK_XDP{cgpath=/x} ACCEPT",
		  "line 1, column 21: hook option 'cgpath' not supported on BF_HOOK_XDP");
	parse_err("chain c BF_HOOK_NF_LOCAL_IN{priorities=1-1} ACCEPT",
		  "line 1, column 29: invalid priorities '1-1' (expected A-B, two distinct non-zero "
		  "integers)");
	parse_err("chain c BF_HOOK_XDP CONTINUE",
		  "line 1, column 21: invalid policy 'CONTINUE' (ACCEPT, DROP or NEXT)");
	parse_err("chain c BF_HOOK_XDP ACCEPT chain c BF_HOOK_XDP DROP",
		  "line 1, column 34: chain 'c' defined twice");
	parse_err("chain a/b BF_HOOK_XDP ACCEPT",
		  "line 1, column 7: invalid chain name 'a/b' (1-63 letters, digits, '_', '-', '.')");
	parse_err("chain c BF_HOOK_XDP ACCEPT rule ip4.saddr in nope DROP",
		  "line 1, column 46: undefined set 'nope'");
	/* Control characters never reach the message. */
	parse_err("chain c BF_HOOK_XDP ACCEPT rule tcp.dport \x01\x1b[31m DROP",
		  "line 1, column 43: invalid port '??[31m'");
}
END_TEST

START_TEST(errors_too_many_matchers)
{
	char text[4096] = "chain c BF_HOOK_XDP ACCEPT\nrule\n";
	struct bf_ruleset *rs;

	for (int i = 0; i < BF_RULE_MAX_MATCHERS; i++)
		strcat(text, "tcp.dport 1\n");
	strcat(text, "ACCEPT\n");
	rs = parse_ok(text);
	ck_assert_uint_eq(rs->chains[0]->rules[0].nmatchers, BF_RULE_MAX_MATCHERS);
	bf_ruleset_free(&rs);

	text[strlen(text) - strlen("ACCEPT\n")] = '\0';
	strcat(text, "tcp.dport 1\nACCEPT\n");
	parse_err(text, "line 35, column 1: too many matchers in a rule (at most 32)");
}
END_TEST

START_TEST(errors_arguments)
{
	struct bf_ruleset *rs = (void *)1;
	char err[ERRLEN];

	ck_assert_int_eq(bf_parse_ruleset(NULL, &rs, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(rs);
	ck_assert_int_eq(bf_parse_ruleset("chain", NULL, err, sizeof(err)), -EINVAL);
	/* No room for the message is fine. */
	ck_assert_int_eq(bf_parse_ruleset("chain", &rs, NULL, 0), -EINVAL);
	ck_assert_int_eq(bf_parse_ruleset("chain", &rs, err, 8), -EINVAL);
	ck_assert_str_eq(err, "line 1,");
}
END_TEST

START_TEST(validate_hook_matchers)
{
	struct bf_ruleset *rs = parse_ok("chain c BF_HOOK_XDP ACCEPT\n"
					 "    rule tcp.dport 22 ACCEPT\n"
					 "    rule tcp.dport 23 meta.mark 0x1 DROP\n"
					 "chain d BF_HOOK_XDP ACCEPT\n"
					 "    set marks (meta.mark) in { 1 }\n"
					 "    rule (meta.mark) in marks DROP\n"
					 "chain e BF_HOOK_TC_INGRESS ACCEPT\n"
					 "    rule meta.mark 0x1 DROP\n");
	char err[ERRLEN];

	ck_assert_int_eq(bf_chain_validate(rs->chains[0], err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "chain 'c', rule 1, matcher 'meta.mark': not available on BF_HOOK_XDP");
	ck_assert_int_eq(bf_chain_validate(rs->chains[1], err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "chain 'd', rule 0, matcher 'set': meta.mark not available on "
			      "BF_HOOK_XDP");
	ck_assert_int_eq(bf_chain_validate(rs->chains[2], err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	bf_ruleset_free(&rs);
}
END_TEST

/* Set elements for update-set. */

static int elem_of(const struct bf_set *set, const char *text, uint8_t *elem, char *err)
{
	memset(elem, 0xee, BF_SET_KEY_MAX);
	return bf_set_parse_elem(set, text, elem, err, ERRLEN);
}

START_TEST(set_parse_elem)
{
	struct bf_set pairs = { .name = "p", .nkeys = 2,
				.key = { BF_MATCHER_IP4_DADDR, BF_MATCHER_TCP_DPORT } };
	struct bf_set nets = { .name = "n", .nkeys = 1, .key = { BF_MATCHER_IP6_SNET } };
	struct bf_set misc = { .name = "m", .nkeys = 4,
			       .key = { BF_MATCHER_META_IFACE, BF_MATCHER_META_L4_PROTO,
					BF_MATCHER_ICMP_TYPE, BF_MATCHER_META_MARK } };
	struct bf_set bad = { .name = "b", .nkeys = 1, .key = { BF_MATCHER_TCP_FLAGS } };
	const uint8_t pair[] = { 10, 0, 0, 2, 0, 22 };
	const uint8_t net[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32 };
	const uint8_t m1[] = { 0, 0, 0, 1, 17, 8, 0, 0, 0, 0x2a };
	uint8_t elem[BF_SET_KEY_MAX];
	char err[ERRLEN];

	ck_assert_int_eq(elem_of(&pairs, "10.0.0.2, 22", elem, err), 0);
	ck_assert_str_eq(err, "");
	ck_assert_mem_eq(elem, pair, sizeof(pair));
	ck_assert_uint_eq(elem[sizeof(pair)], 0xee); /* nothing written past the element */
	ck_assert_int_eq(elem_of(&pairs, " 10.0.0.2 ,0x16\t", elem, err), 0);
	ck_assert_mem_eq(elem, pair, sizeof(pair));
	ck_assert_int_eq(elem_of(&nets, "2001:db8::/32", elem, err), 0);
	ck_assert_mem_eq(elem, net, sizeof(net));
	/* The loopback is index 1 in every network namespace. */
	ck_assert_int_eq(elem_of(&misc, "\"lo\", udp, echo-request, 42", elem, err), 0);
	ck_assert_mem_eq(elem, m1, sizeof(m1));
	ck_assert_int_eq(elem_of(&misc, "1, 17, 8, 0x2a", elem, err), 0);
	ck_assert_mem_eq(elem, m1, sizeof(m1));

	ck_assert_int_eq(elem_of(&pairs, "10.0.0.2", elem, err), -EINVAL);
	ck_assert_str_eq(err, "element has 1 value, key (ip4.daddr, tcp.dport) has 2");
	ck_assert_int_eq(elem_of(&pairs, "10.0.0.2, 22, 23", elem, err), -EINVAL);
	ck_assert_str_eq(err, "element has 3 values, key (ip4.daddr, tcp.dport) has 2");
	ck_assert_int_eq(elem_of(&pairs, "10.0.0.2, 70000", elem, err), -EINVAL);
	ck_assert_str_eq(err, "port 70000 out of range (0-65535)");
	ck_assert_int_eq(elem_of(&pairs, "10.0.0.256, 1", elem, err), -EINVAL);
	ck_assert_str_eq(err, "invalid IPv4 address '10.0.0.256'");
	ck_assert_int_eq(elem_of(&pairs, "10.0.0.1/8, 1", elem, err), -EINVAL);
	ck_assert_str_eq(err, "invalid IPv4 address '10.0.0.1/8' (use ip4.snet/ip4.dnet for a "
			      "network)");
	ck_assert_int_eq(elem_of(&pairs, "10.0.0.2, ", elem, err), -EINVAL);
	ck_assert_str_eq(err, "empty value in element '10.0.0.2, '");
	ck_assert_int_eq(elem_of(&pairs, "", elem, err), -EINVAL);
	ck_assert_str_eq(err, "element has 1 value, key (ip4.daddr, tcp.dport) has 2");
	ck_assert_int_eq(elem_of(&nets, "", elem, err), -EINVAL);
	ck_assert_str_eq(err, "empty value in element ''");
	ck_assert_int_eq(elem_of(&nets, "::/129", elem, err), -EINVAL);
	ck_assert_str_eq(err, "prefix length 129 out of range (0-128)");
	ck_assert_int_eq(elem_of(&nets, "1.2.3.4; ::1", elem, err), -EINVAL);
	ck_assert_str_eq(err, "invalid IPv6 address '1.2.3.4; ::1'");
	ck_assert_int_eq(elem_of(&misc, "no-such-if0, tcp, 0, 0", elem, err), -EINVAL);
	ck_assert_str_eq(err, "unknown interface 'no-such-if0'");
	/* Control characters never reach the message. */
	ck_assert_int_eq(elem_of(&nets, "\x1b[31m", elem, err), -EINVAL);
	ck_assert_str_eq(err, "invalid IPv6 address '?[31m'");

	ck_assert_int_eq(elem_of(&bad, "syn", elem, err), -EINVAL);
	ck_assert_str_eq(err, "invalid set key: tcp.flags can't be part of a set key");
	bad.nkeys = 0;
	ck_assert_int_eq(elem_of(&bad, "1", elem, err), -EINVAL);
	ck_assert_str_eq(err, "invalid set key: a set key has 1 to 4 components, not 0");
	ck_assert_int_eq(bf_set_parse_elem(NULL, "1", elem, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(bf_set_parse_elem(&pairs, NULL, elem, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(bf_set_parse_elem(&pairs, "1.1.1.1, 1", NULL, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(bf_set_parse_elem(&pairs, "1.1.1.1", elem, NULL, 0), -EINVAL);
}
END_TEST

/* Printed form and round trip. */

static const char *rich_ruleset =
	"chain rich BF_HOOK_TC_INGRESS{ifindex=2} DROP\n"
	"    set blocked (ip4.saddr) in { 192.0.2.1; 192.0.2.7 }\n"
	"    set pairs (ip4.daddr, tcp.dport) in { 10.0.0.1, 22; 10.0.0.2, 443 }\n"
	"    set nets6 (ip6.snet) in { 2001:db8::/32; fe80::/10 }\n"
	"    set empty (meta.l4_proto, icmp.type) in { }\n"
	"    set big (udp.dport) in { 1; 2; 3; 4; 5; 6; 7; 8; 9; 10 }\n"
	"    rule\n"
	"        meta.iface eq eth0\n"
	"        meta.l3_proto eq ipv4\n"
	"        meta.l4_proto eq tcp\n"
	"        meta.sport range 1000-2000\n"
	"        meta.dport not eq 8080\n"
	"        meta.probability eq 33.3%\n"
	"        meta.mark eq 0x2a\n"
	"        counter\n"
	"        ACCEPT\n"
	"    rule\n"
	"        ip4.saddr eq 192.168.1.1\n"
	"        ip4.daddr not eq 10.0.0.1\n"
	"        ip4.snet eq 10.0.0.0/8\n"
	"        ip4.dnet eq 172.16.0.0/12\n"
	"        ip4.proto eq icmp\n"
	"        icmp.type eq echo-request\n"
	"        icmp.code eq 0\n"
	"        DROP\n"
	"    rule\n"
	"        ip6.saddr eq ::1\n"
	"        ip6.daddr eq 2001:db8::2\n"
	"        ip6.snet eq 2001:db8::/48\n"
	"        ip6.dnet not eq fe80::/64\n"
	"        ip6.nexthdr eq frag\n"
	"        icmpv6.type eq nd-neighbor-solicit\n"
	"        icmpv6.code eq 1\n"
	"        CONTINUE\n"
	"    rule\n"
	"        tcp.sport eq 80\n"
	"        tcp.dport range 1-1024\n"
	"        tcp.flags any syn,ack\n"
	"        tcp.flags all fin,rst\n"
	"        tcp.flags not eq 0\n"
	"        udp.sport eq 53\n"
	"        udp.dport eq 5353\n"
	"        meta.iface eq 7\n"
	"        meta.l3_proto eq 0x88cc\n"
	"        meta.l4_proto eq 200\n"
	"        icmp.type eq 99\n"
	"        DROP\n"
	"    rule\n"
	"        (ip4.saddr) in blocked\n"
	"        (ip4.daddr, tcp.dport) not in pairs\n"
	"        (ip6.snet) in nets6\n"
	"        (meta.l4_proto, icmp.type) in empty\n"
	"        (udp.dport) in big\n"
	"        counter\n"
	"        DROP\n"
	"    rule\n"
	"        ip4.saddr in { 198.51.100.1; 198.51.100.2 }\n"
	"        tcp.dport not in { 22; 80 }\n"
	"        (ip4.saddr, udp.dport) in { 1.2.3.4, 53 }\n"
	"        ip6.dnet in { ::/0 }\n"
	"        ACCEPT\n"
	"chain nf BF_HOOK_NF_LOCAL_OUT{family=inet4,priorities=1-2} ACCEPT\n"
	"chain cg BF_HOOK_CGROUP_SKB_EGRESS{cgpath=/sys/fs/cgroup/x} DROP\n"
	"    rule\n"
	"        meta.probability eq 100%\n"
	"        DROP\n"
	"chain cg2 BF_HOOK_CGROUP_SKB_INGRESS{cgpath=\"/sys/fs/cgroup/a b\"} ACCEPT\n"
	"chain xdp BF_HOOK_XDP{ifindex=lo} ACCEPT\n"
	"    rule\n"
	"        meta.iface eq \"counter\"\n"
	"        meta.probability eq 0.0001%\n"
	"        ACCEPT\n";

/* The big set goes on several lines, others on one: both must parse. */
static const char *rich_big_set =
	"    set big (udp.dport) in {\n"
	"        1\n";

START_TEST(dump_round_trip)
{
	struct bf_ruleset *rs = parse_ok(rich_ruleset), *rs2;
	char *text = NULL, *again;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < rs->nchains; i++) {
		ck_assert_int_eq(bf_chain_validate(rs->chains[i], NULL, 0), 0);
		ck_assert_int_eq(bf_chain_dump(f, rs->chains[i], true), 0);
	}
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, rich_big_set));

	rs2 = parse_ok(text);
	ck_assert_uint_eq(rs2->nchains, rs->nchains);
	for (size_t i = 0; i < rs->nchains; i++)
		assert_chain_eq(rs->chains[i], rs2->chains[i]);

	/* The printed form is stable. */
	again = dump_str(rs2->chains[0], true);
	ck_assert_ptr_nonnull(strstr(text, again));
	ck_assert(strncmp(text, again, strlen(again)) == 0);

	free(again);
	free(text);
	bf_ruleset_free(&rs);
	bf_ruleset_free(&rs2);
}
END_TEST

START_TEST(dump_exact_form)
{
	struct bf_ruleset *rs = parse_ok(
		"chain my_tc_chain BF_HOOK_TC_INGRESS{ifindex=2} ACCEPT\n"
		"rule ip4.saddr 192.168.1.1 counter ACCEPT rule tcp.dport 22 counter DROP "
		"rule ACCEPT");
	struct bf_chain *c = rs->chains[0];
	char *text;

	text = dump_str(c, true);
	ck_assert_str_eq(text, "chain my_tc_chain BF_HOOK_TC_INGRESS{ifindex=2} ACCEPT\n"
			       "    rule\n"
			       "        ip4.saddr eq 192.168.1.1\n"
			       "        counter\n"
			       "        ACCEPT\n"
			       "    rule\n"
			       "        tcp.dport eq 22\n"
			       "        counter\n"
			       "        DROP\n"
			       "    rule\n"
			       "        ACCEPT\n");
	free(text);

	c->counters = calloc(c->nrules + 2, sizeof(*c->counters));
	ck_assert_ptr_nonnull(c->counters);
	c->counters[0] = (struct bf_counter) { .packets = 2, .bytes = 196 };
	c->counters[1] = (struct bf_counter) { .packets = 5, .bytes = 300 };
	c->counters[2] = (struct bf_counter) { .packets = 1, .bytes = 1 };
	c->counters[3] = (struct bf_counter) { .packets = 87, .bytes = 9085 };
	c->counters[4] = (struct bf_counter) { .packets = 0, .bytes = 0 };
	text = dump_str(c, true);
	ck_assert_str_eq(text, "chain my_tc_chain BF_HOOK_TC_INGRESS{ifindex=2} ACCEPT\n"
			       "    counters policy 87 packets 9085 bytes; error 0 packets 0 bytes\n"
			       "    rule\n"
			       "        ip4.saddr eq 192.168.1.1\n"
			       "        counters 2 packets 196 bytes\n"
			       "        ACCEPT\n"
			       "    rule\n"
			       "        tcp.dport eq 22\n"
			       "        counters 5 packets 300 bytes\n"
			       "        DROP\n"
			       "    rule\n"
			       "        ACCEPT\n");
	free(text);
	bf_ruleset_free(&rs);
}
END_TEST

/* Every construct of this issue, in its printed form: it must print back
 * exactly so (canonical), parse into the same chain, and validate. */
static const char *new_constructs =
	"chain tc BF_HOOK_TC_INGRESS{ifindex=eth0} NEXT\n"
	"    rule\n"
	"        ip4.dscp eq ef\n"
	"        ip6.dscp not eq 13\n"
	"        meta.flow_hash range 0-100\n"
	"        meta.flow_hash eq 4294967295\n"
	"        meta.flow_probability eq 25%\n"
	"        log internet,transport every 500ms\n"
	"        counter\n"
	"        mark 0x10\n"
	"        CONTINUE\n"
	"    rule\n"
	"        meta.mark eq 0x10\n"
	"        log\n"
	"        REDIRECT eth1 out\n"
	"    rule\n"
	"        log link every 1500ms\n"
	"        REDIRECT 3 in\n"
	"    rule\n"
	"        log link,transport every 1s\n"
	"        mark 0x0\n"
	"        REDIRECT \"in\" in\n"
	"    rule\n"
	"        log internet every 1500ns\n"
	"        NEXT\n"
	"    rule\n"
	"        log transport every 7us\n"
	"        DROP\n"
	"chain xdp BF_HOOK_XDP DROP\n"
	"    rule\n"
	"        ip6.dscp eq cs0\n"
	"        log every 18446744073709551615ns\n"
	"        REDIRECT 1 out\n"
	"chain c4 BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4{cgpath=/sys/fs/cgroup/app} DROP\n"
	"    set dst (ip4.daddr, tcp.dport) in { 10.0.0.1, 443 }\n"
	"    rule\n"
	"        (ip4.daddr, tcp.dport) in dst\n"
	"        log\n"
	"        counter\n"
	"        ACCEPT\n"
	"chain c6 BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6{cgpath=/sys/fs/cgroup/app} ACCEPT\n"
	"    rule\n"
	"        ip6.dnet eq 2001:db8::/32\n"
	"        meta.l4_proto eq udp\n"
	"        DROP\n"
	"chain s4 BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4{cgpath=/sys/fs/cgroup/app} ACCEPT\n"
	"    rule\n"
	"        ip4.saddr eq 10.0.0.1\n"
	"        udp.dport eq 53\n"
	"        DROP\n"
	"chain s6 BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6{cgpath=/sys/fs/cgroup/app} NEXT\n"
	"    rule\n"
	"        ip6.snet eq fe80::/10\n"
	"        meta.dport range 1-1024\n"
	"        DROP\n"
	"chain cg BF_HOOK_CGROUP_SKB_EGRESS{cgpath=/sys/fs/cgroup/app} ACCEPT\n"
	"    rule\n"
	"        ip4.dscp eq 1\n"
	"        mark 0xffffffff\n"
	"        CONTINUE\n";

START_TEST(dump_new_constructs_round_trip)
{
	struct bf_ruleset *rs = parse_ok(new_constructs), *rs2;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < rs->nchains; i++) {
		char err[ERRLEN] = "";

		ck_assert_msg(bf_chain_validate(rs->chains[i], err, sizeof(err)) == 0, "%s", err);
		ck_assert_int_eq(bf_chain_dump(f, rs->chains[i], true), 0);
	}
	fclose(f);
	ck_assert_str_eq(text, new_constructs);

	rs2 = parse_ok(text);
	ck_assert_uint_eq(rs2->nchains, rs->nchains);
	for (size_t i = 0; i < rs->nchains; i++)
		assert_chain_eq(rs->chains[i], rs2->chains[i]);
	free(text);
	bf_ruleset_free(&rs);
	bf_ruleset_free(&rs2);
}
END_TEST

/* Written forms print in one canonical form that parses to the same. */
START_TEST(dump_canonical_forms)
{
	static const struct {
		const char *written;
		const char *printed;
	} cases[] = {
		{ "log link,internet,transport", "log" },
		{ "log transport,link", "log link,transport" },
		{ "log every 1.5s", "log every 1500ms" },
		{ "log every 2000ms", "log every 2s" },
		{ "log every 0.000001s", "log every 1us" },
		{ "log every 60s", "log every 60s" },
		{ "log every 1000000us", "log every 1s" },
		{ "log every 1001us", "log every 1001us" },
		{ "mark 16", "mark 0x10" },
		{ "ip4.dscp 46", "ip4.dscp eq ef" },
		{ "ip4.dscp AF11", "ip4.dscp eq af11" },
		{ "ip6.dscp 0x01", "ip6.dscp eq 1" },
		{ "meta.flow_hash 0x10", "meta.flow_hash eq 16" },
		{ "meta.flow_probability 33.30%", "meta.flow_probability eq 33.3%" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct bf_ruleset *rs;
		char text[256], *out;

		snprintf(text, sizeof(text), "chain c BF_HOOK_TC_INGRESS ACCEPT rule %s ACCEPT",
			 cases[i].written);
		rs = parse_ok(text);
		out = dump_str(rs->chains[0], true);
		ck_assert_msg(strstr(out, cases[i].printed), "'%s' printed as:\n%s", cases[i].written,
			      out);
		free(out);
		bf_ruleset_free(&rs);
	}
}
END_TEST

START_TEST(dump_set_content_elided)
{
	struct bf_ruleset *rs = parse_ok("chain c BF_HOOK_XDP{ifindex=3} ACCEPT\n"
					 "set s (ip4.saddr) in { 1.1.1.1; 2.2.2.2 }\n"
					 "rule (ip4.saddr) in s DROP\n"
					 "rule tcp.dport in { 1; 2; 3 } DROP\n");
	char *text = dump_str(rs->chains[0], false);

	ck_assert_str_eq(text, "chain c BF_HOOK_XDP{ifindex=3} ACCEPT\n"
			       "    set s (ip4.saddr) in { /* 2 elements, content elided */ }\n"
			       "    rule\n"
			       "        (ip4.saddr) in s\n"
			       "        DROP\n"
			       "    rule\n"
			       "        tcp.dport in { /* 3 elements, content elided */ }\n"
			       "        DROP\n");
	free(text);
	bf_ruleset_free(&rs);
}
END_TEST

Suite *bf_parser_suite(void)
{
	Suite *s = suite_create("parser");
	TCase *tc;

	tc = tcase_create("names");
	tcase_add_test(tc, names_numbers);
	tcase_add_test(tc, names_enums_round_trip);
	tcase_add_test(tc, names_keywords_are_case_sensitive);
	tcase_add_test(tc, names_protocols);
	tcase_add_test(tc, names_icmp_and_flags);
	tcase_add_test(tc, names_dscp_and_log);
	tcase_add_test(tc, names_hook_rules);
	suite_add_tcase(s, tc);

	tc = tcase_create("matchers");
	tcase_add_test(tc, matcher_numbers);
	tcase_add_test(tc, matcher_addresses);
	tcase_add_test(tc, matcher_iface);
	tcase_add_test(tc, matcher_inline_sets);
	suite_add_tcase(s, tc);

	tc = tcase_create("language");
	tcase_add_test(tc, hooks_and_options);
	tcase_add_test(tc, hookopt_parse);
	tcase_add_test(tc, verdicts_counter_comments);
	tcase_add_test(tc, sets_named_and_composite);
	tcase_add_test(tc, set_parse_elem);
	tcase_add_test(tc, rule_log);
	tcase_add_test(tc, rule_actions_any_order);
	tcase_add_test(tc, rule_next_and_redirect);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, errors_syntax);
	tcase_add_test(tc, errors_values);
	tcase_add_test(tc, errors_semantic);
	tcase_add_test(tc, errors_too_many_matchers);
	tcase_add_test(tc, errors_arguments);
	tcase_add_test(tc, validate_hook_matchers);
	tcase_add_test(tc, errors_actions);
	tcase_add_test(tc, validate_actions_per_hook);
	tcase_add_test(tc, validate_sock_addr_matchers);
	suite_add_tcase(s, tc);

	tc = tcase_create("dump");
	tcase_add_test(tc, dump_round_trip);
	tcase_add_test(tc, dump_exact_form);
	tcase_add_test(tc, dump_set_content_elided);
	tcase_add_test(tc, dump_new_constructs_round_trip);
	tcase_add_test(tc, dump_canonical_forms);
	suite_add_tcase(s, tc);

	return s;
}

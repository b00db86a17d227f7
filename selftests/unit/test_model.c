// SPDX-License-Identifier: GPL-2.0-only
/*
 * The model's helpers, bf_chain_validate() on hand-made (bad) chains, and
 * the text of log entries (logfmt.c) from hand-made ones.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/chain.h"
#include "lib/dump.h"
#include "lib/logfmt.h"
#include "lib/validate.h"
#include "unit.h"

#define ERRLEN 512

START_TEST(chain_new_free)
{
	struct bf_chain *chain = bf_chain_new();

	ck_assert_ptr_nonnull(chain);
	ck_assert_int_eq(chain->policy, BF_VERDICT_ACCEPT);
	ck_assert_uint_eq(chain->nrules, 0);
	ck_assert_uint_eq(chain->nsets, 0);
	ck_assert_ptr_null(chain->counters);
	bf_chain_free(&chain);
	ck_assert_ptr_null(chain);
	bf_chain_free(&chain);
}
END_TEST

START_TEST(chain_rules_and_sets)
{
	_cleanup_bf_chain_ struct bf_chain *chain = bf_chain_new();
	struct bf_matcher m = { .type = BF_MATCHER_TCP_DPORT, .num = { 22, 22 } };
	struct bf_set set = { .name = "s", .nkeys = 1, .key = { BF_MATCHER_TCP_DPORT } };
	struct bf_set anon = { .nkeys = 1, .key = { BF_MATCHER_TCP_DPORT } };
	struct bf_rule rule = { .verdict = BF_VERDICT_DROP };
	const uint8_t port[2] = { 0, 22 };

	ck_assert_int_eq(bf_rule_add_matcher(&rule, &m), 0);
	ck_assert_int_eq(bf_rule_add_matcher(&rule, &m), 0);
	ck_assert_uint_eq(rule.nmatchers, 2);
	ck_assert_int_eq(bf_chain_add_rule(chain, &rule), 0);
	ck_assert_uint_eq(chain->nrules, 1);
	ck_assert_ptr_eq(chain->rules[0].matchers, rule.matchers);

	ck_assert_int_eq(bf_set_add_elem(&set, port), 0);
	ck_assert_int_eq(bf_chain_add_set(chain, &anon), 0);
	ck_assert_int_eq(bf_chain_add_set(chain, &set), 0);
	ck_assert_uint_eq(chain->nsets, 2);

	/* Anonymous sets have no name to find them by. */
	ck_assert_int_eq(bf_chain_find_set(chain, "s"), 1);
	ck_assert_int_eq(bf_chain_find_set(chain, ""), -ENOENT);
	ck_assert_int_eq(bf_chain_find_set(chain, "t"), -ENOENT);

	ck_assert(!bf_chain_has_opt(chain, BF_HOOKOPT_IFINDEX));
	chain->opts.used |= 1U << BF_HOOKOPT_IFINDEX;
	ck_assert(bf_chain_has_opt(chain, BF_HOOKOPT_IFINDEX));
	ck_assert(!bf_chain_has_opt(chain, BF_HOOKOPT_CGPATH));
}
END_TEST

START_TEST(rule_clean)
{
	struct bf_rule rule = {};
	struct bf_matcher m = { .type = BF_MATCHER_META_MARK };

	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(bf_rule_add_matcher(&rule, &m), 0);
	ck_assert_uint_eq(rule.nmatchers, 100);
	bf_rule_clean(&rule);
	ck_assert_ptr_null(rule.matchers);
	ck_assert_uint_eq(rule.nmatchers, 0);
	bf_rule_clean(&rule);
}
END_TEST

START_TEST(ruleset_chains)
{
	struct bf_ruleset *rs = bf_ruleset_new();

	ck_assert_ptr_nonnull(rs);
	for (int i = 0; i < 3; i++) {
		struct bf_chain *c = bf_chain_new();

		snprintf(c->name, sizeof(c->name), "c%d", i);
		ck_assert_int_eq(bf_ruleset_add_chain(rs, c), 0);
	}
	ck_assert_uint_eq(rs->nchains, 3);
	ck_assert_str_eq(rs->chains[2]->name, "c2");
	bf_ruleset_free(&rs);
	ck_assert_ptr_null(rs);
	bf_ruleset_free(&rs);
}
END_TEST

START_TEST(set_sizes)
{
	static const struct {
		enum bf_matcher_type type;
		size_t size;
	} sizes[] = {
		{ BF_MATCHER_META_IFACE, 4 },	    { BF_MATCHER_META_L3_PROTO, 2 },
		{ BF_MATCHER_META_L4_PROTO, 1 },    { BF_MATCHER_META_SPORT, 2 },
		{ BF_MATCHER_META_DPORT, 2 },	    { BF_MATCHER_META_PROBABILITY, 0 },
		{ BF_MATCHER_META_MARK, 4 },	    { BF_MATCHER_IP4_SADDR, 4 },
		{ BF_MATCHER_IP4_DADDR, 4 },	    { BF_MATCHER_IP4_SNET, 5 },
		{ BF_MATCHER_IP4_DNET, 5 },	    { BF_MATCHER_IP4_PROTO, 1 },
		{ BF_MATCHER_IP6_SADDR, 16 },	    { BF_MATCHER_IP6_DADDR, 16 },
		{ BF_MATCHER_IP6_SNET, 17 },	    { BF_MATCHER_IP6_DNET, 17 },
		{ BF_MATCHER_IP6_NEXTHDR, 0 },	    { BF_MATCHER_TCP_SPORT, 2 },
		{ BF_MATCHER_TCP_DPORT, 2 },	    { BF_MATCHER_TCP_FLAGS, 0 },
		{ BF_MATCHER_UDP_SPORT, 2 },	    { BF_MATCHER_UDP_DPORT, 2 },
		{ BF_MATCHER_ICMP_TYPE, 1 },	    { BF_MATCHER_ICMP_CODE, 1 },
		{ BF_MATCHER_ICMPV6_TYPE, 1 },	    { BF_MATCHER_ICMPV6_CODE, 1 },
		{ BF_MATCHER_IP4_DSCP, 0 },	    { BF_MATCHER_IP6_DSCP, 0 },
		{ BF_MATCHER_META_FLOW_HASH, 0 },   { BF_MATCHER_META_FLOW_PROBABILITY, 0 },
		{ BF_MATCHER_SET, 0 },		    { _BF_MATCHER_MAX, 0 },
	};
	struct bf_set set = { .nkeys = 3,
			      .key = { BF_MATCHER_IP6_SADDR, BF_MATCHER_TCP_DPORT,
				       BF_MATCHER_IP4_PROTO } };
	struct bf_set prefix = { .nkeys = 1, .key = { BF_MATCHER_IP6_DNET } };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		ck_assert_uint_eq(bf_set_comp_size(sizes[i].type), sizes[i].size);
	ck_assert_uint_eq(bf_set_elem_size(&set), 19);
	ck_assert(!bf_set_is_prefix(&set));
	ck_assert(bf_set_is_prefix(&prefix));
	prefix.key[0] = BF_MATCHER_IP4_SNET;
	ck_assert(bf_set_is_prefix(&prefix));
	prefix.nkeys = 2;
	ck_assert(!bf_set_is_prefix(&prefix));
}
END_TEST

START_TEST(set_elems)
{
	struct bf_set set = { .nkeys = 2, .key = { BF_MATCHER_IP4_SADDR, BF_MATCHER_TCP_DPORT } };
	struct bf_set bad = { .nkeys = 1, .key = { BF_MATCHER_TCP_FLAGS } };
	const uint8_t e1[6] = { 1, 2, 3, 4, 0, 80 }, e2[6] = { 5, 6, 7, 8, 1, 187 };

	ck_assert_int_eq(bf_set_add_elem(&set, e1), 0);
	ck_assert_int_eq(bf_set_add_elem(&set, e2), 0);
	ck_assert_uint_eq(set.nelems, 2);
	ck_assert_mem_eq(set.elems, e1, 6);
	ck_assert_mem_eq(set.elems + 6, e2, 6);
	bf_set_clean(&set);
	ck_assert_ptr_null(set.elems);
	ck_assert_uint_eq(set.nelems, 0);

	/* A key without a size can't hold elements. */
	ck_assert_int_eq(bf_set_add_elem(&bad, e1), -EINVAL);
}
END_TEST

/*
 * A valid chain to break one field at a time: XDP with ifindex, a named
 * set, an anonymous set and rules using them.
 */
static struct bf_chain *good_chain(void)
{
	struct bf_chain *c = bf_chain_new();
	struct bf_set named = { .name = "blocked", .nkeys = 1, .key = { BF_MATCHER_IP4_SNET } };
	struct bf_set anon = { .nkeys = 1, .key = { BF_MATCHER_TCP_DPORT } };
	const uint8_t net[5] = { 10, 0, 0, 0, 8 }, port[2] = { 0, 22 };
	struct bf_rule r1 = { .verdict = BF_VERDICT_DROP, .counter = true };
	struct bf_rule r2 = { .verdict = BF_VERDICT_ACCEPT };
	struct bf_matcher m;

	strcpy(c->name, "c");
	c->hook = BF_HOOK_XDP;
	c->policy = BF_VERDICT_DROP;
	c->opts.used = 1U << BF_HOOKOPT_IFINDEX;
	c->opts.ifindex = 1;

	ck_assert_int_eq(bf_set_add_elem(&named, net), 0);
	ck_assert_int_eq(bf_set_add_elem(&anon, port), 0);
	ck_assert_int_eq(bf_chain_add_set(c, &named), 0);
	ck_assert_int_eq(bf_chain_add_set(c, &anon), 0);

	m = (struct bf_matcher) { .type = BF_MATCHER_SET, .op = BF_OP_IN, .set = 0 };
	ck_assert_int_eq(bf_rule_add_matcher(&r1, &m), 0);
	m = (struct bf_matcher) { .type = BF_MATCHER_TCP_DPORT, .op = BF_OP_IN, .set = 1 };
	ck_assert_int_eq(bf_rule_add_matcher(&r1, &m), 0);
	m = (struct bf_matcher) { .type = BF_MATCHER_TCP_SPORT, .op = BF_OP_RANGE,
				  .num = { 10, 20 } };
	ck_assert_int_eq(bf_rule_add_matcher(&r2, &m), 0);
	m = (struct bf_matcher) { .type = BF_MATCHER_IP4_SADDR, .ip = { { 1, 2, 3, 4 }, 32 } };
	ck_assert_int_eq(bf_rule_add_matcher(&r2, &m), 0);
	m = (struct bf_matcher) { .type = BF_MATCHER_META_IFACE, .iface = { 0, "eth0" } };
	ck_assert_int_eq(bf_rule_add_matcher(&r2, &m), 0);
	ck_assert_int_eq(bf_chain_add_rule(c, &r1), 0);
	ck_assert_int_eq(bf_chain_add_rule(c, &r2), 0);
	return c;
}

/* Break @c with @breakit, validate it and check the message; dump must
 * survive the broken chain too. */
static void expect_invalid(void (*breakit)(struct bf_chain *c), const char *expected)
{
	_cleanup_bf_chain_ struct bf_chain *c = good_chain();
	char err[ERRLEN] = "";
	FILE *null = fopen("/dev/null", "w");

	breakit(c);
	ck_assert_int_eq(bf_chain_validate(c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, expected);
	ck_assert_ptr_nonnull(null);
	bf_chain_dump(null, c, true);
	bf_chain_dump(null, c, false);
	fclose(null);
}

START_TEST(validate_good)
{
	_cleanup_bf_chain_ struct bf_chain *c = good_chain();
	char err[ERRLEN] = "x";

	ck_assert_int_eq(bf_chain_validate(c, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(bf_chain_validate(NULL, err, sizeof(err)), -EINVAL);
}
END_TEST

/* The model's invariants (arrays as long as their counts, elements as
 * long as their key says) are the wire's to keep; values are validate's. */
#define BREAK(name, ...)                               \
	static void name(struct bf_chain *c)           \
	{                                              \
		__VA_ARGS__;                           \
	}

BREAK(br_name_empty, c->name[0] = '\0')
BREAK(br_name_unterminated, memset(c->name, 'a', sizeof(c->name)))
BREAK(br_name_slash, strcpy(c->name, "../x"))
BREAK(br_hook, c->hook = _BF_HOOK_MAX)
BREAK(br_hook_negative, c->hook = (enum bf_hook)-1)
BREAK(br_policy_continue, c->policy = BF_VERDICT_CONTINUE)
BREAK(br_policy_garbage, c->policy = (enum bf_verdict)77)
BREAK(br_opts_unknown, c->opts.used |= 1U << 20)
BREAK(br_opt_on_wrong_hook, c->opts.used |= 1U << BF_HOOKOPT_CGPATH)
BREAK(br_opt_ifname_unterminated, c->opts.ifindex = 0;
      memset(c->opts.ifname, 'e', sizeof(c->opts.ifname)))
BREAK(br_opt_no_iface, c->opts.ifindex = 0)
BREAK(br_opt_family, c->hook = BF_HOOK_NF_FORWARD;
      c->opts.used = 1U << BF_HOOKOPT_FAMILY; c->opts.family = 3)
BREAK(br_opt_priorities, c->hook = BF_HOOK_NF_FORWARD;
      c->opts.used = 1U << BF_HOOKOPT_PRIORITIES; c->opts.priorities[0] = 5;
      c->opts.priorities[1] = 5)
BREAK(br_opt_cgpath, c->hook = BF_HOOK_CGROUP_SKB_INGRESS;
      c->opts.used = 1U << BF_HOOKOPT_CGPATH; strcpy(c->opts.cgpath, "rel"))
BREAK(br_set_nkeys_zero, c->sets[0].nkeys = 0)
BREAK(br_set_nkeys_big, c->sets[0].nkeys = BF_SET_MAX_COMPS + 1)
BREAK(br_set_key_garbage, c->sets[1].key[0] = (enum bf_matcher_type)1000)
BREAK(br_set_key_unkeyable, c->sets[1].key[0] = BF_MATCHER_TCP_FLAGS)
BREAK(br_set_composite_net, c->sets[0].nkeys = 2; c->sets[0].key[1] = BF_MATCHER_TCP_DPORT;
      c->sets[0].nelems = 0)
BREAK(br_set_key_too_big, c->sets[1].nkeys = 3; c->sets[1].nelems = 0; c->sets[1].key[0] = BF_MATCHER_IP6_SADDR;
      c->sets[1].key[1] = BF_MATCHER_IP6_SADDR; c->sets[1].key[2] = BF_MATCHER_IP6_DADDR)
BREAK(br_set_elems_null, free(c->sets[1].elems); c->sets[1].elems = NULL)
BREAK(br_set_elem_plen, c->sets[0].elems[4] = 33)
BREAK(br_set_name_unterminated, memset(c->sets[0].name, 's', sizeof(c->sets[0].name)))
BREAK(br_set_name_dup, strcpy(c->sets[1].name, "blocked"))
BREAK(br_rule_verdict, c->rules[1].verdict = (enum bf_verdict)9)
BREAK(br_rule_too_many, struct bf_rule *r = &c->rules[1];
      r->matchers = realloc(r->matchers, (BF_RULE_MAX_MATCHERS + 1) * sizeof(*r->matchers));
      ck_assert_ptr_nonnull(r->matchers);
      memset(&r->matchers[r->nmatchers], 0,
	     (BF_RULE_MAX_MATCHERS + 1 - r->nmatchers) * sizeof(*r->matchers));
      r->nmatchers = BF_RULE_MAX_MATCHERS + 1)
BREAK(br_rule_matchers_null, bf_rule_clean(&c->rules[1]); c->rules[1].nmatchers = 1)
BREAK(br_m_type, c->rules[1].matchers[0].type = (enum bf_matcher_type)555)
BREAK(br_m_op, c->rules[1].matchers[0].op = (enum bf_matcher_op)555)
BREAK(br_m_range_on_addr, c->rules[1].matchers[1].op = BF_OP_RANGE)
BREAK(br_m_any_on_port, c->rules[1].matchers[0].op = BF_OP_ANY)
BREAK(br_m_set_eq, c->rules[0].matchers[0].op = BF_OP_EQ)
BREAK(br_m_set_index, c->rules[0].matchers[0].set = 2)
BREAK(br_m_set_index_huge, c->rules[0].matchers[1].set = UINT32_MAX)
BREAK(br_m_set_other_key, c->rules[0].matchers[1].set = 0)
BREAK(br_m_port_big, c->rules[1].matchers[0].num.hi = 65536)
BREAK(br_m_range_reversed, c->rules[1].matchers[0].num.lo = 30)
BREAK(br_m_eq_hi, c->rules[1].matchers[0].op = BF_OP_EQ)
BREAK(br_m_saddr_plen, c->rules[1].matchers[1].ip.plen = 24)
BREAK(br_m_snet_plen, c->rules[1].matchers[1].type = BF_MATCHER_IP4_SNET;
      c->rules[1].matchers[1].ip.plen = 40)
BREAK(br_m_ip6_plen, c->rules[1].matchers[1].type = BF_MATCHER_IP6_DNET;
      c->rules[1].matchers[1].ip.plen = 129)
BREAK(br_m_iface_none, c->rules[1].matchers[2].iface.name[0] = '\0')
BREAK(br_m_iface_unterminated, memset(c->rules[1].matchers[2].iface.name, 'x', IF_NAMESIZE))
BREAK(br_m_proto, c->rules[1].matchers[0] = (struct bf_matcher) {
	.type = BF_MATCHER_META_L4_PROTO, .num = { 256, 256 } })
BREAK(br_m_probability, c->rules[1].matchers[0] = (struct bf_matcher) {
	.type = BF_MATCHER_META_PROBABILITY, .num = { 1000001, 1000001 } })
BREAK(br_m_flags, c->rules[1].matchers[0] = (struct bf_matcher) {
	.type = BF_MATCHER_TCP_FLAGS, .op = BF_OP_ANY, .num = { 0x100, 0x100 } })
BREAK(br_m_mark_xdp, c->rules[1].matchers[0] = (struct bf_matcher) {
	.type = BF_MATCHER_META_MARK, .num = { 1, 1 } })
BREAK(br_m_mark_set_xdp, c->sets[1].key[0] = BF_MATCHER_META_MARK; c->sets[1].nelems = 0;
      c->rules[0].matchers[1].type = BF_MATCHER_SET)

/* Rule actions and verdicts. */
BREAK(br_policy_redirect, c->policy = BF_VERDICT_REDIRECT)
BREAK(br_log_bits, c->rules[1].log = 1U << 3)
BREAK(br_every_no_log, c->rules[1].log_every_ns = 1)
BREAK(br_mark_value_only, c->rules[1].mark = 5)
BREAK(br_mark_xdp, c->rules[1].has_mark = true)
BREAK(br_mark_nf, c->hook = BF_HOOK_NF_LOCAL_IN; c->opts.used = 0; c->rules[1].has_mark = true)
BREAK(br_redirect_nf, c->hook = BF_HOOK_NF_FORWARD; c->opts.used = 0;
      c->rules[1].verdict = BF_VERDICT_REDIRECT; c->rules[1].redirect_ifindex = 2)
BREAK(br_redirect_xdp_in, c->rules[1].verdict = BF_VERDICT_REDIRECT;
      c->rules[1].redirect_ifindex = 2; c->rules[1].redirect_dir = BF_REDIRECT_IN)
BREAK(br_redirect_dir, c->hook = BF_HOOK_TC_EGRESS; c->rules[1].verdict = BF_VERDICT_REDIRECT;
      c->rules[1].redirect_ifindex = 2; c->rules[1].redirect_dir = (enum bf_redirect_dir)2)
BREAK(br_redirect_no_iface, c->rules[1].verdict = BF_VERDICT_REDIRECT)
BREAK(br_redirect_unterminated, c->rules[1].verdict = BF_VERDICT_REDIRECT;
      memset(c->rules[1].redirect_ifname, 'e', IF_NAMESIZE))
BREAK(br_redirect_bad_name, c->rules[1].verdict = BF_VERDICT_REDIRECT;
      strcpy(c->rules[1].redirect_ifname, "a/b"))
BREAK(br_redirect_stray_index, c->rules[1].redirect_ifindex = 3)
BREAK(br_redirect_stray_name, strcpy(c->rules[1].redirect_ifname, "eth0"))
BREAK(br_redirect_stray_dir, c->rules[1].redirect_dir = BF_REDIRECT_IN)
/* New matchers. */
BREAK(br_m_dscp, c->rules[1].matchers[0] = (struct bf_matcher) {
	.type = BF_MATCHER_IP4_DSCP, .num = { 64, 64 } })
BREAK(br_m_dscp_range, c->rules[1].matchers[0] = (struct bf_matcher) {
	.type = BF_MATCHER_IP6_DSCP, .op = BF_OP_RANGE, .num = { 1, 2 } })
BREAK(br_m_flow_hash_xdp, c->rules[1].matchers[0] = (struct bf_matcher) {
	.type = BF_MATCHER_META_FLOW_HASH, .num = { 1, 1 } })
BREAK(br_m_flow_hash_range, c->hook = BF_HOOK_TC_INGRESS;
      c->rules[1].matchers[0] = (struct bf_matcher) {
	.type = BF_MATCHER_META_FLOW_HASH, .op = BF_OP_RANGE, .num = { 9, 8 } })
BREAK(br_m_flow_prob, c->rules[1].matchers[0] = (struct bf_matcher) {
	.type = BF_MATCHER_META_FLOW_PROBABILITY, .num = { 1000001, 1000001 } })
/* Socket-address hooks: what a socket address doesn't have. */
BREAK(br_sock_ifindex, c->hook = BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4)
BREAK(br_sock_sport, c->hook = BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4; c->opts.used = 0;
      c->sets[0].key[0] = BF_MATCHER_IP4_DNET)
BREAK(br_sock_saddr, c->hook = BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4; c->opts.used = 0;
      c->sets[0].key[0] = BF_MATCHER_IP4_DNET; c->rules[1].matchers[0].type = BF_MATCHER_TCP_DPORT)
BREAK(br_sock_set_key, c->hook = BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6; c->opts.used = 0)

static const struct {
	void (*breakit)(struct bf_chain *c);
	const char *expected;
} broken[] = {
	{ br_policy_redirect, "chain 'c': invalid policy REDIRECT (ACCEPT, DROP or NEXT)" },
	{ br_log_bits, "chain 'c', rule 1: invalid log headers 0x8" },
	{ br_every_no_log, "chain 'c', rule 1: log interval without log" },
	{ br_mark_value_only, "chain 'c', rule 1: mark value without mark" },
	{ br_mark_xdp, "chain 'c', rule 1: mark is not available on BF_HOOK_XDP" },
	{ br_mark_nf, "chain 'c', rule 1: mark is not available on BF_HOOK_NF_LOCAL_IN" },
	{ br_redirect_nf, "chain 'c', rule 1: REDIRECT is not available on BF_HOOK_NF_FORWARD" },
	{ br_redirect_xdp_in,
	  "chain 'c', rule 1: REDIRECT in is not available on BF_HOOK_XDP (only out)" },
	{ br_redirect_dir, "chain 'c', rule 1: invalid REDIRECT direction 2" },
	{ br_redirect_no_iface, "chain 'c', rule 1: REDIRECT without an interface" },
	{ br_redirect_unterminated,
	  "chain 'c', rule 1: REDIRECT interface name is not NUL-terminated" },
	{ br_redirect_bad_name, "chain 'c', rule 1: invalid REDIRECT interface name" },
	{ br_redirect_stray_index,
	  "chain 'c', rule 1: redirect interface without the REDIRECT verdict" },
	{ br_redirect_stray_name,
	  "chain 'c', rule 1: redirect interface without the REDIRECT verdict" },
	{ br_redirect_stray_dir,
	  "chain 'c', rule 1: redirect interface without the REDIRECT verdict" },
	{ br_m_dscp, "chain 'c', rule 1, matcher 'ip4.dscp': DSCP 64 out of range (0-63)" },
	{ br_m_dscp_range, "chain 'c', rule 1, matcher 'ip6.dscp': operator 'range' not supported" },
	{ br_m_flow_hash_xdp,
	  "chain 'c', rule 1, matcher 'meta.flow_hash': not available on BF_HOOK_XDP" },
	{ br_m_flow_hash_range, "chain 'c', rule 1, matcher 'meta.flow_hash': invalid range 9-8" },
	{ br_m_flow_prob, "chain 'c', rule 1, matcher 'meta.flow_probability': probability (ppm) "
			  "1000001 out of range (0-1000000)" },
	{ br_sock_ifindex,
	  "chain 'c': hook option 'ifindex' not supported on BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4" },
	{ br_sock_sport, "chain 'c', rule 1, matcher 'tcp.sport': not available on "
			 "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4" },
	{ br_sock_saddr, "chain 'c', rule 1, matcher 'ip4.saddr': not available on "
			 "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4" },
	{ br_sock_set_key, "chain 'c', rule 0, matcher 'set': ip4.snet not available on "
			   "BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6" },
	{ br_name_empty, "chain: name is empty" },
	{ br_name_unterminated, "chain: name is not NUL-terminated" },
	{ br_name_slash, "chain: invalid name '../x' (letters, digits, '_', '-', '.'; not starting "
			 "with '-' or '.')" },
	{ br_hook, "chain 'c': invalid hook 14" },
	{ br_hook_negative, "chain 'c': invalid hook 4294967295" },
	{ br_policy_continue, "chain 'c': invalid policy CONTINUE (ACCEPT, DROP or NEXT)" },
	{ br_policy_garbage, "chain 'c': invalid policy 77" },
	{ br_opts_unknown, "chain 'c': unknown hook options 0x100001" },
	{ br_opt_on_wrong_hook, "chain 'c': hook option 'cgpath' not supported on BF_HOOK_XDP" },
	{ br_opt_ifname_unterminated, "chain 'c': interface name is not NUL-terminated" },
	{ br_opt_no_iface, "chain 'c': ifindex option without an interface" },
	{ br_opt_family, "chain 'c': invalid family 0x3" },
	{ br_opt_priorities, "chain 'c': priorities must be two distinct non-zero integers, not 5-5" },
	{ br_opt_cgpath, "chain 'c': cgroup path must be absolute" },
	{ br_set_nkeys_zero, "chain 'c', set 'blocked': a set key has 1 to 4 components, not 0" },
	{ br_set_nkeys_big, "chain 'c', set 'blocked': a set key has 1 to 4 components, not 5" },
	{ br_set_key_garbage, "chain 'c', set 1 (anonymous): invalid set key component 1000" },
	{ br_set_key_unkeyable, "chain 'c', set 1 (anonymous): tcp.flags can't be part of a set key" },
	{ br_set_composite_net,
	  "chain 'c', set 'blocked': ip4.snet is only allowed alone in a set key (prefix set)" },
	{ br_set_key_too_big, "chain 'c', set 1 (anonymous): set key is 48 bytes, more than 40" },
	{ br_set_elems_null, "chain 'c', set 1 (anonymous): 1 elements but no data" },
	{ br_set_elem_plen,
	  "chain 'c', set 'blocked': element 0: prefix length 33 out of range (0-32)" },
	{ br_set_name_unterminated, "chain 'c', set 0 (anonymous): name is not NUL-terminated" },
	{ br_set_name_dup, "chain 'c': set 'blocked' defined twice" },
	{ br_rule_verdict, "chain 'c', rule 1: invalid verdict 9" },
	{ br_rule_too_many, "chain 'c', rule 1: 33 matchers, at most 32" },
	{ br_rule_matchers_null, "chain 'c', rule 1: 1 matchers but no data" },
	{ br_m_type, "chain 'c', rule 1, matcher 0: invalid matcher type 555" },
	{ br_m_op, "chain 'c', rule 1, matcher 'tcp.sport': invalid operator 555" },
	{ br_m_range_on_addr, "chain 'c', rule 1, matcher 'ip4.saddr': operator 'range' not supported" },
	{ br_m_any_on_port, "chain 'c', rule 1, matcher 'tcp.sport': operator 'any' not supported" },
	{ br_m_set_eq, "chain 'c', rule 0, matcher 'set': operator 'eq' not supported" },
	{ br_m_set_index, "chain 'c', rule 0, matcher 'set': set 2 does not exist" },
	{ br_m_set_index_huge, "chain 'c', rule 0, matcher 'tcp.dport': set 4294967295 does not exist" },
	{ br_m_set_other_key, "chain 'c', rule 0, matcher 'tcp.dport': set 0 has another key" },
	{ br_m_port_big,
	  "chain 'c', rule 1, matcher 'tcp.sport': port range 10-65536 out of range (0-65535)" },
	{ br_m_range_reversed, "chain 'c', rule 1, matcher 'tcp.sport': invalid range 30-20" },
	{ br_m_eq_hi, "chain 'c', rule 1, matcher 'tcp.sport': port: hi (20) differs from lo (10)" },
	{ br_m_saddr_plen,
	  "chain 'c', rule 1, matcher 'ip4.saddr': an address has a prefix length of 32, not 24" },
	{ br_m_snet_plen, "chain 'c', rule 1, matcher 'ip4.snet': prefix length 40 out of range (0-32)" },
	{ br_m_ip6_plen, "chain 'c', rule 1, matcher 'ip6.dnet': prefix length 129 out of range (0-128)" },
	{ br_m_iface_none, "chain 'c', rule 1, matcher 'meta.iface': no interface" },
	{ br_m_iface_unterminated,
	  "chain 'c', rule 1, matcher 'meta.iface': interface name is not NUL-terminated" },
	{ br_m_proto, "chain 'c', rule 1, matcher 'meta.l4_proto': protocol 256 out of range (0-255)" },
	{ br_m_probability, "chain 'c', rule 1, matcher 'meta.probability': probability (ppm) "
			    "1000001 out of range (0-1000000)" },
	{ br_m_flags, "chain 'c', rule 1, matcher 'tcp.flags': flags 256 out of range (0-255)" },
	{ br_m_mark_xdp, "chain 'c', rule 1, matcher 'meta.mark': not available on BF_HOOK_XDP" },
	{ br_m_mark_set_xdp, "chain 'c', rule 0, matcher 'set': meta.mark not available on BF_HOOK_XDP" },
};

START_TEST(validate_broken)
{
	expect_invalid(broken[_i].breakit, broken[_i].expected);
}
END_TEST

/* Counts without arrays: checked by hand, bf_chain_free() can't take them. */
START_TEST(validate_missing_arrays)
{
	struct bf_chain c = { .name = "c", .hook = BF_HOOK_XDP, .nsets = 3 };
	struct bf_rule rule = { .nmatchers = 1 };
	char err[ERRLEN];

	ck_assert_int_eq(bf_chain_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "chain 'c': 3 sets but no data");
	c.nsets = 0;
	c.nrules = 1000;
	ck_assert_int_eq(bf_chain_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "chain 'c': 1000 rules but no data");
	c.nrules = 1;
	c.rules = &rule;
	ck_assert_int_eq(bf_chain_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "chain 'c', rule 0: 1 matchers but no data");
}
END_TEST

/* ----- log entries ----- */

/* 2025-01-02T03:04:05Z is 1735787045 s; the entry is 5.123456789 s after
 * boot. Printed in UTC whatever the machine's zone. */
#define LOG_BOOT_TO_REAL (1735787040LL * 1000000000LL)
#define LOG_TS 5123456789ULL
#define LOG_TIME "2025-01-02T03:04:05.123456"

static void log_utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static struct bf_log_entry log_base(uint8_t verdict, uint8_t hdrs, uint8_t have)
{
	struct bf_log_entry e;

	memset(&e, 0, sizeof(e));
	e.ts_ns = LOG_TS;
	e.rule = 2;
	e.pkt_len = 74;
	e.verdict = verdict;
	e.hdrs = hdrs;
	e.have = have;
	return e;
}

/* A TCP SYN from 10.0.0.1:40000 to 10.0.0.2:22, with every header. */
static struct bf_log_entry log_tcp4(void)
{
	const uint8_t all = BF_LOG_LINK | BF_LOG_INTERNET | BF_LOG_TRANSPORT;
	struct bf_log_entry e = log_base(BF_VERDICT_DROP, all, all);
	const uint8_t mac_dst[] = { 2, 0, 0, 0, 0, 2 }, mac_src[] = { 2, 0, 0, 0, 0, 1 };

	e.pkt.flags = BF_PKT_IPV4 | BF_PKT_TCP | BF_PKT_PORTS | BF_PKT_L3 | BF_PKT_L4;
	e.pkt.l3_proto = htons(0x0800);
	e.pkt.l4_proto = 6;
	e.pkt.sport = htons(40000);
	e.pkt.dport = htons(22);
	inet_pton(AF_INET, "10.0.0.1", e.pkt.saddr);
	inet_pton(AF_INET, "10.0.0.2", e.pkt.daddr);
	memcpy(e.l2, mac_dst, 6);
	memcpy(e.l2 + 6, mac_src, 6);
	put16(e.l2 + 12, 0x0800);
	e.l3[0] = 0x45;
	e.l3[8] = 64;
	e.l3[9] = 6;
	put16(e.l4, 40000);
	put16(e.l4 + 2, 22);
	put32(e.l4 + 4, 1);
	put32(e.l4 + 8, 0);
	e.l4[12] = 0x50;
	e.l4[13] = BF_TCP_SYN;
	put16(e.l4 + 14, 64240);
	return e;
}

static void assert_log_line(const struct bf_log_entry *e, enum bf_hook hook, const char *expected)
{
	char line[1024];
	int n = bf_log_entry_format_at(e, hook, LOG_BOOT_TO_REAL, line, sizeof(line));

	ck_assert_str_eq(line, expected);
	ck_assert_int_eq(n, (int)strlen(expected));
}

START_TEST(log_tcp_all_headers)
{
	struct bf_log_entry e = log_tcp4();

	log_utc();
	assert_log_line(&e, BF_HOOK_TC_INGRESS,
			LOG_TIME " rule=2 verdict=DROP size=74"
				 " link: src=02:00:00:00:00:01 dst=02:00:00:00:00:02 type=ipv4"
				 " internet: src=10.0.0.1 dst=10.0.0.2 proto=tcp ttl=64"
				 " transport: sport=40000 dport=22 flags=syn seq=1 ack=0 win=64240");

	/* Only what the rule asked for, in the order of the line. */
	e.hdrs = BF_LOG_TRANSPORT | BF_LOG_LINK;
	e.l4[13] = BF_TCP_SYN | BF_TCP_ACK | BF_TCP_CWR;
	put32(e.l4 + 4, UINT32_MAX);
	put32(e.l4 + 8, 0x01020304);
	e.verdict = BF_VERDICT_REDIRECT;
	assert_log_line(&e, BF_HOOK_XDP,
			LOG_TIME " rule=2 verdict=REDIRECT size=74"
				 " link: src=02:00:00:00:00:01 dst=02:00:00:00:00:02 type=ipv4"
				 " transport: sport=40000 dport=22 flags=syn,ack,cwr seq=4294967295"
				 " ack=16909060 win=64240");
	e.hdrs = 0;
	e.verdict = BF_VERDICT_NEXT;
	assert_log_line(&e, BF_HOOK_TC_EGRESS, LOG_TIME " rule=2 verdict=NEXT size=74");
}
END_TEST

START_TEST(log_udp6_without_link)
{
	const uint8_t all = BF_LOG_LINK | BF_LOG_INTERNET | BF_LOG_TRANSPORT;
	struct bf_log_entry e = log_base(BF_VERDICT_ACCEPT, all, BF_LOG_INTERNET | BF_LOG_TRANSPORT);

	/* No Ethernet header on netfilter: asked for, not captured. */
	e.pkt.flags = BF_PKT_IPV6 | BF_PKT_UDP | BF_PKT_PORTS | BF_PKT_L3 | BF_PKT_L4;
	e.pkt.l4_proto = 17;
	inet_pton(AF_INET6, "2001:db8::1", e.pkt.saddr);
	inet_pton(AF_INET6, "ff02::fb", e.pkt.daddr);
	e.l3[0] = 0x60;
	e.l3[6] = 0; /* hop-by-hop first: the parser's protocol wins */
	e.l3[7] = 255;
	put16(e.l4, 5353);
	put16(e.l4 + 2, 5353);
	e.rule = 0;
	e.pkt_len = 1500;
	log_utc();
	assert_log_line(&e, BF_HOOK_NF_LOCAL_IN,
			LOG_TIME " rule=0 verdict=ACCEPT size=1500 link: -"
				 " internet: src=2001:db8::1 dst=ff02::fb proto=udp hop_limit=255"
				 " transport: sport=5353 dport=5353");
}
END_TEST

START_TEST(log_icmp)
{
	struct bf_log_entry e = log_base(BF_VERDICT_DROP, BF_LOG_TRANSPORT | BF_LOG_INTERNET,
					 BF_LOG_TRANSPORT | BF_LOG_INTERNET);

	log_utc();
	e.pkt.flags = BF_PKT_IPV4 | BF_PKT_ICMP | BF_PKT_L3 | BF_PKT_L4;
	e.pkt.l4_proto = 1;
	inet_pton(AF_INET, "192.0.2.1", e.pkt.saddr);
	inet_pton(AF_INET, "192.0.2.2", e.pkt.daddr);
	e.l3[0] = 0x45;
	e.l3[8] = 1;
	e.l4[0] = 8;
	assert_log_line(&e, BF_HOOK_XDP,
			LOG_TIME " rule=2 verdict=DROP size=74"
				 " internet: src=192.0.2.1 dst=192.0.2.2 proto=icmp ttl=1"
				 " transport: type=echo-request code=0");
	e.l4[0] = 99;
	e.l4[1] = 7;
	assert_log_line(&e, BF_HOOK_XDP,
			LOG_TIME " rule=2 verdict=DROP size=74"
				 " internet: src=192.0.2.1 dst=192.0.2.2 proto=icmp ttl=1"
				 " transport: type=99 code=7");

	memset(&e.pkt, 0, sizeof(e.pkt));
	e.pkt.flags = BF_PKT_IPV6 | BF_PKT_ICMPV6 | BF_PKT_L3 | BF_PKT_L4;
	e.pkt.l4_proto = 58;
	e.l3[0] = 0x60;
	e.l3[7] = 255;
	e.l4[0] = 135;
	e.l4[1] = 0;
	assert_log_line(&e, BF_HOOK_TC_INGRESS,
			LOG_TIME " rule=2 verdict=DROP size=74"
				 " internet: src=:: dst=:: proto=icmpv6 hop_limit=255"
				 " transport: type=nd-neighbor-solicit code=0");
}
END_TEST

/* What the parser didn't find is decoded from the captured bytes, and
 * what nobody knows prints as "-" or a number. */
START_TEST(log_fallbacks)
{
	const uint8_t all = BF_LOG_LINK | BF_LOG_INTERNET | BF_LOG_TRANSPORT;
	struct bf_log_entry e = log_base(77, all, all);

	log_utc();
	/* ARP: no IP header to decode. */
	put16(e.l2 + 12, 0x0806);
	assert_log_line(&e, BF_HOOK_XDP,
			LOG_TIME " rule=2 verdict=77 size=74"
				 " link: src=00:00:00:00:00:00 dst=00:00:00:00:00:00 type=arp"
				 " internet: - transport: -");
	/* LLDP, then an IPv4 header the parser gave up on (flags 0): the
	 * version nibble and the header's protocol are used. */
	put16(e.l2 + 12, 0x88cc);
	e.l3[0] = 0x45;
	e.l3[8] = 3;
	e.l3[9] = 6;
	e.l4[13] = 0;
	assert_log_line(&e, BF_HOOK_XDP,
			LOG_TIME " rule=2 verdict=77 size=74"
				 " link: src=00:00:00:00:00:00 dst=00:00:00:00:00:00 type=0x88cc"
				 " internet: src=0.0.0.0 dst=0.0.0.0 proto=tcp ttl=3"
				 " transport: sport=0 dport=0 flags=none seq=0 ack=0 win=0");
	/* GRE: the internet group names it, transport has nothing to say. */
	e.l3[9] = 47;
	e.have = BF_LOG_INTERNET;
	assert_log_line(&e, BF_HOOK_XDP,
			LOG_TIME " rule=2 verdict=77 size=74 link: -"
				 " internet: src=0.0.0.0 dst=0.0.0.0 proto=gre ttl=3 transport: -");
	e.have = BF_LOG_INTERNET | BF_LOG_TRANSPORT;
	assert_log_line(&e, BF_HOOK_XDP,
			LOG_TIME " rule=2 verdict=77 size=74 link: -"
				 " internet: src=0.0.0.0 dst=0.0.0.0 proto=gre ttl=3 transport: -");
	/* A timestamp that would be before the epoch is garbage: 0. */
	e.hdrs = 0;
	e.ts_ns = 0;
	{
		char line[128];

		bf_log_entry_format_at(&e, BF_HOOK_XDP, -5, line, sizeof(line));
		ck_assert_str_eq(line, "1970-01-01T00:00:00.000000 rule=2 verdict=77 size=74");
	}
}
END_TEST

START_TEST(log_sock_addr)
{
	struct bf_log_entry e = log_base(BF_VERDICT_DROP, BF_LOG_LINK, 0);

	log_utc();
	e.pkt_len = 0;
	e.pid = 1234;
	memcpy(e.comm, "curl", 5);
	e.pkt.flags = BF_PKT_IPV4 | BF_PKT_L4;
	e.pkt.l4_proto = 6;
	e.pkt.dport = htons(443);
	inet_pton(AF_INET, "10.0.0.9", e.pkt.saddr);
	inet_pton(AF_INET, "10.0.0.2", e.pkt.daddr);
	assert_log_line(&e, BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4,
			LOG_TIME " rule=2 verdict=DROP pid=1234 comm=curl proto=tcp dst=10.0.0.2"
				 " dport=443");
	assert_log_line(&e, BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4,
			LOG_TIME " rule=2 verdict=DROP pid=1234 comm=curl proto=tcp src=10.0.0.9"
				 " dst=10.0.0.2 dport=443");

	/* The name is the kernel's: 16 bytes, maybe no NUL, any byte. */
	memcpy(e.comm, "a b\x1b[31mcdefghijkl", BF_COMM_LEN);
	e.pkt.flags = 0;
	inet_pton(AF_INET6, "2001:db8::5", e.pkt.saddr);
	inet_pton(AF_INET6, "2001:db8::53", e.pkt.daddr);
	e.pkt.dport = htons(53);
	assert_log_line(&e, BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6,
			LOG_TIME " rule=2 verdict=DROP pid=1234 comm=a?b?[31mcdefghij src=2001:db8::5"
				 " dst=2001:db8::53 dport=53");
	memset(e.comm, 0, sizeof(e.comm));
	assert_log_line(&e, BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6,
			LOG_TIME " rule=2 verdict=DROP pid=1234 comm=- dst=2001:db8::53 dport=53");
}
END_TEST

START_TEST(log_truncation_and_args)
{
	struct bf_log_entry e = log_tcp4();
	char full[1024], small[32];
	int n;

	log_utc();
	n = bf_log_entry_format_at(&e, BF_HOOK_TC_INGRESS, LOG_BOOT_TO_REAL, full, sizeof(full));
	ck_assert_int_eq(n, (int)strlen(full));
	/* As snprintf(): the length of the whole line, the start of it kept. */
	memset(small, 'x', sizeof(small));
	ck_assert_int_eq(bf_log_entry_format_at(&e, BF_HOOK_TC_INGRESS, LOG_BOOT_TO_REAL, small,
						sizeof(small)),
			 n);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert(!strncmp(small, full, sizeof(small) - 1));
	ck_assert_int_eq(bf_log_entry_format_at(&e, BF_HOOK_TC_INGRESS, LOG_BOOT_TO_REAL, NULL, 0),
			 n);
	ck_assert_int_eq(bf_log_entry_format(NULL, BF_HOOK_XDP, full, sizeof(full)), -EINVAL);

	/* The real clock: the line after the time is the same. */
	ck_assert_int_gt(bf_log_boot_to_real_ns(), 0);
	n = bf_log_entry_format(&e, BF_HOOK_TC_INGRESS, small, sizeof(small));
	ck_assert_int_eq(bf_log_entry_format(&e, BF_HOOK_TC_INGRESS, full, sizeof(full)), n);
	ck_assert(!strncmp(strchr(full, ' '), " rule=2 verdict=DROP size=74 link: ", 35));
}
END_TEST

Suite *bf_model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc;

	tc = tcase_create("helpers");
	tcase_add_test(tc, chain_new_free);
	tcase_add_test(tc, chain_rules_and_sets);
	tcase_add_test(tc, rule_clean);
	tcase_add_test(tc, ruleset_chains);
	tcase_add_test(tc, set_sizes);
	tcase_add_test(tc, set_elems);
	suite_add_tcase(s, tc);

	tc = tcase_create("validate");
	tcase_add_test(tc, validate_good);
	tcase_add_test(tc, validate_missing_arrays);
	tcase_add_loop_test(tc, validate_broken, 0, sizeof(broken) / sizeof(broken[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("logfmt");
	tcase_add_test(tc, log_tcp_all_headers);
	tcase_add_test(tc, log_udp6_without_link);
	tcase_add_test(tc, log_icmp);
	tcase_add_test(tc, log_fallbacks);
	tcase_add_test(tc, log_sock_addr);
	tcase_add_test(tc, log_truncation_and_args);
	suite_add_tcase(s, tc);

	return s;
}

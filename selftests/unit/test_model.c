// SPDX-License-Identifier: GPL-2.0-only
/* The model's helpers, and bf_chain_validate() on hand-made (bad) chains. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chain.h"
#include "lib/dump.h"
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

static const struct {
	void (*breakit)(struct bf_chain *c);
	const char *expected;
} broken[] = {
	{ br_name_empty, "chain: name is empty" },
	{ br_name_unterminated, "chain: name is not NUL-terminated" },
	{ br_name_slash, "chain: invalid name '../x' (letters, digits, '_', '-', '.'; not starting "
			 "with '-' or '.')" },
	{ br_hook, "chain 'c': invalid hook 10" },
	{ br_hook_negative, "chain 'c': invalid hook 4294967295" },
	{ br_policy_continue, "chain 'c': invalid policy CONTINUE (ACCEPT or DROP)" },
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

	return s;
}

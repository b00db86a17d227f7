// SPDX-License-Identifier: GPL-2.0-only
/*
 * Wire format (pack.c, wire.c) and message framing (msg.c). The decoders
 * read bytes from any local client, so besides round trips these tests feed
 * them every truncation, random corruption and hostile counts. Run under
 * valgrind (CK_FORK=no) to also catch leaks and out-of-bounds reads: inputs
 * are copied into buffers of their exact size for that reason.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/chain.h"
#include "lib/helper.h"
#include "lib/msg.h"
#include "lib/pack.h"
#include "lib/request.h"

#include "unit.h"

#define FUZZ_SEED 0xbf11e7u
#define FUZZ_ROUNDS 3000

/* xorshift32: reproducible from the printed seed, whatever the libc. */
static uint32_t rnd_state;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* A copy of exactly @len bytes, so reading past the end is an error valgrind
 * reports rather than a read of the rest of a bigger buffer. */
static void *dup_exact(const void *buf, size_t len)
{
	void *p = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, buf, len);
	return p;
}

/* ----- building a model that uses every field ----- */

static void add_set(struct bf_chain *chain, const char *name, const enum bf_matcher_type *key,
		    uint8_t nkeys, size_t nelems)
{
	struct bf_set set = { .nkeys = nkeys };
	uint8_t elem[BF_SET_MAX_COMPS * 17];

	snprintf(set.name, sizeof(set.name), "%s", name);
	memcpy(set.key, key, nkeys * sizeof(*key));
	for (size_t i = 0; i < nelems; i++) {
		for (size_t b = 0; b < bf_set_elem_size(&set); b++)
			elem[b] = (uint8_t)(i * 31 + b);
		ck_assert_int_eq(bf_set_add_elem(&set, elem), 0);
	}
	ck_assert_int_eq(bf_chain_add_set(chain, &set), 0);
}

static struct bf_matcher make_matcher(enum bf_matcher_type type, unsigned int i, size_t nsets)
{
	struct bf_matcher m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.negate = i % 2;
	if (type == BF_MATCHER_SET || i % 7 == 3) {
		m.op = BF_OP_IN;
		m.set = i % nsets;
		return m;
	}
	switch (type) {
	case BF_MATCHER_META_IFACE:
		m.iface.ifindex = 3 + i;
		snprintf(m.iface.name, sizeof(m.iface.name), "veth%u", i);
		break;
	case BF_MATCHER_IP4_SADDR ... BF_MATCHER_IP4_DNET:
	case BF_MATCHER_IP6_SADDR ... BF_MATCHER_IP6_DNET:
		for (size_t b = 0; b < sizeof(m.ip.addr); b++)
			m.ip.addr[b] = (uint8_t)(0xa0 + b + i);
		m.ip.plen = (uint8_t)(i % 129);
		break;
	case BF_MATCHER_TCP_FLAGS:
		m.op = i % 3 ? BF_OP_ANY : BF_OP_ALL;
		m.num.lo = BF_TCP_SYN | BF_TCP_ACK;
		break;
	default:
		m.op = i % 2 ? BF_OP_RANGE : BF_OP_EQ;
		m.num.lo = 1000 + i;
		m.num.hi = 0xfffffff0u + i % 16;
		break;
	}
	return m;
}

static struct bf_chain *rich_chain(void)
{
	static const enum bf_matcher_type k_saddr[] = { BF_MATCHER_IP4_SADDR };
	static const enum bf_matcher_type k_pair[] = { BF_MATCHER_IP4_DADDR, BF_MATCHER_TCP_DPORT };
	static const enum bf_matcher_type k_snet[] = { BF_MATCHER_IP4_SNET };
	static const enum bf_matcher_type k_dnet6[] = { BF_MATCHER_IP6_DNET };
	static const enum bf_matcher_type k_mark[] = { BF_MATCHER_META_MARK };
	static const enum bf_matcher_type k_four[] = { BF_MATCHER_IP6_SADDR, BF_MATCHER_UDP_SPORT,
						       BF_MATCHER_ICMP_TYPE,
						       BF_MATCHER_META_IFACE };
	struct bf_chain *chain = bf_chain_new();
	unsigned int n = 0;

	ck_assert_ptr_nonnull(chain);
	snprintf(chain->name, sizeof(chain->name), "rich_chain");
	chain->hook = BF_HOOK_TC_INGRESS;
	chain->policy = BF_VERDICT_DROP;
	chain->opts.used = (1U << BF_HOOKOPT_IFINDEX) | (1U << BF_HOOKOPT_PRIORITIES);
	chain->opts.ifindex = 7;
	snprintf(chain->opts.ifname, sizeof(chain->opts.ifname), "eth0");
	snprintf(chain->opts.cgpath, sizeof(chain->opts.cgpath), "/sys/fs/cgroup/user.slice");
	chain->opts.family = BF_FAMILY_INET4 | BF_FAMILY_INET6;
	chain->opts.priorities[0] = -5;
	chain->opts.priorities[1] = INT32_MAX;

	add_set(chain, "blocked", k_saddr, 1, 2);
	add_set(chain, "pairs", k_pair, 2, 3);
	add_set(chain, "", k_snet, 1, 2); /* anonymous prefix set */
	add_set(chain, "", k_dnet6, 1, 1);
	add_set(chain, "empty", k_mark, 1, 0);
	add_set(chain, "four", k_four, 4, 5);

	/* Every matcher type, a few per rule, in every flavour. */
	for (unsigned int r = 0; n < _BF_MATCHER_MAX * 2; r++) {
		struct bf_rule rule = {
			.counter = r % 2,
			.verdict = r % _BF_VERDICT_MAX,
			.log = r % 8,
			.log_every_ns = (uint64_t)r * 0x0123456789abULL,
			.has_mark = r % 3 == 0,
			.mark = 0xdead0000u + r,
			.redirect_ifindex = r * 3,
			.redirect_dir = r % 2 ? BF_REDIRECT_IN : BF_REDIRECT_OUT,
		};

		if (r % 2)
			snprintf(rule.redirect_ifname, sizeof(rule.redirect_ifname), "eth%u", r);

		for (unsigned int i = 0; i < 1 + r % 5; i++, n++) {
			struct bf_matcher m = make_matcher(n % _BF_MATCHER_MAX, n, chain->nsets);

			ck_assert_int_eq(bf_rule_add_matcher(&rule, &m), 0);
		}
		ck_assert_int_eq(bf_chain_add_rule(chain, &rule), 0);
	}
	{
		struct bf_rule empty = { .verdict = BF_VERDICT_CONTINUE };
		struct bf_rule full = { .counter = true, .verdict = BF_VERDICT_ACCEPT };

		for (unsigned int i = 0; i < BF_RULE_MAX_MATCHERS; i++) {
			struct bf_matcher m = make_matcher(BF_MATCHER_TCP_DPORT, i, chain->nsets);

			ck_assert_int_eq(bf_rule_add_matcher(&full, &m), 0);
		}
		ck_assert_int_eq(bf_chain_add_rule(chain, &empty), 0);
		ck_assert_int_eq(bf_chain_add_rule(chain, &full), 0);
	}

	chain->counters = calloc(chain->nrules + 2, sizeof(*chain->counters));
	ck_assert_ptr_nonnull(chain->counters);
	for (size_t i = 0; i < chain->nrules + 2; i++) {
		chain->counters[i].packets = i * 1000003;
		chain->counters[i].bytes = UINT64_MAX - i;
	}
	return chain;
}

static struct bf_ruleset *rich_ruleset(void)
{
	struct bf_ruleset *rs = bf_ruleset_new();
	struct bf_chain *plain = bf_chain_new();

	ck_assert_ptr_nonnull(rs);
	ck_assert_ptr_nonnull(plain);
	snprintf(plain->name, sizeof(plain->name), "plain");
	plain->hook = BF_HOOK_CGROUP_SKB_EGRESS;
	ck_assert_int_eq(bf_ruleset_add_chain(rs, rich_chain()), 0);
	ck_assert_int_eq(bf_ruleset_add_chain(rs, plain), 0);
	return rs;
}

/* @n malloc'ed strings, as bf_request_clean() frees them. */
static char **dup_strs(const char *const *strs, size_t n)
{
	char **out = calloc(n, sizeof(*out));

	ck_assert_ptr_nonnull(out);
	for (size_t i = 0; i < n; i++) {
		out[i] = strdup(strs[i]);
		ck_assert_ptr_nonnull(out[i]);
	}
	return out;
}

static void rich_request(struct bf_request *req)
{
	static char longest[BF_REQ_ELEM_MAX_LEN + 1];
	const char *const add[] = { "10.0.0.1", "10.0.0.2, 22", "", longest, "\"é\"\t;" };
	const char *const remove[] = { "192.0.2.1/24" };

	memset(longest, 'a', BF_REQ_ELEM_MAX_LEN);
	memset(req, 0, sizeof(*req));
	req->cmd = BF_CMD_CHAIN_UPDATE;
	req->flags = BF_REQ_NO_SET_CONTENT | BF_REQ_DRY_RUN;
	snprintf(req->set_name, sizeof(req->set_name), "blocked");
	req->add = dup_strs(add, ARRAY_SIZE(add));
	req->nadd = ARRAY_SIZE(add);
	req->remove = dup_strs(remove, ARRAY_SIZE(remove));
	req->nremove = ARRAY_SIZE(remove);
	snprintf(req->name, sizeof(req->name), "rich_chain");
	req->opts.used = 1U << BF_HOOKOPT_CGPATH | 1U << BF_HOOKOPT_FAMILY;
	snprintf(req->opts.cgpath, sizeof(req->opts.cgpath), "/sys/fs/cgroup/a b/c");
	req->opts.family = BF_FAMILY_INET6;
	req->opts.priorities[0] = INT32_MIN;
	req->opts.priorities[1] = 1;
	req->ruleset = rich_ruleset();
}

static void rich_response(struct bf_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->status = -ENOENT;
	snprintf(resp->message, sizeof(resp->message), "chain 'x' does not exist: \"%s\"", "é");
	resp->ruleset = rich_ruleset();
	resp->has_log = true;
	for (size_t i = 0; i < sizeof(resp->log); i++)
		((uint8_t *)&resp->log)[i] = (uint8_t)(i * 7 + 1);
}

static void pack_request(const struct bf_request *req, void **buf, size_t *len)
{
	ck_assert_int_eq(bf_request_pack(req, buf, len), 0);
	ck_assert_ptr_nonnull(*buf);
}

static void pack_response(const struct bf_response *resp, void **buf, size_t *len)
{
	ck_assert_int_eq(bf_response_pack(resp, buf, len), 0);
	ck_assert_ptr_nonnull(*buf);
}

/* ----- field by field comparison ----- */

static void assert_hookopts_eq(const struct bf_hookopts *a, const struct bf_hookopts *b)
{
	ck_assert_uint_eq(a->used, b->used);
	ck_assert_uint_eq(a->ifindex, b->ifindex);
	ck_assert_str_eq(a->ifname, b->ifname);
	ck_assert_str_eq(a->cgpath, b->cgpath);
	ck_assert_uint_eq(a->family, b->family);
	ck_assert_int_eq(a->priorities[0], b->priorities[0]);
	ck_assert_int_eq(a->priorities[1], b->priorities[1]);
}

static void assert_set_eq(const struct bf_set *a, const struct bf_set *b)
{
	ck_assert_str_eq(a->name, b->name);
	ck_assert_uint_eq(a->nkeys, b->nkeys);
	for (unsigned int i = 0; i < a->nkeys; i++)
		ck_assert_int_eq(a->key[i], b->key[i]);
	ck_assert_uint_eq(a->nelems, b->nelems);
	ck_assert_uint_eq(bf_set_is_prefix(a), bf_set_is_prefix(b));
	if (a->nelems)
		ck_assert_mem_eq(a->elems, b->elems, a->nelems * bf_set_elem_size(a));
	else
		ck_assert_ptr_null(b->elems);
}

static void assert_matcher_eq(const struct bf_matcher *a, const struct bf_matcher *b)
{
	ck_assert_int_eq(a->type, b->type);
	ck_assert_int_eq(a->op, b->op);
	ck_assert_int_eq(a->negate, b->negate);
	ck_assert_uint_eq(a->set, b->set);
	ck_assert_uint_eq(a->num.lo, b->num.lo);
	ck_assert_uint_eq(a->num.hi, b->num.hi);
	ck_assert_mem_eq(a->ip.addr, b->ip.addr, sizeof(a->ip.addr));
	ck_assert_uint_eq(a->ip.plen, b->ip.plen);
	ck_assert_uint_eq(a->iface.ifindex, b->iface.ifindex);
	ck_assert_mem_eq(a->iface.name, b->iface.name, sizeof(a->iface.name));
}

static void assert_rule_eq(const struct bf_rule *a, const struct bf_rule *b)
{
	ck_assert_int_eq(a->counter, b->counter);
	ck_assert_int_eq(a->verdict, b->verdict);
	ck_assert_uint_eq(a->log, b->log);
	ck_assert_uint_eq(a->log_every_ns, b->log_every_ns);
	ck_assert_int_eq(a->has_mark, b->has_mark);
	ck_assert_uint_eq(a->mark, b->mark);
	ck_assert_uint_eq(a->redirect_ifindex, b->redirect_ifindex);
	ck_assert_mem_eq(a->redirect_ifname, b->redirect_ifname, sizeof(a->redirect_ifname));
	ck_assert_int_eq(a->redirect_dir, b->redirect_dir);
	ck_assert_uint_eq(a->nmatchers, b->nmatchers);
	for (size_t i = 0; i < a->nmatchers; i++)
		assert_matcher_eq(&a->matchers[i], &b->matchers[i]);
}

static void assert_chain_eq(const struct bf_chain *a, const struct bf_chain *b)
{
	ck_assert_str_eq(a->name, b->name);
	ck_assert_int_eq(a->hook, b->hook);
	assert_hookopts_eq(&a->opts, &b->opts);
	ck_assert_int_eq(a->policy, b->policy);
	ck_assert_uint_eq(a->nsets, b->nsets);
	for (size_t i = 0; i < a->nsets; i++)
		assert_set_eq(&a->sets[i], &b->sets[i]);
	ck_assert_uint_eq(a->nrules, b->nrules);
	for (size_t i = 0; i < a->nrules; i++)
		assert_rule_eq(&a->rules[i], &b->rules[i]);
	ck_assert_int_eq(!a->counters, !b->counters);
	for (size_t i = 0; a->counters && i < a->nrules + 2; i++) {
		ck_assert_uint_eq(a->counters[i].packets, b->counters[i].packets);
		ck_assert_uint_eq(a->counters[i].bytes, b->counters[i].bytes);
	}
}

static void assert_ruleset_eq(const struct bf_ruleset *a, const struct bf_ruleset *b)
{
	ck_assert_int_eq(!a, !b);
	if (!a)
		return;
	ck_assert_uint_eq(a->nchains, b->nchains);
	for (size_t i = 0; i < a->nchains; i++)
		assert_chain_eq(a->chains[i], b->chains[i]);
}

/* ----- pack.c ----- */

START_TEST(pack_little_endian)
{
	static const uint8_t expect[] = { 0x01, 0x03, 0x02, 0x07, 0x06, 0x05, 0x04,
					  0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09,
					  0x08, 2,    0,    0,	  0,	'h',  'i' };
	_cleanup_free_ void *buf = NULL;
	struct bf_wpack w;
	struct bf_rpack r;
	char s[3];
	uint64_t u64;
	uint32_t u32;
	uint16_t u16;
	uint8_t u8;
	size_t len;

	bf_wpack_init(&w);
	bf_wpack_u8(&w, 0x01);
	bf_wpack_u16(&w, 0x0203);
	bf_wpack_u32(&w, 0x04050607);
	bf_wpack_u64(&w, 0x08090a0b0c0d0e0f);
	bf_wpack_str(&w, "hi", 3);
	ck_assert_int_eq(bf_wpack_finish(&w, &buf, &len), 0);
	ck_assert_uint_eq(len, sizeof(expect));
	ck_assert_mem_eq(buf, expect, sizeof(expect));

	bf_rpack_init(&r, buf, len);
	ck_assert_int_eq(bf_rpack_u8(&r, &u8), 0);
	ck_assert_int_eq(bf_rpack_u16(&r, &u16), 0);
	ck_assert_int_eq(bf_rpack_u32(&r, &u32), 0);
	ck_assert_int_eq(bf_rpack_u64(&r, &u64), 0);
	ck_assert_uint_eq(u8, 0x01);
	ck_assert_uint_eq(u16, 0x0203);
	ck_assert_uint_eq(u32, 0x04050607);
	ck_assert_uint_eq(u64, 0x08090a0b0c0d0e0f);
	/* "hi" needs 3 bytes with its NUL: a 2-byte array is refused. */
	ck_assert_int_eq(bf_rpack_str(&r, s, 3), 0);
	ck_assert_str_eq(s, "hi");
	ck_assert_int_eq(bf_rpack_end(&r), 0);
	ck_assert_int_eq(bf_rpack_u8(&r, &u8), -EINVAL);
	ck_assert_uint_eq(u8, 0);
}
END_TEST

START_TEST(pack_reader_rejects)
{
	static const uint8_t str_nul[] = { 3, 0, 0, 0, 'a', 0, 'b' };
	static const uint8_t str_long[] = { 3, 0, 0, 0, 'a', 'b', 'c' };
	static const uint8_t str_huge[] = { 0xff, 0xff, 0xff, 0xff, 'a' };
	static const uint8_t count[] = { 3, 0, 0, 0, 1, 2, 3, 4, 5 };
	static const uint8_t bools[] = { 0, 1, 2 };
	struct bf_rpack r;
	uint32_t n;
	char s[8];
	bool b;

	bf_rpack_init(&r, str_nul, sizeof(str_nul));
	ck_assert_int_eq(bf_rpack_str(&r, s, sizeof(s)), -EINVAL);
	bf_rpack_init(&r, str_long, sizeof(str_long));
	ck_assert_int_eq(bf_rpack_str(&r, s, 3), -EINVAL);
	ck_assert_str_eq(s, "");
	bf_rpack_init(&r, str_huge, sizeof(str_huge));
	ck_assert_int_eq(bf_rpack_str(&r, s, sizeof(s)), -EINVAL);

	/* 3 items of at least 2 bytes fit in 5 bytes, of 2 bytes not. */
	bf_rpack_init(&r, count, sizeof(count));
	ck_assert_int_eq(bf_rpack_count(&r, &n, 10, 1), 0);
	ck_assert_uint_eq(n, 3);
	bf_rpack_init(&r, count, sizeof(count));
	ck_assert_int_eq(bf_rpack_count(&r, &n, 10, 2), -EINVAL);
	ck_assert_uint_eq(n, 0);
	bf_rpack_init(&r, count, sizeof(count));
	ck_assert_int_eq(bf_rpack_count(&r, &n, 2, 1), -EINVAL);
	/* A failed reader stays failed. */
	ck_assert_int_eq(bf_rpack_error(&r), -EINVAL);
	ck_assert_int_eq(bf_rpack_u8(&r, (uint8_t *)s), -EINVAL);

	bf_rpack_init(&r, bools, sizeof(bools));
	ck_assert_int_eq(bf_rpack_bool(&r, &b), 0);
	ck_assert_int_eq(bf_rpack_bool(&r, &b), 0);
	ck_assert(b);
	ck_assert_int_eq(bf_rpack_bool(&r, &b), -EINVAL);
}
END_TEST

START_TEST(pack_writer_rejects_unterminated)
{
	char name[4] = { 'a', 'b', 'c', 'd' };
	void *buf = NULL;
	struct bf_wpack w;
	size_t len;

	bf_wpack_init(&w);
	ck_assert_int_eq(bf_wpack_str(&w, name, sizeof(name)), -EINVAL);
	/* Sticky: later writes fail too and finish frees everything. */
	ck_assert_int_eq(bf_wpack_u32(&w, 1), -EINVAL);
	ck_assert_int_eq(bf_wpack_finish(&w, &buf, &len), -EINVAL);
	ck_assert_ptr_null(buf);
}
END_TEST

/* ----- wire.c: round trips ----- */

START_TEST(wire_request_round_trip)
{
	_cleanup_free_ void *buf = NULL;
	_cleanup_free_ void *again = NULL;
	struct bf_request req, out;
	size_t len, len2;

	rich_request(&req);
	pack_request(&req, &buf, &len);
	ck_assert_int_eq(bf_request_unpack(buf, len, &out), 0);

	ck_assert_int_eq(out.cmd, req.cmd);
	ck_assert_uint_eq(out.flags, req.flags);
	ck_assert_str_eq(out.name, req.name);
	assert_hookopts_eq(&out.opts, &req.opts);
	assert_ruleset_eq(req.ruleset, out.ruleset);
	ck_assert_str_eq(out.set_name, req.set_name);
	ck_assert_uint_eq(out.nadd, req.nadd);
	for (size_t i = 0; i < req.nadd; i++)
		ck_assert_str_eq(out.add[i], req.add[i]);
	ck_assert_uint_eq(out.nremove, req.nremove);
	for (size_t i = 0; i < req.nremove; i++)
		ck_assert_str_eq(out.remove[i], req.remove[i]);

	/* One encoding per value: packing what was read gives the same bytes. */
	pack_request(&out, &again, &len2);
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_eq(buf, again, len);

	bf_request_clean(&out);
	ck_assert_ptr_null(out.ruleset);
	ck_assert_ptr_null(out.add);
	ck_assert_uint_eq(out.nremove, 0);
	bf_request_clean(&req);
}
END_TEST

START_TEST(wire_response_round_trip)
{
	_cleanup_free_ void *buf = NULL;
	struct bf_response resp, out;
	size_t len;

	rich_response(&resp);
	pack_response(&resp, &buf, &len);
	ck_assert_int_eq(bf_response_unpack(buf, len, &out), 0);
	ck_assert_int_eq(out.status, resp.status);
	ck_assert_str_eq(out.message, resp.message);
	assert_ruleset_eq(resp.ruleset, out.ruleset);
	ck_assert(out.has_log);
	ck_assert_mem_eq(&out.log, &resp.log, sizeof(resp.log));
	bf_response_clean(&out);
	bf_response_clean(&resp);
}
END_TEST

START_TEST(wire_no_ruleset_round_trip)
{
	struct bf_request req = { .cmd = BF_CMD_CHAIN_FLUSH, .name = "c" }, rout;
	struct bf_response resp = { 0 }, pout;
	struct bf_ruleset empty = { 0 };
	_cleanup_free_ void *b1 = NULL;
	_cleanup_free_ void *b2 = NULL;
	_cleanup_free_ void *b3 = NULL;
	size_t l1, l2, l3;

	pack_request(&req, &b1, &l1);
	ck_assert_int_eq(bf_request_unpack(b1, l1, &rout), 0);
	ck_assert_int_eq(rout.cmd, BF_CMD_CHAIN_FLUSH);
	ck_assert_str_eq(rout.name, "c");
	ck_assert_ptr_null(rout.ruleset);
	bf_request_clean(&rout);

	pack_response(&resp, &b2, &l2);
	ck_assert_int_eq(bf_response_unpack(b2, l2, &pout), 0);
	ck_assert_int_eq(pout.status, 0);
	ck_assert_str_eq(pout.message, "");
	ck_assert_ptr_null(pout.ruleset);

	/* An empty ruleset is not the same as none (ruleset set with no
	 * chain flushes everything). */
	resp.ruleset = &empty;
	pack_response(&resp, &b3, &l3);
	ck_assert_int_eq(bf_response_unpack(b3, l3, &pout), 0);
	ck_assert_ptr_nonnull(pout.ruleset);
	ck_assert_uint_eq(pout.ruleset->nchains, 0);
	bf_response_clean(&pout);
}
END_TEST

START_TEST(wire_pack_rejects_bad_model)
{
	struct bf_response resp = { .status = 1 };
	struct bf_request req = { 0 };
	void *buf = NULL;
	size_t len;

	ck_assert_int_eq(bf_response_pack(&resp, &buf, &len), -EINVAL);
	resp.status = -EPERM;
	memset(resp.message, 'x', sizeof(resp.message));
	ck_assert_int_eq(bf_response_pack(&resp, &buf, &len), -EINVAL);
	memset(req.name, 'x', sizeof(req.name));
	ck_assert_int_eq(bf_request_pack(&req, &buf, &len), -EINVAL);
	ck_assert_ptr_null(buf);
}
END_TEST

/* update-set's strings: the writer refuses what the reader would. */
START_TEST(wire_pack_rejects_bad_elems)
{
	static char too_long[BF_REQ_ELEM_MAX_LEN + 2];
	char *one[] = { too_long }, *none[] = { NULL };
	struct bf_request req = { .cmd = BF_CMD_CHAIN_UPDATE_SET, .name = "c", .set_name = "s" };
	void *buf = NULL;
	size_t len;

	memset(too_long, 'a', BF_REQ_ELEM_MAX_LEN + 1);
	req.nadd = 1;
	ck_assert_int_eq(bf_request_pack(&req, &buf, &len), -EINVAL);
	req.add = none;
	ck_assert_int_eq(bf_request_pack(&req, &buf, &len), -EINVAL);
	req.add = one;
	ck_assert_int_eq(bf_request_pack(&req, &buf, &len), -E2BIG);
	too_long[BF_REQ_ELEM_MAX_LEN] = '\0';
	ck_assert_int_eq(bf_request_pack(&req, &buf, &len), 0);
	free(TAKE_PTR(buf));
	req.remove = one;
	req.nremove = BF_REQ_MAX_ELEMS + 1;
	ck_assert_int_eq(bf_request_pack(&req, &buf, &len), -E2BIG);
	req.nremove = 0;
	memset(req.set_name, 's', sizeof(req.set_name));
	ck_assert_int_eq(bf_request_pack(&req, &buf, &len), -EINVAL);
	ck_assert_ptr_null(buf);
}
END_TEST

/* ----- wire.c: hostile input ----- */

static int unpack_request_exact(const void *buf, size_t len)
{
	_cleanup_free_ void *copy = dup_exact(buf, len);
	struct bf_request out;
	int r;

	memset(&out, 0xa5, sizeof(out));
	r = bf_request_unpack(copy, len, &out);
	if (r) {
		/* Nothing left behind on failure. */
		ck_assert_ptr_null(out.ruleset);
		ck_assert_ptr_null(out.add);
		ck_assert_ptr_null(out.remove);
		ck_assert_int_eq(out.name[0], 0);
	}
	bf_request_clean(&out);
	return r;
}

static int unpack_response_exact(const void *buf, size_t len)
{
	_cleanup_free_ void *copy = dup_exact(buf, len);
	struct bf_response out;
	int r;

	memset(&out, 0xa5, sizeof(out));
	r = bf_response_unpack(copy, len, &out);
	if (r) {
		ck_assert_ptr_null(out.ruleset);
		ck_assert(!out.has_log);
	}
	bf_response_clean(&out);
	return r;
}

START_TEST(wire_every_truncation_rejected)
{
	_cleanup_free_ void *rbuf = NULL;
	_cleanup_free_ void *pbuf = NULL;
	_cleanup_free_ uint8_t *longer = NULL;
	struct bf_response resp;
	struct bf_request req;
	size_t rlen, plen;

	rich_request(&req);
	pack_request(&req, &rbuf, &rlen);
	bf_request_clean(&req);
	rich_response(&resp);
	pack_response(&resp, &pbuf, &plen);
	bf_response_clean(&resp);

	for (size_t len = 0; len < rlen; len++)
		ck_assert_msg(unpack_request_exact(rbuf, len) == -EINVAL,
			      "request prefix %zu/%zu accepted", len, rlen);
	for (size_t len = 0; len < plen; len++)
		ck_assert_msg(unpack_response_exact(pbuf, len) == -EINVAL,
			      "response prefix %zu/%zu accepted", len, plen);
	ck_assert_int_eq(unpack_request_exact(rbuf, rlen), 0);
	ck_assert_int_eq(unpack_response_exact(pbuf, plen), 0);

	/* Trailing bytes are malformed too. */
	longer = calloc(1, rlen + 1);
	ck_assert_ptr_nonnull(longer);
	memcpy(longer, rbuf, rlen);
	ck_assert_int_eq(unpack_request_exact(longer, rlen + 1), -EINVAL);
}
END_TEST

/* Flip a few random bits (or overwrite a byte, or cut the tail) and decode.
 * Whatever is accepted must re-encode to exactly the mutated bytes. */
static void fuzz_one(const uint8_t *valid, size_t len, bool request, unsigned int *accepted)
{
	_cleanup_free_ uint8_t *mut = dup_exact(valid, len);
	_cleanup_free_ void *again = NULL;
	size_t mlen = len, alen;
	unsigned int nflips = 1 + rnd() % 4;
	int r;

	for (unsigned int i = 0; i < nflips; i++) {
		size_t at = rnd() % len;

		if (rnd() % 4)
			mut[at] ^= (uint8_t)(1u << (rnd() % 8));
		else
			mut[at] = (uint8_t)rnd();
	}
	if (rnd() % 8 == 0)
		mlen = rnd() % len;

	if (request) {
		struct bf_request out;

		r = bf_request_unpack(mut, mlen, &out);
		if (!r) {
			ck_assert_int_eq(bf_request_pack(&out, &again, &alen), 0);
			bf_request_clean(&out);
		}
	} else {
		struct bf_response out;

		r = bf_response_unpack(mut, mlen, &out);
		if (!r) {
			ck_assert_int_eq(bf_response_pack(&out, &again, &alen), 0);
			bf_response_clean(&out);
		}
	}
	if (r) {
		ck_assert_int_eq(r, -EINVAL);
		return;
	}
	(*accepted)++;
	ck_assert_uint_eq(alen, mlen);
	ck_assert_mem_eq(again, mut, mlen);
}

START_TEST(wire_fuzz_bit_flips)
{
	_cleanup_free_ void *rbuf = NULL;
	_cleanup_free_ void *pbuf = NULL;
	unsigned int accepted = 0;
	struct bf_response resp;
	struct bf_request req;
	size_t rlen, plen;

	rich_request(&req);
	pack_request(&req, &rbuf, &rlen);
	bf_request_clean(&req);
	rich_response(&resp);
	pack_response(&resp, &pbuf, &plen);
	bf_response_clean(&resp);

	rnd_state = FUZZ_SEED;
	printf("wire_fuzz_bit_flips: seed 0x%x, %d rounds\n", FUZZ_SEED, FUZZ_ROUNDS);
	for (unsigned int i = 0; i < FUZZ_ROUNDS; i++)
		fuzz_one(i % 2 ? rbuf : pbuf, i % 2 ? rlen : plen, i % 2, &accepted);
	/* Most flips land in element bytes, counters or payloads, which are
	 * free-form: the fuzzer must exercise acceptance as well. */
	ck_assert_uint_gt(accepted, 0);
	ck_assert_uint_lt(accepted, FUZZ_ROUNDS);
}
END_TEST

/* Hand-made inputs, written with the same layout as wire.c. */

static void w_hookopts(struct bf_wpack *w)
{
	for (int i = 0; i < 2; i++)
		bf_wpack_u32(w, 0); /* used, ifindex */
	bf_wpack_str(w, "", 1);
	bf_wpack_str(w, "", 1);
	for (int i = 0; i < 3; i++)
		bf_wpack_u32(w, 0); /* family, priorities */
}

/* update-set's fields, empty: set name, no element to add or remove. */
static void w_no_elems(struct bf_wpack *w)
{
	bf_wpack_str(w, "", 1);
	bf_wpack_u32(w, 0);
	bf_wpack_u32(w, 0);
}

/* A request header announcing a ruleset: the count of chains comes next. */
static void w_request_head(struct bf_wpack *w)
{
	bf_wpack_init(w);
	bf_wpack_u32(w, 2); /* version */
	bf_wpack_u32(w, BF_CMD_RULESET_SET);
	bf_wpack_u32(w, 0); /* flags */
	bf_wpack_str(w, "", 1);
	w_hookopts(w);
	w_no_elems(w);
	bf_wpack_u8(w, 1); /* ruleset present */
}

/* A rule up to its count of matchers: no log, mark or redirection. */
#define W_RULE_ZERO_SIZE 35
static void w_rule_head(struct bf_wpack *w, uint32_t verdict)
{
	bf_wpack_u8(w, 0); /* counter */
	bf_wpack_u32(w, verdict);
	bf_wpack_u8(w, 0); /* log */
	bf_wpack_u64(w, 0); /* log_every_ns */
	bf_wpack_u8(w, 0); /* has_mark */
	bf_wpack_u32(w, 0); /* mark */
	bf_wpack_u32(w, 0); /* redirect_ifindex */
	bf_wpack_str(w, "", 1);
	bf_wpack_u32(w, 0); /* redirect_dir */
}

/* Up to a chain's count of sets. */
static void w_chain_head(struct bf_wpack *w, uint32_t hook, uint32_t policy)
{
	bf_wpack_str(w, "c", 2);
	bf_wpack_u32(w, hook);
	w_hookopts(w);
	bf_wpack_u32(w, policy);
}

static void w_zeros(struct bf_wpack *w, size_t n)
{
	_cleanup_free_ void *z = calloc(1, n ? n : 1);

	ck_assert_ptr_nonnull(z);
	bf_wpack_bytes(w, z, n);
}

static int w_unpack_request(struct bf_wpack *w)
{
	_cleanup_free_ void *buf = NULL;
	size_t len;

	ck_assert_int_eq(bf_wpack_finish(w, &buf, &len), 0);
	return unpack_request_exact(buf, len);
}

/* @n chains of zeros, each 49 bytes: the smallest valid chain. */
static int try_chains(uint32_t n, size_t nzero_chains)
{
	struct bf_wpack w;

	w_request_head(&w);
	bf_wpack_u32(&w, n);
	w_zeros(&w, nzero_chains * 49);
	return w_unpack_request(&w);
}

/* One chain whose rules (zero bytes: no matcher) are @n. */
static int try_rules(uint32_t n, size_t nzero_rules)
{
	struct bf_wpack w;

	w_request_head(&w);
	bf_wpack_u32(&w, 1);
	w_chain_head(&w, BF_HOOK_XDP, BF_VERDICT_ACCEPT);
	bf_wpack_u32(&w, 0); /* sets */
	bf_wpack_u32(&w, n);
	w_zeros(&w, nzero_rules * W_RULE_ZERO_SIZE);
	bf_wpack_u8(&w, 0); /* no counters */
	return w_unpack_request(&w);
}

START_TEST(wire_huge_counts_rejected)
{
	struct bf_wpack w;

	ck_assert_int_eq(try_chains(1024, 1024), 0);
	ck_assert_int_eq(try_chains(1025, 1025), -EINVAL);
	ck_assert_int_eq(try_chains(UINT32_MAX, 2), -EINVAL);
	ck_assert_int_eq(try_chains(3, 2), -EINVAL);

	ck_assert_int_eq(try_rules(1000, 1000), 0);
	ck_assert_int_eq(try_rules(1001, 1000), -EINVAL);
	ck_assert_int_eq(try_rules(4000001, 4000001), -EINVAL);
	ck_assert_int_eq(try_rules(UINT32_MAX, 10), -EINVAL);

	/* Matchers per rule: BF_RULE_MAX_MATCHERS at most. A zeroed matcher
	 * is "meta.iface eq" with an empty name: valid. */
	for (uint32_t n = BF_RULE_MAX_MATCHERS; n <= BF_RULE_MAX_MATCHERS + 1; n++) {
		w_request_head(&w);
		bf_wpack_u32(&w, 1);
		w_chain_head(&w, BF_HOOK_XDP, BF_VERDICT_ACCEPT);
		bf_wpack_u32(&w, 0);
		bf_wpack_u32(&w, 1);
		w_rule_head(&w, BF_VERDICT_DROP);
		bf_wpack_u32(&w, n);
		w_zeros(&w, n * 33);
		bf_wpack_u8(&w, 0);
		ck_assert_int_eq(w_unpack_request(&w), n == BF_RULE_MAX_MATCHERS ? 0 : -EINVAL);
	}

	/* Sets: UINT32_MAX of them can't fit. */
	w_request_head(&w);
	bf_wpack_u32(&w, 1);
	w_chain_head(&w, BF_HOOK_XDP, BF_VERDICT_ACCEPT);
	bf_wpack_u32(&w, UINT32_MAX);
	w_zeros(&w, 1000);
	ck_assert_int_eq(w_unpack_request(&w), -EINVAL);
}
END_TEST

START_TEST(wire_huge_string_rejected)
{
	static const uint8_t head[] = { 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct bf_wpack w;

	/* Name length of 4 GiB, then 64 (needs 65 bytes with its NUL). */
	bf_wpack_init(&w);
	bf_wpack_bytes(&w, head, sizeof(head));
	bf_wpack_u32(&w, UINT32_MAX);
	w_zeros(&w, 100);
	ck_assert_int_eq(w_unpack_request(&w), -EINVAL);

	bf_wpack_init(&w);
	bf_wpack_bytes(&w, head, sizeof(head));
	bf_wpack_u32(&w, BF_NAME_LEN);
	for (int i = 0; i < BF_NAME_LEN; i++)
		bf_wpack_u8(&w, 'a');
	w_hookopts(&w);
	w_no_elems(&w);
	bf_wpack_u8(&w, 0);
	ck_assert_int_eq(w_unpack_request(&w), -EINVAL);

	bf_wpack_init(&w);
	bf_wpack_bytes(&w, head, sizeof(head));
	bf_wpack_u32(&w, BF_NAME_LEN - 1);
	for (int i = 0; i < BF_NAME_LEN - 1; i++)
		bf_wpack_u8(&w, 'a');
	w_hookopts(&w);
	w_no_elems(&w);
	bf_wpack_u8(&w, 0);
	ck_assert_int_eq(w_unpack_request(&w), 0);
}
END_TEST

/* One set keyed by ip4.saddr, declaring @n elements, with @bytes bytes. */
static int try_elems(uint32_t n, size_t bytes)
{
	struct bf_wpack w;

	w_request_head(&w);
	bf_wpack_u32(&w, 1);
	w_chain_head(&w, BF_HOOK_XDP, BF_VERDICT_ACCEPT);
	bf_wpack_u32(&w, 1);
	bf_wpack_str(&w, "s", 2);
	bf_wpack_u8(&w, 1);
	bf_wpack_u32(&w, BF_MATCHER_IP4_SADDR);
	bf_wpack_u32(&w, n);
	w_zeros(&w, bytes);
	bf_wpack_u32(&w, 0); /* rules */
	bf_wpack_u8(&w, 0);
	return w_unpack_request(&w);
}

/* @n empty sets keyed by meta.mark: 13 bytes each, ~100 in memory. */
static int try_empty_sets(uint32_t n)
{
	struct bf_wpack w;

	w_request_head(&w);
	bf_wpack_u32(&w, 1);
	w_chain_head(&w, BF_HOOK_XDP, BF_VERDICT_ACCEPT);
	bf_wpack_u32(&w, n);
	for (uint32_t i = 0; i < n; i++) {
		bf_wpack_str(&w, "", 1);
		bf_wpack_u8(&w, 1);
		bf_wpack_u32(&w, BF_MATCHER_META_MARK);
		bf_wpack_u32(&w, 0);
	}
	bf_wpack_u32(&w, 0);
	bf_wpack_u8(&w, 0);
	return w_unpack_request(&w);
}

START_TEST(wire_elements_bounded)
{
	ck_assert_int_eq(try_elems(2, 8), 0);
	ck_assert_int_eq(try_elems(2, 7), -EINVAL);
	ck_assert_int_eq(try_elems(UINT32_MAX, 64), -EINVAL);
	ck_assert_int_eq(try_elems(1U << 30, 64), -EINVAL);

	/* Valid but bloated: memory would be ~8x the message. */
	ck_assert_int_eq(try_empty_sets(1000), 0);
	ck_assert_int_eq(try_empty_sets(1000000), -EINVAL);
}
END_TEST

START_TEST(wire_counters_bounded)
{
	for (size_t bytes = 31; bytes <= 32; bytes++) {
		struct bf_wpack w;

		w_request_head(&w);
		bf_wpack_u32(&w, 1);
		w_chain_head(&w, BF_HOOK_XDP, BF_VERDICT_ACCEPT);
		bf_wpack_u32(&w, 0);
		bf_wpack_u32(&w, 0);
		bf_wpack_u8(&w, 1); /* counters: nrules + 2 = 2 entries */
		w_zeros(&w, bytes);
		ck_assert_int_eq(w_unpack_request(&w), bytes == 32 ? 0 : -EINVAL);
	}
}
END_TEST

START_TEST(wire_wrong_version_rejected)
{
	static const uint32_t versions[] = { 0, 1, 3, 0x02000000, UINT32_MAX };
	_cleanup_free_ uint8_t *rbuf = NULL;
	_cleanup_free_ uint8_t *pbuf = NULL;
	struct bf_response resp = { 0 };
	struct bf_request req = { 0 };
	size_t rlen, plen;

	pack_request(&req, (void **)&rbuf, &rlen);
	pack_response(&resp, (void **)&pbuf, &plen);
	ck_assert_int_eq(unpack_request_exact(rbuf, rlen), 0);
	ck_assert_int_eq(unpack_response_exact(pbuf, plen), 0);
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
		for (int b = 0; b < 4; b++) {
			rbuf[b] = (uint8_t)(versions[i] >> (8 * b));
			pbuf[b] = (uint8_t)(versions[i] >> (8 * b));
		}
		ck_assert_int_eq(unpack_request_exact(rbuf, rlen), -EINVAL);
		ck_assert_int_eq(unpack_response_exact(pbuf, plen), -EINVAL);
	}
}
END_TEST

/* One chain with one set (ip4.saddr) and one rule holding @m. */
static int try_matcher(const struct bf_matcher *m, uint32_t verdict)
{
	struct bf_wpack w;

	w_request_head(&w);
	bf_wpack_u32(&w, 1);
	w_chain_head(&w, BF_HOOK_XDP, BF_VERDICT_ACCEPT);
	bf_wpack_u32(&w, 1);
	bf_wpack_str(&w, "s", 2);
	bf_wpack_u8(&w, 1);
	bf_wpack_u32(&w, BF_MATCHER_IP4_SADDR);
	bf_wpack_u32(&w, 0);
	bf_wpack_u32(&w, 1);
	w_rule_head(&w, verdict);
	bf_wpack_u32(&w, 1);
	bf_wpack_u32(&w, m->type);
	bf_wpack_u32(&w, m->op);
	bf_wpack_u8(&w, m->negate);
	bf_wpack_u32(&w, m->set);
	bf_wpack_bytes(&w, (const uint8_t *)m + offsetof(struct bf_matcher, ip), 20);
	bf_wpack_u8(&w, 0);
	return w_unpack_request(&w);
}

START_TEST(wire_out_of_range_rejected)
{
	struct bf_matcher m;
	struct bf_wpack w;

	memset(&m, 0, sizeof(m));
	m.type = BF_MATCHER_TCP_DPORT;
	ck_assert_int_eq(try_matcher(&m, BF_VERDICT_DROP), 0);
	ck_assert_int_eq(try_matcher(&m, _BF_VERDICT_MAX), -EINVAL);
	m.type = _BF_MATCHER_MAX;
	ck_assert_int_eq(try_matcher(&m, BF_VERDICT_DROP), -EINVAL);
	m.type = BF_MATCHER_TCP_DPORT;
	m.op = _BF_OP_MAX;
	ck_assert_int_eq(try_matcher(&m, BF_VERDICT_DROP), -EINVAL);

	/* Set index: the chain has one set. */
	m.type = BF_MATCHER_SET;
	m.op = BF_OP_IN;
	ck_assert_int_eq(try_matcher(&m, BF_VERDICT_DROP), 0);
	m.set = 1;
	ck_assert_int_eq(try_matcher(&m, BF_VERDICT_DROP), -EINVAL);
	m.type = BF_MATCHER_IP4_SADDR;
	ck_assert_int_eq(try_matcher(&m, BF_VERDICT_DROP), -EINVAL);

	/* Prefix length and interface name termination. */
	memset(&m, 0, sizeof(m));
	m.type = BF_MATCHER_IP6_SNET;
	m.ip.plen = 128;
	ck_assert_int_eq(try_matcher(&m, BF_VERDICT_DROP), 0);
	m.ip.plen = 129;
	ck_assert_int_eq(try_matcher(&m, BF_VERDICT_DROP), -EINVAL);
	memset(&m, 0, sizeof(m));
	m.type = BF_MATCHER_META_IFACE;
	memset(m.iface.name, 'e', sizeof(m.iface.name) - 1);
	ck_assert_int_eq(try_matcher(&m, BF_VERDICT_DROP), 0);
	m.iface.name[sizeof(m.iface.name) - 1] = 'e';
	ck_assert_int_eq(try_matcher(&m, BF_VERDICT_DROP), -EINVAL);

	/* Hook and policy. */
	for (uint32_t hook = _BF_HOOK_MAX - 1; hook <= _BF_HOOK_MAX; hook++) {
		w_request_head(&w);
		bf_wpack_u32(&w, 1);
		w_chain_head(&w, hook, BF_VERDICT_DROP);
		w_zeros(&w, 9);
		ck_assert_int_eq(w_unpack_request(&w), hook < _BF_HOOK_MAX ? 0 : -EINVAL);
	}
	w_request_head(&w);
	bf_wpack_u32(&w, 1);
	w_chain_head(&w, BF_HOOK_XDP, _BF_VERDICT_MAX);
	w_zeros(&w, 9);
	ck_assert_int_eq(w_unpack_request(&w), -EINVAL);
}
END_TEST

START_TEST(wire_bad_header_fields_rejected)
{
	struct bf_response resp = { .status = -EPERM };
	struct bf_request req = { .cmd = BF_CMD_RULESET_GET };
	_cleanup_free_ uint8_t *rbuf = NULL;
	_cleanup_free_ uint8_t *pbuf = NULL;
	size_t rlen, plen;

	pack_request(&req, (void **)&rbuf, &rlen);
	ck_assert_int_eq(unpack_request_exact(rbuf, rlen), 0);
	rbuf[4] = _BF_CMD_MAX; /* cmd */
	ck_assert_int_eq(unpack_request_exact(rbuf, rlen), -EINVAL);
	rbuf[4] = BF_CMD_RULESET_GET;
	rbuf[8] = 0x4; /* unknown flag */
	ck_assert_int_eq(unpack_request_exact(rbuf, rlen), -EINVAL);
	rbuf[8] = 0;
	rbuf[rlen - 1] = 2; /* ruleset presence flag */
	ck_assert_int_eq(unpack_request_exact(rbuf, rlen), -EINVAL);

	pack_response(&resp, (void **)&pbuf, &plen);
	ck_assert_int_eq(unpack_response_exact(pbuf, plen), 0);
	memset(pbuf + 4, 0, 4);
	pbuf[4] = 1; /* positive status */
	ck_assert_int_eq(unpack_response_exact(pbuf, plen), -EINVAL);
	memset(pbuf + 4, 0, 4);
	pbuf[7] = 0x80; /* INT32_MIN: not an errno */
	ck_assert_int_eq(unpack_response_exact(pbuf, plen), -EINVAL);
}
END_TEST

/* An update-set request up to its count of elements to add. */
static void w_update_set_head(struct bf_wpack *w, const char *set_name, size_t size)
{
	bf_wpack_init(w);
	bf_wpack_u32(w, 2);
	bf_wpack_u32(w, BF_CMD_CHAIN_UPDATE_SET);
	bf_wpack_u32(w, BF_REQ_DRY_RUN);
	bf_wpack_str(w, "c", 2);
	w_hookopts(w);
	bf_wpack_u32(w, (uint32_t)strnlen(set_name, size));
	bf_wpack_bytes(w, set_name, strnlen(set_name, size));
}

/* One element to add, @len bytes of @bytes; none to remove, no ruleset. */
static int try_elem(const void *bytes, uint32_t len, size_t actual)
{
	struct bf_wpack w;

	w_update_set_head(&w, "s", 2);
	bf_wpack_u32(&w, 1);
	bf_wpack_u32(&w, len);
	bf_wpack_bytes(&w, bytes, actual);
	bf_wpack_u32(&w, 0);
	bf_wpack_u8(&w, 0);
	return w_unpack_request(&w);
}

/* @n elements to add, given as @bytes zero bytes (4 per empty string). */
static int try_nelems(uint32_t n, size_t bytes)
{
	struct bf_wpack w;

	w_update_set_head(&w, "s", 2);
	bf_wpack_u32(&w, n);
	w_zeros(&w, bytes);
	bf_wpack_u32(&w, 0);
	bf_wpack_u8(&w, 0);
	return w_unpack_request(&w);
}

START_TEST(wire_update_set_hostile)
{
	static char big[BF_REQ_ELEM_MAX_LEN + 1];
	char name[BF_NAME_LEN];
	struct bf_wpack w;

	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(try_elem("10.0.0.1", 8, 8), 0);
	ck_assert_int_eq(try_elem("", 0, 0), 0);
	ck_assert_int_eq(try_elem(big, BF_REQ_ELEM_MAX_LEN, BF_REQ_ELEM_MAX_LEN), 0);
	ck_assert_int_eq(try_elem(big, BF_REQ_ELEM_MAX_LEN + 1, BF_REQ_ELEM_MAX_LEN + 1), -EINVAL);
	ck_assert_int_eq(try_elem("a\0b", 3, 3), -EINVAL);
	ck_assert_int_eq(try_elem("ab\0", 3, 3), -EINVAL);
	ck_assert_int_eq(try_elem("abc", 4, 3), -EINVAL);
	ck_assert_int_eq(try_elem("abc", UINT32_MAX, 3), -EINVAL);

	ck_assert_int_eq(try_nelems(1000, 4000), 0);
	ck_assert_int_eq(try_nelems(1000, 3999), -EINVAL);
	ck_assert_int_eq(try_nelems(UINT32_MAX, 64), -EINVAL);
	ck_assert_int_eq(try_nelems(BF_REQ_MAX_ELEMS + 1, (BF_REQ_MAX_ELEMS + 1) * 4UL), -EINVAL);

	/* A set name without room for its NUL. */
	memset(name, 's', sizeof(name));
	w_update_set_head(&w, name, sizeof(name));
	w_zeros(&w, 9);
	ck_assert_int_eq(w_unpack_request(&w), -EINVAL);
	w_update_set_head(&w, name, sizeof(name) - 1);
	w_zeros(&w, 9);
	ck_assert_int_eq(w_unpack_request(&w), 0);
}
END_TEST

/* One chain with one rule whose head has these values, no matcher. */
static int try_rule_head(uint8_t log, uint8_t has_mark, uint32_t dir)
{
	struct bf_wpack w;

	w_request_head(&w);
	bf_wpack_u32(&w, 1);
	w_chain_head(&w, BF_HOOK_TC_INGRESS, BF_VERDICT_ACCEPT);
	bf_wpack_u32(&w, 0);
	bf_wpack_u32(&w, 1);
	bf_wpack_u8(&w, 1);
	bf_wpack_u32(&w, BF_VERDICT_REDIRECT);
	bf_wpack_u8(&w, log);
	bf_wpack_u64(&w, UINT64_MAX);
	bf_wpack_u8(&w, has_mark);
	bf_wpack_u32(&w, UINT32_MAX);
	bf_wpack_u32(&w, UINT32_MAX);
	bf_wpack_str(&w, "eth0", 5);
	bf_wpack_u32(&w, dir);
	bf_wpack_u32(&w, 0);
	bf_wpack_u8(&w, 0);
	return w_unpack_request(&w);
}

START_TEST(wire_rule_fields_rejected)
{
	ck_assert_int_eq(try_rule_head(7, 1, BF_REDIRECT_IN), 0);
	ck_assert_int_eq(try_rule_head(0, 0, BF_REDIRECT_OUT), 0);
	ck_assert_int_eq(try_rule_head(8, 1, BF_REDIRECT_IN), -EINVAL);
	ck_assert_int_eq(try_rule_head(0x80, 1, BF_REDIRECT_IN), -EINVAL);
	ck_assert_int_eq(try_rule_head(7, 2, BF_REDIRECT_IN), -EINVAL);
	ck_assert_int_eq(try_rule_head(7, 1, 2), -EINVAL);
	ck_assert_int_eq(try_rule_head(7, 1, UINT32_MAX), -EINVAL);
}
END_TEST

/* A response's log entry: present or not (0/1), then exactly its bytes. */
START_TEST(wire_log_entry)
{
	struct bf_response resp = { 0 }, out;
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;

	resp.log.rule = 7; /* ignored without has_log */
	pack_response(&resp, (void **)&buf, &len);
	ck_assert_int_eq(bf_response_unpack(buf, len, &out), 0);
	ck_assert(!out.has_log);
	ck_assert_uint_eq(out.log.rule, 0);
	ck_assert_uint_eq(buf[len - 1], 0);
	buf[len - 1] = 2;
	ck_assert_int_eq(unpack_response_exact(buf, len), -EINVAL);
	buf[len - 1] = 1;
	ck_assert_int_eq(unpack_response_exact(buf, len), -EINVAL);
	free(TAKE_PTR(buf));

	resp.has_log = true;
	resp.log.ts_ns = UINT64_MAX;
	memcpy(resp.log.comm, "0123456789abcdef", BF_COMM_LEN); /* no NUL: raw bytes */
	pack_response(&resp, (void **)&buf, &len);
	ck_assert_int_eq(bf_response_unpack(buf, len, &out), 0);
	ck_assert(out.has_log);
	ck_assert_mem_eq(&out.log, &resp.log, sizeof(resp.log));
	ck_assert_int_eq(unpack_response_exact(buf, len - 1), -EINVAL);
}
END_TEST

START_TEST(wire_cmd_names)
{
	ck_assert_str_eq(bf_cmd_to_str(BF_CMD_RULESET_SET), "ruleset set");
	ck_assert_str_eq(bf_cmd_to_str(BF_CMD_CHAIN_FLUSH), "chain flush");
	ck_assert_str_eq(bf_cmd_to_str(BF_CMD_CHAIN_UPDATE_SET), "chain update-set");
	ck_assert_str_eq(bf_cmd_to_str(BF_CMD_CHAIN_LOGS), "chain logs");
	for (int cmd = 0; cmd < _BF_CMD_MAX; cmd++)
		ck_assert_str_ne(bf_cmd_to_str(cmd), "unknown");
	ck_assert_str_eq(bf_cmd_to_str(_BF_CMD_MAX), "unknown");
	ck_assert_str_eq(bf_cmd_to_str((enum bf_cmd)(_BF_CMD_MAX + 100)), "unknown");
}
END_TEST

/* ----- msg.c ----- */

static void make_pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static void write_raw(int fd, const void *buf, size_t len)
{
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
}

static int recv_after_raw(const void *raw, size_t len)
{
	_cleanup_free_ void *buf = NULL;
	size_t blen = 0;
	int sv[2], r;

	make_pair(sv);
	if (len)
		write_raw(sv[1], raw, len);
	close(sv[1]);
	r = bf_msg_recv(sv[0], &buf, &blen);
	close(sv[0]);
	return r;
}

START_TEST(msg_round_trip)
{
	static const char payload[] = "hello";
	_cleanup_free_ void *buf = NULL;
	_cleanup_free_ void *empty = NULL;
	size_t len;
	int sv[2];

	make_pair(sv);
	ck_assert_int_eq(bf_msg_send(sv[1], payload, sizeof(payload)), 0);
	ck_assert_int_eq(bf_msg_send(sv[1], NULL, 0), 0);
	ck_assert_int_eq(bf_msg_recv(sv[0], &buf, &len), 0);
	ck_assert_uint_eq(len, sizeof(payload));
	ck_assert_mem_eq(buf, payload, sizeof(payload));
	ck_assert_int_eq(bf_msg_recv(sv[0], &empty, &len), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_nonnull(empty);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

static volatile sig_atomic_t nsignals;

static void on_signal(int sig)
{
	(void)sig;
	nsignals++;
}

struct writer {
	pthread_t thread;
	pthread_t reader;
	bool signal_reader; /* once, while it waits */
	int fd;
	const void *data;
	size_t len;
	int ret;
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;

	if (w->signal_reader) {
		usleep(100000);
		pthread_kill(w->reader, SIGUSR1);
		usleep(100000);
	}
	w->ret = bf_msg_send(w->fd, w->data, w->len);
	return NULL;
}

static void writer_start(struct writer *w, int fd, const void *data, size_t len, bool signal_me)
{
	*w = (struct writer){ .fd = fd, .data = data, .len = len, .signal_reader = signal_me };
	w->reader = pthread_self();
	ck_assert_int_eq(pthread_create(&w->thread, NULL, writer_fn, w), 0);
}

static int writer_join(struct writer *w)
{
	ck_assert_int_eq(pthread_join(w->thread, NULL), 0);
	return w->ret;
}

/*
 * Bigger than the socket buffer: partial writes and reads on both sides.
 * The reader blocks until the writer starts, and a signal interrupts it
 * meanwhile (EINTR).
 */
START_TEST(msg_large_partial_eintr)
{
	const size_t size = 8 << 20;
	struct sigaction sa = { .sa_handler = on_signal }, old;
	_cleanup_free_ uint8_t *data = malloc(size);
	_cleanup_free_ void *buf = NULL;
	struct writer w;
	size_t len;
	int sv[2];

	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < size; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 13));
	make_pair(sv);

	/* No SA_RESTART: the blocked recv() returns EINTR. */
	nsignals = 0;
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, &old), 0);
	writer_start(&w, sv[1], data, size, true);
	ck_assert_int_eq(bf_msg_recv(sv[0], &buf, &len), 0);
	ck_assert_int_eq(writer_join(&w), 0);
	sigaction(SIGUSR1, &old, NULL);
	ck_assert_int_eq(nsignals, 1);

	ck_assert_uint_eq(len, size);
	ck_assert_mem_eq(buf, data, size);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(msg_bad_magic)
{
	static const uint8_t hdr[] = { 'B', 'F', 'I', 'L', 1, 0, 0, 0, 'x' };

	/* "BFIL" read as a little-endian u32 is not 0x4246494c. */
	ck_assert_int_eq(recv_after_raw(hdr, sizeof(hdr)), -EBADMSG);
}
END_TEST

START_TEST(msg_oversize_length)
{
	uint8_t hdr[8] = { 0x4c, 0x49, 0x46, 0x42 };
	uint32_t len = BF_MSG_MAX + 1;
	int sv[2];

	for (int i = 0; i < 4; i++)
		hdr[4 + i] = (uint8_t)(len >> (8 * i));
	ck_assert_int_eq(recv_after_raw(hdr, sizeof(hdr)), -EBADMSG);
	memset(hdr + 4, 0xff, 4);
	ck_assert_int_eq(recv_after_raw(hdr, sizeof(hdr)), -EBADMSG);

	/* The sender refuses before writing anything. */
	make_pair(sv);
	ck_assert_int_eq(bf_msg_send(sv[1], hdr, (size_t)BF_MSG_MAX + 1), -EMSGSIZE);
	close(sv[1]);
	ck_assert_int_eq(bf_msg_recv(sv[0], &(void *){ NULL }, &(size_t){ 0 }), -ECONNRESET);
	close(sv[0]);
}
END_TEST

/* The header helpers used by the daemon's non-blocking server. */
START_TEST(msg_header_helpers)
{
	static const uint8_t expect[] = { 0x4c, 0x49, 0x46, 0x42, 0x78, 0x56, 0x34, 0x12 };
	uint8_t hdr[BF_MSG_HDR_LEN];
	size_t len = 1;

	bf_msg_put_header(hdr, 0x12345678);
	ck_assert_mem_eq(hdr, expect, sizeof(expect));
	ck_assert_int_eq(bf_msg_parse_header(hdr, &len), -EBADMSG); /* above BF_MSG_MAX */
	bf_msg_put_header(hdr, BF_MSG_MAX);
	ck_assert_int_eq(bf_msg_parse_header(hdr, &len), 0);
	ck_assert_uint_eq(len, BF_MSG_MAX);
	bf_msg_put_header(hdr, 0);
	ck_assert_int_eq(bf_msg_parse_header(hdr, &len), 0);
	ck_assert_uint_eq(len, 0);
	hdr[3] ^= 0x01;
	ck_assert_int_eq(bf_msg_parse_header(hdr, &len), -EBADMSG);
}
END_TEST

START_TEST(msg_eof_mid_message)
{
	uint8_t raw[18] = { 0x4c, 0x49, 0x46, 0x42, 100, 0, 0, 0 };

	ck_assert_int_eq(recv_after_raw(raw, 0), -ECONNRESET);
	ck_assert_int_eq(recv_after_raw(raw, 3), -ECONNRESET);
	ck_assert_int_eq(recv_after_raw(raw, sizeof(raw)), -ECONNRESET);
	raw[4] = 10;
	ck_assert_int_eq(recv_after_raw(raw, sizeof(raw)), 0);
}
END_TEST

START_TEST(msg_send_to_closed_peer)
{
	int sv[2];

	/* With MSG_NOSIGNAL we get EPIPE instead of dying of SIGPIPE. */
	make_pair(sv);
	close(sv[0]);
	ck_assert_int_eq(bf_msg_send(sv[1], "x", 1), -EPIPE);
	close(sv[1]);
}
END_TEST

/* A request travels whole through the framing. */
START_TEST(msg_carries_request)
{
	_cleanup_free_ void *buf = NULL;
	_cleanup_free_ void *got = NULL;
	struct bf_request req, out;
	struct writer w;
	size_t len, glen;
	int sv[2];

	rich_request(&req);
	pack_request(&req, &buf, &len);
	make_pair(sv);
	writer_start(&w, sv[1], buf, len, false);
	ck_assert_int_eq(bf_msg_recv(sv[0], &got, &glen), 0);
	ck_assert_int_eq(writer_join(&w), 0);
	ck_assert_int_eq(bf_request_unpack(got, glen, &out), 0);
	assert_ruleset_eq(req.ruleset, out.ruleset);
	bf_request_clean(&out);
	bf_request_clean(&req);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

Suite *bf_wire_suite(void)
{
	Suite *s = suite_create("wire");
	TCase *pack = tcase_create("pack");
	TCase *wire = tcase_create("wire");
	TCase *msg = tcase_create("msg");

	tcase_add_test(pack, pack_little_endian);
	tcase_add_test(pack, pack_reader_rejects);
	tcase_add_test(pack, pack_writer_rejects_unterminated);
	suite_add_tcase(s, pack);

	tcase_add_test(wire, wire_request_round_trip);
	tcase_add_test(wire, wire_response_round_trip);
	tcase_add_test(wire, wire_no_ruleset_round_trip);
	tcase_add_test(wire, wire_pack_rejects_bad_model);
	tcase_add_test(wire, wire_pack_rejects_bad_elems);
	tcase_add_test(wire, wire_update_set_hostile);
	tcase_add_test(wire, wire_rule_fields_rejected);
	tcase_add_test(wire, wire_log_entry);
	tcase_add_test(wire, wire_every_truncation_rejected);
	tcase_add_test(wire, wire_fuzz_bit_flips);
	tcase_add_test(wire, wire_huge_counts_rejected);
	tcase_add_test(wire, wire_huge_string_rejected);
	tcase_add_test(wire, wire_elements_bounded);
	tcase_add_test(wire, wire_counters_bounded);
	tcase_add_test(wire, wire_wrong_version_rejected);
	tcase_add_test(wire, wire_out_of_range_rejected);
	tcase_add_test(wire, wire_bad_header_fields_rejected);
	tcase_add_test(wire, wire_cmd_names);
	/* Valgrind makes the exhaustive and fuzz tests slow. */
	tcase_set_timeout(wire, 600);
	suite_add_tcase(s, wire);

	tcase_add_test(msg, msg_round_trip);
	tcase_add_test(msg, msg_large_partial_eintr);
	tcase_add_test(msg, msg_bad_magic);
	tcase_add_test(msg, msg_oversize_length);
	tcase_add_test(msg, msg_header_helpers);
	tcase_add_test(msg, msg_eof_mid_message);
	tcase_add_test(msg, msg_send_to_closed_peer);
	tcase_add_test(msg, msg_carries_request);
	tcase_set_timeout(msg, 60);
	suite_add_tcase(s, msg);
	return s;
}

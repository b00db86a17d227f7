// SPDX-License-Identifier: GPL-2.0-only
/*
 * Wire format of requests and responses (request.h), built on pack.h.
 *
 * Version 2 layout (integers little-endian, strings as a u32 length then
 * the bytes, "?x" a u8 0/1 presence flag followed by x when 1):
 *
 *   request  := u32 version, u32 cmd, u32 flags, str name, hookopts,
 *               str set_name, u32 nadd, str add[nadd],
 *               u32 nremove, str remove[nremove], ?ruleset
 *   response := u32 version, i32 status, str message, ?ruleset, ?log
 *   ruleset  := u32 nchains, chain[nchains]
 *   chain    := str name, u32 hook, hookopts, u32 policy,
 *               u32 nsets, set[nsets], u32 nrules, rule[nrules],
 *               ?counter[nrules + 2]
 *   hookopts := u32 used, u32 ifindex, str ifname, str cgpath, u32 family,
 *               i32 priorities[2]
 *   set      := str name, u8 nkeys, u32 key[nkeys], u32 nelems,
 *               u8 elems[nelems * element size]
 *   rule     := u8 counter, u32 verdict, u8 log, u64 log_every_ns,
 *               u8 has_mark, u32 mark, u32 redirect_ifindex,
 *               str redirect_ifname, u32 redirect_dir,
 *               u32 nmatchers, matcher[nmatchers]
 *   matcher  := u32 type, u32 op, u8 negate, u32 set, u8 payload[20]
 *   counter  := u64 packets, u64 bytes
 *   log      := u8 entry[sizeof(struct bf_log_entry)]
 *
 * Set elements of update-set (add, remove) are strings of at most
 * BF_REQ_ELEM_MAX_LEN bytes without a NUL, at most BF_REQ_MAX_ELEMS of each.
 *
 * Sets come before rules so a matcher's set index can be checked on the
 * spot. The matcher payload is the union of struct bf_matcher as raw bytes
 * (host order), and so is a log entry (the ABI's struct, as the kernel
 * wrote it): both ends of the socket are the same machine.
 *
 * Decoding only checks what keeps the decoded model memory-safe to use
 * (enum ranges, NUL-terminated strings, indexes, counts, prefix lengths);
 * whether the chain makes sense is bf_chain_validate()'s job. Accepted
 * input re-encodes to the very same bytes: every field has one encoding.
 */
#include "request.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"
#include "pack.h"

#define BF_WIRE_VERSION 2U

#define BF_WIRE_MAX_CHAINS 1024U
#define BF_WIRE_MAX_RULES 4000000U
#define BF_WIRE_MAX_SETS BF_WIRE_MAX_RULES
/* Responses carry an errno; anything else is not one (as the kernel's). */
#define BF_WIRE_MAX_ERRNO 4095

#define BF_WIRE_KNOWN_FLAGS (BF_REQ_NO_SET_CONTENT | BF_REQ_DRY_RUN)
#define BF_WIRE_KNOWN_LOG_HDRS (BF_LOG_LINK | BF_LOG_INTERNET | BF_LOG_TRANSPORT)
#define BF_WIRE_KNOWN_OPTS ((1U << _BF_HOOKOPT_MAX) - 1)
#define BF_WIRE_KNOWN_FAMILIES (BF_FAMILY_INET4 | BF_FAMILY_INET6)

#define BF_MATCHER_PAYLOAD_OFF offsetof(struct bf_matcher, ip)
#define BF_MATCHER_PAYLOAD_SIZE (sizeof(struct bf_matcher) - BF_MATCHER_PAYLOAD_OFF)
_Static_assert(BF_MATCHER_PAYLOAD_SIZE == 20,
	       "struct bf_matcher's payload changed: bump BF_WIRE_VERSION");

/* Smallest encoding of each repeated item, so a count can be checked
 * against the bytes left before anything is allocated for it. */
#define BF_WIRE_STR_MIN 4
#define BF_WIRE_HOOKOPTS_MIN (5 * 4 + 2 * BF_WIRE_STR_MIN)
#define BF_WIRE_CHAIN_MIN (BF_WIRE_STR_MIN + 4 + BF_WIRE_HOOKOPTS_MIN + 4 + 4 + 4 + 1)
#define BF_WIRE_SET_MIN (BF_WIRE_STR_MIN + 1 + 4 + 4)
#define BF_WIRE_RULE_MIN (1 + 4 + 1 + 8 + 1 + 4 + 4 + BF_WIRE_STR_MIN + 4 + 4)
#define BF_WIRE_MATCHER_SIZE (4 + 4 + 1 + 4 + BF_MATCHER_PAYLOAD_SIZE)
#define BF_WIRE_COUNTER_SIZE 16

/*
 * Counts checked against the bytes left still let an in-memory struct be
 * bigger than its encoding (a set is ~100 bytes, ~13 on the wire). Decoding
 * therefore has an allocation budget proportional to the input: a hostile
 * message can't make us allocate much more than its own size.
 */
#define BF_WIRE_ALLOC_RATIO 4
#define BF_WIRE_ALLOC_BASE (16UL << 20)

struct bf_unpacker {
	struct bf_rpack r;
	size_t budget;
};

static void bf_unpacker_init(struct bf_unpacker *u, const void *buf, size_t len)
{
	bf_rpack_init(&u->r, buf, len);
	u->budget = BF_WIRE_ALLOC_BASE;
	if (len <= (SIZE_MAX - u->budget) / BF_WIRE_ALLOC_RATIO)
		u->budget += len * BF_WIRE_ALLOC_RATIO;
	else
		u->budget = SIZE_MAX;
}

/* Charge @n items of @size bytes to the budget. */
static int bf_unpack_charge(struct bf_unpacker *u, size_t n, size_t size)
{
	if (size && n > u->budget / size)
		return bf_rpack_reject(&u->r);
	u->budget -= n * size;
	return 0;
}

/* A zeroed array of @n items charged to the budget, NULL when @n is 0;
 * NULL with *ret set on failure. */
static void *bf_unpack_array(struct bf_unpacker *u, size_t n, size_t size, int *ret)
{
	void *p;

	*ret = bf_unpack_charge(u, n, size);
	if (*ret || !n)
		return NULL;
	p = calloc(n, size);
	if (!p)
		*ret = -ENOMEM;
	return p;
}

static void bf_pack_hookopts(struct bf_wpack *w, const struct bf_hookopts *o)
{
	bf_wpack_u32(w, o->used);
	bf_wpack_u32(w, o->ifindex);
	bf_wpack_str(w, o->ifname, sizeof(o->ifname));
	bf_wpack_str(w, o->cgpath, sizeof(o->cgpath));
	bf_wpack_u32(w, o->family);
	bf_wpack_u32(w, (uint32_t)o->priorities[0]);
	bf_wpack_u32(w, (uint32_t)o->priorities[1]);
}

static int bf_unpack_hookopts(struct bf_rpack *r, struct bf_hookopts *o)
{
	uint32_t prio[2];

	bf_rpack_u32(r, &o->used);
	bf_rpack_u32(r, &o->ifindex);
	bf_rpack_str(r, o->ifname, sizeof(o->ifname));
	bf_rpack_str(r, o->cgpath, sizeof(o->cgpath));
	bf_rpack_u32(r, &o->family);
	bf_rpack_u32(r, &prio[0]);
	bf_rpack_u32(r, &prio[1]);
	if (bf_rpack_error(r))
		return -EINVAL;
	if ((o->used & ~BF_WIRE_KNOWN_OPTS) || (o->family & ~BF_WIRE_KNOWN_FAMILIES))
		return bf_rpack_reject(r);
	o->priorities[0] = (int32_t)prio[0];
	o->priorities[1] = (int32_t)prio[1];
	return 0;
}

static void bf_pack_matcher(struct bf_wpack *w, const struct bf_matcher *m)
{
	bf_wpack_u32(w, m->type);
	bf_wpack_u32(w, m->op);
	bf_wpack_u8(w, m->negate);
	bf_wpack_u32(w, m->set);
	bf_wpack_bytes(w, (const uint8_t *)m + BF_MATCHER_PAYLOAD_OFF, BF_MATCHER_PAYLOAD_SIZE);
}

static bool bf_matcher_is_ip(enum bf_matcher_type type)
{
	return type >= BF_MATCHER_IP4_SADDR && type <= BF_MATCHER_IP6_DNET &&
	       type != BF_MATCHER_IP4_PROTO;
}

/* The checks that keep users of the matcher in bounds: set index, string
 * termination, prefix length used to build masks. A matcher on a set has no
 * payload, so its bytes are not looked at. */
static int bf_check_matcher(struct bf_rpack *r, const struct bf_matcher *m, size_t nsets)
{
	if (m->op == BF_OP_IN || m->type == BF_MATCHER_SET)
		return m->set < nsets ? 0 : bf_rpack_reject(r);
	if (m->type == BF_MATCHER_META_IFACE && !memchr(m->iface.name, '\0', sizeof(m->iface.name)))
		return bf_rpack_reject(r);
	if (bf_matcher_is_ip(m->type) && m->ip.plen > 128)
		return bf_rpack_reject(r);
	return 0;
}

static int bf_unpack_matcher(struct bf_rpack *r, struct bf_matcher *m, size_t nsets)
{
	uint32_t type, op;

	memset(m, 0, sizeof(*m));
	bf_rpack_enum(r, &type, _BF_MATCHER_MAX);
	bf_rpack_enum(r, &op, _BF_OP_MAX);
	bf_rpack_bool(r, &m->negate);
	bf_rpack_u32(r, &m->set);
	bf_rpack_bytes(r, (uint8_t *)m + BF_MATCHER_PAYLOAD_OFF, BF_MATCHER_PAYLOAD_SIZE);
	if (bf_rpack_error(r))
		return -EINVAL;
	m->type = type;
	m->op = op;
	return bf_check_matcher(r, m, nsets);
}

static int bf_pack_rule(struct bf_wpack *w, const struct bf_rule *rule)
{
	if (rule->nmatchers > BF_RULE_MAX_MATCHERS)
		return bf_wpack_fail(w, -E2BIG);
	bf_wpack_u8(w, rule->counter);
	bf_wpack_u32(w, rule->verdict);
	bf_wpack_u8(w, rule->log);
	bf_wpack_u64(w, rule->log_every_ns);
	bf_wpack_u8(w, rule->has_mark);
	bf_wpack_u32(w, rule->mark);
	bf_wpack_u32(w, rule->redirect_ifindex);
	bf_wpack_str(w, rule->redirect_ifname, sizeof(rule->redirect_ifname));
	bf_wpack_u32(w, rule->redirect_dir);
	bf_wpack_u32(w, (uint32_t)rule->nmatchers);
	for (size_t i = 0; i < rule->nmatchers; i++)
		bf_pack_matcher(w, &rule->matchers[i]);
	return w->err;
}

/* Everything of a rule but its matchers. */
static int bf_unpack_rule_head(struct bf_rpack *r, struct bf_rule *rule)
{
	uint32_t verdict, dir;

	bf_rpack_bool(r, &rule->counter);
	bf_rpack_enum(r, &verdict, _BF_VERDICT_MAX);
	bf_rpack_u8(r, &rule->log);
	bf_rpack_u64(r, &rule->log_every_ns);
	bf_rpack_bool(r, &rule->has_mark);
	bf_rpack_u32(r, &rule->mark);
	bf_rpack_u32(r, &rule->redirect_ifindex);
	bf_rpack_str(r, rule->redirect_ifname, sizeof(rule->redirect_ifname));
	bf_rpack_enum(r, &dir, BF_REDIRECT_IN + 1);
	if (bf_rpack_error(r))
		return -EINVAL;
	if (rule->log & ~BF_WIRE_KNOWN_LOG_HDRS)
		return bf_rpack_reject(r);
	rule->verdict = verdict;
	rule->redirect_dir = dir;
	return 0;
}

static int bf_unpack_rule(struct bf_unpacker *u, struct bf_rule *rule, size_t nsets)
{
	struct bf_rpack *r = &u->r;
	uint32_t n;
	int ret;

	ret = bf_unpack_rule_head(r, rule);
	if (ret)
		return ret;
	if (bf_rpack_count(r, &n, BF_RULE_MAX_MATCHERS, BF_WIRE_MATCHER_SIZE))
		return -EINVAL;

	rule->matchers = bf_unpack_array(u, n, sizeof(*rule->matchers), &ret);
	if (ret)
		return ret;
	rule->nmatchers = n;
	for (size_t i = 0; i < n; i++) {
		ret = bf_unpack_matcher(r, &rule->matchers[i], nsets);
		if (ret)
			return ret;
	}
	return 0;
}

static int bf_pack_set(struct bf_wpack *w, const struct bf_set *set)
{
	size_t size;

	if (set->nkeys > BF_SET_MAX_COMPS || set->nelems > UINT32_MAX)
		return bf_wpack_fail(w, -E2BIG);
	size = bf_set_elem_size(set);
	bf_wpack_str(w, set->name, sizeof(set->name));
	bf_wpack_u8(w, set->nkeys);
	for (unsigned int i = 0; i < set->nkeys; i++)
		bf_wpack_u32(w, set->key[i]);
	bf_wpack_u32(w, (uint32_t)set->nelems);
	if (set->nelems)
		bf_wpack_bytes(w, set->elems, set->nelems * size);
	return w->err;
}

static int bf_unpack_set_key(struct bf_rpack *r, struct bf_set *set)
{
	uint32_t type;

	bf_rpack_u8(r, &set->nkeys);
	if (bf_rpack_error(r))
		return -EINVAL;
	/* No key would make elements zero bytes long: an unbounded count. */
	if (!set->nkeys || set->nkeys > BF_SET_MAX_COMPS)
		return bf_rpack_reject(r);
	for (unsigned int i = 0; i < set->nkeys; i++) {
		if (bf_rpack_enum(r, &type, _BF_MATCHER_MAX))
			return -EINVAL;
		if (!bf_set_comp_size(type))
			return bf_rpack_reject(r);
		set->key[i] = type;
	}
	return 0;
}

static int bf_unpack_set(struct bf_unpacker *u, struct bf_set *set)
{
	struct bf_rpack *r = &u->r;
	size_t size;
	uint32_t n;
	int ret;

	bf_rpack_str(r, set->name, sizeof(set->name));
	ret = bf_unpack_set_key(r, set);
	if (ret)
		return ret;

	size = bf_set_elem_size(set);
	if (bf_rpack_count(r, &n, UINT32_MAX, size))
		return -EINVAL;
	set->elems = bf_unpack_array(u, n, size, &ret);
	if (ret)
		return ret;
	set->nelems = n;
	if (n)
		return bf_rpack_bytes(r, set->elems, (size_t)n * size);
	return 0;
}

static void bf_pack_counters(struct bf_wpack *w, const struct bf_chain *chain)
{
	bf_wpack_u8(w, chain->counters != NULL);
	if (!chain->counters)
		return;
	for (size_t i = 0; i < chain->nrules + 2; i++) {
		bf_wpack_u64(w, chain->counters[i].packets);
		bf_wpack_u64(w, chain->counters[i].bytes);
	}
}

static int bf_unpack_counters(struct bf_unpacker *u, struct bf_chain *chain)
{
	struct bf_rpack *r = &u->r;
	size_t n = chain->nrules + 2;
	bool present;
	int ret;

	if (bf_rpack_bool(r, &present))
		return -EINVAL;
	if (!present)
		return 0;
	if (n > bf_rpack_left(r) / BF_WIRE_COUNTER_SIZE)
		return bf_rpack_reject(r);
	chain->counters = bf_unpack_array(u, n, sizeof(*chain->counters), &ret);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		uint64_t packets, bytes;

		bf_rpack_u64(r, &packets);
		bf_rpack_u64(r, &bytes);
		chain->counters[i].packets = packets;
		chain->counters[i].bytes = bytes;
	}
	return bf_rpack_error(r);
}

static int bf_pack_chain(struct bf_wpack *w, const struct bf_chain *chain)
{
	if (chain->nsets > BF_WIRE_MAX_SETS || chain->nrules > BF_WIRE_MAX_RULES)
		return bf_wpack_fail(w, -E2BIG);
	bf_wpack_str(w, chain->name, sizeof(chain->name));
	bf_wpack_u32(w, chain->hook);
	bf_pack_hookopts(w, &chain->opts);
	bf_wpack_u32(w, chain->policy);
	bf_wpack_u32(w, (uint32_t)chain->nsets);
	for (size_t i = 0; i < chain->nsets; i++) {
		if (bf_pack_set(w, &chain->sets[i]))
			return w->err;
	}
	bf_wpack_u32(w, (uint32_t)chain->nrules);
	for (size_t i = 0; i < chain->nrules; i++) {
		if (bf_pack_rule(w, &chain->rules[i]))
			return w->err;
	}
	bf_pack_counters(w, chain);
	return w->err;
}

static int bf_unpack_chain_head(struct bf_rpack *r, struct bf_chain *chain)
{
	uint32_t hook, policy;

	bf_rpack_str(r, chain->name, sizeof(chain->name));
	bf_rpack_enum(r, &hook, _BF_HOOK_MAX);
	bf_unpack_hookopts(r, &chain->opts);
	bf_rpack_enum(r, &policy, _BF_VERDICT_MAX);
	if (bf_rpack_error(r))
		return -EINVAL;
	chain->hook = hook;
	chain->policy = policy;
	return 0;
}

static int bf_unpack_chain_sets(struct bf_unpacker *u, struct bf_chain *chain)
{
	uint32_t n;
	int ret;

	if (bf_rpack_count(&u->r, &n, BF_WIRE_MAX_SETS, BF_WIRE_SET_MIN))
		return -EINVAL;
	/* Counted in the chain right away, so bf_chain_free() cleans a
	 * partially decoded array (zeroed entries are fine to clean). */
	chain->sets = bf_unpack_array(u, n, sizeof(*chain->sets), &ret);
	if (ret)
		return ret;
	chain->nsets = n;
	for (size_t i = 0; i < n; i++) {
		ret = bf_unpack_set(u, &chain->sets[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int bf_unpack_chain_rules(struct bf_unpacker *u, struct bf_chain *chain)
{
	uint32_t n;
	int ret;

	if (bf_rpack_count(&u->r, &n, BF_WIRE_MAX_RULES, BF_WIRE_RULE_MIN))
		return -EINVAL;
	chain->rules = bf_unpack_array(u, n, sizeof(*chain->rules), &ret);
	if (ret)
		return ret;
	chain->nrules = n;
	for (size_t i = 0; i < n; i++) {
		ret = bf_unpack_rule(u, &chain->rules[i], chain->nsets);
		if (ret)
			return ret;
	}
	return 0;
}

static int bf_unpack_chain(struct bf_unpacker *u, struct bf_chain **out)
{
	_cleanup_bf_chain_ struct bf_chain *chain = NULL;
	int ret;

	ret = bf_unpack_charge(u, 1, sizeof(*chain));
	if (ret)
		return ret;
	chain = bf_chain_new();
	if (!chain)
		return -ENOMEM;

	ret = bf_unpack_chain_head(&u->r, chain);
	if (!ret)
		ret = bf_unpack_chain_sets(u, chain);
	if (!ret)
		ret = bf_unpack_chain_rules(u, chain);
	if (!ret)
		ret = bf_unpack_counters(u, chain);
	if (ret)
		return ret;
	*out = TAKE_PTR(chain);
	return 0;
}

static int bf_pack_ruleset(struct bf_wpack *w, const struct bf_ruleset *rs)
{
	bf_wpack_u8(w, rs != NULL);
	if (!rs)
		return w->err;
	if (rs->nchains > BF_WIRE_MAX_CHAINS)
		return bf_wpack_fail(w, -E2BIG);
	bf_wpack_u32(w, (uint32_t)rs->nchains);
	for (size_t i = 0; i < rs->nchains; i++) {
		if (bf_pack_chain(w, rs->chains[i]))
			return w->err;
	}
	return w->err;
}

static int bf_unpack_ruleset(struct bf_unpacker *u, struct bf_ruleset **out)
{
	_cleanup_bf_ruleset_ struct bf_ruleset *rs = NULL;
	bool present;
	uint32_t n;
	int ret;

	*out = NULL;
	if (bf_rpack_bool(&u->r, &present))
		return -EINVAL;
	if (!present)
		return 0;
	if (bf_rpack_count(&u->r, &n, BF_WIRE_MAX_CHAINS, BF_WIRE_CHAIN_MIN))
		return -EINVAL;
	rs = bf_ruleset_new();
	if (!rs)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		_cleanup_bf_chain_ struct bf_chain *chain = NULL;

		ret = bf_unpack_chain(u, &chain);
		if (ret)
			return ret;
		ret = bf_ruleset_add_chain(rs, chain);
		if (ret)
			return ret;
		chain = NULL;
	}
	*out = TAKE_PTR(rs);
	return 0;
}

static int bf_unpack_version(struct bf_rpack *r)
{
	uint32_t version;

	if (bf_rpack_u32(r, &version))
		return -EINVAL;
	if (version != BF_WIRE_VERSION)
		return bf_rpack_reject(r);
	return 0;
}

/* Set elements as written: C strings, bounded in count and length. */
static int bf_pack_elems(struct bf_wpack *w, char *const *elems, size_t n)
{
	if (n > BF_REQ_MAX_ELEMS)
		return bf_wpack_fail(w, -E2BIG);
	if (n && !elems)
		return bf_wpack_fail(w, -EINVAL);
	bf_wpack_u32(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		size_t len;

		if (!elems[i])
			return bf_wpack_fail(w, -EINVAL);
		len = strnlen(elems[i], BF_REQ_ELEM_MAX_LEN + 1);
		if (len > BF_REQ_ELEM_MAX_LEN)
			return bf_wpack_fail(w, -E2BIG);
		bf_wpack_u32(w, (uint32_t)len);
		bf_wpack_bytes(w, elems[i], len);
	}
	return w->err;
}

/* One element string into a new NUL-terminated buffer. An embedded NUL
 * would cut the string: its encoding would not be the only one. */
static int bf_unpack_elem(struct bf_unpacker *u, char **out)
{
	struct bf_rpack *r = &u->r;
	_cleanup_free_ char *s = NULL;
	uint32_t len;
	int ret;

	if (bf_rpack_u32(r, &len))
		return -EINVAL;
	if (len > BF_REQ_ELEM_MAX_LEN || len > bf_rpack_left(r))
		return bf_rpack_reject(r);
	s = bf_unpack_array(u, (size_t)len + 1, 1, &ret);
	if (ret)
		return ret;
	if (bf_rpack_bytes(r, s, len))
		return -EINVAL;
	if (memchr(s, '\0', len))
		return bf_rpack_reject(r);
	*out = TAKE_PTR(s);
	return 0;
}

/* The count is stored at once, so a partial array is freed by
 * bf_request_clean() (unfilled entries are NULL). */
static int bf_unpack_elems(struct bf_unpacker *u, char ***elems, size_t *n)
{
	uint32_t count;
	int ret;

	if (bf_rpack_count(&u->r, &count, BF_REQ_MAX_ELEMS, BF_WIRE_STR_MIN))
		return -EINVAL;
	*elems = bf_unpack_array(u, count, sizeof(**elems), &ret);
	if (ret)
		return ret;
	*n = count;
	for (size_t i = 0; i < count; i++) {
		ret = bf_unpack_elem(u, &(*elems)[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static void bf_free_elems(char ***elems, size_t *n)
{
	for (size_t i = 0; *elems && i < *n; i++)
		free((*elems)[i]);
	free(*elems);
	*elems = NULL;
	*n = 0;
}

int bf_request_pack(const struct bf_request *req, void **buf, size_t *len)
{
	struct bf_wpack w;

	bf_wpack_init(&w);
	bf_wpack_u32(&w, BF_WIRE_VERSION);
	bf_wpack_u32(&w, req->cmd);
	bf_wpack_u32(&w, req->flags);
	bf_wpack_str(&w, req->name, sizeof(req->name));
	bf_pack_hookopts(&w, &req->opts);
	bf_wpack_str(&w, req->set_name, sizeof(req->set_name));
	bf_pack_elems(&w, req->add, req->nadd);
	bf_pack_elems(&w, req->remove, req->nremove);
	bf_pack_ruleset(&w, req->ruleset);
	return bf_wpack_finish(&w, buf, len);
}

static int bf_unpack_request(struct bf_unpacker *u, struct bf_request *req)
{
	struct bf_rpack *r = &u->r;
	uint32_t cmd;
	int ret;

	bf_unpack_version(r);
	bf_rpack_enum(r, &cmd, _BF_CMD_MAX);
	bf_rpack_u32(r, &req->flags);
	bf_rpack_str(r, req->name, sizeof(req->name));
	bf_unpack_hookopts(r, &req->opts);
	bf_rpack_str(r, req->set_name, sizeof(req->set_name));
	if (bf_rpack_error(r))
		return -EINVAL;
	if (req->flags & ~BF_WIRE_KNOWN_FLAGS)
		return bf_rpack_reject(r);
	req->cmd = cmd;
	ret = bf_unpack_elems(u, &req->add, &req->nadd);
	if (!ret)
		ret = bf_unpack_elems(u, &req->remove, &req->nremove);
	if (!ret)
		ret = bf_unpack_ruleset(u, &req->ruleset);
	if (ret)
		return ret;
	return bf_rpack_end(r);
}

int bf_request_unpack(const void *buf, size_t len, struct bf_request *req)
{
	struct bf_unpacker u;
	int ret;

	memset(req, 0, sizeof(*req));
	bf_unpacker_init(&u, buf, len);
	ret = bf_unpack_request(&u, req);
	if (ret) {
		bf_request_clean(req);
		memset(req, 0, sizeof(*req));
	}
	return ret;
}

void bf_request_clean(struct bf_request *req)
{
	bf_ruleset_free(&req->ruleset);
	bf_free_elems(&req->add, &req->nadd);
	bf_free_elems(&req->remove, &req->nremove);
}

int bf_response_pack(const struct bf_response *resp, void **buf, size_t *len)
{
	struct bf_wpack w;

	bf_wpack_init(&w);
	if (resp->status > 0 || resp->status < -BF_WIRE_MAX_ERRNO)
		bf_wpack_fail(&w, -EINVAL);
	bf_wpack_u32(&w, BF_WIRE_VERSION);
	bf_wpack_u32(&w, (uint32_t)resp->status);
	bf_wpack_str(&w, resp->message, sizeof(resp->message));
	bf_pack_ruleset(&w, resp->ruleset);
	bf_wpack_u8(&w, resp->has_log);
	if (resp->has_log)
		bf_wpack_bytes(&w, &resp->log, sizeof(resp->log));
	return bf_wpack_finish(&w, buf, len);
}

static int bf_unpack_response(struct bf_unpacker *u, struct bf_response *resp)
{
	struct bf_rpack *r = &u->r;
	uint32_t status;
	int ret;

	bf_unpack_version(r);
	bf_rpack_u32(r, &status);
	bf_rpack_str(r, resp->message, sizeof(resp->message));
	if (bf_rpack_error(r))
		return -EINVAL;
	resp->status = (int32_t)status;
	if (resp->status > 0 || resp->status < -BF_WIRE_MAX_ERRNO)
		return bf_rpack_reject(r);
	ret = bf_unpack_ruleset(u, &resp->ruleset);
	if (ret)
		return ret;
	if (bf_rpack_bool(r, &resp->has_log))
		return -EINVAL;
	if (resp->has_log && bf_rpack_bytes(r, &resp->log, sizeof(resp->log)))
		return -EINVAL;
	return bf_rpack_end(r);
}

int bf_response_unpack(const void *buf, size_t len, struct bf_response *resp)
{
	struct bf_unpacker u;
	int ret;

	memset(resp, 0, sizeof(*resp));
	bf_unpacker_init(&u, buf, len);
	ret = bf_unpack_response(&u, resp);
	if (ret) {
		bf_response_clean(resp);
		memset(resp, 0, sizeof(*resp));
	}
	return ret;
}

void bf_response_clean(struct bf_response *resp)
{
	bf_ruleset_free(&resp->ruleset);
}

const char *bf_cmd_to_str(enum bf_cmd cmd)
{
	/* clang-format off */
	static const char *const names[] = {
		[BF_CMD_RULESET_SET] = "ruleset set",
		[BF_CMD_RULESET_GET] = "ruleset get",
		[BF_CMD_RULESET_FLUSH] = "ruleset flush",
		[BF_CMD_CHAIN_SET] = "chain set",
		[BF_CMD_CHAIN_GET] = "chain get",
		[BF_CMD_CHAIN_LOAD] = "chain load",
		[BF_CMD_CHAIN_ATTACH] = "chain attach",
		[BF_CMD_CHAIN_UPDATE] = "chain update",
		[BF_CMD_CHAIN_FLUSH] = "chain flush",
		[BF_CMD_CHAIN_UPDATE_SET] = "chain update-set",
		[BF_CMD_CHAIN_LOGS] = "chain logs",
	};
	/* clang-format on */
	_Static_assert(ARRAY_SIZE(names) == _BF_CMD_MAX, "missing command name");

	if ((unsigned int)cmd >= ARRAY_SIZE(names))
		return "unknown";
	return names[cmd];
}

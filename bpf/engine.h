/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rule engine every template runs: rules, matchers and sets live in
 * maps filled by the daemon; the program itself is the same whatever the
 * ruleset. Rules are walked in order with bpf_loop(); the first terminal
 * verdict wins, else the chain's policy applies.
 */
#ifndef BF_BPF_ENGINE_H
#define BF_BPF_ENGINE_H

#include "common.h"

const volatile struct bf_cfg bf_cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct bf_rule_rec);
	__uint(max_entries, 1);
} bf_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct bf_matcher_rec);
	__uint(max_entries, 1);
} bf_matchers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct bf_set_rec);
	__uint(max_entries, 1);
} bf_sets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct bf_set_key);
	__type(value, __u8);
	__uint(max_entries, 1);
} bf_set_elems SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct bf_lpm_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
} bf_set_lpm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct bf_counter);
	__uint(max_entries, 2);
} bf_counters SEC(".maps");

#define bf_dbg(fmt, ...)                                          \
	do {                                                      \
		if (bf_cfg.debug)                                 \
			bpf_printk("bpfilter: " fmt, ##__VA_ARGS__); \
	} while (0)

struct bf_run {
	struct bf_pkt pkt;
	__u32 verdict;
	__u32 error;
};

static __always_inline void bf_count(__u32 idx, __u32 len)
{
	struct bf_counter *c = bpf_map_lookup_elem(&bf_counters, &idx);

	if (!c) {
		bf_dbg("counter %u lookup failed", idx);
		return;
	}
	c->packets++;
	c->bytes += len;
}

_Static_assert(sizeof(struct bf_pkt) == 64, "bf_pkt indexes are masked with 63");

/* Offsets come from the daemon, which keeps them inside struct bf_pkt; the
 * mask is what lets the verifier see it (cheaper than a checked branch). */
static __always_inline __u8 bf_pkt_byte(const struct bf_pkt *pkt, __u32 idx)
{
	return ((const __u8 *)pkt)[idx & (sizeof(*pkt) - 1)];
}

/* Returns 1 if the packet's key for set m->arg is in that set. */
__noinline int bf_match_set(struct bf_pkt *pkt, struct bf_matcher_rec *m)
{
	struct bf_set_key key = {};
	struct bf_lpm_key lpm = {};
	struct bf_set_rec *set;
	int c, i;

	if (!pkt || !m)
		return 0;
	set = bpf_map_lookup_elem(&bf_sets, &m->arg);
	if (!set) {
		bf_dbg("set %u lookup failed", m->arg);
		return 0;
	}
	if ((pkt->flags & set->req) != set->req)
		return 0;

	if (set->lpm) {
		__u32 off = set->comps[0].off;
		__u32 len = set->comps[0].len;

		for (i = 0; i < BF_LPM_DATA_MAX; i++) {
			if (i >= len)
				break;
			lpm.data[i] = bf_pkt_byte(pkt, off + i);
		}
		lpm.prefixlen = 32 + len * 8;
		lpm.set = bpf_htonl(m->arg);
		return bpf_map_lookup_elem(&bf_set_lpm, &lpm) != NULL;
	}

	for (c = 0; c < BF_SET_MAX_COMPS; c++) {
		__u32 off, len, key_off;

		if (c >= set->ncomps)
			break;
		off = set->comps[c].off;
		len = set->comps[c].len;
		/* The component's place in the key comes from the daemon, not
		 * from a running position: the verifier would otherwise track
		 * one state per sum of the earlier components' lengths (about
		 * 700k more instructions to verify, 6 times the load time). */
		key_off = set->comps[c].key_off;
		for (i = 0; i < BF_CMP_MAX; i++) {
			__u32 pos = key_off + i;

			if (i >= len)
				break;
			/* Check the register the store uses, not a copy. */
			asm volatile("" : "+r"(pos));
			if (pos >= BF_SET_KEY_MAX)
				return 0;
			key.data[pos] = bf_pkt_byte(pkt, off + i);
		}
	}
	key.set = m->arg;
	return bpf_map_lookup_elem(&bf_set_elems, &key) != NULL;
}

/* Compares bytes [off, off + len) of the packet context as m->op says. */
__noinline int bf_match_cmp(struct bf_pkt *pkt, struct bf_matcher_rec *m)
{
	__u32 off, len;
	int lt = 0, gt = 0;
	int i;

	if (!pkt || !m)
		return 0;
	off = m->off;
	len = m->len;

	for (i = 0; i < BF_CMP_MAX; i++) {
		__u8 b, v, k;

		if (i >= len)
			break;
		b = bf_pkt_byte(pkt, off + i);
		v = m->value[i];
		k = m->mask[i];

		switch (m->op) {
		case BF_CMP_EQ:
			if ((b & k) != v)
				return 0;
			break;
		case BF_CMP_ALL:
			if ((b & k) != k)
				return 0;
			break;
		case BF_CMP_ANY:
			if (b & k)
				return 1;
			break;
		case BF_CMP_RANGE:
			/* Big-endian: the first differing byte decides. */
			if (!gt && b != v)
				gt = b > v ? 1 : -1;
			if (!lt && b != k)
				lt = b < k ? 1 : -1;
			break;
		default:
			return 0;
		}
	}

	switch (m->op) {
	case BF_CMP_ANY:
		return 0;
	case BF_CMP_RANGE:
		return gt >= 0 && lt >= 0;
	default:
		return 1;
	}
}

static __always_inline int bf_match(struct bf_run *run, struct bf_matcher_rec *m)
{
	struct bf_pkt *pkt = &run->pkt;
	int r;

	/* A matcher implies its protocol: negation does not make a TCP
	 * matcher match a UDP packet. */
	if ((pkt->flags & m->req) != m->req)
		return 0;

	switch (m->op) {
	case BF_CMP_SET:
		r = bf_match_set(pkt, m);
		break;
	case BF_CMP_PROB:
		/* One draw per evaluation, so two probability rules are
		 * independent, as iptables' statistic match is. All ones
		 * means always. */
		r = m->arg == 0xffffffff || bpf_get_prandom_u32() < m->arg;
		break;
	default:
		r = bf_match_cmp(pkt, m);
		break;
	}
	return m->negate ? !r : r;
}

static long bf_rule_cb(__u64 index, void *data)
{
	struct bf_run *run = data;
	struct bf_rule_rec *rule;
	__u32 idx = index;
	__u32 n, j;

	rule = bpf_map_lookup_elem(&bf_rules, &idx);
	if (!rule) {
		bf_dbg("rule %u lookup failed", idx);
		run->error = 1;
		return 1;
	}

	n = rule->nmatchers;
	for (j = 0; j < BF_RULE_MAX_MATCHERS; j++) {
		struct bf_matcher_rec *m;
		__u32 k;

		if (j >= n)
			break;
		k = rule->first_matcher + j;
		m = bpf_map_lookup_elem(&bf_matchers, &k);
		if (!m) {
			bf_dbg("matcher %u lookup failed", k);
			run->error = 1;
			return 1;
		}
		if (!bf_match(run, m))
			return 0;
	}

	if (rule->flags & BF_RULE_COUNTER)
		bf_count(idx, run->pkt.len);
	if (rule->verdict == BF_VERDICT_CONTINUE)
		return 0;
	run->verdict = rule->verdict;
	return 1;
}

/*
 * Runs the chain on a parsed packet and returns an enum bf_verdict. A packet
 * the engine could not evaluate is counted as an error and gets the policy.
 */
static __always_inline __u32 bf_run_rules(struct bf_run *run)
{
	__u32 nrules = bf_cfg.nrules;

	run->verdict = _BF_VERDICT_MAX;
	if (nrules)
		bpf_loop(nrules, bf_rule_cb, run, 0);
	if (run->error) {
		bf_count(nrules + 1, run->pkt.len);
		return bf_cfg.policy;
	}
	if (run->verdict == _BF_VERDICT_MAX) {
		bf_count(nrules, run->pkt.len);
		return bf_cfg.policy;
	}
	return run->verdict;
}

char LICENSE[] SEC("license") = "GPL";

#endif /* BF_BPF_ENGINE_H */

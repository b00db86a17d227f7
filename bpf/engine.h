/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rule engine every template runs: rules, matchers and sets live in
 * maps filled by the daemon; the program itself is the same whatever the
 * ruleset. A classifier built by the daemon (decision trees, abi.h) gives
 * the few rules that can match the packet, and each rule's test (struct
 * bf_rule_test) decides most of them without running their matchers. In a
 * chain with CONTINUE rules, the candidates run in chain order with
 * bpf_loop() (bf_cls_run()); without, the lowest candidate that matches is
 * the first match (bf_cls_first()), and a chain of a few rules tries them
 * in order without the classifier. The first terminal verdict wins, else
 * the chain's policy applies.
 *
 * The including template defines BF_HCTX, the type of its handle on the
 * packet (kept in struct bf_run for the actions), and after including this
 * file the two hook-specific actions declared below: bf_tmpl_set_mark() and
 * bf_tmpl_log(). It maps the returned verdict to its hook's return code.
 */
#ifndef BF_BPF_ENGINE_H
#define BF_BPF_ENGINE_H

#include "common.h"

const volatile struct bf_cfg bf_cfg = {};

/*
 * The rules' records (bf_cfg.nrules) and their matchers (bf_cfg.nmatchers):
 * global arrays in data sections of their own, as the classifier's tables
 * below, which the daemon sizes and writes before load. A rule's record is
 * then an address the program computes, not a lookup.
 */
struct bf_rule_rec bf_rules[1] SEC(".data.rules");
struct bf_matcher_rec bf_matchers[1] SEC(".data.matchers");

/* Rule @idx's record, NULL past the chain's rules. The bounds are checked
 * on the register that indexes. */
static __always_inline struct bf_rule_rec *bf_rule_at(__u64 idx)
{
	asm volatile("" : "+r"(idx));
	if (idx >= bf_cfg.nrules)
		return NULL;
	asm volatile("" : "+r"(idx));
	return &bf_rules[idx];
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct bf_set_rec);
	__uint(max_entries, 1);
} bf_sets SEC(".maps");

/* Not preallocated: the daemon sizes it with room for an update-set to
 * write a new generation next to the current one, and only what is used
 * takes memory. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct bf_set_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
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

/* The chain's log: struct bf_log_entry records, read by the daemon. The
 * daemon shrinks it to one page for chains without "log" rules. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} bf_log SEC(".maps");

/* Per rule: when it last logged (CLOCK_MONOTONIC, see bf_log_allowed()),
 * for "log ... every". One value shared by all CPUs, so the interval holds
 * for the rule as a whole; sized to the chain's rules by the daemon. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} bf_log_ts SEC(".maps");

/*
 * The classifier: decision tree nodes, the leaves' rule lists (see struct
 * bf_cls_node), and per rule its matchers folded into word tests. Each is
 * a global array in a data section of its own, which libbpf makes an
 * array map of one value; the daemon sizes it (bf_cfg.nnodes, nlist and
 * nrules entries) and writes it before load. The program reaches such a
 * table by its address, an instruction's constant: no lookup call per
 * packet, and no register or stack slot to hold a pointer to it. A tree
 * level indexes it with a bounds check against the configuration's size.
 * Declared with one entry; the daemon's size is what the verifier checks
 * every access against.
 */
struct bf_cls_node bf_cls_nodes[1] SEC(".data.cls_nodes");
__u32 bf_cls_list[1] SEC(".data.cls_list");
struct bf_rule_test bf_rule_tests[1] SEC(".data.cls_tests");

#define bf_dbg(fmt, ...)                                          \
	do {                                                      \
		if (bf_cfg.debug)                                 \
			bpf_printk("bpfilter: " fmt, ##__VA_ARGS__); \
	} while (0)

/* The classifier's walk: per tree, the leaf's candidates left [pos, end)
 * and the next one (bf_cls_head()). */
struct bf_cls_walk {
	__u32 pos[BF_CLS_MAX_TREES];
	__u32 end[BF_CLS_MAX_TREES];
	__u32 head[BF_CLS_MAX_TREES];
};

struct bf_run {
	struct bf_pkt pkt;
	/* The template's handle on the packet (or socket address): the
	 * actions of a rule (mark, log, redirect) act on it from inside the
	 * loop. */
	BF_HCTX *h;
	/* Small fields: the whole struct is zeroed for every packet. */
	__u16 verdict; /* enum bf_verdict, _BF_VERDICT_MAX: none yet */
	__u16 error;
	/* Start of the network and transport headers, for "log": valid when
	 * pkt.flags says the parser found them (BF_PKT_IPV4/IPV6, BF_PKT_TCP,
	 * UDP, ICMP, ICMPV6), so that nothing but the parser writes them. The
	 * link header, where the hook has one, is at offset 0. Not in struct
	 * bf_pkt: no rule matches them. */
	__u16 l3_off;
	__u16 l4_off;
};

/*
 * Provided by the template, for the hooks where the daemon allows the
 * action (empty elsewhere):
 * - bf_tmpl_set_mark() sets the packet's mark (the engine updates
 *   run->pkt.mark itself);
 * - bf_tmpl_redirect() prepares the redirect of a REDIRECT rule that
 *   matched (bpf_redirect()); the template then returns its redirect code
 *   for BF_VERDICT_REDIRECT. Done from the rule, so that struct bf_run
 *   needn't carry the target for every packet;
 * - bf_tmpl_log() fills what only the template knows in a log entry: raw
 *   headers, or who made the system call; e->hdrs says what the rule asked
 *   for, e->have is to be set to what was captured.
 */
static __always_inline void bf_tmpl_set_mark(struct bf_run *run, __u32 mark);
static __always_inline void bf_tmpl_redirect(struct bf_run *run, const struct bf_rule_rec *rule);
static __always_inline void bf_tmpl_log(struct bf_run *run, struct bf_log_entry *e);

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

_Static_assert(sizeof(struct bf_pkt) == 128, "bf_pkt indexes are masked with 127");

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
	__u32 id;
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
	/* The elements of the set's current generation (see abi.h). */
	id = (__u32)set->gen << 24 | m->arg;

	if (set->lpm) {
		__u32 off = set->comps[0].off;
		__u32 len = set->comps[0].len;

		for (i = 0; i < BF_LPM_DATA_MAX; i++) {
			if (i >= len)
				break;
			lpm.data[i] = bf_pkt_byte(pkt, off + i);
		}
		lpm.prefixlen = 32 + len * 8;
		lpm.set = bpf_htonl(id);
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
	key.set = id;
	return bpf_map_lookup_elem(&bf_set_elems, &key) != NULL;
}

/*
 * Compares bytes [off, off + len) of the packet context as m->op says, a
 * 32-bit word at a time: the daemon zeroes value and mask past len, so the
 * bytes a last short word reads beyond the field drop out. Equality and
 * bit tests compare words in the packet's byte order as they are; a range
 * (fields of at most 4 bytes) compares the field read as a number. Fewer
 * steps than bytes, for the packet and for the verifier. Inlined in the
 * global bf_match_rule(): a call per matcher cost more than the compare,
 * and the verifier still checks it once.
 */
static __always_inline int bf_match_cmp(struct bf_pkt *pkt, struct bf_matcher_rec *m)
{
	const __u8 *base = (const __u8 *)pkt;
	__u32 off, len, i;

	if (!pkt || !m)
		return 0;
	off = m->off;
	len = m->len;
	if (off > sizeof(*pkt) - BF_CMP_MAX)
		return 0;

	if (m->op == BF_CMP_RANGE) {
		__u32 shift = 8 * (4 - (len & 3)), x, lo, hi;

		if (len > 4)
			return 0;
		if (len == 4)
			shift = 0;
		x = bpf_ntohl(*(const __u32 *)(base + off)) >> shift;
		lo = bpf_ntohl(*(const __u32 *)m->value) >> shift;
		hi = bpf_ntohl(*(const __u32 *)m->mask) >> shift;
		return lo <= x && x <= hi;
	}

	for (i = 0; i < BF_CMP_MAX / 4; i++) {
		__u32 w, v, k;

		if (4 * i >= len)
			break;
		w = *(const __u32 *)(base + off + 4 * i);
		v = *(const __u32 *)&m->value[4 * i];
		k = *(const __u32 *)&m->mask[4 * i];

		switch (m->op) {
		case BF_CMP_EQ:
			if ((w & k) != v)
				return 0;
			break;
		case BF_CMP_ALL:
			if ((w & k) != k)
				return 0;
			break;
		case BF_CMP_ANY:
			if (w & k)
				return 1;
			break;
		default:
			return 0;
		}
	}
	return m->op != BF_CMP_ANY;
}

static __always_inline int bf_match(struct bf_pkt *pkt, struct bf_matcher_rec *m)
{
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

/*
 * Whether all @n matchers from @first match: 1, 0, or -1 when a matcher
 * can't be read. A global function, verified once for any packet: the
 * loop isn't walked again for every state of the caller.
 */
__noinline int bf_match_rule(struct bf_pkt *pkt, __u32 first, __u32 n)
{
	__u32 j;

	if (!pkt)
		return -1;
	for (j = 0; j < BF_RULE_MAX_MATCHERS; j++) {
		__u64 k = (__u64)first + j;

		if (j >= n)
			break;
		asm volatile("" : "+r"(k));
		if (k >= bf_cfg.nmatchers) {
			bf_dbg("matcher %u past the chain's", (__u32)k);
			return -1;
		}
		asm volatile("" : "+r"(k));
		if (!bf_match(pkt, &bf_matchers[k]))
			return 0;
	}
	return 1;
}

/* Intervals from this one up are timed with the coarse clock. */
#define BF_LOG_COARSE_NS (50ULL * 1000 * 1000)

/* Netfilter programs may not read the coarse clock (kernel 6.18): their
 * template defines BF_NO_COARSE_CLOCK and pays for the exact one. */
#ifdef BF_NO_COARSE_CLOCK
#define bf_coarse_ns() bpf_ktime_get_ns()
#else
#define bf_coarse_ns() bpf_ktime_get_coarse_ns()
#endif

/*
 * "log ... every D": whether rule @idx may log now. This runs for every
 * packet the rule matches, logged or not, so it reads the cheap coarse
 * clock (updated every tick, at most 10 ms late) when the interval is long
 * enough not to notice, the exact one otherwise: both are CLOCK_MONOTONIC,
 * and a rule always uses the same one. The swap makes concurrent CPUs
 * agree on one winner per interval.
 */
static __always_inline int bf_log_allowed(__u32 idx, __u64 every)
{
	__u64 *last, prev, now;

	if (!every)
		return 1;
	last = bpf_map_lookup_elem(&bf_log_ts, &idx);
	if (!last) {
		bf_dbg("log timestamp %u lookup failed", idx);
		return 0;
	}
	now = every >= BF_LOG_COARSE_NS ? bf_coarse_ns() : bpf_ktime_get_ns();
	prev = *last;
	/* The first entry: the clock may be younger than the interval. */
	if (prev && now - prev < every)
		return 0;
	return __sync_val_compare_and_swap(last, prev, now) == prev;
}

/* Publish the packet rule @idx matched to the chain's log. A full ring
 * loses the entry: logging never holds a packet up. */
static __noinline void bf_log_rule(struct bf_run *run, struct bf_rule_rec *rule, __u32 idx)
{
	struct bf_log_entry *e;

	if (!bf_log_allowed(idx, rule->log_every_ns))
		return;
	e = bpf_ringbuf_reserve(&bf_log, sizeof(*e), 0);
	if (!e) {
		bf_dbg("log of rule %u: ring buffer full", idx);
		return;
	}
	/* The ring's memory holds older entries: nothing of them may show
	 * through the fields this one leaves out. */
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->rule = idx;
	e->pkt_len = run->pkt.len;
	e->verdict = rule->verdict;
	e->hdrs = rule->log;
	__builtin_memcpy(&e->pkt, &run->pkt, sizeof(e->pkt));
	bf_tmpl_log(run, e);
	bpf_ringbuf_submit(e, 0);
}

/*
 * The actions of rule @rule (index @idx), which matched. Returns 1 when
 * it ends the walk (a terminal verdict), 0 to go on.
 */
static __always_inline long bf_rule_act(struct bf_run *run, struct bf_rule_rec *rule, __u32 idx)
{
	if (rule->flags & BF_RULE_COUNTER)
		bf_count(idx, run->pkt.len);
	if (rule->flags & BF_RULE_MARK) {
		/* Later rules match the new mark (the classifier never
		 * branches on the mark, see cls.c). */
		run->pkt.mark = bpf_htonl(rule->mark);
		bf_tmpl_set_mark(run, rule->mark);
	}
	if (rule->log)
		bf_log_rule(run, rule, idx);
	if (rule->verdict == BF_VERDICT_CONTINUE)
		return 0;
	if (rule->verdict == BF_VERDICT_REDIRECT)
		bf_tmpl_redirect(run, rule);
	run->verdict = rule->verdict;
	return 1;
}

/*
 * Rule @idx on the packet: its matchers, then, if they all match, its
 * actions. Returns 1 when the rule ends the walk (a terminal verdict, or an
 * error), 0 to go on.
 */
static __always_inline long bf_rule_eval(struct bf_run *run, __u32 idx)
{
	struct bf_rule_rec *rule;
	int r;

	rule = bf_rule_at(idx);
	if (!rule) {
		bf_dbg("rule %u past the chain's", idx);
		run->error = 1;
		return 1;
	}

	r = bf_match_rule(&run->pkt, rule->first_matcher, rule->nmatchers);
	if (r < 0) {
		run->error = 1;
		return 1;
	}
	if (!r)
		return 0;
	return bf_rule_act(run, rule, idx);
}

/* Rule @idx, found to match by bf_cls_first(): its actions. */
static __always_inline void bf_rule_hit(struct bf_run *run, __u32 idx)
{
	struct bf_rule_rec *rule = bf_rule_at(idx);

	if (!rule) {
		bf_dbg("rule %u past the chain's", idx);
		run->error = 1;
		return;
	}
	bf_rule_act(run, rule, idx);
}

#define BF_CLS_NONE 0xffffffffU

/* The next candidate of tree @t, BF_CLS_NONE past its leaf's end. */
static __always_inline __u32 bf_cls_head(const __u32 *list, struct bf_cls_walk *w, __u32 t)
{
	__u64 pos = w->pos[t];

	/* Bounds checked on the register that indexes (a 32-bit copy would
	 * leave the index unbounded to the verifier). */
	asm volatile("" : "+r"(pos));
	if (pos >= w->end[t] || pos >= bf_cfg.nlist)
		return BF_CLS_NONE;
	asm volatile("" : "+r"(pos));
	return list[pos];
}

/* The big-endian word at byte @off of the packet context, as a number.
 * The daemon gives multiples of 4 inside struct bf_pkt; the mask is what
 * shows the verifier so. */
static __always_inline __u32 bf_pkt_word(const __u8 *pkt, __u32 off)
{
	return bpf_ntohl(*(const __u32 *)(pkt + (off & (sizeof(struct bf_pkt) - 4))));
}

/* The 32-bit word at byte @off of the packet context, as it holds it,
 * in 64 bits: compared as loaded, with no zero extension. */
static __always_inline __u64 bf_pkt_raw(const __u8 *pkt, __u32 off)
{
	return *(const __u32 *)(pkt + (off & (sizeof(struct bf_pkt) - 4)));
}

/* Whether the packet passes filter @f (struct bf_cls_filter). */
static __always_inline bool bf_cls_pass(const __u8 *pkt, const struct bf_cls_filter *f)
{
	return (bf_pkt_raw(pkt, f->foff) & (__u64)f->fmask) == (__u64)f->fvalue &&
	       (bf_pkt_raw(pkt, f->foff2) & (__u64)f->fmask2) == (__u64)f->fvalue2;
}

/* Whether the packet passes rule test @t (struct bf_rule_test). Word
 * tests compare the words as they are: the daemon wrote mask and value in
 * the packet context's byte order. */
static __always_inline bool bf_test_pass(const __u8 *pkt, const struct bf_rule_test *t)
{
	__u32 i;

	for (i = 0; i < BF_TEST_WORDS; i++) {
		if (i >= t->nwords)
			break;
		if ((bf_pkt_raw(pkt, t->off[i]) & (__u64)t->mask[i]) != (__u64)t->value[i])
			return false;
	}
	for (i = 0; i < BF_TEST_RANGES; i++) {
		__u64 off = t->roff[i];
		__u32 x;

		if (i >= t->nranges)
			break;
		asm volatile("" : "+r"(off));
		if (off > sizeof(struct bf_pkt) - 4)
			return false;
		asm volatile("" : "+r"(off));
		x = bpf_ntohl(*(const __u32 *)(pkt + off)) >> (t->rshift[i] & 31);
		if (x - t->lo[i] > t->span[i])
			return false;
	}
	return true;
}

/* Node @idx of the @nnodes of the table (bf_cfg.nnodes, which a caller
 * may keep in a register), NULL if out of it. The bounds are checked on
 * the register that indexes (a 32-bit copy would leave the index unbounded
 * to the verifier). */
static __always_inline struct bf_cls_node *bf_cls_at(struct bf_cls_node *nodes, __u64 nnodes,
						     __u64 idx)
{
	asm volatile("" : "+r"(idx));
	if (idx >= nnodes)
		return NULL;
	/* And the address made after the check, not hoisted above it. */
	asm volatile("" : "+r"(idx));
	return &nodes[idx];
}

/* The chain's classifier words (bf_cfg.cls_words), read once per packet,
 * as numbers. */
struct bf_cls_words {
	__u64 w[BF_CLS_WORDS];
};

static __always_inline void bf_cls_words_read(const __u8 *pkt, struct bf_cls_words *words)
{
	int i;

#pragma unroll
	for (i = 0; i < BF_CLS_WORDS; i++)
		words->w[i] = bf_pkt_word(pkt, bf_cfg.cls_words[i]);
}

/* bf_cls_word_of() picks a word with a case per slot. */
_Static_assert(BF_CLS_WORDS == 3, "a case per classifier word");

/*
 * The word at @off, as a number, which is the chain's word in @slot, if
 * any (BF_CLS_WORD_OFF: none). The CPU predicts the branch to the slot's
 * word: only a word of no slot is a load that waits for @off's.
 */
static __always_inline __u64 bf_cls_word_of(const struct bf_cls_words *words, const __u8 *pkt,
					    __u8 slot, __u8 off)
{
	switch (slot) {
	case 0:
		return words->w[0];
	case 1:
		return words->w[1];
	case 2:
		return words->w[2];
	default:
		return bf_pkt_word(pkt, off);
	}
}

/*
 * Tree @t walked down to the leaf the packet falls in: the leaf's index,
 * or -1 when a node is out of the table or the tree deeper than
 * BF_CLS_MAX_DEPTH. The levels unrolled, in 64-bit arithmetic: no counter
 * and no zero extension on the way. The first level is the configuration's
 * (bf_cfg.cls_roots) and the packet's, no load of the root: every tree's
 * walk starts a level down. A node reading one of the chain's @words takes
 * it by a branch the CPU predicts: between two levels, only the node's load
 * waits for the last.
 */
static __always_inline __s64 bf_cls_descend(struct bf_cls_node *nodes, const __u8 *pkt, __u64 t,
					    const struct bf_cls_words *words)
{
	const volatile struct bf_cls_root *root;
	__u64 nnodes = bf_cfg.nnodes, idx;
	int d;

	if (t >= BF_CLS_MAX_TREES)
		return -1;
	root = &bf_cfg.cls_roots[t];
	idx = root->base + ((bf_cls_word_of(words, pkt, root->word, root->off) >> root->shift) &
			    root->mask);
#pragma unroll
	for (d = 1; d < BF_CLS_MAX_DEPTH; d++) {
		struct bf_cls_node *n = bf_cls_at(nodes, nnodes, idx);
		__u64 w, shift, mask, base;

		if (!n)
			return -1;
		if (!n->bits)
			return idx;
		shift = n->shift;
		mask = n->count;
		base = n->base;
		w = bf_cls_word_of(words, pkt, n->word, n->off);
		idx = base + ((w >> shift) & mask);
	}
	return -1;
}

/*
 * Every tree down to its leaf, the leaves' indexes in @leaf: 0, or -1 when
 * a node is out of the table or a tree deeper than BF_CLS_MAX_DEPTH. The
 * walks are independent chains of loads, which the CPU overlaps when
 * nothing else sits between them. Unrolled: each tree's root is at a
 * constant place in the configuration, and no loop counter sits between
 * walks.
 */
static __always_inline int bf_cls_descend_all(struct bf_cls_node *nodes, const __u8 *pkt,
					      __u32 *leaf)
{
	struct bf_cls_words words;
	__u32 t;

	bf_cls_words_read(pkt, &words);
#pragma unroll
	for (t = 0; t < BF_CLS_MAX_TREES; t++) {
		__s64 r;

		if (t >= bf_cfg.ntrees)
			break;
		r = bf_cls_descend(nodes, pkt, t, &words);
		if (r < 0) {
			bf_dbg("classifier tree %u: node out of its table or deeper than %d", t,
			       BF_CLS_MAX_DEPTH);
			return -1;
		}
		leaf[t] = r;
	}
	return 0;
}

/*
 * Walk every tree down to the leaf the packet falls in, whose candidates
 * are then list entries [pos, end) of that tree: returns how many in all,
 * or -1. A level is a few loads and a bounds check; one call for all the
 * trees. Global functions (here and below) are verified once, not once per
 * call site and state.
 */
__noinline int bf_cls_leaves(const struct bf_pkt *pkt, struct bf_cls_walk *w)
{
	const __u8 *base = (const __u8 *)pkt;
	struct bf_cls_node *nodes = bf_cls_nodes;
	__u32 *list = bf_cls_list;
	__u32 total = 0, t;

	if (!pkt || !w)
		return -1;
	if (bf_cls_descend_all(nodes, base, w->pos))
		return -1;
	for (t = 0; t < BF_CLS_MAX_TREES; t++) {
		struct bf_cls_node *n;

		if (t >= bf_cfg.ntrees)
			break;
		n = bf_cls_at(nodes, bf_cfg.nnodes, w->pos[t]);
		if (!n)
			return -1;
		/* The leaf's filters (the prefixes its rules share in two
		 * fields) rule most leaves out: no candidate to merge and
		 * run. */
		w->head[t] = BF_CLS_NONE;
		if (!n->count || !bf_cls_pass(base, &n->filter))
			continue;
		w->pos[t] = n->base;
		w->end[t] = n->base + n->count;
		total += n->count;
		w->head[t] = bf_cls_head(list, w, t);
	}
	return total;
}

/* The lowest-numbered candidate left in all the trees' leaves, taken off
 * its list; -1 when none is left. */
static __always_inline int bf_cls_pop(const __u32 *list, struct bf_cls_walk *w)
{
	/* Head and tree in one number: the tree a comparison picks is then
	 * no constant of its own to the verifier, whose states for the
	 * different trees merge. */
	__u64 best = ~0ULL, v;
	__u32 t, bt;

	for (t = 0; t < BF_CLS_MAX_TREES; t++) {
		if (t >= bf_cfg.ntrees)
			break;
		v = (__u64)w->head[t] << 3 | t;
		if (v < best)
			best = v;
	}
	if ((best >> 3) >= BF_CLS_NONE)
		return -1;
	bt = best & (BF_CLS_MAX_TREES - 1);
	w->pos[bt]++;
	w->head[bt] = bf_cls_head(list, w, bt);
	return (best >> 3) & 0x7fffffff;
}

/* Whether the packet passes rule @idx's test. */
static __always_inline bool bf_cls_may(const __u8 *pkt, const struct bf_rule_test *tests,
				       __u64 idx)
{
	asm volatile("" : "+r"(idx));
	if (idx >= bf_cfg.nrules)
		return true;
	asm volatile("" : "+r"(idx));
	return bf_test_pass(pkt, &tests[idx]);
}

/* Candidates a call may skip on their tests before it lets the next one
 * through to its matchers anyway. */
#define BF_CLS_SKIP_MAX 16

/*
 * The next candidate to run, in rule order across the trees' leaves (so
 * CONTINUE rules and marks see what a linear walk sees), or -1. Those
 * that fail their test are passed over: a few loads, where running their
 * matchers costs a call and a lookup per matcher.
 */
__noinline int bf_cls_next(const struct bf_pkt *pkt, struct bf_cls_walk *w)
{
	struct bf_rule_test *tests = bf_rule_tests;
	__u32 *list = bf_cls_list;
	int k, idx;

	if (!pkt || !w)
		return -1;
	for (k = 0; k < BF_CLS_SKIP_MAX; k++) {
		idx = bf_cls_pop(list, w);
		if (idx < 0 || bf_cls_may((const __u8 *)pkt, tests, idx))
			return idx;
	}
	return bf_cls_pop(list, w);
}

/* The merge's state, in the frame of bf_cls_run(): the packets that
 * don't need it don't carry it. */
struct bf_cls_merge {
	struct bf_run *run;
	struct bf_cls_walk walk;
};

static long bf_cls_step(__u64 index, void *data)
{
	struct bf_cls_merge *m = data;
	struct bf_run *run = m->run;
	int idx = bf_cls_next(&run->pkt, &m->walk);

	if (idx < 0)
		return 1;
	return bf_rule_eval(run, idx);
}

/* Run the candidates of every tree in rule order until one ends the walk. */
static __noinline void bf_cls_run(struct bf_run *run)
{
	struct bf_cls_merge m = { .run = run };
	int total;

	if (!run)
		return;
	total = bf_cls_leaves(&run->pkt, &m.walk);
	if (total < 0) {
		run->error = 1;
		return;
	}
	if (total)
		bpf_loop(total, bf_cls_step, &m, 0);
}

#define BF_CLS_MISS (-1)
#define BF_CLS_ERROR (-2)
#define BF_CLS_LONG (-3)

/* Whether candidate @idx matches: 1, 0, or -1 when it can't be read. Its
 * test decides, or, when not exact, rules out or leaves it to the
 * matchers. */
static __always_inline int bf_cand_match(const struct bf_pkt *pkt,
					 const struct bf_rule_test *tests, __u64 idx)
{
	const struct bf_rule_test *t;
	struct bf_rule_rec *rule;

	asm volatile("" : "+r"(idx));
	if (idx >= bf_cfg.nrules)
		return -1;
	asm volatile("" : "+r"(idx));
	t = &tests[idx];
	if (!bf_test_pass((const __u8 *)pkt, t))
		return 0;
	if (t->exact)
		return 1;
	rule = bf_rule_at(idx);
	if (!rule)
		return -1;
	return bf_match_rule((struct bf_pkt *)pkt, rule->first_matcher, rule->nmatchers);
}

/* The first of the chain's few rules to match (bf_cfg.linear). */
static __always_inline int bf_cls_linear(const struct bf_pkt *pkt,
					 const struct bf_rule_test *tests)
{
	__u32 k;

	for (k = 0; k < BF_CLS_LINEAR_MAX; k++) {
		int r;

		if (k >= bf_cfg.nrules)
			break;
		r = bf_cand_match(pkt, tests, k);
		if (r)
			return r < 0 ? BF_CLS_ERROR : (int)k;
	}
	return BF_CLS_MISS;
}

/*
 * The first rule of the chain to match the packet, when no rule is
 * CONTINUE (bf_cfg.first_match): then that is the lowest candidate to
 * match, in whatever order the candidates are tried, so each leaf's list
 * is tried only until a match, or a rule past the best so far, and no
 * merge keeps the trees in step. Returns the rule's index, BF_CLS_MISS,
 * BF_CLS_LONG (a leaf longer than BF_CLS_SCAN: bf_cls_run() decides) or
 * BF_CLS_ERROR.
 */
__noinline int bf_cls_first(const struct bf_pkt *pkt)
{
	struct bf_rule_test *tests = bf_rule_tests;
	struct bf_cls_node *nodes = bf_cls_nodes;
	const __u8 *base = (const __u8 *)pkt;
	__u32 leaf[BF_CLS_MAX_TREES];
	__u32 best = BF_CLS_NONE, t;
	__u32 *list = bf_cls_list;

	if (!pkt)
		return BF_CLS_ERROR;
	/* A constant: the verifier keeps one way or the other. */
	if (bf_cfg.linear)
		return bf_cls_linear(pkt, tests);
	if (bf_cls_descend_all(nodes, base, leaf))
		return BF_CLS_ERROR;
	for (t = 0; t < BF_CLS_MAX_TREES; t++) {
		struct bf_cls_node *n;
		__u32 k, first, count;

		if (t >= bf_cfg.ntrees)
			break;
		n = bf_cls_at(nodes, bf_cfg.nnodes, leaf[t]);
		if (!n)
			return BF_CLS_ERROR;
		if (!n->count || !bf_cls_pass(base, &n->filter))
			continue;
		first = n->base;
		count = n->count;
		for (k = 0; k < BF_CLS_SCAN; k++) {
			__u64 at = first + k;
			__u32 idx;
			int r;

			if (k >= count)
				break;
			asm volatile("" : "+r"(at));
			if (at >= bf_cfg.nlist)
				return BF_CLS_ERROR;
			asm volatile("" : "+r"(at));
			idx = list[at];
			if (idx >= best)
				break;
			r = bf_cand_match(pkt, tests, idx);
			if (r < 0)
				return BF_CLS_ERROR;
			if (r) {
				best = idx;
				break;
			}
		}
		if (k == BF_CLS_SCAN && count > BF_CLS_SCAN)
			return BF_CLS_LONG;
	}
	return best == BF_CLS_NONE ? BF_CLS_MISS : (int)(best & 0x7fffffff);
}

/*
 * meta.flow_probability's hash, on 64-bit words: the BPF ISA has 64-bit
 * multiplies, while 32-bit mixing such as jhash's costs a truncation per
 * operation here. Each step is a bijection of the state for a given word,
 * the finalizer is murmur3's fmix64: good avalanche, so any bit range of
 * the result is uniform.
 */
#define BF_FLOW_SEED 0x6270666c6f770000ULL /* any constant: hashes never change */
#define BF_FLOW_MUL 0x9e3779b97f4a7c15ULL

static __always_inline __u64 bf_flow_step(__u64 h, __u64 w)
{
	h = (h ^ w) * BF_FLOW_MUL;
	return h ^ (h >> 29);
}

static __always_inline __u64 bf_fmix64(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* One end of a flow: its address (16 bytes) and port. */
static __always_inline __u64 bf_hash_end(const __u8 *addr, __u16 port)
{
	__u64 w[2];

	__builtin_memcpy(w, addr, sizeof(w));
	return bf_flow_step(bf_flow_step(BF_FLOW_SEED ^ port, w[0]), w[1]);
}

/*
 * meta.flow_probability's value: a hash of the 5-tuple, the same for every
 * packet of a flow and, the two ends being hashed apart and added, for both
 * directions of it (a chain on ingress and one on egress pick the same
 * connections). Fixed: the same flow gets the same value in every chain,
 * across reloads and reboots. Big-endian, as matched. Packets without
 * ports (ICMP, non-first fragments) hash with ports 0.
 */
static __always_inline __u32 bf_flow_prob(const struct bf_pkt *pkt)
{
	__u64 h = bf_hash_end(pkt->saddr, pkt->sport) + bf_hash_end(pkt->daddr, pkt->dport);

	return bpf_htonl(bf_fmix64(bf_flow_step(h, pkt->l4_proto)) >> 32);
}

/*
 * Runs the chain on a parsed packet and returns an enum bf_verdict. A packet
 * the engine could not evaluate is counted as an error and gets the policy.
 */
static __always_inline __u32 bf_run_rules(struct bf_run *run)
{
	__u32 nrules = bf_cfg.nrules;

	run->verdict = _BF_VERDICT_MAX;
	/* Only chains matching on it pay for the hash (bf_cfg is constant
	 * to the verifier, which drops the dead branch). */
	if (bf_cfg.flow_prob)
		run->pkt.flow_prob = bf_flow_prob(&run->pkt);
	if (nrules && bf_cfg.first_match) {
		int r = bf_cls_first(&run->pkt);

		if (r >= 0)
			bf_rule_hit(run, r);
		else if (r == BF_CLS_LONG)
			bf_cls_run(run);
		else if (r != BF_CLS_MISS)
			run->error = 1;
	} else if (nrules) {
		bf_cls_run(run);
	}
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

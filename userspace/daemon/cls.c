// SPDX-License-Identifier: GPL-2.0-only
/*
 * Decision trees over bit windows of the packet's fields, in the manner of
 * HiCuts (equal-size cuts of one field per node, a space budget) with
 * EffiCuts' separation of rules that are wide in different fields into
 * separate trees, so that a rule wide in a field is not copied into every
 * child of a cut on that field.
 *
 * Each rule is seen as a box: per field ("dimension": an aligned 1, 2 or
 * 4-byte field of struct bf_pkt), the interval of values its matchers
 * allow. Only what a rule's matchers imply goes in the box (an equality
 * with a prefix mask, a range); anything else (negations, sets, tcp.flags
 * any/all, probabilities) leaves the field whole. A rule goes into every
 * child whose window of bits some value of its interval has, so a packet
 * reaching a leaf can only match the rules listed there: the classifier may
 * keep too many candidates, never too few. Each leaf also carries a filter,
 * the prefix its rules' values share in two fields, for the walk to skip
 * it when the packet lies outside.
 *
 * The mark is never a dimension: a CONTINUE rule may change it on the way,
 * after the trees were walked.
 */
#include "cls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/helper.h"
#include "log.h"
#include "rtest.h"

#define BF_CLS_MAX_DIMS 16
/* A leaf this small is not cut further: walking it costs less. */
#define BF_CLS_LEAF 1
/* A cut may make its children's lists and slots at most this many times
 * the rules it splits (HiCuts' space factor), and have at most this many
 * times as many children as rules; chains of several trees, whose rules
 * overlap more, also try the wide pair (fewer levels, more memory, within
 * the budget below), and the cost model decides. */
#define BF_CLS_SPFAC 8
#define BF_CLS_FANOUT 2
#define BF_CLS_WIDE_SPFAC 32
#define BF_CLS_WIDE_FANOUT 8
/* Nodes and list entries of a chain: at most this many per rule, plus a
 * constant for small chains; past it, nodes stay leaves. */
#define BF_CLS_BUDGET_PER_RULE 32
#define BF_CLS_BUDGET_MIN (1U << 18)
/* One tree's part of it. */
#define BF_CLS_TREE_BUDGET_PER_RULE 64
#define BF_CLS_TREE_BUDGET_MIN (1U << 17)
/* Trees for the largest groups of rules narrow in the same fields (at
 * most this many: the builder tries each count down to 1 and keeps the
 * cheapest classifier, see bf_cls_cost()); the others (but the catch-all)
 * for the fields most other rules are narrow in. */
#define BF_CLS_EXACT_TREES 3
/* Groups merged into those whose fields they hold (bf_sigs_merge()):
 * none, the largest groups kept, or every group but the catch-all. */
enum {
	BF_CLS_MERGE_NONE,
	BF_CLS_MERGE_KEPT,
	BF_CLS_MERGE_ALL,
	_BF_CLS_MERGE_MAX,
};

static const char *const bf_cls_merge_names[_BF_CLS_MERGE_MAX] = {
	[BF_CLS_MERGE_NONE] = "",
	[BF_CLS_MERGE_KEPT] = ", merged",
	[BF_CLS_MERGE_ALL] = ", all merged",
};
/* The cost model's weights, about the nanoseconds each takes: a tree (its
 * leaf's filters and head), a level walked, a candidate's test (struct
 * bf_rule_test), a candidate's matchers run when its test is not exact. */
#define BF_CLS_COST_TREE 4
#define BF_CLS_COST_LEVEL 2
#define BF_CLS_COST_TEST 2
#define BF_CLS_COST_CAND 12
/* A single tree for the largest group is tried below this many rules: in
 * larger chains, the rules it leaves to the catch-all are copied into so
 * many leaves that the build takes longer than all the others together
 * (100 ms for a 10k-rule ACL) for a classifier never cheaper. */
#define BF_CLS_ONE_EXACT_MAX 4096
/* An alternative may take this many times the nodes and list entries of
 * the best classifier so far (struct bf_cls_builder's cap). */
#define BF_CLS_CAP_FACTOR 2
/* Rules sampled for the cost model, at most. */
#define BF_CLS_COST_SAMPLES 4096
/* A tree for at least this many rules, and 1/64 of the chain's. */
#define BF_CLS_TREE_MIN 32
/* Below this many rules, one tree. */
#define BF_CLS_SPLIT_MIN 64

/* The memory figures (docs/performance.md) count 32-byte nodes. */
_Static_assert(sizeof(struct bf_cls_node) == 32, "struct bf_cls_node is 32 bytes");

struct bf_cls_dim {
	uint8_t off;
	uint8_t len;
};

struct bf_cls_cut {
	uint32_t dim;
	uint32_t shift;
	uint32_t bits;
	uint64_t max;
	uint64_t sum;
};

struct bf_cls_builder {
	uint32_t nrules;
	uint32_t ndims;
	struct bf_cls_dim dims[BF_CLS_MAX_DIMS];
	/* Per rule and dimension: the interval [lo, hi]. */
	uint32_t *lo;
	uint32_t *hi;
	bool *never;
	uint64_t budget;
	/* Largest groups kept as trees of their own (bf_cls_groups()), and
	 * which groups whose fields hold another group's join it
	 * (BF_CLS_MERGE_*). */
	uint32_t exact;
	uint32_t merge;
	/* The cuts' space factor and fan-out (BF_CLS_SPFAC). */
	uint32_t spfac;
	uint32_t fanout;
	/* Per rule, the fields it is narrow in (bf_cls_sig()); how many
	 * rules have each set of them, largest first. */
	uint32_t *sigs;
	struct bf_sig_count *counts;
	uint32_t nsig;
	/* Nodes and list entries for a classifier the cost model compares
	 * with the best so far (0: the budget alone): one that would take
	 * many more copies of its rules costs more time to build than it
	 * could save, and leaves long lists once cut short. */
	uint64_t cap;
	/* Per dimension, the bits the cuts on the way to the node being
	 * built have read: a leaf's filter on them would tell it nothing. */
	uint32_t fixed[BF_CLS_MAX_DIMS];
	uint32_t *scratch; /* 2^BF_CLS_MAX_BITS + 1 counters */
	struct bf_cls *cls;
};

static uint32_t bf_dim_full(const struct bf_cls_dim *d)
{
	return d->len >= 4 ? 0xffffffffU : (1U << (8 * d->len)) - 1;
}

static uint32_t bf_be(const uint8_t *p, unsigned int len)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < len; i++)
		v = v << 8 | p[i];
	return v;
}

/* Leading ones of @mask, a @bits-bit number. */
static unsigned int bf_prefix_len(uint32_t mask, unsigned int bits)
{
	unsigned int n = 0;

	while (n < bits && mask & (1U << (bits - 1 - n)))
		n++;
	return n;
}

static int bf_dim_find(struct bf_cls_builder *b, unsigned int off, unsigned int len, bool add)
{
	/* The mark: see the top of the file. */
	if (off + len > offsetof(struct bf_pkt, mark) && off < offsetof(struct bf_pkt, mark) + 4)
		return -1;
	if (off % len || off + len > sizeof(struct bf_pkt))
		return -1;
	for (uint32_t d = 0; d < b->ndims; d++) {
		if (b->dims[d].off == off && b->dims[d].len == len)
			return d;
	}
	if (!add || b->ndims == BF_CLS_MAX_DIMS)
		return -1;
	b->dims[b->ndims].off = off;
	b->dims[b->ndims].len = len;
	return b->ndims++;
}

static void bf_dim_narrow(struct bf_cls_builder *b, uint32_t rule, int d, uint32_t lo, uint32_t hi)
{
	size_t i = (size_t)rule * b->ndims + d;

	if (lo > b->lo[i])
		b->lo[i] = lo;
	if (hi < b->hi[i])
		b->hi[i] = hi;
	if (b->lo[i] > b->hi[i])
		b->never[rule] = true;
}

/*
 * What matcher @m implies for rule @rule's box; with @add, only learn its
 * dimensions. A 16-byte field is four 4-byte dimensions: an IPv6 prefix is
 * a prefix of each of its words, up to the prefix length.
 */
static void bf_cls_constrain(struct bf_cls_builder *b, uint32_t rule,
			     const struct bf_matcher_rec *m, bool add)
{
	unsigned int chunk = m->len >= 4 ? 4 : m->len;

	if (m->negate || !m->len)
		return;

	if (m->op == BF_CMP_RANGE && m->len <= 4) {
		int d = bf_dim_find(b, m->off, m->len, add);

		if (d >= 0 && !add)
			bf_dim_narrow(b, rule, d, bf_be(m->value, m->len), bf_be(m->mask, m->len));
		return;
	}
	if (m->op != BF_CMP_EQ)
		return;

	for (unsigned int c = 0; c + chunk <= m->len; c += chunk) {
		uint32_t v = bf_be(m->value + c, chunk), k = bf_be(m->mask + c, chunk);
		unsigned int bits = 8 * chunk, plen = bf_prefix_len(k, bits);
		uint32_t full = bits == 32 ? 0xffffffffU : (1U << bits) - 1;
		uint32_t pmask = plen ? full & ~(plen == 32 ? 0 : full >> plen) : 0;
		int d;

		if (!plen)
			continue;
		d = bf_dim_find(b, m->off + c, chunk, add);
		if (d >= 0 && !add)
			bf_dim_narrow(b, rule, d, v & pmask, (v & pmask) | (full & ~pmask));
	}
}

static int bf_cls_boxes(struct bf_cls_builder *b, const struct bf_matcher_rec *matchers,
			const uint32_t *first, const uint16_t *count)
{
	for (uint32_t r = 0; r < b->nrules; r++) {
		for (uint32_t j = 0; j < count[r]; j++)
			bf_cls_constrain(b, r, &matchers[first[r] + j], true);
	}

	b->never = calloc(b->nrules ? b->nrules : 1, sizeof(*b->never));
	b->lo = malloc(((size_t)b->nrules * b->ndims + 1) * sizeof(*b->lo));
	b->hi = malloc(((size_t)b->nrules * b->ndims + 1) * sizeof(*b->hi));
	if (!b->never || !b->lo || !b->hi)
		return -ENOMEM;
	for (uint32_t r = 0; r < b->nrules; r++) {
		for (uint32_t d = 0; d < b->ndims; d++) {
			b->lo[(size_t)r * b->ndims + d] = 0;
			b->hi[(size_t)r * b->ndims + d] = bf_dim_full(&b->dims[d]);
		}
		for (uint32_t j = 0; j < count[r]; j++)
			bf_cls_constrain(b, r, &matchers[first[r] + j], false);
	}
	return 0;
}

static int bf_cls_node_alloc(struct bf_cls_builder *b, uint32_t n, uint32_t *idx)
{
	struct bf_cls *cls = b->cls;
	struct bf_cls_node *nodes;

	if (cls->nnodes + (uint64_t)n > UINT32_MAX)
		return -E2BIG;
	nodes = bf_grow(cls->nodes, cls->nnodes + n, sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	cls->nodes = nodes;
	memset(&cls->nodes[cls->nnodes], 0, n * sizeof(*cls->nodes));
	*idx = cls->nnodes;
	cls->nnodes += n;
	return 0;
}

/*
 * The filter of @n rules: the two fields where their values share the
 * longest prefixes (the hull of their intervals), counting only the bits
 * not in @fixed (per dimension, bits the walk has read already), for the
 * walk to drop them for packets outside. A packet a rule matches has its
 * value in the rule's interval, so in the hull: a filter never drops a
 * match.
 */
static void bf_cls_filter(const struct bf_cls_builder *b, const uint32_t *rules, uint32_t n,
			  const uint32_t *fixed, struct bf_cls_filter *out)
{
	unsigned int best = 0, second = 0;

	memset(out, 0, sizeof(*out));
	for (uint32_t d = 0; d < b->ndims && n; d++) {
		const struct bf_cls_dim *dim = &b->dims[d];
		unsigned int bits = 8 * dim->len, plen, shift, news;
		uint32_t lo = UINT32_MAX, hi = 0, full = bf_dim_full(dim), mask;

		for (uint32_t i = 0; i < n; i++) {
			size_t k = (size_t)rules[i] * b->ndims + d;

			lo = b->lo[k] < lo ? b->lo[k] : lo;
			hi = b->hi[k] > hi ? b->hi[k] : hi;
		}
		/* Leading bits lo and hi agree on, within the field. */
		plen = lo == hi ? bits : (unsigned int)__builtin_clz(lo ^ hi) - (32 - bits);
		mask = full & ~(plen >= bits ? 0 : full >> plen);
		/* What the filter tells beyond the path. */
		news = __builtin_popcount(mask & ~fixed[d]);
		if (news <= second)
			continue;
		shift = 8 * (4 - dim->off % 4 - dim->len);
		if (news > best) {
			/* The best so far becomes the second. */
			second = best;
			out->foff2 = out->foff;
			out->fmask2 = out->fmask;
			out->fvalue2 = out->fvalue;
			best = news;
			out->foff = dim->off & ~3U;
			out->fmask = mask << shift;
			out->fvalue = (lo & mask) << shift;
		} else {
			second = news;
			out->foff2 = dim->off & ~3U;
			out->fmask2 = mask << shift;
			out->fvalue2 = (lo & mask) << shift;
		}
	}
	/* In the packet's byte order: the walk compares words as loaded. */
	out->fmask = htonl(out->fmask);
	out->fvalue = htonl(out->fvalue);
	out->fmask2 = htonl(out->fmask2);
	out->fvalue2 = htonl(out->fvalue2);
}

static int bf_cls_leaf(struct bf_cls_builder *b, const uint32_t *rules, uint32_t n,
		       struct bf_cls_node *out)
{
	struct bf_cls *cls = b->cls;
	uint32_t *list;

	memset(out, 0, sizeof(*out));
	if (cls->nlist + (uint64_t)n > UINT32_MAX)
		return -E2BIG;
	list = bf_grow(cls->list, cls->nlist + n, sizeof(*list));
	if (!list)
		return -ENOMEM;
	cls->list = list;
	memcpy(&cls->list[cls->nlist], rules, n * sizeof(*rules));
	out->base = cls->nlist;
	out->count = n;
	bf_cls_filter(b, rules, n, b->fixed, &out->filter);
	if (n > cls->max_leaf)
		cls->max_leaf = n;
	cls->nlist += n;
	return 0;
}

/*
 * The children of the cut a rule's interval [lo, hi] spans: all of them,
 * or [*ja, *jb]. A window ending at the highest bit where the node's rules
 * differ (bf_dim_top()) never sees an interval wrap around (*ja > *jb);
 * the callers handle it anyway, so that a cut chosen otherwise stays
 * correct.
 */
static bool bf_cut_span(const struct bf_cls_cut *cut, uint32_t lo, uint32_t hi, uint32_t *ja,
			uint32_t *jb)
{
	uint32_t a = lo >> cut->shift, b = hi >> cut->shift;
	uint32_t m = (1U << cut->bits) - 1;

	if ((uint64_t)b - a >= m)
		return true;
	*ja = a & m;
	*jb = b & m;
	return false;
}

/* Size the children of @cut in @cnt (2^bits + 1 entries): max and sum. */
static void bf_cut_count(struct bf_cls_builder *b, const uint32_t *rules, uint32_t n,
			 struct bf_cls_cut *cut, uint32_t *cnt)
{
	uint32_t nchild = 1U << cut->bits, all = 0, run = 0;

	memset(cnt, 0, (nchild + 1) * sizeof(*cnt));
	for (uint32_t i = 0; i < n; i++) {
		size_t k = (size_t)rules[i] * b->ndims + cut->dim;
		uint32_t ja, jb;

		if (bf_cut_span(cut, b->lo[k], b->hi[k], &ja, &jb)) {
			all++;
			continue;
		}
		cnt[ja]++;
		cnt[jb + 1]--;
		if (ja > jb) {
			cnt[0]++;
			cnt[nchild]--;
		}
	}
	cut->max = 0;
	cut->sum = 0;
	for (uint32_t j = 0; j < nchild; j++) {
		run += cnt[j];
		cnt[j] = run + all;
		if (cnt[j] > cut->max)
			cut->max = cnt[j];
		cut->sum += cnt[j];
	}
}

/* The highest bit where the narrow intervals of dimension @d differ, or
 * -1 when they are all the same (cutting on @d separates nothing). */
static int bf_dim_top(struct bf_cls_builder *b, const uint32_t *rules, uint32_t n, uint32_t d)
{
	uint32_t full = bf_dim_full(&b->dims[d]), diff = 0, ref = 0;
	bool seen = false;

	for (uint32_t i = 0; i < n; i++) {
		size_t k = (size_t)rules[i] * b->ndims + d;

		if (b->lo[k] == 0 && b->hi[k] == full)
			continue;
		if (!seen) {
			ref = b->lo[k];
			seen = true;
		}
		diff |= (b->lo[k] ^ ref) | (b->hi[k] ^ ref);
	}
	if (!diff)
		return -1;
	return 31 - __builtin_clz(diff);
}

static bool bf_cut_better(const struct bf_cls_cut *c, const struct bf_cls_cut *best)
{
	if (!best->bits)
		return true;
	if (c->max != best->max)
		return c->max < best->max;
	return c->sum + (1ULL << c->bits) < best->sum + (1ULL << best->bits);
}

/*
 * The cut of @n rules with the smallest largest child, among windows
 * ending at the highest bit where the rules differ, as wide as the space
 * factor allows. False when no cut leaves fewer rules in every child.
 */
static bool bf_cut_pick(struct bf_cls_builder *b, const uint32_t *rules, uint32_t n,
			struct bf_cls_cut *best)
{
	unsigned int kmax = 1;

	while (kmax < BF_CLS_MAX_BITS && (1ULL << kmax) < (uint64_t)b->fanout * n)
		kmax++;
	memset(best, 0, sizeof(*best));

	for (uint32_t d = 0; d < b->ndims; d++) {
		int top = bf_dim_top(b, rules, n, d);

		if (top < 0)
			continue;
		for (unsigned int k = 1; k <= kmax && k <= (unsigned int)top + 1; k++) {
			struct bf_cls_cut c = { .dim = d, .bits = k, .shift = top + 1 - k };

			bf_cut_count(b, rules, n, &c, b->scratch);
			if (c.sum + (1ULL << k) > (uint64_t)b->spfac * n)
				break;
			if (c.max < n && bf_cut_better(&c, best))
				*best = c;
		}
	}
	if (!best->bits)
		return false;
	/* Cut only what the budget can hold: the children as leaves. */
	return best->sum + (1ULL << best->bits) <= b->budget + n;
}

static int bf_cls_node(struct bf_cls_builder *b, const uint32_t *rules, uint32_t n,
		       unsigned int depth, struct bf_cls_node *out);

static int bf_cls_cut(struct bf_cls_builder *b, const uint32_t *rules, uint32_t n,
		      unsigned int depth, const struct bf_cls_cut *cut, struct bf_cls_node *out)
{
	const struct bf_cls_dim *dim = &b->dims[cut->dim];
	uint32_t nchild = 1U << cut->bits, base, saved;
	_cleanup_free_ uint32_t *start = calloc(nchild + 1, sizeof(*start));
	_cleanup_free_ uint32_t *fill = calloc(nchild, sizeof(*fill));
	_cleanup_free_ uint32_t *kids = NULL;
	struct bf_cls_cut c = *cut;
	int r;

	if (!start || !fill)
		return -ENOMEM;
	bf_cut_count(b, rules, n, &c, b->scratch);
	for (uint32_t j = 0; j < nchild; j++)
		start[j + 1] = start[j] + b->scratch[j];
	kids = malloc((start[nchild] + 1) * sizeof(*kids));
	if (!kids)
		return -ENOMEM;
	/* Rules in order, so each child's list is in rule order. */
	for (uint32_t i = 0; i < n; i++) {
		size_t k = (size_t)rules[i] * b->ndims + cut->dim;
		uint32_t ja = 0, jb = nchild - 1;

		if (!bf_cut_span(cut, b->lo[k], b->hi[k], &ja, &jb) && ja > jb) {
			for (uint32_t j = 0; j <= jb; j++)
				kids[start[j] + fill[j]++] = rules[i];
			jb = nchild - 1;
		}
		for (uint32_t j = ja; j <= jb; j++)
			kids[start[j] + fill[j]++] = rules[i];
	}

	b->budget = b->budget + n - c.sum - nchild;
	r = bf_cls_node_alloc(b, nchild, &base);
	if (r)
		return r;
	saved = b->fixed[cut->dim];
	b->fixed[cut->dim] |= (nchild - 1) << cut->shift;
	for (uint32_t j = 0; j < nchild; j++) {
		uint32_t cnt = start[j + 1] - start[j];
		struct bf_cls_node node;

		/* Neighbours often get the same rules (a wide interval, or
		 * none): they share one subtree. */
		if (j && cnt == start[j] - start[j - 1] &&
		    !memcmp(&kids[start[j]], &kids[start[j - 1]], cnt * sizeof(*kids))) {
			b->cls->nodes[base + j] = b->cls->nodes[base + j - 1];
			b->budget += cnt;
			continue;
		}
		r = bf_cls_node(b, &kids[start[j]], cnt, depth + 1, &node);
		if (r)
			return r;
		b->cls->nodes[base + j] = node;
	}
	b->fixed[cut->dim] = saved;

	memset(out, 0, sizeof(*out));
	out->base = base;
	out->off = dim->off & ~3U;
	/* The dimension's place in its big-endian word, read as a number. */
	out->shift = 8 * (4 - dim->off % 4 - dim->len) + cut->shift;
	out->bits = cut->bits;
	/* An inner node's count is its window's mask, ready for the walk. */
	out->count = nchild - 1;
	return 0;
}

static int bf_cls_node(struct bf_cls_builder *b, const uint32_t *rules, uint32_t n,
		       unsigned int depth, struct bf_cls_node *out)
{
	struct bf_cls_cut cut;

	if (n <= BF_CLS_LEAF || depth + 1 >= BF_CLS_MAX_DEPTH || !bf_cut_pick(b, rules, n, &cut))
		return bf_cls_leaf(b, rules, n, out);
	return bf_cls_cut(b, rules, n, depth, &cut, out);
}

/* The dimensions where a rule is narrow: at most half of the field's bits
 * free. Only fields of 16 bits and more tell rules apart well enough to
 * deserve a tree. */
static uint32_t bf_cls_sig(const struct bf_cls_builder *b, uint32_t r)
{
	uint32_t sig = 0;

	for (uint32_t d = 0; d < b->ndims; d++) {
		size_t k = (size_t)r * b->ndims + d;
		unsigned int bits = 8 * b->dims[d].len;

		if (bits >= 16 && b->hi[k] - b->lo[k] < (1U << (bits / 2)))
			sig |= 1U << d;
	}
	return sig;
}

struct bf_sig_count {
	uint32_t sig;
	uint32_t n;
};

static int bf_sig_cmp(const void *a, const void *b)
{
	const struct bf_sig_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->sig < y->sig ? -1 : x->sig > y->sig;
}

static int bf_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The fewest rules worth a tree of their own. */
static uint64_t bf_cls_tree_min(uint32_t nrules)
{
	return nrules / 64 > BF_CLS_TREE_MIN ? nrules / 64 : BF_CLS_TREE_MIN;
}

/* How many rules not yet in a kept group (@covered, NULL: none is) are
 * narrow in all of @sig's fields. */
static uint64_t bf_sig_cover(const struct bf_sig_count *counts, uint32_t nsig,
			     const bool *covered, uint32_t sig)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < nsig; i++) {
		if (!(covered && covered[i]) && (counts[i].sig & sig) == sig)
			n += counts[i].n;
	}
	return n;
}

/*
 * The trees' fields, greedily: each time, the set of fields (a group's, or
 * a single field) that the most rules not yet covered are narrow in. A
 * field most rules are narrow in (an ACL's destination) thus gets a tree
 * of its own rather than leaving the rules narrow only in it to the
 * catch-all.
 */
static uint32_t bf_cls_pick_sigs(const struct bf_cls_builder *b,
				 const struct bf_sig_count *counts, uint32_t nsig, uint32_t *sigs,
				 uint32_t nkept)
{
	_cleanup_free_ bool *covered = calloc(nsig + 1, sizeof(*covered));

	if (!covered)
		return nkept;
	for (uint32_t g = 0; g < nkept; g++) {
		for (uint32_t i = 0; i < nsig; i++) {
			if ((counts[i].sig & sigs[g]) == sigs[g])
				covered[i] = true;
		}
	}
	while (nkept < BF_CLS_MAX_TREES - 1) {
		uint64_t best_n = 0, n;
		uint32_t best = 0;

		for (uint32_t i = 0; i < nsig + b->ndims; i++) {
			uint32_t c = i < nsig ? counts[i].sig : 1U << (i - nsig);

			if (!c)
				continue;
			n = bf_sig_cover(counts, nsig, covered, c);
			if (n > best_n || (n == best_n && n &&
					   __builtin_popcount(c) > __builtin_popcount(best))) {
				best_n = n;
				best = c;
			}
		}
		/* Each tree costs every packet a walk: small groups go to
		 * the catch-all. */
		if (best_n < bf_cls_tree_min(b->nrules))
			break;
		sigs[nkept++] = best;
		for (uint32_t i = 0; i < nsig; i++) {
			if ((counts[i].sig & best) == best)
				covered[i] = true;
		}
	}
	return nkept;
}

/*
 * EffiCuts' separation: group the rules by the fields they are narrow in,
 * keep the largest groups as trees (the last slot for rules narrow in none
 * of the kept groups' fields), and send every other rule to a kept group
 * whose fields it is narrow in too.
 */
/* Every rule's signature, and how many rules have each, largest first:
 * the same whatever the grouping tried, so computed once. */
static int bf_cls_sig_counts(struct bf_cls_builder *b)
{
	_cleanup_free_ uint32_t *all = NULL;

	if (b->sigs && b->counts)
		return 0;
	b->sigs = malloc((b->nrules + 1) * sizeof(*b->sigs));
	all = malloc((b->nrules + 1) * sizeof(*all));
	b->counts = calloc(b->nrules + 1, sizeof(*b->counts));
	if (!b->sigs || !all || !b->counts)
		return -ENOMEM;
	for (uint32_t r = 0; r < b->nrules; r++)
		all[r] = b->sigs[r] = bf_cls_sig(b, r);
	qsort(all, b->nrules, sizeof(*all), bf_u32_cmp);
	for (uint32_t r = 0; r < b->nrules; r++) {
		if (!b->nsig || b->counts[b->nsig - 1].sig != all[r])
			b->counts[b->nsig++].sig = all[r];
		b->counts[b->nsig - 1].n++;
	}
	qsort(b->counts, b->nsig, sizeof(*b->counts), bf_sig_cmp);
	return 0;
}

/*
 * The kept groups' fields, but those that hold another kept group's (an
 * ACL's rules narrow in destination, source and port, next to those narrow
 * in destination and source): their rules join that group, which the
 * cuts on its fields tell apart too (the ports then sort them in the
 * leaves, not in a tree of their own). One walk less for every packet,
 * for a few more candidates in some leaves: the cost model decides.
 */
static uint32_t bf_sigs_merge(uint32_t *sigs, uint32_t n)
{
	uint32_t m = 0;

	for (uint32_t i = 0; i < n; i++) {
		bool holds = false;

		for (uint32_t j = 0; j < n && !holds; j++)
			holds = sigs[j] != sigs[i] && (sigs[i] & sigs[j]) == sigs[j];
		if (!holds)
			sigs[m++] = sigs[i];
	}
	return m;
}

/*
 * Every group whose fields hold another's merged, the groups then ordered
 * by how many rules are narrow in their fields, fewest first: a rule
 * narrow in the fields of several (an ACL's, narrow in destination and
 * source, where destination and source have groups of their own) joins
 * the one that covers the fewest rules, whose cuts then copy the fewest
 * rules wide in the joiner's other fields. Two walks less for every
 * packet, in the ACL, for larger trees: the cost model decides.
 */
static uint32_t bf_sigs_merge_all(const struct bf_cls_builder *b, uint32_t *sigs, uint32_t n)
{
	uint64_t cover[BF_CLS_MAX_TREES];

	n = bf_sigs_merge(sigs, n);
	for (uint32_t i = 0; i < n; i++)
		cover[i] = bf_sig_cover(b->counts, b->nsig, NULL, sigs[i]);
	/* Insertion sort: a few groups. */
	for (uint32_t i = 1; i < n; i++) {
		for (uint32_t j = i; j > 0 && cover[j] < cover[j - 1]; j--) {
			uint64_t c = cover[j];
			uint32_t s = sigs[j];

			cover[j] = cover[j - 1];
			sigs[j] = sigs[j - 1];
			cover[j - 1] = c;
			sigs[j - 1] = s;
		}
	}
	return n;
}

static int bf_cls_groups(struct bf_cls_builder *b, uint32_t *group, uint32_t *sigs,
			 uint32_t *ngroups)
{
	uint32_t nkept = 0;
	int r;

	if (b->nrules < BF_CLS_SPLIT_MIN) {
		memset(group, 0, b->nrules * sizeof(*group));
		sigs[0] = 0;
		*ngroups = 1;
		return 0;
	}
	r = bf_cls_sig_counts(b);
	if (r)
		return r;
	/* The largest groups first, then what covers the most of the rest. */
	for (uint32_t i = 0; i < b->nsig && nkept < b->exact; i++) {
		if (b->counts[i].sig && b->counts[i].n >= bf_cls_tree_min(b->nrules))
			sigs[nkept++] = b->counts[i].sig;
	}
	if (b->merge == BF_CLS_MERGE_KEPT)
		nkept = bf_sigs_merge(sigs, nkept);
	nkept = bf_cls_pick_sigs(b, b->counts, b->nsig, sigs, nkept);
	if (b->merge == BF_CLS_MERGE_ALL)
		nkept = bf_sigs_merge_all(b, sigs, nkept);
	/* The catch-all. */
	sigs[nkept++] = 0;

	for (uint32_t i = 0; i < b->nrules; i++) {
		uint32_t sig = b->sigs[i], best = nkept - 1;

		for (uint32_t g = 0; g + 1 < nkept; g++) {
			if ((sig & sigs[g]) != sigs[g])
				continue;
			if (best == nkept - 1 ||
			    __builtin_popcount(sigs[g]) > __builtin_popcount(sigs[best]))
				best = g;
		}
		group[i] = best;
	}
	*ngroups = nkept;
	return 0;
}

/* A tree per group: rule i goes to group[i], of fields sigs[group[i]]. */
static int bf_cls_trees(struct bf_cls_builder *b, const uint32_t *group, const uint32_t *sigs,
			uint32_t ngroups)
{
	_cleanup_free_ uint32_t *rules = malloc((b->nrules + 1) * sizeof(*rules));
	uint32_t ntrees = 0, root, nlist;
	uint64_t left, share;
	int r;

	if (!rules)
		return -ENOMEM;
	r = bf_cls_node_alloc(b, ngroups, &root);
	if (r)
		return r;

	for (uint32_t g = 0; g < ngroups; g++) {
		struct bf_cls_node node;
		uint32_t n = 0;

		for (uint32_t i = 0; i < b->nrules; i++) {
			if (group[i] == g && !b->never[i])
				rules[n++] = i;
		}
		if (!n)
			continue;
		/* A tree of rules wide in every field replicates them in
		 * most children: its share of the budget keeps it from
		 * starving the others (and the maps from growing). */
		left = b->budget;
		share = (uint64_t)BF_CLS_TREE_BUDGET_PER_RULE * n + BF_CLS_TREE_BUDGET_MIN;
		if (share < b->budget)
			b->budget = share;
		share = b->budget;
		nlist = b->cls->nlist;
		r = bf_cls_node(b, rules, n, 0, &node);
		if (r)
			return r;
		b->budget = left - (share - b->budget);
		bf_dbg("classifier tree %u: %u rules narrow in fields %#x, %u list entries", ntrees,
		       n, sigs[g], b->cls->nlist - nlist);
		b->cls->nodes[ntrees++] = node;
	}
	b->cls->ntrees = ntrees;
	return 0;
}

/* A packet inside rule @r's box: the middle of each of its intervals, in
 * struct bf_pkt's layout. */
static void bf_cls_sample(const struct bf_cls_builder *b, uint32_t r, uint8_t *pkt)
{
	memset(pkt, 0, sizeof(struct bf_pkt));
	for (uint32_t d = 0; d < b->ndims; d++) {
		size_t k = (size_t)r * b->ndims + d;
		uint32_t v = b->lo[k] + (b->hi[k] - b->lo[k]) / 2;

		for (unsigned int i = 0; i < b->dims[d].len; i++)
			pkt[b->dims[d].off + i] = v >> (8 * (b->dims[d].len - 1 - i));
	}
}

static uint32_t bf_cls_word(const uint8_t *pkt, uint8_t off)
{
	return bf_be(pkt + (off & (sizeof(struct bf_pkt) - 4)), 4);
}

/* The word at @off of the packet context, as it holds it. */
static uint32_t bf_cls_raw(const uint8_t *pkt, uint8_t off)
{
	uint32_t w;

	memcpy(&w, pkt + (off & (sizeof(struct bf_pkt) - 4)), sizeof(w));
	return w;
}

/* The template's test of a leaf's filter (bf_cls_pass() in engine.h). */
static bool bf_cls_pass(const uint8_t *pkt, const struct bf_cls_filter *f)
{
	return (bf_cls_raw(pkt, f->foff) & f->fmask) == f->fvalue &&
	       (bf_cls_raw(pkt, f->foff2) & f->fmask2) == f->fvalue2;
}

/*
 * What the template would spend on a packet inside rule @r: a walk per
 * tree, a cost per level, and for every candidate up to @r (taken to be
 * the first match) its test, and its matchers if the test lets it through
 * without being exact.
 */
static uint64_t bf_cls_cost_one(const struct bf_cls *cls, const struct bf_rule_test *tests,
				const uint8_t *pkt, uint32_t r)
{
	uint64_t cost = 0;

	for (uint32_t t = 0; t < cls->ntrees; t++) {
		const struct bf_cls_node *n = &cls->nodes[t];

		cost += BF_CLS_COST_TREE;
		while (n->bits) {
			n = &cls->nodes[n->base +
					((bf_cls_word(pkt, n->off) >> n->shift) & n->count)];
			cost += BF_CLS_COST_LEVEL;
		}
		if (!bf_cls_pass(pkt, &n->filter))
			continue;
		for (uint32_t i = 0; i < n->count && cls->list[n->base + i] <= r; i++) {
			const struct bf_rule_test *t = &tests[cls->list[n->base + i]];

			cost += BF_CLS_COST_TEST;
			if (!t->exact && bf_rule_test_pass(pkt, t))
				cost += BF_CLS_COST_CAND;
		}
	}
	return cost;
}

/*
 * The classifier's cost model: the mean cost of a packet inside each rule
 * (a sample of them for large chains). The grouping and the trees' shapes
 * trade walks against candidates in ways the builder's local choices
 * don't see; this compares whole classifiers.
 */
static uint64_t bf_cls_cost(const struct bf_cls_builder *b, const struct bf_cls *cls,
			    const struct bf_rule_test *tests)
{
	uint32_t step = b->nrules / BF_CLS_COST_SAMPLES + 1, n = 0;
	uint8_t pkt[sizeof(struct bf_pkt)];
	uint64_t sum = 0;

	for (uint32_t r = 0; r < b->nrules; r += step) {
		if (b->never[r])
			continue;
		bf_cls_sample(b, r, pkt);
		sum += bf_cls_cost_one(cls, tests, pkt, r);
		n++;
	}
	return n ? sum / n : 0;
}

/* Build the grouping @group (rule to group), @sigs (group to fields) into
 * @cls, within the budget and the cap. */
static int bf_cls_try(struct bf_cls_builder *b, const uint32_t *group, const uint32_t *sigs,
		      uint32_t ngroups, struct bf_cls *cls)
{
	int r;

	memset(cls, 0, sizeof(*cls));
	b->cls = cls;
	b->budget = (uint64_t)BF_CLS_BUDGET_PER_RULE * b->nrules + BF_CLS_BUDGET_MIN;
	if (b->cap && b->cap < b->budget)
		b->budget = b->cap;
	r = bf_cls_trees(b, group, sigs, ngroups);
	if (r)
		bf_cls_free(cls);
	return r;
}

/* Build the grouping into @cls, with cuts as wide as @wide says, and
 * keep it if the cost model rates it cheaper than *@best_cost. */
static int bf_cls_consider(struct bf_cls_builder *b, const uint32_t *group, const uint32_t *sigs,
			   uint32_t ngroups, bool wide, const struct bf_rule_test *tests,
			   struct bf_cls *cls, uint64_t *best_cost)
{
	struct bf_cls next;
	uint64_t cost;
	int r;

	b->spfac = wide ? BF_CLS_WIDE_SPFAC : BF_CLS_SPFAC;
	b->fanout = wide ? BF_CLS_WIDE_FANOUT : BF_CLS_FANOUT;
	r = bf_cls_try(b, group, sigs, ngroups, &next);
	if (r)
		return r;
	bf_dbg("classifier with %u trees for the largest groups%s%s: %u trees, %u nodes, "
	       "%u list entries",
	       b->exact, bf_cls_merge_names[b->merge], wide ? ", wide cuts" : "", next.ntrees,
	       next.nnodes, next.nlist);
	/* The first needs no rating until there is a second. */
	if (!cls->nodes) {
		bf_cls_free(cls);
		*cls = next;
		*best_cost = UINT64_MAX;
		b->cap = BF_CLS_CAP_FACTOR * ((uint64_t)next.nnodes + next.nlist);
		return 0;
	}
	if (*best_cost == UINT64_MAX)
		*best_cost = bf_cls_cost(b, cls, tests);
	cost = bf_cls_cost(b, &next, tests);
	bf_dbg("cost model: %llu against %llu for the best so far", (unsigned long long)cost,
	       (unsigned long long)*best_cost);
	if (cost < *best_cost) {
		bf_cls_free(cls);
		*cls = next;
		*best_cost = cost;
		b->cap = BF_CLS_CAP_FACTOR * ((uint64_t)next.nnodes + next.nlist);
	} else {
		bf_cls_free(&next);
	}
	return 0;
}

/* Whether the rules (but those that never match) fall in several groups. */
static bool bf_cls_several(const struct bf_cls_builder *b, const uint32_t *group)
{
	uint32_t first = UINT32_MAX;

	for (uint32_t i = 0; i < b->nrules; i++) {
		if (b->never[i])
			continue;
		if (first == UINT32_MAX)
			first = group[i];
		else if (group[i] != first)
			return true;
	}
	return false;
}

/* The cheapest of the classifiers with 1 to BF_CLS_EXACT_TREES trees for
 * the largest groups, each with those groups kept apart and merged
 * (bf_sigs_merge()), by bf_cls_cost(); each distinct grouping is built
 * once (a chain whose rules are all narrow in the same fields has one).
 * Several trees get the wide cuts: their rules overlap, and fewer levels
 * paid for with more nodes made every such chain we measured cheaper (a
 * 10k-rule ACL: 73 against 82). A single tree gets the narrow ones: its
 * rules overlap little, its levels are few already. */
static int bf_cls_pick(struct bf_cls_builder *b, const struct bf_rule_test *tests,
		       struct bf_cls *cls)
{
	_cleanup_free_ uint32_t *group = malloc((b->nrules + 1) * sizeof(*group));
	uint32_t tried[_BF_CLS_MERGE_MAX * BF_CLS_EXACT_TREES][BF_CLS_MAX_TREES];
	uint32_t ntried[_BF_CLS_MERGE_MAX * BF_CLS_EXACT_TREES];
	uint64_t best_cost = UINT64_MAX;
	uint32_t ndone = 0;
	int r = 0;

	if (!group)
		return -ENOMEM;
	memset(cls, 0, sizeof(*cls));
	for (uint32_t v = 0; v < _BF_CLS_MERGE_MAX * BF_CLS_EXACT_TREES && !r; v++) {
		/* Every group merged last: the largest trees, built
		 * against the cap of the best of the others. */
		uint32_t exact = BF_CLS_EXACT_TREES - v % BF_CLS_EXACT_TREES, *sigs = tried[ndone];
		uint32_t ngroups;
		bool seen = false;

		if (exact == 1 && b->nrules >= BF_CLS_ONE_EXACT_MAX && ndone)
			continue;
		b->exact = exact;
		b->merge = v / BF_CLS_EXACT_TREES;
		r = bf_cls_groups(b, group, sigs, &ngroups);
		for (uint32_t i = 0; !r && i < ndone && !seen; i++)
			seen = ntried[i] == ngroups &&
			       !memcmp(tried[i], sigs, ngroups * sizeof(*sigs));
		if (r || seen)
			continue;
		ntried[ndone++] = ngroups;
		r = bf_cls_consider(b, group, sigs, ngroups, bf_cls_several(b, group), tests, cls,
				    &best_cost);
	}
	if (r)
		bf_cls_free(cls);
	return r;
}

/*
 * The chain's words (struct bf_cls_node): the BF_CLS_WORDS words the walks
 * of packets inside the rules (a sample of them, as the cost model's) read
 * the most, which the walk then reads once per packet; each inner node
 * names its word's slot, or BF_CLS_WORD_OFF.
 */
static void bf_cls_pick_words(const struct bf_cls_builder *b, struct bf_cls *cls)
{
	uint64_t count[sizeof(struct bf_pkt) / 4] = {};
	uint32_t step = b->nrules / BF_CLS_COST_SAMPLES + 1;
	uint8_t pkt[sizeof(struct bf_pkt)];
	int slot[sizeof(struct bf_pkt) / 4];

	for (uint32_t r = 0; r < b->nrules; r += step) {
		bf_cls_sample(b, r, pkt);
		for (uint32_t t = 0; t < cls->ntrees; t++) {
			const struct bf_cls_node *n = &cls->nodes[t];

			while (n->bits) {
				count[(n->off & (sizeof(struct bf_pkt) - 4)) / 4]++;
				n = &cls->nodes[n->base +
						((bf_cls_word(pkt, n->off) >> n->shift) & n->count)];
			}
		}
	}
	memset(slot, -1, sizeof(slot));
	memset(cls->words, 0, sizeof(cls->words));
	for (unsigned int s = 0; s < BF_CLS_WORDS; s++) {
		unsigned int best = 0;

		for (unsigned int w = 1; w < sizeof(count) / sizeof(*count); w++) {
			if (count[w] > count[best])
				best = w;
		}
		if (!count[best])
			break;
		cls->words[s] = 4 * best;
		slot[best] = s;
		count[best] = 0;
	}
	for (uint32_t i = 0; i < cls->nnodes; i++) {
		struct bf_cls_node *n = &cls->nodes[i];
		int w = slot[(n->off & (sizeof(struct bf_pkt) - 4)) / 4];

		n->word = n->bits && w >= 0 ? w : BF_CLS_WORD_OFF;
	}
}

int bf_cls_build(const struct bf_matcher_rec *matchers, const uint32_t *first,
		 const uint16_t *count, const struct bf_rule_test *tests, uint32_t nrules,
		 struct bf_cls *cls)
{
	struct bf_cls_builder b = {
		.nrules = nrules,
		.cls = cls,
	};
	int r;

	memset(cls, 0, sizeof(*cls));
	b.scratch = malloc(((1U << BF_CLS_MAX_BITS) + 1) * sizeof(*b.scratch));
	r = b.scratch ? bf_cls_boxes(&b, matchers, first, count) : -ENOMEM;
	if (!r && nrules)
		r = bf_cls_pick(&b, tests, cls);
	if (!r)
		bf_cls_pick_words(&b, cls);
	free(b.scratch);
	free(b.sigs);
	free(b.counts);
	free(b.lo);
	free(b.hi);
	free(b.never);
	if (r)
		bf_cls_free(cls);
	return r;
}

void bf_cls_roots(const struct bf_cls *cls, struct bf_cls_root *roots)
{
	memset(roots, 0, BF_CLS_MAX_TREES * sizeof(*roots));
	for (uint32_t t = 0; t < cls->ntrees && t < BF_CLS_MAX_TREES; t++) {
		const struct bf_cls_node *n = &cls->nodes[t];

		if (!n->bits) {
			roots[t].base = t;
			continue;
		}
		roots[t].base = n->base;
		roots[t].mask = n->count;
		roots[t].off = n->off;
		roots[t].shift = n->shift;
		roots[t].word = n->word;
	}
}

void bf_cls_free(struct bf_cls *cls)
{
	free(cls->nodes);
	free(cls->list);
	memset(cls, 0, sizeof(*cls));
}

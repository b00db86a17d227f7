// SPDX-License-Identifier: GPL-2.0-only
/*
 * The classifier (userspace/daemon/cls.c, bpf/engine.h) with
 * BPF_PROG_TEST_RUN: chains large enough to be split into several trees,
 * whose candidates the engine must merge back into chain order; 100 000
 * exact addresses; and rules the trees cannot narrow on (negations, sets,
 * flags, probabilities, the mark) among narrow ones, with prefixes and
 * ranges that cut fields off byte boundaries.
 *
 * Every chain is also built into a classifier here, from the same
 * translated matchers as bf_prog_load() (bf_prog_translate()), to check
 * what the test relies on: several trees where the merge is tested, each
 * rule in one tree, leaves in rule order, the size of a large chain. A
 * change of the builder's heuristics that makes a test stop exercising what
 * it was written for fails it, with a message saying so.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/acl.h"
#include "daemon/cls.h"
#include "daemon/rtest.h"
#include "daemon/xlate.h"
#include "lib/chain.h"
#include "lib/eval.h"
#include "lib/helper.h"
#include "pkt.h"
#include "prog_run.h"
#include "rng.h"
#include "test.h"

#define for_each_hook(hook, mask)                                 \
	for (enum bf_hook hook = 0; hook < _BF_HOOK_MAX; hook++) \
		if ((mask) & TPROG_HOOK(hook))

#define TC_HOOKS (TPROG_HOOK(BF_HOOK_TC_INGRESS) | TPROG_HOOK(BF_HOOK_TC_EGRESS))

/*
 * A chain's rules, written one at a time: the text of the chain's body in
 * a growing buffer and, when @keep is set, each rule's text for failure
 * messages. A failed allocation is remembered and reported once, by
 * gen_ok().
 */
struct gen {
	char *buf;
	size_t len;
	size_t cap;
	bool keep;
	char **rules;
	size_t nrules;
	bool oom;
};

static void gen_free(struct gen *g)
{
	for (size_t i = 0; g->rules && i < g->nrules; i++)
		free(g->rules[i]);
	free(g->rules);
	free(g->buf);
	memset(g, 0, sizeof(*g));
}

/* Append "rule <fmt...>\n"; returns the rule's index in the chain. */
static __attribute__((format(printf, 2, 3))) size_t gen_rule(struct gen *g, const char *fmt, ...)
{
	size_t idx = g->nrules++;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || g->oom) {
		g->oom = true;
		return idx;
	}
	/* "rule ", the text, '\n' and the final NUL. */
	if (g->len + n + 7 > g->cap) {
		size_t cap = g->cap ? g->cap : 4096;
		char *buf;

		while (cap < g->len + n + 7)
			cap *= 2;
		buf = realloc(g->buf, cap);
		if (!buf) {
			g->oom = true;
			return idx;
		}
		g->buf = buf;
		g->cap = cap;
	}
	memcpy(g->buf + g->len, "rule ", 5);
	g->len += 5;
	va_start(ap, fmt);
	vsnprintf(g->buf + g->len, n + 1, fmt, ap);
	va_end(ap);
	if (g->keep) {
		char **rules = bf_grow(g->rules, g->nrules, sizeof(*rules));

		if (!rules || !(rules[idx] = strndup(g->buf + g->len, n))) {
			g->oom = true;
			if (rules)
				g->rules = rules;
			return idx;
		}
		g->rules = rules;
	}
	g->len += n;
	g->buf[g->len++] = '\n';
	g->buf[g->len] = '\0';
	return idx;
}

static bool gen_ok(const struct gen *g)
{
	return ASSERT_TRUE(!g->oom && g->buf, "generating the chain: out of memory");
}

static const char *gen_text(const struct gen *g, size_t rule)
{
	if (g->keep && rule < g->nrules)
		return g->rules[rule];
	return rule == g->nrules ? "(policy)" : rule == g->nrules + 1 ? "(error)" : "?";
}

static bool load(struct tprog *t, enum bf_hook hook, const char *policy, const char *body)
{
	int r = tprog_load_body(t, hook, policy, body);

	return ASSERT_TRUE(r == 0, "loading on %s: %s: %s", tprog_hook_name(hook), t->step,
			   t->err);
}

/*
 * The classifier bf_prog_load() builds for @chain: its matchers translated
 * as bf_prog_translate() does, rule after rule, each rule's test, then
 * bf_cls_build(). The tests go to *@tests_out (to free) if it is set.
 */
static int cls_of_chain(const struct bf_chain *chain, struct bf_cls *cls,
			struct bf_rule_test **tests_out)
{
	_cleanup_free_ struct bf_matcher_rec *matchers = NULL;
	_cleanup_free_ struct bf_rule_test *tests = NULL;
	_cleanup_free_ uint32_t *first = NULL;
	_cleanup_free_ uint16_t *count = NULL;
	size_t nmatchers = 0;
	uint32_t next = 0;
	int r;

	memset(cls, 0, sizeof(*cls));
	for (size_t i = 0; i < chain->nrules; i++)
		nmatchers += chain->rules[i].nmatchers;
	matchers = calloc(nmatchers + 1, sizeof(*matchers));
	first = calloc(chain->nrules + 1, sizeof(*first));
	count = calloc(chain->nrules + 1, sizeof(*count));
	tests = calloc(chain->nrules + 1, sizeof(*tests));
	if (!matchers || !first || !count || !tests)
		return -ENOMEM;
	for (size_t i = 0; i < chain->nrules; i++) {
		const struct bf_rule *rule = &chain->rules[i];

		first[i] = next;
		count[i] = rule->nmatchers;
		for (size_t j = 0; j < rule->nmatchers; j++, next++) {
			r = bf_xlate_matcher(chain, &rule->matchers[j], &matchers[next]);
			if (r)
				return r;
		}
		bf_rule_test_build(&matchers[first[i]], rule->nmatchers, &tests[i]);
	}
	r = bf_cls_build(matchers, first, count, tests, chain->nrules, cls);
	if (!r && tests_out)
		*tests_out = TAKE_PTR(tests);
	return r;
}

/*
 * Which trees hold each rule: walk every tree from its root (node t for
 * tree t), and set bit t of @trees[rule] for each rule one of its leaves
 * lists. Also checks what the engine's merge relies on: every child and
 * list entry in bounds, every leaf sorted by rule index, every word a node
 * names the one it cuts. Returns 0 or a negative errno with the reason in
 * @why.
 */
static int cls_rule_trees(const struct bf_cls *cls, uint32_t nrules, uint8_t *trees, char *why,
			  size_t whylen)
{
	_cleanup_free_ uint32_t *stack = malloc((cls->nnodes + 1) * sizeof(*stack));
	_cleanup_free_ uint8_t *seen = calloc(cls->nnodes + 1, 1);

	if (!stack || !seen)
		return -ENOMEM;
	memset(trees, 0, nrules);
	if (cls->ntrees > BF_CLS_MAX_TREES || cls->ntrees > cls->nnodes) {
		snprintf(why, whylen, "%u trees, %u nodes", cls->ntrees, cls->nnodes);
		return -ERANGE;
	}
	for (uint32_t t = 0; t < cls->ntrees; t++) {
		uint32_t top = 0;

		/* Nodes of tree t are marked t + 1: children shared by
		 * neighbours are walked once per tree. */
		stack[top++] = t;
		seen[t] = t + 1;
		while (top) {
			const struct bf_cls_node *n = &cls->nodes[stack[--top]];

			if (!n->bits) {
				if ((uint64_t)n->base + n->count > cls->nlist) {
					snprintf(why, whylen, "tree %u: leaf [%u, +%u) past the list (%u)",
						 t, n->base, n->count, cls->nlist);
					return -ERANGE;
				}
				for (uint32_t i = 0; i < n->count; i++) {
					uint32_t rule = cls->list[n->base + i];

					if (rule >= nrules ||
					    (i && rule <= cls->list[n->base + i - 1])) {
						snprintf(why, whylen,
							 "tree %u: leaf at %u: entry %u is rule %u "
							 "(out of %u, or not after the previous one)",
							 t, n->base, i, rule, nrules);
						return -ERANGE;
					}
					trees[rule] |= 1U << t;
				}
				continue;
			}
			if (n->bits > BF_CLS_MAX_BITS ||
			    (uint64_t)n->base + (1U << n->bits) > cls->nnodes) {
				snprintf(why, whylen, "tree %u: node of %u bits at %u, %u nodes", t,
					 n->bits, n->base, cls->nnodes);
				return -ERANGE;
			}
			/* The walk reads a named word instead of the node's. */
			if (n->word != BF_CLS_WORD_OFF &&
			    (n->word > BF_CLS_WORD_OFF || cls->words[n->word] != (n->off & ~3U))) {
				snprintf(why, whylen,
					 "tree %u: node reading byte %u names word slot %u (byte %u)",
					 t, n->off, n->word,
					 n->word < BF_CLS_WORDS ? cls->words[n->word] : 0);
				return -ERANGE;
			}
			for (uint32_t j = 0; j < 1U << n->bits; j++) {
				uint32_t c = n->base + j;

				if (seen[c] == t + 1)
					continue;
				seen[c] = t + 1;
				stack[top++] = c;
			}
		}
	}
	return 0;
}

/* The tree of a rule in exactly one, else -1. */
static int tree_of(const uint8_t *trees, size_t rule)
{
	uint8_t m = trees[rule];

	return m && !(m & (m - 1)) ? __builtin_ctz(m) : -1;
}

/*
 * Build @t's chain's classifier into @cls and the rules' trees into
 * *@trees (nrules bytes, to free), checking its structure; false after a
 * failed assertion.
 */
static bool cls_check(struct tprog *t, struct bf_cls *cls, uint8_t **trees,
		      struct bf_rule_test **tests)
{
	uint32_t nrules = t->chain->nrules;
	char why[256] = "";
	int r;

	*trees = NULL;
	r = cls_of_chain(t->chain, cls, tests);
	if (!ASSERT_OK(r, "building the classifier of the chain"))
		return false;
	*trees = calloc(nrules + 1, 1);
	if (!ASSERT_TRUE(*trees, "out of memory"))
		return false;
	r = cls_rule_trees(cls, nrules, *trees, why, sizeof(why));
	if (!ASSERT_TRUE(r == 0, "classifier of %u rules: %s", nrules, why[0] ? why : strerror(-r)))
		return false;
	if (bf_test_verbose())
		fprintf(stderr, "  classifier: %u rules, %u trees, %u nodes, %u list entries, "
				"largest leaf %u\n",
			nrules, cls->ntrees, cls->nnodes, cls->nlist, cls->max_leaf);
	return true;
}

/* What the hook returns for a chain verdict: NEXT is ACCEPT but on TC. */
static enum bf_verdict hook_verdict(enum bf_hook hook, enum bf_verdict v)
{
	if (v == BF_VERDICT_NEXT && !(TC_HOOKS & TPROG_HOOK(hook)))
		return BF_VERDICT_ACCEPT;
	return v;
}

/* Bytes the hook counts for the frame of @spec. */
static uint64_t hook_len(enum bf_hook hook, const struct pkt_spec *spec)
{
	uint8_t frame[PKT_MAX];
	int len = pkt_build(spec, frame, sizeof(frame));

	return len < 0 ? 0 : tprog_pkt_len(hook, (size_t)len);
}

/*
 * Compare every counter slot (rules, policy, error) with what the test
 * expects, printing the first few differences with their rules.
 */
static bool check_all_counters(struct tprog *t, const struct gen *g, const struct bf_counter *got,
			       const struct bf_counter *want, size_t nslots, const char *what)
{
	unsigned int bad = 0;

	for (size_t i = 0; i < nslots; i++) {
		if (got[i].packets == want[i].packets && got[i].bytes == want[i].bytes)
			continue;
		if (bad++ < 5)
			bf_test_fail(__FILE__, __LINE__,
				     "%s on %s: counter %zu '%s': %llu packets %llu bytes, "
				     "expected %llu / %llu",
				     what, tprog_hook_name(t->hook), i, gen_text(g, i),
				     (unsigned long long)got[i].packets,
				     (unsigned long long)got[i].bytes,
				     (unsigned long long)want[i].packets,
				     (unsigned long long)want[i].bytes);
	}
	if (bad > 5)
		bf_test_fail(__FILE__, __LINE__, "%s on %s: %u counters wrong in all", what,
			     tprog_hook_name(t->hook), bad);
	return !bad;
}

/* ------------------------------------------------------------------------ */

/* In a step's list of counters: the policy's, and the end of the list. */
#define POLICY ((size_t)-1)
#define END ((size_t)-2)
#define MAX_HITS 4

/* A packet, the verdict it must get, the counters it must move and the
 * mark it must leave with. */
struct step {
	const char *what;
	struct pkt_spec pkt;
	uint32_t mark;
	enum bf_verdict verdict;
	size_t hits[MAX_HITS];
	uint32_t mark_out;
};

#define MERGE_FILL 200
/* Rules of the long leaf of a terminal merge chain. */
#define FIRST_LONG 10

/* The rules of prog_cls_merge_order that packets are aimed at. */
struct merge_rules {
	/* An earlier rule of one tree against a later one of another, both
	 * ways, for each pair of trees. */
	size_t a_saddr_drop, a_daddr_accept;
	size_t b_daddr_accept, b_saddr_drop;
	size_t c_port_drop, c_saddr_accept;
	size_t d_saddr_accept, d_port_drop;
	/* The catch-all tree against the source tree. */
	size_t e_saddr_early, e_wide, e_saddr_late;
	/* A CONTINUE rule marks, rules of other trees match the mark. Each
	 * of those has a twin matching a mark no packet has, without a bit
	 * the real one has: were the mark a tree dimension, the two would be
	 * split on that bit, and a packet walking the trees before it is
	 * marked would only find the twin. */
	size_t m_set, m_daddr, m_daddr_plain, m_port, m_only;
	size_t n_wide_set, n_saddr;
	size_t tcp_all;
	/* Terminal chains only: rules on the mark alone, which no tree can
	 * cut (the mark is never a dimension), so they share a leaf longer
	 * than the engine's first-match way tries (BF_CLS_SCAN). */
	size_t longs[FIRST_LONG];
};

/*
 * 623 rules: about 200 narrow in the source address only, 200 in the
 * destination only, 200 in the destination port only (UDP and TCP), and a
 * few wide ones (a /8, a /10, the mark alone, the protocol), so the builder
 * makes a tree per field and a catch-all. The rules packets are aimed at
 * are spread among them; the fillers match none of the test's packets
 * (sources in 172.20.0/24, destinations in 192.168.100/24, ports 20000 to
 * 20199). A @terminal chain has no CONTINUE rule (so the engine takes its
 * first-match way) and, instead of the marking rules, a long leaf.
 */
static void merge_chain(struct gen *g, struct merge_rules *m, bool terminal)
{
	for (unsigned int i = 0; i < MERGE_FILL; i++) {
		switch (i) {
		case 10:
			m->a_saddr_drop = gen_rule(g, "ip4.saddr 198.51.100.1 counter DROP");
			break;
		case 20:
			m->b_daddr_accept = gen_rule(g, "ip4.daddr 203.0.113.2 counter ACCEPT");
			break;
		case 30:
			m->c_port_drop = gen_rule(g, "udp.dport 3000 counter DROP");
			break;
		case 40:
			m->a_daddr_accept = gen_rule(g, "ip4.daddr 203.0.113.1 counter ACCEPT");
			m->d_saddr_accept = gen_rule(g, "ip4.saddr 198.51.100.4 counter ACCEPT");
			break;
		case 50:
			m->b_saddr_drop = gen_rule(g, "ip4.saddr 198.51.100.2 counter DROP");
			m->e_saddr_early = gen_rule(g, "ip4.saddr 10.9.9.9 counter ACCEPT");
			break;
		case 60:
			m->c_saddr_accept = gen_rule(g, "ip4.saddr 198.51.100.3 counter ACCEPT");
			break;
		case 70:
			m->d_port_drop = gen_rule(g, "tcp.dport 4000 counter DROP");
			if (!terminal)
				m->m_set = gen_rule(g, "ip4.saddr 198.51.100.7 counter mark 0x1234 "
						       "CONTINUE");
			break;
		case 80:
			m->e_wide = gen_rule(g, "ip4.snet 10.0.0.0/8 counter DROP");
			if (!terminal)
				m->n_wide_set = gen_rule(g, "ip4.snet 100.64.0.0/10 counter mark "
							    "0x55 CONTINUE");
			break;
		case 90:
			if (terminal)
				break;
			m->m_daddr = gen_rule(g, "ip4.daddr 203.0.113.7 meta.mark eq 0x1234 counter DROP");
			gen_rule(g, "ip4.daddr 203.0.113.7 meta.mark eq 0x0234 counter DROP");
			break;
		case 100:
			if (terminal) {
				for (unsigned int j = 0; j < FIRST_LONG; j++)
					m->longs[j] = gen_rule(g, "meta.mark eq 0x%x counter %s",
							       0x70 + j, j % 2 ? "ACCEPT" : "DROP");
				break;
			}
			m->m_daddr_plain = gen_rule(g, "ip4.daddr 203.0.113.7 counter ACCEPT");
			m->n_saddr = gen_rule(g, "ip4.saddr 100.64.1.1 meta.mark eq 0x55 counter DROP");
			gen_rule(g, "ip4.saddr 100.64.1.1 meta.mark eq 0x15 counter ACCEPT");
			break;
		case 110:
			if (terminal)
				break;
			m->m_port = gen_rule(g, "udp.dport 7777 meta.mark eq 0x1234 counter ACCEPT");
			gen_rule(g, "udp.dport 7777 meta.mark eq 0x0234 counter DROP");
			break;
		case 120:
			if (!terminal) {
				m->m_only = gen_rule(g, "meta.mark eq 0x1234 counter DROP");
				gen_rule(g, "meta.mark eq 0x0234 counter ACCEPT");
			}
			m->e_saddr_late = gen_rule(g, "ip4.saddr 10.8.8.8 counter ACCEPT");
			break;
		}
		gen_rule(g, "ip4.saddr 172.20.%u.%u counter DROP", i / 250, i % 250 + 1);
		gen_rule(g, "ip4.daddr 192.168.%u.%u counter DROP", 100 + i / 250, i % 250 + 1);
		gen_rule(g, "%s.dport %u counter DROP", i % 2 ? "tcp" : "udp", 20000 + i);
	}
	m->tcp_all = gen_rule(g, "meta.l4_proto tcp counter DROP");
}

#define U4(s, d, ...) PKT_UDP4(.saddr = (s), .daddr = (d), .dport = 9, __VA_ARGS__)
#define T4(s, d, ...) PKT_TCP4(.saddr = (s), .daddr = (d), .dport = 9, __VA_ARGS__)
#define HITS(...) { __VA_ARGS__, END }

/* Append @n steps to @s at *@len. */
static void steps_add(struct step *s, size_t *len, const struct step *add, size_t n)
{
	memcpy(&s[*len], add, n * sizeof(*add));
	*len += n;
}

/* The steps of merge_chain()'s chain, @terminal as it was built. */
static size_t merge_steps(const struct merge_rules *m, bool terminal, struct step *s)
{
	const struct step pairs[] = {
		{ "earlier source rule, later destination rule",
		  U4("198.51.100.1", "203.0.113.1"), 0, BF_VERDICT_DROP,
		  HITS(m->a_saddr_drop), 0 },
		{ "the later destination rule alone", U4("198.51.100.99", "203.0.113.1"), 0,
		  BF_VERDICT_ACCEPT, HITS(m->a_daddr_accept), 0 },
		{ "earlier destination rule, later source rule",
		  U4("198.51.100.2", "203.0.113.2"), 0, BF_VERDICT_ACCEPT,
		  HITS(m->b_daddr_accept), 0 },
		{ "the later source rule alone", U4("198.51.100.2", "203.0.113.99"), 0,
		  BF_VERDICT_DROP, HITS(m->b_saddr_drop), 0 },
		{ "earlier port rule, later source rule",
		  U4("198.51.100.3", "203.0.113.99", .dport = 3000), 0, BF_VERDICT_DROP,
		  HITS(m->c_port_drop), 0 },
		{ "the later source rule alone", U4("198.51.100.3", "203.0.113.99"), 0,
		  BF_VERDICT_ACCEPT, HITS(m->c_saddr_accept), 0 },
		{ "earlier source rule, later port rule",
		  T4("198.51.100.4", "203.0.113.99", .dport = 4000), 0, BF_VERDICT_ACCEPT,
		  HITS(m->d_saddr_accept), 0 },
		{ "the later port rule alone", T4("198.51.100.99", "203.0.113.99", .dport = 4000),
		  0, BF_VERDICT_DROP, HITS(m->d_port_drop), 0 },
		{ "source rule before the catch-all's /8", U4("10.9.9.9", "203.0.113.99"), 0,
		  BF_VERDICT_ACCEPT, HITS(m->e_saddr_early), 0 },
		{ "the catch-all's /8 before a source rule", U4("10.8.8.8", "203.0.113.99"), 0,
		  BF_VERDICT_DROP, HITS(m->e_wide), 0 },
	};
	const struct step marks[] = {
		{ "mark by a source rule, matched with a destination rule",
		  U4("198.51.100.7", "203.0.113.7"), 0, BF_VERDICT_DROP,
		  HITS(m->m_set, m->m_daddr), 0x1234 },
		{ "the same destination without the mark", U4("198.51.100.8", "203.0.113.7"), 0,
		  BF_VERDICT_ACCEPT, HITS(m->m_daddr_plain), 0 },
		{ "the same destination, marked before the chain",
		  U4("198.51.100.8", "203.0.113.7"), 0x1234, BF_VERDICT_DROP,
		  HITS(m->m_daddr), 0x1234 },
		{ "mark by a source rule, matched with a port rule",
		  U4("198.51.100.7", "203.0.113.50", .dport = 7777), 0, BF_VERDICT_ACCEPT,
		  HITS(m->m_set, m->m_port), 0x1234 },
		{ "mark by a source rule, matched with a mark-only rule",
		  U4("198.51.100.7", "203.0.113.51", .dport = 7000), 0, BF_VERDICT_DROP,
		  HITS(m->m_set, m->m_only), 0x1234 },
		{ "mark by a catch-all rule, matched with a source rule",
		  U4("100.64.1.1", "203.0.113.99"), 0, BF_VERDICT_DROP,
		  HITS(m->n_wide_set, m->n_saddr), 0x55 },
		{ "the same, the packet's own mark replaced",
		  U4("100.64.1.1", "203.0.113.99"), 0x99, BF_VERDICT_DROP,
		  HITS(m->n_wide_set, m->n_saddr), 0x55 },
		{ "mark by a catch-all rule, then the policy", U4("100.64.1.2", "203.0.113.99"), 0,
		  BF_VERDICT_NEXT, HITS(m->n_wide_set, POLICY), 0x55 },
	};
	const struct step longs[] = {
		{ "the long leaf's first rule", U4("198.51.100.200", "203.0.113.200"), 0x70,
		  BF_VERDICT_DROP, HITS(m->longs[0]), 0x70 },
		{ "the long leaf's rule as many in as the engine tries first",
		  U4("198.51.100.200", "203.0.113.200"), 0x70 + BF_CLS_SCAN - 1,
		  BF_VERDICT_ACCEPT, HITS(m->longs[BF_CLS_SCAN - 1]), 0x70 + BF_CLS_SCAN - 1 },
		{ "the long leaf, past the rules the engine tries first",
		  U4("198.51.100.200", "203.0.113.200"), 0x70 + FIRST_LONG - 2,
		  BF_VERDICT_DROP, HITS(m->longs[FIRST_LONG - 2]), 0x70 + FIRST_LONG - 2 },
		{ "the long leaf's last rule", U4("198.51.100.200", "203.0.113.200"),
		  0x70 + FIRST_LONG - 1, BF_VERDICT_ACCEPT, HITS(m->longs[FIRST_LONG - 1]),
		  0x70 + FIRST_LONG - 1 },
		{ "the long leaf, no rule of it", U4("198.51.100.200", "203.0.113.200"), 0x7f,
		  BF_VERDICT_NEXT, HITS(POLICY), 0x7f },
	};
	const struct step tail[] = {
		{ "no rule", U4("198.51.100.200", "203.0.113.200"), 0, BF_VERDICT_NEXT,
		  HITS(POLICY), 0 },
		{ "no rule, marked before the chain", U4("198.51.100.200", "203.0.113.200"),
		  0x4321, BF_VERDICT_NEXT, HITS(POLICY), 0x4321 },
		{ "no rule but the last one", T4("198.51.100.200", "203.0.113.200"), 0,
		  BF_VERDICT_DROP, HITS(m->tcp_all), 0 },
		{ "IPv6: no rule", PKT_UDP6(), 0, BF_VERDICT_NEXT, HITS(POLICY), 0 },
	};
	size_t n = 0;

	steps_add(s, &n, pairs, ARRAY_SIZE(pairs));
	if (terminal)
		steps_add(s, &n, longs, ARRAY_SIZE(longs));
	else
		steps_add(s, &n, marks, ARRAY_SIZE(marks));
	steps_add(s, &n, tail, ARRAY_SIZE(tail));
	return n;
}

#define MERGE_MAX_STEPS 32

/* Pairs of rules the steps set against each other: they must be in
 * different trees for the steps to test the merge; and a terminal chain's
 * long leaf must be longer than the engine tries first. */
static void merge_check_trees(const struct bf_cls *cls, const uint8_t *trees, const struct gen *g,
			      const struct merge_rules *m, bool terminal)
{
	const size_t pairs[][2] = {
		{ m->a_saddr_drop, m->a_daddr_accept }, { m->b_daddr_accept, m->b_saddr_drop },
		{ m->c_port_drop, m->c_saddr_accept },	{ m->d_saddr_accept, m->d_port_drop },
		{ m->e_saddr_early, m->e_wide },	{ m->e_wide, m->e_saddr_late },
		{ m->m_set, m->m_daddr },		{ m->m_set, m->m_port },
		{ m->m_set, m->m_only },		{ m->n_wide_set, m->n_saddr },
	};
	/* The marking rules are in the other chain only. */
	size_t npairs = terminal ? 6 : ARRAY_SIZE(pairs);

	ASSERT_TRUE(cls->ntrees >= 3,
		    "the merge chain (%zu rules) has %u classifier tree(s), the test needs 3 or "
		    "more to check the merge of leaves: the builder's grouping changed, make "
		    "merge_chain() split again",
		    g->nrules, cls->ntrees);
	for (size_t i = 0; i < g->nrules; i++)
		ASSERT_TRUE(tree_of(trees, i) >= 0, "rule %zu '%s' is in trees %#x, expected one",
			    i, gen_text(g, i), trees[i]);
	for (size_t i = 0; i < npairs; i++) {
		size_t x = pairs[i][0], y = pairs[i][1];

		ASSERT_TRUE(tree_of(trees, x) != tree_of(trees, y),
			    "rules %zu '%s' and %zu '%s' share tree %d: the builder's grouping "
			    "changed, the test no longer sets two trees against each other",
			    x, gen_text(g, x), y, gen_text(g, y), tree_of(trees, x));
	}
	if (terminal)
		ASSERT_TRUE(cls->max_leaf >= FIRST_LONG && FIRST_LONG > BF_CLS_SCAN,
			    "largest leaf: %u rules, expected the %d mark rules together, more "
			    "than the %d tried first",
			    cls->max_leaf, FIRST_LONG, BF_CLS_SCAN);
}

/* Run @s on @t, check its verdict, mark and every counter against @want,
 * updated for the step. */
static void merge_run(struct tprog *t, const struct gen *g, const struct step *s,
		      struct bf_counter *want, struct bf_counter *got, size_t nslots)
{
	const struct tprog_opts opts = { .mark = s->mark };
	uint64_t bytes = hook_len(t->hook, &s->pkt);
	const char *hook = tprog_hook_name(t->hook);
	enum bf_verdict v, expect = hook_verdict(t->hook, s->verdict);
	int r;

	for (size_t i = 0; i < MAX_HITS && s->hits[i] != END; i++) {
		size_t slot = s->hits[i] == POLICY ? g->nrules : s->hits[i];

		want[slot].packets++;
		want[slot].bytes += bytes;
	}
	r = tprog_run(t, &s->pkt, &opts, &v);
	if (!ASSERT_TRUE(r == 0, "%s on %s: test run failed: %s", s->what, hook, strerror(-r)))
		return;
	ASSERT_TRUE(v == expect, "%s on %s: %s, expected %s", s->what, hook,
		    tprog_verdict_name(v), tprog_verdict_name(expect));
	ASSERT_TRUE(t->mark_out == s->mark_out, "%s on %s: leaves with mark 0x%x, expected 0x%x",
		    s->what, hook, t->mark_out, s->mark_out);
	if (!ASSERT_OK(tprog_counters(t, got, nslots), "reading counters"))
		return;
	/* Start the next step from the counters as they are: one wrong
	 * step fails once. */
	if (!check_all_counters(t, g, got, want, nslots, s->what))
		memcpy(want, got, nslots * sizeof(*want));
}

/*
 * Build merge_chain()'s chain, @terminal or not, load it on every hook that
 * has a mark, check its classifier once, and run its steps on each,
 * checking verdicts, marks and every counter.
 */
static void merge_test(bool terminal)
{
	struct gen g = { .keep = true };
	struct merge_rules m = {};
	struct step steps[MERGE_MAX_STEPS];
	bool checked = false;
	size_t nsteps;

	merge_chain(&g, &m, terminal);
	nsteps = merge_steps(&m, terminal, steps);
	if (!gen_ok(&g))
		goto out;
	for_each_hook(hook, TPROG_HOOKS_MARK) {
		size_t nslots = g.nrules + 2;
		_cleanup_free_ struct bf_counter *want = calloc(nslots, sizeof(*want));
		_cleanup_free_ struct bf_counter *got = calloc(nslots, sizeof(*got));
		struct tprog t;

		if (!ASSERT_TRUE(want && got, "out of memory"))
			break;
		if (load(&t, hook, "NEXT", g.buf)) {
			ASSERT_EQ(t.chain->nrules, g.nrules, "rules in the chain");
			if (!checked) {
				_cleanup_free_ uint8_t *trees = NULL;
				struct bf_cls cls;

				if (cls_check(&t, &cls, &trees, NULL))
					merge_check_trees(&cls, trees, &g, &m, terminal);
				bf_cls_free(&cls);
				checked = true;
			}
			for (size_t i = 0; i < nsteps; i++)
				merge_run(&t, &g, &steps[i], want, got, nslots);
		}
		tprog_close(&t);
	}
out:
	gen_free(&g);
}

/*
 * Rules of different trees run in chain order: the first terminal rule
 * wins whichever tree holds it, a CONTINUE rule's mark is seen by later
 * rules of other trees (the mark is never a tree dimension), exactly the
 * matching rules count, and a packet no rule takes gets the policy.
 */
BF_TEST(prog_cls_merge_order)
{
	merge_test(false);
}

/* ------------------------------------------------------------------------ */



/*
 * A chain without CONTINUE: the engine tries each tree's candidates only
 * until a match or a rule past the best so far, with no merge, and must
 * still give the first rule in chain order whichever tree holds it; a
 * packet reaching a leaf longer than it tries goes the ordered way, and
 * gets the same answer.
 */
BF_TEST(prog_cls_first_match)
{
	merge_test(true);
}

/* ------------------------------------------------------------------------ */

#define SCALE_RULES 100000

/* Rule i's source: distinct in 10.0.0.0/8 for i < 2^24, scattered (an odd
 * multiplier is a bijection modulo 2^24) so that neighbouring rules don't
 * share every high bit. */
static uint32_t scale_addr(uint32_t i)
{
	return 0x0a000000U | ((i * 0x9e3779b1U) & 0xffffffU);
}

static void addr_str(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static bool scale_has(uint32_t a)
{
	for (uint32_t i = 0; i < SCALE_RULES; i++) {
		if (scale_addr(i) == a)
			return true;
	}
	return false;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One packet from @saddr: rule @rule (or the policy, SIZE_MAX) and nothing
 * else counts it. */
static void scale_run(struct tprog *t, uint32_t saddr, size_t rule, struct bf_counter *before,
		      struct bf_counter *after, size_t nslots)
{
	const char *hook = tprog_hook_name(t->hook);
	char src[16];
	struct pkt_spec spec;
	enum bf_verdict v, expect = rule == SIZE_MAX ? BF_VERDICT_ACCEPT : BF_VERDICT_DROP;
	size_t slot = rule == SIZE_MAX ? nslots - 2 : rule;
	unsigned int bad = 0;
	int r;

	addr_str(saddr, src, sizeof(src));
	spec = PKT_UDP4(.saddr = src);
	if (!ASSERT_OK(tprog_counters(t, before, nslots), "reading counters"))
		return;
	r = tprog_run(t, &spec, NULL, &v);
	if (!ASSERT_TRUE(r == 0, "from %s on %s: test run failed: %s", src, hook, strerror(-r)))
		return;
	ASSERT_TRUE(v == expect, "from %s on %s: %s, expected %s (rule %zu)", src, hook,
		    tprog_verdict_name(v), tprog_verdict_name(expect), rule);
	if (!ASSERT_OK(tprog_counters(t, after, nslots), "reading counters"))
		return;
	for (size_t i = 0; i < nslots; i++) {
		uint64_t d = after[i].packets - before[i].packets;

		if (d == (i == slot) || bad++ >= 5)
			continue;
		bf_test_fail(__FILE__, __LINE__, "from %s on %s: counter %zu moved by %llu, expected %d",
			     src, hook, i, (unsigned long long)d, i == slot);
	}
}

/*
 * 100 000 exact sources: one tree, leaves of at most 2 rules, at most 64
 * bytes of tree per rule; a packet from the first, a middle and the last
 * rule's address is dropped by it alone, other addresses get the policy.
 */
BF_TEST(prog_cls_scale)
{
	const uint32_t hooks = TPROG_HOOK(BF_HOOK_XDP) | TPROG_HOOK(BF_HOOK_TC_INGRESS);
	const size_t nslots = SCALE_RULES + 2;
	_cleanup_free_ struct bf_counter *before = calloc(nslots, sizeof(*before));
	_cleanup_free_ struct bf_counter *after = calloc(nslots, sizeof(*after));
	struct gen g = {};
	uint32_t miss = scale_addr(0) ^ 1;
	bool checked = false;

	for (uint32_t i = 0; i < SCALE_RULES; i++) {
		char a[16];

		addr_str(scale_addr(i), a, sizeof(a));
		gen_rule(&g, "ip4.saddr eq %s counter DROP", a);
	}
	if (!gen_ok(&g) || !ASSERT_TRUE(before && after, "out of memory"))
		goto out;
	/* A neighbour of the first rule's address that no rule has. */
	while (scale_has(miss))
		miss++;

	for_each_hook(hook, hooks) {
		double start = now_s();
		struct tprog t;

		if (!load(&t, hook, "ACCEPT", g.buf)) {
			tprog_close(&t);
			continue;
		}
		if (bf_test_verbose())
			fprintf(stderr, "  %s: %d rules loaded in %.0f ms\n", tprog_hook_name(hook),
				SCALE_RULES, (now_s() - start) * 1e3);
		ASSERT_EQ(t.chain->nrules, SCALE_RULES, "rules in the chain");
		if (!checked) {
			_cleanup_free_ struct bf_rule_test *tests = NULL;
			_cleanup_free_ uint8_t *trees = NULL;
			struct bf_cls cls;

			if (cls_check(&t, &cls, &trees, &tests)) {
				uint64_t bytes = (uint64_t)cls.nnodes * sizeof(*cls.nodes) +
						 (uint64_t)cls.nlist * sizeof(*cls.list);
				unsigned int bad = 0;

				ASSERT_EQ(cls.ntrees, 1, "trees for exact sources only");
				ASSERT_TRUE(cls.max_leaf <= 2, "largest leaf: %u rules, expected <= 2",
					    cls.max_leaf);
				ASSERT_TRUE(bytes <= 64ULL * SCALE_RULES,
					    "classifier of %d rules: %llu bytes (%u nodes, %u list "
					    "entries), %.1f per rule, expected <= 64",
					    SCALE_RULES, (unsigned long long)bytes, cls.nnodes,
					    cls.nlist, (double)bytes / SCALE_RULES);
				for (size_t i = 0; i < SCALE_RULES; i++) {
					if (trees[i] != 1 && bad++ < 5)
						bf_test_fail(__FILE__, __LINE__,
							     "rule %zu in trees %#x, expected tree 0", i,
							     trees[i]);
				}
				/* Each rule's test is exact: its whole address
				 * first, then IPv4 in the flags. */
				for (size_t i = 0; i < SCALE_RULES; i++) {
					const struct bf_rule_test *rt = &tests[i];
					uint32_t flags = BF_PKT_IPV4;

					if ((!rt->exact || rt->nwords != 2 || rt->nranges ||
					     rt->off[0] != offsetof(struct bf_pkt, saddr) ||
					     rt->mask[0] != 0xffffffff ||
					     rt->value[0] != htonl(scale_addr(i)) || rt->off[1] != 0 ||
					     rt->mask[1] != flags || rt->value[1] != flags) &&
					    bad++ < 5)
						bf_test_fail(__FILE__, __LINE__,
							     "rule %zu: test %s, %u words, first %#x/%#x "
							     "at byte %u, expected exact %#x/0xffffffff "
							     "at byte %zu",
							     i, rt->exact ? "exact" : "not exact",
							     rt->nwords, ntohl(rt->value[0]),
							     rt->mask[0], rt->off[0], scale_addr(i),
							     offsetof(struct bf_pkt, saddr));
				}
			}
			bf_cls_free(&cls);
			checked = true;
		}
		scale_run(&t, scale_addr(0), 0, before, after, nslots);
		scale_run(&t, scale_addr(SCALE_RULES / 2), SCALE_RULES / 2, before, after, nslots);
		scale_run(&t, scale_addr(SCALE_RULES - 1), SCALE_RULES - 1, before, after, nslots);
		scale_run(&t, miss, SIZE_MAX, before, after, nslots);
		scale_run(&t, 0xc0000201 /* 192.0.2.1 */, SIZE_MAX, before, after, nslots);
		tprog_close(&t);
	}
out:
	gen_free(&g);
}

/* ------------------------------------------------------------------------ */

#define YES(r, p, ...) { .rule = (r), .pkt = p, .match = true, __VA_ARGS__ }
#define NO(r, p, ...) { .rule = (r), .pkt = p, .match = false, __VA_ARGS__ }

#define BOX_HOOKS (TPROG_HOOK(BF_HOOK_XDP) | TPROG_HOOK(BF_HOOK_TC_INGRESS))
#define TC_ONLY TPROG_HOOK(BF_HOOK_TC_INGRESS)

/* The one rule of the table that can never match: the builder leaves it
 * out of every tree. */
#define BOX_NEVER "ip4.saddr 10.2.0.7 ip4.saddr 10.2.0.8"

static const struct tprog_case box_cases[] = {
	/* Negations: the field stays whole. */
	YES("ip4.saddr not 10.1.1.1", PKT_UDP4(.saddr = "10.1.1.2")),
	NO("ip4.saddr not 10.1.1.1", PKT_UDP4(.saddr = "10.1.1.1")),
	YES("ip4.snet not 10.0.0.0/8", PKT_TCP4(.saddr = "11.0.0.1")),
	NO("ip4.snet not 10.0.0.0/8", PKT_TCP4(.saddr = "10.200.0.1")),
	YES("tcp.dport not 22", PKT_TCP4(.dport = 1000)),
	NO("tcp.dport not 22", PKT_TCP4(.dport = 22)),
	YES("udp.dport not range 1000-2000", PKT_UDP4(.dport = 999)),
	NO("udp.dport not range 1000-2000", PKT_UDP4(.dport = 1500)),
	YES("ip6.snet not 2001:db8:1::/48", PKT_UDP6(.saddr = "2001:db8:2::1")),
	NO("ip6.snet not 2001:db8:1::/48", PKT_UDP6(.saddr = "2001:db8:1::1")),
	/* Sets: exact, prefix, composite. */
	YES("ip4.saddr in { 10.2.0.1; 10.2.0.2 }", PKT_UDP4(.saddr = "10.2.0.2")),
	NO("ip4.saddr in { 10.2.0.1; 10.2.0.2 }", PKT_UDP4(.saddr = "10.2.0.3")),
	YES("ip4.saddr not in { 10.2.0.1 }", PKT_UDP4(.saddr = "10.2.0.5")),
	NO("ip4.saddr not in { 10.2.0.1 }", PKT_UDP4(.saddr = "10.2.0.1")),
	YES("ip6.snet in { 2001:db8:aa::/48; fd00::/8 }", PKT_TCP6(.saddr = "2001:db8:aa:1::5")),
	NO("ip6.snet in { 2001:db8:aa::/48; fd00::/8 }", PKT_TCP6(.saddr = "2001:db8:ab::5")),
	YES("(ip4.daddr, tcp.dport) in { 10.5.5.5, 22; 10.5.5.6, 1000 }",
	    PKT_TCP4(.daddr = "10.5.5.6", .dport = 1000)),
	NO("(ip4.daddr, tcp.dport) in { 10.5.5.5, 22; 10.5.5.6, 1000 }",
	   PKT_TCP4(.daddr = "10.5.5.5", .dport = 1000)),
	YES("tcp.dport in { 990; 2500 }", PKT_TCP4(.dport = 2500)),
	NO("tcp.dport in { 990; 2500 }", PKT_TCP4(.dport = 991)),
	/* TCP flags: any and all leave the field whole, eq narrows it. */
	YES("tcp.flags any syn,fin", PKT_TCP4(.tcp_flags = PKT_TCP_SYN)),
	NO("tcp.flags any syn,fin", PKT_TCP4(.tcp_flags = PKT_TCP_ACK)),
	YES("tcp.flags all syn,ack", PKT_TCP6(.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK)),
	NO("tcp.flags all syn,ack", PKT_TCP6(.tcp_flags = PKT_TCP_SYN)),
	/* Flags at the top of the byte: a prefix-shaped mask, still no
	 * interval. */
	YES("tcp.flags any cwr,ece", PKT_TCP4(.tcp_flags = PKT_TCP_ECE | PKT_TCP_ACK)),
	NO("tcp.flags any cwr,ece", PKT_TCP4(.tcp_flags = PKT_TCP_URG | PKT_TCP_ACK)),
	YES("tcp.flags all cwr", PKT_TCP6(.tcp_flags = PKT_TCP_CWR | PKT_TCP_ACK)),
	NO("tcp.flags all cwr", PKT_TCP6(.tcp_flags = PKT_TCP_ECE)),
	YES("tcp.flags eq syn", PKT_TCP4(.tcp_flags = PKT_TCP_SYN)),
	NO("tcp.flags eq syn", PKT_TCP4(.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK)),
	/* IPv6 extension headers: a bit test. */
	YES("ip6.nexthdr hop", PKT_UDP6(PKT_EXT(PKT_EXT_HOP))),
	NO("ip6.nexthdr hop", PKT_UDP6()),
	/* Probabilities: 100% matches everything, 0% nothing. */
	YES("meta.probability 100%", PKT_UDP6()),
	YES("meta.probability 100%", PKT_TCP4(.saddr = "10.2.0.3")),
	NO("meta.probability 0%", PKT_UDP4()),
	NO("meta.probability 0%", PKT_TCP6()),
	YES("meta.probability 100% tcp.dport not 443", PKT_TCP4()),
	NO("meta.probability 100% tcp.dport not 443", PKT_TCP4(.dport = 443)),
	/* The mark, never a tree dimension (TC: XDP has none). */
	YES("meta.mark 0x77", PKT_UDP4(), .mark = 0x77, .hooks = TC_ONLY),
	NO("meta.mark 0x77", PKT_UDP4(), .mark = 0x78, .hooks = TC_ONLY),
	YES("meta.mark not 0x77", PKT_UDP4(), .hooks = TC_ONLY),
	NO("meta.mark not 0x77", PKT_UDP4(), .mark = 0x77, .hooks = TC_ONLY),
	YES("ip4.saddr 10.2.0.9 meta.mark 0x77", PKT_UDP4(.saddr = "10.2.0.9"), .mark = 0x77,
	    .hooks = TC_ONLY),
	NO("ip4.saddr 10.2.0.9 meta.mark 0x77", PKT_UDP4(.saddr = "10.2.0.9"), .mark = 0x76,
	   .hooks = TC_ONLY),
	/* Contradictory: in no tree, never run. */
	NO(BOX_NEVER, PKT_UDP4(.saddr = "10.2.0.7")),
	NO(BOX_NEVER, PKT_UDP4(.saddr = "10.2.0.8")),
	/* IPv6 prefixes: /48 (word 1 halved), /49, /64, /128. */
	YES("ip6.snet 2001:db8:1::/48", PKT_UDP6(.saddr = "2001:db8:1:ffff:ffff:ffff:ffff:ffff")),
	YES("ip6.snet 2001:db8:1::/48", PKT_UDP6(.saddr = "2001:db8:1::")),
	NO("ip6.snet 2001:db8:1::/48", PKT_UDP6(.saddr = "2001:db8:2::")),
	NO("ip6.snet 2001:db8:1::/48", PKT_UDP6(.saddr = "2001:db8:0:ffff::1")),
	YES("ip6.snet 2001:db8:1:8000::/49", PKT_TCP6(.saddr = "2001:db8:1:8001::1")),
	NO("ip6.snet 2001:db8:1:8000::/49", PKT_TCP6(.saddr = "2001:db8:1:7fff::1")),
	YES("ip6.dnet 2001:db8:5:6::/64", PKT_UDP6(.daddr = "2001:db8:5:6:ffff::1")),
	NO("ip6.dnet 2001:db8:5:6::/64", PKT_UDP6(.daddr = "2001:db8:5:7::")),
	NO("ip6.dnet 2001:db8:5:6::/64", PKT_UDP6(.daddr = "2001:db8:5:5:ffff:ffff:ffff:ffff")),
	YES("ip6.saddr 2001:db8:1::abcd", PKT_TCP6(.saddr = "2001:db8:1::abcd")),
	NO("ip6.saddr 2001:db8:1::abcd", PKT_TCP6(.saddr = "2001:db8:1::abce")),
	NO("ip6.saddr 2001:db8:1::abcd", PKT_TCP6(.saddr = "2001:db8:1:0:1::abcd")),
	YES("ip6.dnet 2001:db8:9::1/128", PKT_ICMP6(.daddr = "2001:db8:9::1")),
	NO("ip6.dnet 2001:db8:9::1/128", PKT_ICMP6(.daddr = "2001:db8:9::")),
	NO("ip6.dnet 2001:db8:9::1/128", PKT_ICMP6(.daddr = "2001:db9:9::1")),
	YES("ip6.dnet ::/0", PKT_UDP6(.daddr = "fe80::1")),
	NO("ip6.dnet ::/0", PKT_UDP4()),
	/* Port ranges, on both sides of byte boundaries. */
	YES("tcp.dport range 1000-2000", PKT_TCP4(.dport = 1000)),
	YES("tcp.dport range 1000-2000", PKT_TCP6(.dport = 2000)),
	NO("tcp.dport range 1000-2000", PKT_TCP4(.dport = 999)),
	NO("tcp.dport range 1000-2000", PKT_TCP4(.dport = 2001)),
	YES("udp.sport range 255-256", PKT_UDP4(.sport = 256)),
	YES("udp.sport range 255-256", PKT_UDP6(.sport = 255)),
	NO("udp.sport range 255-256", PKT_UDP4(.sport = 257)),
	NO("udp.sport range 255-256", PKT_UDP4(.sport = 254)),
	YES("meta.dport range 60000-65535", PKT_TCP4(.dport = 65535)),
	YES("meta.dport range 60000-65535", PKT_UDP6(.dport = 60000)),
	NO("meta.dport range 60000-65535", PKT_UDP4(.dport = 59999)),
	/* Wide, ends next to powers of two: off by one, a box would miss
	 * them. */
	YES("tcp.dport range 1023-2048", PKT_TCP4(.dport = 1023)),
	YES("tcp.dport range 1023-2048", PKT_TCP6(.dport = 2048)),
	NO("tcp.dport range 1023-2048", PKT_TCP4(.dport = 1022)),
	NO("tcp.dport range 1023-2048", PKT_TCP4(.dport = 2049)),
	YES("tcp.sport range 0-1023", PKT_TCP4(.sport = 1023)),
	NO("tcp.sport range 0-1023", PKT_TCP4(.sport = 1024)),
	/* IPv4 prefixes off byte boundaries. */
	YES("ip4.dnet 192.168.128.0/17", PKT_UDP4(.daddr = "192.168.200.1")),
	NO("ip4.dnet 192.168.128.0/17", PKT_UDP4(.daddr = "192.168.127.255")),
	YES("ip4.snet 10.2.0.0/30", PKT_UDP4(.saddr = "10.2.0.3")),
	NO("ip4.snet 10.2.0.0/30", PKT_UDP4(.saddr = "10.2.0.4")),
	/* Narrow in two fields. */
	YES("ip4.saddr 10.2.0.20 tcp.dport 1005", PKT_TCP4(.saddr = "10.2.0.20", .dport = 1005)),
	NO("ip4.saddr 10.2.0.20 tcp.dport 1005", PKT_TCP4(.saddr = "10.2.0.20", .dport = 1006)),
	NO("ip4.saddr 10.2.0.20 tcp.dport 1005", PKT_TCP4(.saddr = "10.2.0.21", .dport = 1005)),
	YES("meta.l4_proto udp ip4.daddr 192.168.128.7", PKT_UDP4(.daddr = "192.168.128.7")),
	NO("meta.l4_proto udp ip4.daddr 192.168.128.7", PKT_TCP4(.daddr = "192.168.128.7")),
};

/*
 * Narrow rules around the table's values, sharing leaves and cuts with
 * them: exact IPv6 and IPv4 sources, destination ports around 1000, IPv4
 * destinations on both sides of 192.168.128.0/17; a ladder of abutting
 * port ranges (each under 256 ports: narrow), whose ends the trees must
 * cut exactly; and exact TCP flags, which make the flags byte worth
 * cutting where the rules with flags any and all are.
 */
enum box_fill {
	FILL_IP6,
	FILL_IP4,
	FILL_PORT,
	FILL_DADDR,
	FILL_LADDER,
	FILL_FLAGS,
	_FILL_MAX,
};

#define LADDER_N 48
#define LADDER_BASE 30000

static const uint8_t box_flags[] = { 0x02, 0x12, 0x10, 0x11, 0x18, 0x04,
				     0x14, 0x50, 0xc2, 0x80, 0x29, 0x40 };
static const unsigned int box_fill_count[_FILL_MAX] = {
	[FILL_IP6] = 40, [FILL_IP4] = 40,	  [FILL_PORT] = 40,
	[FILL_DADDR] = 40, [FILL_LADDER] = LADDER_N, [FILL_FLAGS] = ARRAY_SIZE(box_flags),
};
static const char *const ladder_field[] = { "tcp.dport", "udp.dport", "meta.dport" };

/*
 * The ladder's step @i: ports ladder_lo(i) to ladder_lo(i + 1) - 1, on no
 * power-of-two boundary in particular. The first half are 2 to 4 ports
 * wide: the trees cut windows below the highest bit where a node's rules
 * differ, so only steps this close to each other get cut down to their
 * last bits, where a box one port short would show. The others are 38 to
 * 97 ports wide.
 */
static uint32_t ladder_lo(unsigned int i)
{
	uint32_t lo = LADDER_BASE;

	for (unsigned int j = 0; j < i; j++)
		lo += j < LADDER_N / 2 ? 2 + j % 3 : 38 + (j * 13) % 60;
	return lo;
}

/* Fillers are written round-robin over their kinds; ladder[i] is the
 * index of the ladder's step i in the chain. */
struct box_fill_state {
	unsigned int kind;
	unsigned int done[_FILL_MAX];
	size_t ladder[LADDER_N];
};

/* Write the next filler; false when they are all written. */
static bool box_fill_next(struct gen *g, struct box_fill_state *f)
{
	unsigned int i, k;

	for (k = 0; k < _FILL_MAX; k++) {
		if (f->done[(f->kind + k) % _FILL_MAX] < box_fill_count[(f->kind + k) % _FILL_MAX])
			break;
	}
	if (k == _FILL_MAX)
		return false;
	k = (f->kind + k) % _FILL_MAX;
	f->kind = (k + 1) % _FILL_MAX;
	i = f->done[k]++;

	switch (k) {
	case FILL_IP6:
		gen_rule(g, "ip6.saddr 2001:db8:1::%x counter CONTINUE", i + 1);
		break;
	case FILL_IP4:
		gen_rule(g, "ip4.saddr 10.2.0.%u counter CONTINUE", i + 3);
		break;
	case FILL_PORT:
		gen_rule(g, "tcp.dport %u counter CONTINUE", 980 + i);
		break;
	case FILL_DADDR:
		gen_rule(g, "ip4.daddr 192.168.%u.%u counter CONTINUE", 127 + i % 2,
			 i % 2 ? i / 2 : 255 - i / 2);
		break;
	case FILL_LADDER:
		f->ladder[i] = gen_rule(g, "%s range %u-%u counter CONTINUE", ladder_field[i % 3],
					ladder_lo(i), ladder_lo(i + 1) - 1);
		break;
	default:
		gen_rule(g, "tcp.flags eq 0x%02x counter CONTINUE", box_flags[i]);
		break;
	}
	return true;
}

/*
 * The table's chain on @hook: its distinct rules (rows that apply to the
 * hook), each "counter CONTINUE", with the fillers spread among them.
 * rule[i] is row i's rule index, -1 when it does not apply.
 */
static void box_chain(struct gen *g, enum bf_hook hook, long *rule, struct box_fill_state *f)
{
	const size_t n = ARRAY_SIZE(box_cases);

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		const struct tprog_case *c = &box_cases[i];
		size_t j;

		rule[i] = -1;
		if (!((c->hooks ?: BOX_HOOKS) & TPROG_HOOK(hook)))
			continue;
		for (j = 0; j < i; j++) {
			if (rule[j] >= 0 && !strcmp(box_cases[j].rule, c->rule))
				break;
		}
		if (j < i) {
			rule[i] = rule[j];
			continue;
		}
		/* A few fillers before each rule of the table. */
		for (unsigned int k = 0; k < 3 && box_fill_next(g, f); k++)
			;
		rule[i] = (long)gen_rule(g, "%s counter CONTINUE", c->rule);
	}
	while (box_fill_next(g, f))
		;
}

/* The rules of the table in no tree: only BOX_NEVER may be. */
static void box_check_trees(const struct bf_cls *cls, const uint8_t *trees, const struct gen *g)
{
	ASSERT_TRUE(g->nrules >= 64 + 40 && cls->ntrees >= 3,
		    "the table's chain (%zu rules) has %u classifier tree(s), the test needs 3 or "
		    "more: the builder's grouping changed, add fillers",
		    g->nrules, cls->ntrees);
	for (size_t i = 0; i < g->nrules; i++) {
		bool never = !strncmp(gen_text(g, i), BOX_NEVER, strlen(BOX_NEVER));

		if (never)
			ASSERT_TRUE(!trees[i], "rule %zu '%s', which never matches, is in trees %#x",
				    i, gen_text(g, i), trees[i]);
		else
			ASSERT_TRUE(tree_of(trees, i) >= 0,
				    "rule %zu '%s' is in trees %#x, expected one", i,
				    gen_text(g, i), trees[i]);
		if (bf_test_verbose() && !never)
			fprintf(stderr, "  tree %d: %s\n", tree_of(trees, i), gen_text(g, i));
	}
}

/* Counters around a run, and the slots the reference evaluator says move. */
struct box_run {
	struct bf_counter *before;
	struct bf_counter *after;
	uint64_t *counted;
	size_t nslots;
};

static uint64_t box_moved(const struct box_run *b, size_t slot)
{
	return b->after[slot].packets - b->before[slot].packets;
}

/*
 * Run @spec (@mark on TC) through @t's program and through the reference
 * evaluator (lib/eval.h): every counter of the chain must move exactly as
 * the evaluator says, and the policy apply (every rule is CONTINUE). False
 * when the run itself failed: the counters are then not to be read.
 */
static bool box_probe(struct tprog *t, const struct gen *g, const struct pkt_spec *spec,
		      uint32_t mark, const char *label, struct box_run *b)
{
	const char *hook = tprog_hook_name(t->hook);
	const struct tprog_opts opts = { .mark = mark };
	struct bf_eval_result res = { .counted = b->counted };
	struct bf_eval_ctx ctx = {
		.l2 = true,
		.ifindex = TPROG_IFINDEX,
		.mark = t->hook == BF_HOOK_XDP ? 0 : mark,
		.l3_proto = spec->l3 == PKT_L3_IP6 ? 0x86dd : 0x0800,
	};
	uint8_t frame[PKT_MAX];
	char desc[256];
	unsigned int bad = 0;
	enum bf_verdict v;
	int len, r;

	pkt_describe(spec, desc, sizeof(desc));
	len = pkt_build(spec, frame, sizeof(frame));
	if (!ASSERT_TRUE(len > 0, "%s: cannot build %s", label, desc))
		return false;
	memset(b->counted, 0, BF_EVAL_WORDS(b->nslots) * sizeof(*b->counted));
	r = bf_eval_chain(t->chain, frame, (size_t)len, &ctx, &res);
	if (!ASSERT_OK(r, "the reference evaluator") ||
	    !ASSERT_OK(tprog_counters(t, b->before, b->nslots), "reading counters"))
		return false;
	r = tprog_run_raw(t, frame, (size_t)len, spec->l3, &opts, &v);
	if (!ASSERT_TRUE(r == 0, "%s on %s: test run failed: %s", label, hook, strerror(-r)) ||
	    !ASSERT_OK(tprog_counters(t, b->after, b->nslots), "reading counters"))
		return false;

	ASSERT_TRUE(v == BF_VERDICT_ACCEPT, "%s on %s: %s, expected the policy", label, hook,
		    tprog_verdict_name(v));
	for (size_t i = 0; i < b->nslots; i++) {
		uint64_t d = box_moved(b, i);

		if (d == bf_eval_bit(b->counted, i) || bad++ >= 5)
			continue;
		bf_test_fail(__FILE__, __LINE__,
			     "%s (%s, mark 0x%x) on %s: counter %zu '%s' moved by %llu, the "
			     "reference evaluator says %d",
			     label, desc, mark, hook, i, gen_text(g, i), (unsigned long long)d,
			     bf_eval_bit(b->counted, i));
	}
	return true;
}

/* Row @idx of the table: its rule's counter moves exactly when the row
 * says, and every other one as the evaluator says. */
static void box_row(struct tprog *t, const struct gen *g, size_t idx, size_t rule,
		    struct box_run *b)
{
	const struct tprog_case *c = &box_cases[idx];
	char label[64];

	snprintf(label, sizeof(label), "row %zu", idx);
	if (!box_probe(t, g, &c->pkt, c->mark, label, b))
		return;
	ASSERT_TRUE(box_moved(b, rule) == c->match, "row %zu '%s' on %s: %s its packet (mark 0x%x)",
		    idx, c->rule, tprog_hook_name(t->hook),
		    c->match ? "does not match" : "matches", c->mark);
	ASSERT_TRUE(bf_eval_bit(b->counted, rule) == c->match,
		    "row %zu '%s': the reference evaluator disagrees with the row", idx, c->rule);
}

/* Both ends of every step of the ladder, and the ports just outside it:
 * each step's rule alone among the ladder's takes its ends. */
static void box_ladder(struct tprog *t, const struct gen *g, const struct box_fill_state *f,
		       struct box_run *b)
{
	for (unsigned int i = 0; i <= LADDER_N; i++) {
		for (unsigned int end = 0; end < 2; end++) {
			uint32_t port = end ? ladder_lo(i) - 1 : ladder_lo(i);
			/* The step this port is in, LADDER_N for none. */
			unsigned int step = end ? (i ? i - 1 : LADDER_N) : i;
			bool tcp = step == LADDER_N ? port % 2 : step % 3 == 0 ||
							(step % 3 == 2 && step % 2);
			struct pkt_spec spec = tcp ? PKT_TCP4(.dport = port) : PKT_UDP4(.dport = port);
			char label[64];

			snprintf(label, sizeof(label), "ladder port %u", port);
			if (!box_probe(t, g, &spec, 0, label, b))
				continue;
			for (unsigned int s = 0; s < LADDER_N; s++)
				ASSERT_TRUE(box_moved(b, f->ladder[s]) == (s == step),
					    "%s (%s) on %s: rule '%s' %s", label, tcp ? "TCP" : "UDP",
					    tprog_hook_name(t->hook), gen_text(g, f->ladder[s]),
					    s == step ? "does not match" : "matches");
		}
	}
}

/* TCP packets with flags on either side of the fillers' and rows'. */
static void box_flag_probes(struct tprog *t, const struct gen *g, struct box_run *b)
{
	static const uint8_t flags[] = { 0x00, 0x01, 0x12, 0x41, 0x50, 0x52,
					 0x80, 0x90, 0xc0, 0xc2, 0xd0, 0xff };

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		struct pkt_spec spec = PKT_TCP4(.tcp_flags = flags[i]);
		char label[64];

		snprintf(label, sizeof(label), "TCP flags 0x%02x", flags[i]);
		box_probe(t, g, &spec, 0, label, b);
	}
}

/*
 * Rules the trees cannot narrow on, among narrow rules that make the chain
 * split into trees, and prefixes and ranges cut off byte boundaries: each
 * row's packet matches its rule or not, each step of a ladder of ranges
 * takes its ends, and every rule of the chain counts each packet exactly
 * when the reference evaluator says it matches.
 */
BF_TEST(prog_cls_boxes)
{
	const size_t n = ARRAY_SIZE(box_cases);
	bool checked = false;

	for_each_hook(hook, BOX_HOOKS) {
		_cleanup_free_ long *rule = calloc(n, sizeof(*rule));
		_cleanup_free_ struct box_fill_state *f = calloc(1, sizeof(*f));
		struct gen g = { .keep = true };
		struct box_run b = {};
		struct tprog t = {};

		if (!ASSERT_TRUE(rule && f, "out of memory"))
			break;
		box_chain(&g, hook, rule, f);
		b.nslots = g.nrules + 2;
		b.before = calloc(b.nslots, sizeof(*b.before));
		b.after = calloc(b.nslots, sizeof(*b.after));
		b.counted = calloc(BF_EVAL_WORDS(b.nslots), sizeof(*b.counted));
		if (!gen_ok(&g) || !ASSERT_TRUE(b.before && b.after && b.counted, "out of memory") ||
		    !load(&t, hook, "ACCEPT", g.buf))
			goto next;
		/* The TC chain has every rule: its classifier is checked. */
		if (!checked && hook == BF_HOOK_TC_INGRESS) {
			_cleanup_free_ uint8_t *trees = NULL;
			struct bf_cls cls;

			if (cls_check(&t, &cls, &trees, NULL))
				box_check_trees(&cls, trees, &g);
			bf_cls_free(&cls);
			checked = true;
		}
		for (size_t i = 0; i < n; i++) {
			if (rule[i] >= 0)
				box_row(&t, &g, i, (size_t)rule[i], &b);
		}
		box_ladder(&t, &g, f, &b);
		box_flag_probes(&t, &g, &b);
next:
		tprog_close(&t);
		gen_free(&g);
		free(b.before);
		free(b.after);
		free(b.counted);
	}
}

/* ------------------------------------------------------------------------ */

/*
 * The benchmark's ClassBench-style ACL (selftests/bench/acl.c), every rule
 * counting: a chain of several trees whose groups the builder merges (the
 * rules narrow in destination, source and port join those narrow in
 * destination and source), run on packets inside random rules and on
 * misses. Each packet's verdict, and at the end every rule's counter, must
 * be those of the first rule that the generator's own first-match check
 * says it hits.
 */
#define ACL_RULES 10000
#define ACL_PKTS 800
#define ACL_SEED 0x61636c2d74657374ULL

/* The ACL's rules, "counter" before each verdict, into @g. */
static bool acl_chain(const struct bench_acl *acl, struct gen *g)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	char *line, *save = NULL;

	if (!ASSERT_TRUE(f, "open_memstream: %s", strerror(errno)))
		return false;
	if (!ASSERT_OK(bench_acl_write(acl, "BF_HOOK_XDP", f), "writing the ACL") ||
	    !ASSERT_TRUE(!fclose(f), "writing the ACL: %s", strerror(errno)))
		return false;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *verdict = strrchr(line, ' ');

		if (strncmp(line, "rule ", 5) || !verdict)
			continue;
		*verdict++ = '\0';
		gen_rule(g, "%s counter %s", line + 5, verdict);
	}
	return gen_ok(g) && ASSERT_EQ(g->nrules, acl->n, "rules written");
}

/* Whether a port range [lo, hi] is narrow, as bf_cls_sig() has it: at
 * most half of the field's 16 bits free. */
static bool acl_port_narrow(uint16_t lo, uint16_t hi)
{
	return hi - lo < 256;
}

/* The merge the test is about: a rule narrow in destination, source and
 * destination port shares its tree with one narrow in the addresses only. */
static void acl_check_trees(const struct bf_cls *cls, const uint8_t *trees,
			    const struct bench_acl *acl)
{
	long full = -1, addrs = -1;

	for (uint32_t i = 0; i < acl->n && (full < 0 || addrs < 0); i++) {
		const struct bench_acl_rule *r = &acl->rules[i];
		bool both = r->slen >= 16 && r->dlen >= 16 && !acl_port_narrow(r->sport_lo, r->sport_hi);

		if (both && r->proto && acl_port_narrow(r->dport_lo, r->dport_hi) && full < 0)
			full = i;
		else if (both && !acl_port_narrow(r->dport_lo, r->dport_hi) && addrs < 0)
			addrs = i;
	}
	if (!ASSERT_TRUE(full >= 0 && addrs >= 0, "the ACL has no rules of the two groups"))
		return;
	ASSERT_TRUE(cls->ntrees > 1, "the ACL has %u classifier tree(s)", cls->ntrees);
	ASSERT_TRUE(tree_of(trees, full) >= 0 && tree_of(trees, full) == tree_of(trees, addrs),
		    "rule %ld (addresses and port) is in tree %d, rule %ld (addresses) in %d: "
		    "the builder no longer merges their groups, or the cost model prefers "
		    "otherwise",
		    full, tree_of(trees, full), addrs, tree_of(trees, addrs));
}

BF_TEST(prog_cls_acl)
{
	const size_t nslots = ACL_RULES + 2;
	_cleanup_free_ struct bf_counter *want = calloc(nslots, sizeof(*want));
	_cleanup_free_ struct bf_counter *got = calloc(nslots, sizeof(*got));
	_cleanup_free_ uint8_t *trees = NULL;
	struct bench_acl acl = {};
	struct gen g = { .keep = true };
	struct bf_rng rng = { .s = ACL_SEED };
	struct tprog t = {};
	struct bf_cls cls;
	unsigned int bad = 0, hits = 0;

	if (!ASSERT_TRUE(want && got, "out of memory") ||
	    !ASSERT_OK(bench_acl_gen(&acl, ACL_RULES, ACL_SEED), "generating the ACL"))
		goto out;
	if (!acl_chain(&acl, &g) || !load(&t, BF_HOOK_XDP, "DROP", g.buf))
		goto out;
	if (cls_check(&t, &cls, &trees, NULL))
		acl_check_trees(&cls, trees, &acl);
	bf_cls_free(&cls);

	for (uint32_t i = 0; i < ACL_PKTS; i++) {
		struct bench_acl_pkt p;
		char src[16], dst[16];
		struct pkt_spec spec = { .l3 = PKT_L3_IP4, .saddr = src, .daddr = dst };
		enum bf_verdict v;
		size_t slot;
		int r;

		if (i % 8 == 7)
			r = bench_acl_miss(&acl, ACL_SEED + i, &p);
		else
			r = bench_acl_hit(&acl, bf_rng_u64(&rng) % ACL_RULES, ACL_SEED + i, &p);
		if (r == -ENOENT)
			continue;
		if (!ASSERT_TRUE(r == 0, "packet %u: none built: %s", i, strerror(-r)))
			break;
		addr_str(p.src, src, sizeof(src));
		addr_str(p.dst, dst, sizeof(dst));
		spec.proto = p.proto;
		spec.sport = p.sport;
		spec.dport = p.dport;
		r = tprog_run(&t, &spec, NULL, &v);
		if (!ASSERT_TRUE(r == 0, "packet %u: test run failed: %s", i, strerror(-r)))
			break;
		if (v != p.verdict && bad++ < 5)
			bf_test_fail(__FILE__, __LINE__,
				     "packet %u %s:%u -> %s:%u proto %u: %s, expected %s (rule %lld '%s')",
				     i, src, p.sport, dst, p.dport, p.proto, tprog_verdict_name(v),
				     tprog_verdict_name(p.verdict), (long long)p.rule,
				     p.rule >= 0 ? gen_text(&g, (size_t)p.rule) : "(policy)");
		slot = p.rule >= 0 ? (size_t)p.rule : ACL_RULES;
		want[slot].packets++;
		want[slot].bytes += hook_len(BF_HOOK_XDP, &spec);
		hits += p.rule >= 0;
	}
	ASSERT_TRUE(hits > ACL_PKTS / 2, "only %u of the packets hit a rule", hits);
	if (ASSERT_OK(tprog_counters(&t, got, nslots), "reading counters"))
		check_all_counters(&t, &g, got, want, nslots, "the ACL's packets");
out:
	tprog_close(&t);
	gen_free(&g);
	bench_acl_free(&acl);
}

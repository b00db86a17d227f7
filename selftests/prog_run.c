// SPDX-License-Identifier: GPL-2.0-only
#include "prog_run.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/cgen.h"
#include "daemon/prog.h"
#include "lib/chain.h"
#include "lib/helper.h"
#include "lib/names.h"
#include "lib/parse.h"
#include "lib/validate.h"
#include "test.h"

/* The netfilter test run's context is the kernel's struct nf_hook_state:
 * hook and pf, then pointers the kernel wants zeroed and fills itself. */
struct tprog_nf_state {
	uint8_t hook;
	uint8_t pf;
	void *in;
	void *out;
	void *sk;
	void *net;
	void *okfn;
};

#define TPROG_NFPROTO_IPV4 2
#define TPROG_NFPROTO_IPV6 10

static bool tprog_is_nf(enum bf_hook hook)
{
	return hook >= BF_HOOK_NF_PRE_ROUTING && hook <= BF_HOOK_NF_POST_ROUTING;
}

static bool tprog_is_l2(enum bf_hook hook)
{
	return TPROG_HOOK(hook) & TPROG_HOOKS_L2;
}

const char *tprog_hook_name(enum bf_hook hook)
{
	return bf_hook_to_str(hook) ?: "?";
}

const char *tprog_verdict_name(enum bf_verdict verdict)
{
	return bf_verdict_to_str(verdict) ?: "?";
}

static int tprog_fail(struct tprog *t, int r, const char *step)
{
	t->step = step;
	if (!t->err[0])
		snprintf(t->err, sizeof(t->err), "%s", strerror(-r));
	return r;
}

int tprog_load(struct tprog *t, const char *text)
{
	_cleanup_bf_ruleset_ struct bf_ruleset *rs = NULL;
	int r;

	memset(t, 0, sizeof(*t));
	r = bf_parse_ruleset(text, &rs, t->err, sizeof(t->err));
	if (r)
		return tprog_fail(t, r, "parse");
	if (rs->nchains != 1) {
		snprintf(t->err, sizeof(t->err), "%zu chains, expected 1", rs->nchains);
		return tprog_fail(t, -EINVAL, "parse");
	}
	t->chain = TAKE_PTR(rs->chains[0]);
	t->hook = t->chain->hook;

	r = bf_chain_validate(t->chain, t->err, sizeof(t->err));
	if (r)
		return tprog_fail(t, r, "validate");
	r = bf_chain_resolve(t->chain, t->err, sizeof(t->err));
	if (r)
		return tprog_fail(t, r, "resolve");
	r = bf_prog_load(t->chain, &t->prog, t->err, sizeof(t->err));
	if (r)
		return tprog_fail(t, r, "load");
	return 0;
}

int tprog_load_body(struct tprog *t, enum bf_hook hook, const char *policy, const char *body)
{
	_cleanup_free_ char *text = NULL;

	if (asprintf(&text, "chain t %s %s\n%s\n", tprog_hook_name(hook), policy, body) < 0) {
		memset(t, 0, sizeof(*t));
		return tprog_fail(t, -ENOMEM, "format");
	}
	return tprog_load(t, text);
}

void tprog_close(struct tprog *t)
{
	bf_prog_free(&t->prog);
	bf_chain_free(&t->chain);
}

bool tprog_can_run(enum bf_hook hook, const struct pkt_spec *spec)
{
	uint8_t frame[PKT_MAX];
	size_t iphdr;
	int len;

	/* A VLAN tag is only seen, and skipped, by hooks that see Ethernet;
	 * elsewhere the packet would not be IP at all. */
	if (spec->vlan && !tprog_is_l2(hook))
		return false;
	/* Netfilter test runs only take IPv4 and IPv6. */
	if (tprog_is_nf(hook) && !pkt_is_ip(spec))
		return false;
	if (hook == BF_HOOK_XDP || spec->vlan || !pkt_is_ip(spec))
		return true;

	/* Test runs with an skb refuse IP packets without a whole IP
	 * header; XDP takes anything from an Ethernet header up. */
	len = pkt_build(spec, frame, sizeof(frame));
	iphdr = spec->l3 == PKT_L3_IP4 ? 20 : 40;
	return len >= 0 && (size_t)len >= pkt_l3_off(spec) + iphdr;
}

static int tprog_retval_verdict(enum bf_hook hook, int retval, enum bf_verdict *verdict)
{
	int drop, pass, next = INT32_MIN, redirect = INT32_MIN;

	switch (hook) {
	case BF_HOOK_XDP:
		drop = XDP_DROP;
		pass = XDP_PASS;
		redirect = XDP_REDIRECT;
		break;
	case BF_HOOK_TC_INGRESS:
	case BF_HOOK_TC_EGRESS:
		drop = TCX_DROP;
		pass = TCX_PASS;
		next = TCX_NEXT;
		redirect = TCX_REDIRECT;
		break;
	default:
		/* cgroup_skb: 0 drops, 1 lets through; netfilter NF_DROP 0,
		 * NF_ACCEPT 1. */
		drop = 0;
		pass = 1;
		break;
	}
	if (retval == drop)
		*verdict = BF_VERDICT_DROP;
	else if (retval == pass)
		*verdict = BF_VERDICT_ACCEPT;
	else if (retval == next)
		*verdict = BF_VERDICT_NEXT;
	else if (retval == redirect)
		*verdict = BF_VERDICT_REDIRECT;
	else
		return -ERANGE;
	return 0;
}

int tprog_run_raw(struct tprog *t, const uint8_t *frame, size_t len, enum pkt_l3 l3,
		  const struct tprog_opts *opts, enum bf_verdict *verdict)
{
	struct xdp_md xdp = { .data_end = len, .ingress_ifindex = TPROG_IFINDEX };
	struct __sk_buff skb = { .ifindex = TPROG_IFINDEX };
	/* enum bf_hook has the netfilter hooks in the kernel's order. */
	struct tprog_nf_state nf = { .hook = t->hook - BF_HOOK_NF_PRE_ROUTING };
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = frame, .data_size_in = len,
		    .repeat = opts && opts->repeat ? opts->repeat : 1);
	int r;

	switch (t->hook) {
	case BF_HOOK_XDP:
		topts.ctx_in = &xdp;
		topts.ctx_size_in = sizeof(xdp);
		break;
	case BF_HOOK_TC_INGRESS:
	case BF_HOOK_TC_EGRESS:
	case BF_HOOK_CGROUP_SKB_INGRESS:
	case BF_HOOK_CGROUP_SKB_EGRESS:
		skb.mark = opts ? opts->mark : 0;
		topts.ctx_in = &skb;
		topts.ctx_size_in = sizeof(skb);
		topts.ctx_out = &skb;
		topts.ctx_size_out = sizeof(skb);
		break;
	default:
		nf.pf = l3 == PKT_L3_IP6 ? TPROG_NFPROTO_IPV6 : TPROG_NFPROTO_IPV4;
		topts.ctx_in = &nf;
		topts.ctx_size_in = sizeof(nf);
		if (t->hook == BF_HOOK_NF_LOCAL_OUT && len >= PKT_ETH_HLEN) {
			topts.data_in = frame + PKT_ETH_HLEN;
			topts.data_size_in = len - PKT_ETH_HLEN;
		}
		break;
	}

	r = bpf_prog_test_run_opts(t->prog->fd, &topts);
	if (r)
		return -errno;
	t->mark_out = skb.mark;
	return tprog_retval_verdict(t->hook, (int)topts.retval, verdict);
}

int tprog_run(struct tprog *t, const struct pkt_spec *spec, const struct tprog_opts *opts,
	      enum bf_verdict *verdict)
{
	uint8_t frame[PKT_MAX];
	int len = pkt_build(spec, frame, sizeof(frame));

	if (len < 0)
		return len;
	return tprog_run_raw(t, frame, (size_t)len, spec->l3, opts, verdict);
}

int tprog_counters(struct tprog *t, struct bf_counter *out, size_t n)
{
	return bf_prog_read_counters(t->prog, out, n);
}

uint64_t tprog_pkt_len(enum bf_hook hook, size_t len)
{
	return tprog_is_l2(hook) ? len : len - PKT_ETH_HLEN;
}

static bool tprog_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool tprog_case_applies(const struct tprog_case *c, uint32_t hooks, enum bf_hook hook)
{
	return (c->hooks ?: hooks) & TPROG_HOOK(hook);
}

/*
 * The chain of a table on one hook: every distinct rule of the rows that
 * apply to the hook, in order, each "counter CONTINUE", after every
 * distinct set definition. rule[i] is row i's rule index in the chain, or
 * -1 when the row does not apply.
 */
struct tprog_table {
	char *body;
	size_t nrules;
	int *rule;
};

static void tprog_table_clean(struct tprog_table *tt)
{
	free(tt->body);
	free(tt->rule);
}

static int tprog_table_build(struct tprog_table *tt, const struct tprog_case *cases, size_t n,
			     uint32_t hooks, enum bf_hook hook)
{
	_cleanup_free_ char *sets = NULL, *rules = NULL;
	size_t sets_len = 0, rules_len = 0;
	FILE *fs, *fr;

	memset(tt, 0, sizeof(*tt));
	tt->rule = calloc(n ?: 1, sizeof(*tt->rule));
	fs = open_memstream(&sets, &sets_len);
	fr = open_memstream(&rules, &rules_len);
	if (!tt->rule || !fs || !fr) {
		if (fs)
			fclose(fs);
		if (fr)
			fclose(fr);
		return -ENOMEM;
	}

	for (size_t i = 0; i < n; i++) {
		const struct tprog_case *c = &cases[i];
		size_t j;

		tt->rule[i] = -1;
		if (!tprog_case_applies(c, hooks, hook))
			continue;

		/* An earlier row with the same rule and sets shares it. */
		for (j = 0; j < i; j++) {
			if (tt->rule[j] >= 0 && tprog_same(cases[j].rule, c->rule) &&
			    tprog_same(cases[j].sets, c->sets))
				break;
		}
		if (j < i) {
			tt->rule[i] = tt->rule[j];
			continue;
		}
		tt->rule[i] = (int)tt->nrules++;
		fprintf(fr, "rule\n    %s\n    counter\n    CONTINUE\n", c->rule);

		/* Named sets are defined once, however many rows use them. */
		for (j = 0; j < i; j++) {
			if (tt->rule[j] >= 0 && tprog_same(cases[j].sets, c->sets))
				break;
		}
		if (j == i && c->sets)
			fprintf(fs, "%s\n", c->sets);
	}
	fclose(fs);
	fclose(fr);

	if (asprintf(&tt->body, "%s%s", sets, rules) < 0) {
		tt->body = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Run row @idx and check that its rule, and only the policy after it,
 * counted the packet as the row says. */
static void tprog_check_case(const char *table, size_t idx, const struct tprog_case *c,
			     struct tprog *t, size_t rule, size_t nrules)
{
	_cleanup_free_ struct bf_counter *before = calloc(nrules + 2, sizeof(*before));
	_cleanup_free_ struct bf_counter *after = calloc(nrules + 2, sizeof(*after));
	struct tprog_opts opts = { .mark = c->mark };
	const char *hook = tprog_hook_name(t->hook);
	uint64_t hits, policy;
	enum bf_verdict v;
	int r;

	if (!ASSERT_TRUE(before && after, "out of memory"))
		return;
	if (!ASSERT_OK(tprog_counters(t, before, nrules + 2), "reading counters"))
		return;
	r = tprog_run(t, &c->pkt, &opts, &v);
	if (!ASSERT_TRUE(r == 0, "%s row %zu '%s' on %s: test run failed: %s", table, idx,
			 c->rule, hook, strerror(-r)))
		return;
	if (!ASSERT_OK(tprog_counters(t, after, nrules + 2), "reading counters"))
		return;

	hits = after[rule].packets - before[rule].packets;
	policy = after[nrules].packets - before[nrules].packets;
	if (hits != (c->match ? 1U : 0U)) {
		char desc[256];

		pkt_describe(&c->pkt, desc, sizeof(desc));
		bf_test_fail(__FILE__, __LINE__, "%s row %zu '%s' on %s: %s %s (mark %u)", table,
			     idx, c->rule, hook, c->match ? "does not match" : "matches", desc,
			     c->mark);
	}
	/* Every rule is CONTINUE: whatever matched, the policy applies. */
	ASSERT_TRUE(v == BF_VERDICT_ACCEPT && policy == 1,
		    "%s row %zu '%s' on %s: verdict %s, policy counter +%llu", table, idx,
		    c->rule, hook, tprog_verdict_name(v), (unsigned long long)policy);
	ASSERT_TRUE(after[nrules + 1].packets == 0, "%s row %zu '%s' on %s: error counter %llu",
		    table, idx, c->rule, hook, (unsigned long long)after[nrules + 1].packets);
}

static void tprog_check_hook(const char *table, const struct tprog_case *cases, size_t n,
			     uint32_t hooks, enum bf_hook hook)
{
	struct tprog_table tt;
	struct tprog t = {};
	int r;

	r = tprog_table_build(&tt, cases, n, hooks, hook);
	if (!ASSERT_OK(r, "building the table's chain") || !tt.nrules)
		goto out;
	r = tprog_load_body(&t, hook, "ACCEPT", tt.body);
	if (!ASSERT_TRUE(r == 0, "%s on %s: %s: %s\n%s", table, tprog_hook_name(hook), t.step,
			 t.err, tt.body))
		goto out;

	for (size_t i = 0; i < n; i++) {
		if (tt.rule[i] < 0)
			continue;
		if (!ASSERT_TRUE(tprog_can_run(hook, &cases[i].pkt),
				 "%s row %zu '%s': its packet can't run on %s, restrict its hooks",
				 table, i, cases[i].rule, tprog_hook_name(hook)))
			continue;
		tprog_check_case(table, i, &cases[i], &t, (size_t)tt.rule[i], tt.nrules);
	}
out:
	tprog_close(&t);
	tprog_table_clean(&tt);
}

void tprog_check_cases(const char *table, const struct tprog_case *cases, size_t n,
		       uint32_t hooks)
{
	for (enum bf_hook hook = 0; hook < _BF_HOOK_MAX; hook++) {
		if (hooks & TPROG_HOOK(hook))
			tprog_check_hook(table, cases, n, hooks, hook);
	}
}

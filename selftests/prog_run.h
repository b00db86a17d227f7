/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fast BPF tests: a chain written in the rule language is parsed,
 * validated and loaded exactly as the daemon does it (nothing attached),
 * then crafted packets go through it with BPF_PROG_TEST_RUN.
 *
 * What the kernel's test runs give the program, per hook (kernel 6.18):
 * - XDP: the whole frame; ingress_ifindex is set to lo (1) through a
 *   struct xdp_md context, else it would be 0;
 * - TC: the whole frame, skb->ifindex is lo (1) unless told otherwise, the
 *   mark comes from the struct __sk_buff context;
 * - cgroup_skb: the skb starts at the network header, skb->protocol comes
 *   from the frame's EtherType, ifindex is lo, mark from the context;
 * - netfilter: every hook can be run, with struct nf_hook_state's hook and
 *   pf as the context; the interface (state->in, or state->out) is lo, the
 *   frame must be IPv4 or IPv6 of the family given by pf, and the mark is
 *   always 0. LOCAL_OUT takes the packet from its network header: the
 *   Ethernet header is left out for it;
 * - every hook but XDP refuses an IPv4 or IPv6 frame shorter than Ethernet
 *   plus a whole IP header, so packets cut inside the IP header can only
 *   be run on XDP.
 */
#ifndef BF_SELFTESTS_PROG_RUN_H
#define BF_SELFTESTS_PROG_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpfilter/abi.h>

#include "pkt.h"

struct bf_chain;
struct bf_prog;

#define TPROG_HOOK(h) (1U << (h))
/* Every hook the kernel can test-run. */
#define TPROG_HOOKS_ALL                                                                    \
	(TPROG_HOOK(BF_HOOK_XDP) | TPROG_HOOK(BF_HOOK_TC_INGRESS) |                        \
	 TPROG_HOOK(BF_HOOK_TC_EGRESS) | TPROG_HOOK(BF_HOOK_CGROUP_SKB_INGRESS) |          \
	 TPROG_HOOK(BF_HOOK_CGROUP_SKB_EGRESS) | TPROG_HOOK(BF_HOOK_NF_PRE_ROUTING) |      \
	 TPROG_HOOK(BF_HOOK_NF_LOCAL_IN))
/* Hooks with an skb (meta.mark). */
#define TPROG_HOOKS_SKB (TPROG_HOOKS_ALL & ~TPROG_HOOK(BF_HOOK_XDP))
/* Hooks that see the Ethernet header (VLAN tags). */
#define TPROG_HOOKS_L2                                                        \
	(TPROG_HOOK(BF_HOOK_XDP) | TPROG_HOOK(BF_HOOK_TC_INGRESS) |           \
	 TPROG_HOOK(BF_HOOK_TC_EGRESS))
/* The netfilter hooks of TPROG_HOOKS_ALL. */
#define TPROG_HOOKS_NF (TPROG_HOOK(BF_HOOK_NF_PRE_ROUTING) | TPROG_HOOK(BF_HOOK_NF_LOCAL_IN))
/* Every netfilter hook: they all load the same template, so tables run on
 * the two above and one test runs on these. */
#define TPROG_HOOKS_NF_ALL                                                    \
	(TPROG_HOOKS_NF | TPROG_HOOK(BF_HOOK_NF_FORWARD) |                    \
	 TPROG_HOOK(BF_HOOK_NF_LOCAL_OUT) | TPROG_HOOK(BF_HOOK_NF_POST_ROUTING))
/* Hooks that can be given a packet mark in the test run context. */
#define TPROG_HOOKS_MARK (TPROG_HOOKS_SKB & ~TPROG_HOOKS_NF)

/* The interface the test runs report: lo. */
#define TPROG_IFINDEX 1

/* A loaded chain. */
struct tprog {
	enum bf_hook hook;
	struct bf_chain *chain;
	struct bf_prog *prog;
	/* On failure: the step that failed (parse, validate, ...) and why. */
	const char *step;
	char err[512];
	/* After a run on TC or cgroup_skb: skb->mark as the program left
	 * it. */
	uint32_t mark_out;
};

struct tprog_opts {
	/* skb->mark for TC and cgroup_skb. */
	uint32_t mark;
	/* Runs of the same packet in one call (counters add up); 0 is 1. */
	uint32_t repeat;
};

/*
 * Parse @text, which must define one chain, validate, resolve and load
 * it. Returns 0, or a negative errno with the reason in t->step, t->err.
 */
int tprog_load(struct tprog *t, const char *text);
/* Load "chain t HOOK POLICY" followed by @body (sets and rules). */
int tprog_load_body(struct tprog *t, enum bf_hook hook, const char *policy, const char *body);
void tprog_close(struct tprog *t);

/* Whether @hook can test-run the packet of @spec at all. */
bool tprog_can_run(enum bf_hook hook, const struct pkt_spec *spec);

/*
 * Run the packet of @spec, @opts may be NULL. On success *verdict is
 * BF_VERDICT_ACCEPT or BF_VERDICT_DROP, or on TC BF_VERDICT_NEXT
 * (TCX_NEXT), and BF_VERDICT_REDIRECT on XDP and TC, from the hook's
 * return code; an unknown return code fails with -ERANGE.
 */
int tprog_run(struct tprog *t, const struct pkt_spec *spec, const struct tprog_opts *opts,
	      enum bf_verdict *verdict);
/* Same with a raw frame, Ethernet first; @l3 is the family for netfilter
 * (PKT_L3_IP4 or PKT_L3_IP6). */
int tprog_run_raw(struct tprog *t, const uint8_t *frame, size_t len, enum pkt_l3 l3,
		  const struct tprog_opts *opts, enum bf_verdict *verdict);

/* Rule counters then the policy and error ones: nrules + 2 entries. */
int tprog_counters(struct tprog *t, struct bf_counter *out, size_t n);

/* Bytes the hook counts for a frame of @len bytes built from @spec: the
 * skb of cgroup_skb and netfilter starts after the Ethernet header. */
uint64_t tprog_pkt_len(enum bf_hook hook, size_t len);

const char *tprog_hook_name(enum bf_hook hook);
const char *tprog_verdict_name(enum bf_verdict verdict);

/*
 * One row of a matcher table: a rule made of @sets (set definitions, may
 * be NULL) and @rule (its matchers), a packet, and whether the rule must
 * match it. @hooks restricts the row to some hooks (0: all the table's).
 */
struct tprog_case {
	const char *sets;
	const char *rule;
	struct pkt_spec pkt;
	bool match;
	uint32_t hooks;
	uint32_t mark;
};

/*
 * Check every row on every hook of @hooks the row applies to. Loading a
 * program takes tens of milliseconds, so a table is one chain per hook: its
 * distinct rules, each "counter CONTINUE", and policy ACCEPT. A row's
 * packet must bump its rule's counter exactly when the row says it
 * matches, end with the policy, and leave the error counter at 0. Failures
 * name the table, the row, its rule and the hook.
 */
void tprog_check_cases(const char *table, const struct tprog_case *cases, size_t n,
		       uint32_t hooks);

#endif /* BF_SELFTESTS_PROG_RUN_H */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * TC template, attached with tcx links to ingress or egress (the daemon sets
 * the expected attach type before load). Packets start at Ethernet.
 */
#define BF_HCTX struct __sk_buff

#include "common.h"

static __always_inline int bf_load(struct __sk_buff *skb, __u32 off, void *buf, __u32 len)
{
	return bpf_skb_load_bytes(skb, off, buf, len);
}

#include "direct.h"
BF_DIRECT_LOADERS(struct __sk_buff)

#include "engine.h"
#include "parse.h"

static __always_inline void bf_tmpl_set_mark(struct bf_run *run, __u32 mark)
{
	run->h->mark = mark;
}

static __always_inline void bf_tmpl_redirect(struct bf_run *run, const struct bf_rule_rec *rule)
{
	bpf_redirect(rule->redirect_ifindex,
		     rule->flags & BF_RULE_REDIRECT_IN ? BPF_F_INGRESS : 0);
}

static __always_inline void bf_tmpl_log(struct bf_run *run, struct bf_log_entry *e)
{
	bf_log_headers(run->h, run, e, true);
}

SEC("tc")
int BF_PROG_NAME(struct __sk_buff *skb)
{
	struct bf_run run = {};

	run.h = skb;
	run.pkt.len = skb->len;
	run.pkt.ifindex = bpf_htonl(skb->ifindex);
	run.pkt.mark = bpf_htonl(skb->mark);
	if (bf_cfg.nrules)
		bf_parse_eth(skb, &run);
	/* The kernel's flow hash costs a dissection when the skb has none
	 * yet: only for chains that match on it. */
	if (bf_cfg.flow_hash)
		run.pkt.flow_hash = bpf_htonl(bpf_get_hash_recalc(skb));

	switch (bf_run_rules(&run)) {
	case BF_VERDICT_DROP:
		return TCX_DROP;
	case BF_VERDICT_NEXT:
		/* The next program on the hook, in attach order, decides. */
		return TCX_NEXT;
	case BF_VERDICT_REDIRECT:
		/* The rule called bpf_redirect(). */
		return TCX_REDIRECT;
	default:
		return TCX_PASS;
	}
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup_skb template, for ingress and egress of a cgroup v2 (the daemon
 * sets the expected attach type before load). Packets start at the network
 * header; the family comes from skb->protocol.
 */
#define BF_HCTX struct __sk_buff

#include "common.h"

static __always_inline int bf_load(struct __sk_buff *skb, __u32 off, void *buf, __u32 len)
{
	return bpf_skb_load_bytes(skb, off, buf, len);
}

#include "engine.h"
#include "parse.h"

static __always_inline void bf_tmpl_set_mark(struct bf_run *run, __u32 mark)
{
	run->h->mark = mark;
}

/* Refused by the daemon: no redirect from a cgroup. */
static __always_inline void bf_tmpl_redirect(struct bf_run *run, const struct bf_rule_rec *rule)
{
}

/* No link header: the skb starts at the network header. */
static __always_inline void bf_tmpl_log(struct bf_run *run, struct bf_log_entry *e)
{
	bf_log_headers(run->h, run, e, false);
}

SEC("cgroup_skb/ingress")
int BF_PROG_NAME(struct __sk_buff *skb)
{
	struct bf_run run = {};

	run.h = skb;
	run.pkt.len = skb->len;
	run.pkt.ifindex = bpf_htonl(skb->ifindex);
	run.pkt.mark = bpf_htonl(skb->mark);
	if (bf_cfg.nrules)
		bf_parse_l3(skb, &run, 0, skb->protocol);

	/* NEXT is ACCEPT here: other programs of the cgroup run anyway. */
	return bf_run_rules(&run) == BF_VERDICT_DROP ? 0 : 1;
}

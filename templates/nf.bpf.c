// SPDX-License-Identifier: GPL-2.0-only
/*
 * Netfilter template (BPF_PROG_TYPE_NETFILTER). The skb starts at the
 * network header and has no direct packet access: bytes are read through a
 * dynptr. The family is the hook's (state->pf).
 */
#define BF_HCTX struct bpf_dynptr
#define BF_NO_COARSE_CLOCK
/* bpf_nf_ctx and nf_hook_state are kernel-internal: CO-RE relocated. */
#define BF_CORE

#include "common.h"

#define BF_NFPROTO_IPV4 2
#define BF_NFPROTO_IPV6 10
#define BF_NF_DROP 0
#define BF_NF_ACCEPT 1

extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym;

static __always_inline int bf_load(struct bpf_dynptr *ptr, __u32 off, void *buf, __u32 len)
{
	return bpf_dynptr_read(buf, len, ptr, off, 0);
}

#include "engine.h"
#include "parse.h"

/* Refused by the daemon: netfilter programs can't write the mark. */
static __always_inline void bf_tmpl_set_mark(struct bf_run *run, __u32 mark)
{
}

/* Refused by the daemon: no redirect from netfilter. */
static __always_inline void bf_tmpl_redirect(struct bf_run *run, const struct bf_rule_rec *rule)
{
}

/* No link header: the skb starts at the network header. */
static __always_inline void bf_tmpl_log(struct bf_run *run, struct bf_log_entry *e)
{
	bf_log_headers(run->h, run, e, false);
}

SEC("netfilter")
int BF_PROG_NAME(struct bpf_nf_ctx *ctx)
{
	const struct nf_hook_state *state = ctx->state;
	struct sk_buff *skb = ctx->skb;
	struct bf_run run = {};
	struct bpf_dynptr ptr;
	struct net_device *dev;

	run.h = &ptr;
	run.pkt.len = skb->len;
	run.pkt.mark = bpf_htonl(skb->mark);
	dev = state->in ? state->in : state->out;
	if (dev)
		run.pkt.ifindex = bpf_htonl(dev->ifindex);

	if (bf_cfg.nrules) {
		if (bpf_dynptr_from_skb((struct __sk_buff *)skb, 0, &ptr)) {
			bf_dbg("bpf_dynptr_from_skb failed");
			run.error = 1;
		} else if (state->pf == BF_NFPROTO_IPV4) {
			bf_parse_l3(&ptr, &run, 0, bpf_htons(0x0800));
		} else if (state->pf == BF_NFPROTO_IPV6) {
			bf_parse_l3(&ptr, &run, 0, bpf_htons(0x86DD));
		}
	}

	/* NEXT is ACCEPT: the next hook function runs anyway. */
	return bf_run_rules(&run) == BF_VERDICT_DROP ? BF_NF_DROP : BF_NF_ACCEPT;
}

// SPDX-License-Identifier: GPL-2.0-only
/* XDP template: packets as the driver received them, Ethernet first. */
#define BF_HCTX struct xdp_md

#include "common.h"

static __always_inline int bf_load(struct xdp_md *ctx, __u32 off, void *buf, __u32 len)
{
	return bpf_xdp_load_bytes(ctx, off, buf, len);
}

#include "direct.h"
BF_DIRECT_LOADERS(struct xdp_md)

#include "engine.h"
#include "parse.h"

/* No mark before there is an skb (the daemon refuses "mark" here). */
static __always_inline void bf_tmpl_set_mark(struct bf_run *run, __u32 mark)
{
}

/* XDP can only send a frame out of an interface. */
static __always_inline void bf_tmpl_redirect(struct bf_run *run, const struct bf_rule_rec *rule)
{
	bpf_redirect(rule->redirect_ifindex, 0);
}

static __always_inline void bf_tmpl_log(struct bf_run *run, struct bf_log_entry *e)
{
	bf_log_headers(run->h, run, e, true);
}

SEC("xdp")
int BF_PROG_NAME(struct xdp_md *ctx)
{
	struct bf_run run = {};

	run.h = ctx;
	/* Not an xdp.frags program: the kernel hands it the whole frame in
	 * one buffer, so the frame's length is where its data ends, with no
	 * helper call. */
	run.pkt.len = (__u32)((long)ctx->data_end - (long)ctx->data);
	run.pkt.ifindex = bpf_htonl(ctx->ingress_ifindex);
	if (bf_cfg.nrules)
		bf_parse_eth(ctx, &run);

	switch (bf_run_rules(&run)) {
	case BF_VERDICT_DROP:
		return XDP_DROP;
	case BF_VERDICT_REDIRECT:
		/* The rule called bpf_redirect(). */
		return XDP_REDIRECT;
	default:
		/* ACCEPT; NEXT, there being no next program to hand over to. */
		return XDP_PASS;
	}
}

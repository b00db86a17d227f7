// SPDX-License-Identifier: GPL-2.0-only
/* XDP template: packets as the driver received them, Ethernet first. */
#define BF_HCTX struct xdp_md

#include "common.h"

static __always_inline int bf_load(struct xdp_md *ctx, __u32 off, void *buf, __u32 len)
{
	return bpf_xdp_load_bytes(ctx, off, buf, len);
}

#include "engine.h"
#include "parse.h"

SEC("xdp")
int BF_PROG_NAME(struct xdp_md *ctx)
{
	struct bf_run run = {};

	run.pkt.len = bpf_xdp_get_buff_len(ctx);
	run.pkt.ifindex = bpf_htonl(ctx->ingress_ifindex);
	if (bf_cfg.nrules)
		bf_parse_eth(ctx, &run.pkt);

	return bf_run_rules(&run) == BF_VERDICT_DROP ? XDP_DROP : XDP_PASS;
}

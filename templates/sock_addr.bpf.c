// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup socket-address template (BPF_PROG_TYPE_CGROUP_SOCK_ADDR), for
 * connect() (IPv4 and IPv6, TCP and UDP) and UDP sendmsg(). One program;
 * the daemon sets the expected attach type before load: the kernel lets a
 * program read only the fields its attach type has (user_ip4 on the IPv4
 * hooks, msg_src_ip6 on IPv6 sendmsg...), and bf_cfg.hook, a constant to
 * the verifier, keeps the others' reads on paths it never walks.
 *
 * There is no packet: struct bf_pkt gets the destination address and port,
 * the protocol and, on sendmsg, the source address the caller asked for
 * (IP_PKTINFO; zero if none). A rule sees one "packet" per operation, of
 * length 0: counters count operations, with 0 bytes. Returning 0 makes the
 * system call fail with EPERM.
 */
#define BF_HCTX struct bpf_sock_addr

#include "common.h"

#include "engine.h"

#define BF_IPPROTO_TCP 6
#define BF_IPPROTO_UDP 17

static __always_inline void bf_tmpl_set_mark(struct bf_run *run, __u32 mark)
{
}

static __always_inline void bf_tmpl_redirect(struct bf_run *run, const struct bf_rule_rec *rule)
{
}

/* Who made the system call; no headers to copy. */
static __always_inline void bf_tmpl_log(struct bf_run *run, struct bf_log_entry *e)
{
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

static __always_inline bool bf_hook_is_ip6(void)
{
	return bf_cfg.hook == BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6 ||
	       bf_cfg.hook == BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6;
}

static __always_inline bool bf_hook_is_sendmsg(void)
{
	return bf_cfg.hook == BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4 ||
	       bf_cfg.hook == BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6;
}

static __always_inline void bf_fill_addrs(struct bpf_sock_addr *ctx, struct bf_pkt *pkt)
{
	__u32 *saddr = (__u32 *)pkt->saddr, *daddr = (__u32 *)pkt->daddr;

	if (bf_hook_is_ip6()) {
		pkt->flags |= BF_PKT_IPV6;
		pkt->l3_proto = bpf_htons(0x86DD);
		/* Field by field: the kernel checks each load's offset. */
		daddr[0] = ctx->user_ip6[0];
		daddr[1] = ctx->user_ip6[1];
		daddr[2] = ctx->user_ip6[2];
		daddr[3] = ctx->user_ip6[3];
		if (bf_hook_is_sendmsg()) {
			saddr[0] = ctx->msg_src_ip6[0];
			saddr[1] = ctx->msg_src_ip6[1];
			saddr[2] = ctx->msg_src_ip6[2];
			saddr[3] = ctx->msg_src_ip6[3];
		}
	} else {
		pkt->flags |= BF_PKT_IPV4;
		pkt->l3_proto = bpf_htons(0x0800);
		daddr[0] = ctx->user_ip4;
		if (bf_hook_is_sendmsg())
			saddr[0] = ctx->msg_src_ip4;
	}
}

static __always_inline void bf_fill(struct bpf_sock_addr *ctx, struct bf_pkt *pkt)
{
	__u32 proto = ctx->protocol;

	pkt->flags = BF_PKT_L3 | BF_PKT_L4;
	bf_fill_addrs(ctx, pkt);
	pkt->l4_proto = proto;
	/* Network order in the low 16 bits, as bf_pkt wants it. */
	pkt->dport = (__u16)ctx->user_port;
	/* Ports for TCP and UDP sockets only, as on packets; a ping
	 * socket's connect() has an L4 protocol but no ports. */
	if (proto == BF_IPPROTO_TCP)
		pkt->flags |= BF_PKT_TCP | BF_PKT_PORTS;
	else if (proto == BF_IPPROTO_UDP)
		pkt->flags |= BF_PKT_UDP | BF_PKT_PORTS;
}

/* The section names the program type; the attach type is the daemon's. */
SEC("cgroup/connect4")
int BF_PROG_NAME(struct bpf_sock_addr *ctx)
{
	struct bf_run run = {};

	run.h = ctx;
	if (bf_cfg.nrules)
		bf_fill(ctx, &run.pkt);

	/* NEXT is ACCEPT: the cgroup's other programs run anyway. */
	return bf_run_rules(&run) == BF_VERDICT_DROP ? 0 : 1;
}

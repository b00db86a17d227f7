// SPDX-License-Identifier: GPL-2.0-only
#include "tmpl.h"

#include <errno.h>
#include <string.h>

#include "cgroup_skb.skel.h"
#include "nf.skel.h"
#include "tc.skel.h"
#include "xdp.skel.h"

/* Typed skeleton calls wrapped into struct bf_tmpl, once per template. */
#define BF_TMPL_OPEN(name, progname)                                         \
	static int bf_tmpl_open_##name(struct bf_tmpl *t)                   \
	{                                                                    \
		struct bf_##name##_tmpl *s = bf_##name##_tmpl__open();       \
		if (!s)                                                      \
			return -errno;                                       \
		t->skel = s;                                                 \
		t->obj = s->obj;                                             \
		t->prog = s->progs.progname;                                 \
		t->cfg = &s->rodata->bf_cfg;                                 \
		t->destroy = (void (*)(void *))bf_##name##_tmpl__destroy;    \
		return 0;                                                    \
	}

BF_TMPL_OPEN(xdp, bf_xdp)
BF_TMPL_OPEN(tc, bf_tc)
BF_TMPL_OPEN(cgroup_skb, bf_cgroup_skb)
BF_TMPL_OPEN(nf, bf_nf)

enum bpf_attach_type bf_hook_attach_type(enum bf_hook hook)
{
	switch (hook) {
	case BF_HOOK_XDP:
		return BPF_XDP;
	case BF_HOOK_TC_INGRESS:
		return BPF_TCX_INGRESS;
	case BF_HOOK_TC_EGRESS:
		return BPF_TCX_EGRESS;
	case BF_HOOK_CGROUP_SKB_INGRESS:
		return BPF_CGROUP_INET_INGRESS;
	case BF_HOOK_CGROUP_SKB_EGRESS:
		return BPF_CGROUP_INET_EGRESS;
	default:
		return BPF_NETFILTER;
	}
}

int bf_tmpl_open(enum bf_hook hook, struct bf_tmpl *tmpl)
{
	int r;

	memset(tmpl, 0, sizeof(*tmpl));
	switch (hook) {
	case BF_HOOK_XDP:
		r = bf_tmpl_open_xdp(tmpl);
		break;
	case BF_HOOK_TC_INGRESS:
	case BF_HOOK_TC_EGRESS:
		r = bf_tmpl_open_tc(tmpl);
		break;
	case BF_HOOK_CGROUP_SKB_INGRESS:
	case BF_HOOK_CGROUP_SKB_EGRESS:
		r = bf_tmpl_open_cgroup_skb(tmpl);
		break;
	case BF_HOOK_NF_PRE_ROUTING:
	case BF_HOOK_NF_LOCAL_IN:
	case BF_HOOK_NF_FORWARD:
	case BF_HOOK_NF_LOCAL_OUT:
	case BF_HOOK_NF_POST_ROUTING:
		r = bf_tmpl_open_nf(tmpl);
		break;
	default:
		return -EINVAL;
	}
	if (r)
		return r;
	return bpf_program__set_expected_attach_type(tmpl->prog, bf_hook_attach_type(hook));
}

void bf_tmpl_close(struct bf_tmpl *tmpl)
{
	if (tmpl->skel)
		tmpl->destroy(tmpl->skel);
	memset(tmpl, 0, sizeof(*tmpl));
}

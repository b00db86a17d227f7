// SPDX-License-Identifier: GPL-2.0-only
/*
 * Namespaces: the daemon handles a request in the client's network and
 * mount namespaces. Clients here run bfcli inside other namespaces than
 * the daemon's; each test makes the root namespace's view differ from the
 * client's (an interface of the same name, an index the root namespace
 * lacks, a path only the client's mount namespace has) and proves with
 * traffic and with ip/bpftool that the client's got the chain.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ns_util.h"

/* E2E_NPKTS datagrams from B to A's address. */
static int ns_udp_b_to_a(const struct nsu_pair *p, uint16_t port)
{
	return e2e_udp(E2E_IN_NS(&p->b), E2E_IN_NS(&p->a), p->a.ns4, port, E2E_NPKTS);
}

static int ns_udp_a_to_b(const struct nsu_pair *p, uint16_t port)
{
	return e2e_udp(E2E_IN_NS(&p->a), E2E_IN_NS(&p->b), p->b.ns4, port, E2E_NPKTS);
}

/* "chain set" of a one-rule chain dropping UDP to @port, from a client in
 * netns @netns (NULL: the root namespace). */
static int ns_set_drop(const struct e2e_env *env, const char *netns, struct e2e_out *out,
		       const char *chain, const char *hook, uint16_t port)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "chain %s %s ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq %u\n"
		 "        counter\n"
		 "        DROP\n",
		 chain, hook, port);
	return nsu_bfcli(env->daemon.sock, netns ? nsu_enter_netns : NULL, netns, out, "chain",
			 "set", "--from-str", text, NULL);
}

/*
 * XDP and TC by interface name: the root namespace has an interface of the
 * same name (with another index). The client's gets the programs.
 */
BF_TEST(ns_xdp_tc_by_name)
{
	_cleanup_nsu_pair_ struct nsu_pair p = {};
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	char hook[64], opt[64];

	if (!e2e_env_setup(&env, E2E_DAEMON) || !nsu_pair_setup(&p, 0, true))
		return;
	ASSERT_FLOWS(ns_udp_b_to_a(&p, 41001), "UDP to 41001 before the chains");

	snprintf(hook, sizeof(hook), "BF_HOOK_XDP{ifindex=%s}", p.a.ns_if);
	ns_set_drop(&env, p.a.name, &out, "ns_xdp", hook, 41001);
	if (!ASSERT_BFCLI_OK(&out, "chain set (XDP) from a client in namespace A"))
		return;
	snprintf(hook, sizeof(hook), "BF_HOOK_TC_INGRESS{ifindex=%s}", p.a.ns_if);
	ns_set_drop(&env, p.a.name, &out, "ns_tc", hook, 41002);
	if (!ASSERT_BFCLI_OK(&out, "chain set (TC) from a client in namespace A"))
		return;

	ASSERT_TRUE(nsu_has_xdp(p.a.name, p.a.ns_if), "no XDP program on %s in %s", p.a.ns_if,
		    p.a.name);
	ASSERT_TRUE(nsu_bpftool_net_has(p.a.name, p.a.ns_if, "bf_ns_tc"),
		    "bpftool net doesn't show bf_ns_tc on %s in %s", p.a.ns_if, p.a.name);
	ASSERT_TRUE(!nsu_has_xdp(NULL, p.twin), "the root namespace's %s got an XDP program",
		    p.twin);
	ASSERT_TRUE(!nsu_bpftool_net_has(NULL, p.twin, "bf_ns_tc"),
		    "the root namespace's %s got the TC program", p.twin);

	ASSERT_DROPPED(ns_udp_b_to_a(&p, 41001), "UDP to 41001 (dropped by XDP in A)");
	ASSERT_DROPPED(ns_udp_b_to_a(&p, 41002), "UDP to 41002 (dropped by TC in A)");
	ASSERT_FLOWS(ns_udp_b_to_a(&p, 41003), "UDP to 41003 (policy ACCEPT)");
	e2e_check_counters(&env, "ns_xdp", 0, E2E_NPKTS, E2E_NPKTS);
	e2e_check_counters(&env, "ns_tc", 0, E2E_NPKTS, E2E_NPKTS);

	/* The chain prints the interface as the client named it. */
	e2e_bfcli(&env.daemon, &out, "chain", "get", "--name", "ns_xdp", NULL);
	snprintf(opt, sizeof(opt), "ifindex=%u", p.a_ifindex);
	ASSERT_TRUE(e2e_contains(out.out, p.a.ns_if) || e2e_contains(out.out, opt),
		    "chain get shows the interface: %s", out.out);

	ASSERT_NSU_BFCLI(env.daemon.sock, nsu_enter_netns, p.a.name, "chain flush from A", "chain",
			 "flush", "--name", "ns_xdp");
	ASSERT_TRUE(!nsu_has_xdp(p.a.name, p.a.ns_if), "XDP still on %s after the flush",
		    p.a.ns_if);
	ASSERT_FLOWS(ns_udp_b_to_a(&p, 41001), "UDP to 41001 after the flush");
}

/*
 * XDP and TC by interface index: an index that only namespace A has. The
 * same request from the root namespace must fail to find it.
 */
BF_TEST(ns_xdp_tc_by_index)
{
	_cleanup_nsu_pair_ struct nsu_pair p = {};
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	char hook[64], why[64];

	if (!e2e_env_setup(&env, E2E_DAEMON) || !nsu_pair_setup(&p, nsu_unused_ifindex(), false))
		return;

	snprintf(hook, sizeof(hook), "BF_HOOK_XDP{ifindex=%u}", p.a_ifindex);
	ns_set_drop(&env, NULL, &out, "ns_root", hook, 41011);
	snprintf(why, sizeof(why), "unknown interface index %u", p.a_ifindex);
	ASSERT_BFCLI_FAILS(&out, why, "chain set from the root namespace, A's index");
	e2e_check_chain_absent(&env, "ns_root");

	ns_set_drop(&env, p.a.name, &out, "ns_xdp_idx", hook, 41011);
	if (!ASSERT_BFCLI_OK(&out, "chain set (XDP) by index from namespace A"))
		return;
	snprintf(hook, sizeof(hook), "BF_HOOK_TC_EGRESS{ifindex=%u}", p.a_ifindex);
	ns_set_drop(&env, p.a.name, &out, "ns_tc_idx", hook, 41012);
	if (!ASSERT_BFCLI_OK(&out, "chain set (TC egress) by index from namespace A"))
		return;

	ASSERT_TRUE(nsu_has_xdp(p.a.name, p.a.ns_if), "no XDP program on %s in %s", p.a.ns_if,
		    p.a.name);
	ASSERT_TRUE(nsu_bpftool_net_has(p.a.name, p.a.ns_if, "bf_ns_tc_idx"),
		    "bpftool net doesn't show bf_ns_tc_idx on %s in %s", p.a.ns_if, p.a.name);
	ASSERT_DROPPED(ns_udp_b_to_a(&p, 41011), "UDP to 41011 into A (dropped by XDP)");
	ASSERT_FLOWS(ns_udp_b_to_a(&p, 41012), "UDP to 41012 into A (TC filters egress)");
	ASSERT_DROPPED(ns_udp_a_to_b(&p, 41012), "UDP to 41012 out of A (dropped by TC)");
	ASSERT_FLOWS(ns_udp_a_to_b(&p, 41011), "UDP to 41011 out of A");
	e2e_check_counters(&env, "ns_xdp_idx", 0, E2E_NPKTS, E2E_NPKTS);
	e2e_check_counters(&env, "ns_tc_idx", 0, E2E_NPKTS, E2E_NPKTS);
}

/* Netfilter: the hook is the client's namespace's, no other's. */
BF_TEST(ns_netfilter)
{
	_cleanup_nsu_pair_ struct nsu_pair p = {};
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};

	if (!e2e_env_setup(&env, E2E_DAEMON) || !nsu_pair_setup(&p, 0, false))
		return;
	ns_set_drop(&env, p.a.name, &out, "ns_nf", "BF_HOOK_NF_LOCAL_IN", 41021);
	if (!ASSERT_BFCLI_OK(&out, "chain set (netfilter) from namespace A"))
		return;

	ASSERT_DROPPED(ns_udp_b_to_a(&p, 41021), "UDP to 41021 into A (dropped)");
	ASSERT_FLOWS(ns_udp_b_to_a(&p, 41022), "UDP to 41022 into A");
	ASSERT_FLOWS(ns_udp_a_to_b(&p, 41021), "UDP to 41021 into B (B's hook is not A's)");
	ASSERT_FLOWS(e2e_udp(E2E_ROOT, E2E_ROOT, "127.0.0.1", 41021, E2E_NPKTS),
		     "UDP to 41021 in the root namespace");
	e2e_check_counters(&env, "ns_nf", 0, E2E_NPKTS, E2E_NPKTS);

	/* An update keeps filtering A: the chain stays where it was attached,
	 * whoever asks. */
	ASSERT_BFCLI(&env.daemon, "chain update from the root namespace", "chain", "update",
		     "--from-str",
		     "chain ns_nf BF_HOOK_NF_LOCAL_IN ACCEPT\n"
		     "    rule\n"
		     "        udp.dport eq 41022\n"
		     "        counter\n"
		     "        DROP\n");
	ASSERT_DROPPED(ns_udp_b_to_a(&p, 41022), "UDP to 41022 into A after the update");
	ASSERT_FLOWS(ns_udp_b_to_a(&p, 41021), "UDP to 41021 into A after the update");
	ASSERT_FLOWS(e2e_udp(E2E_ROOT, E2E_ROOT, "127.0.0.1", 41022, E2E_NPKTS),
		     "UDP to 41022 in the root namespace after the update");

	ASSERT_NSU_BFCLI(env.daemon.sock, nsu_enter_netns, p.a.name, "chain flush from A", "chain",
			 "flush", "--name", "ns_nf");
	ASSERT_FLOWS(ns_udp_b_to_a(&p, 41022), "UDP to 41022 into A after the flush");
}

/* Where the client of ns_cgroup_private_mount sees the test's cgroup. */
struct ns_cg_view {
	const char *cgroup; /* the real path */
	char dir[128];	    /* /tmp/bft-<pid>-cg: a tmpfs in the client's view */
	char path[160];	    /* dir/cg: the cgroup, in the client's view only */
};

/* A private mount namespace where the cgroup shows at view->path. */
static int ns_enter_cg_view(const void *arg)
{
	const struct ns_cg_view *v = arg;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	if (mount("bft", v->dir, "tmpfs", 0, "size=64k") || mkdir(v->path, 0755) ||
	    mount(v->cgroup, v->path, NULL, MS_BIND, NULL))
		return -errno;
	return 0;
}

/*
 * cgroup: the path is the client's. Its private mount namespace shows the
 * test's cgroup where the daemon's has nothing.
 */
BF_TEST(ns_cgroup_private_mount)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	const struct e2e_ep *in_cg, *ns;
	struct ns_cg_view view = {};
	char text[512], why[256];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS | E2E_CGROUP))
		return;
	nsu_remove_stale();
	view.cgroup = env.cg.path;
	snprintf(view.dir, sizeof(view.dir), "/tmp/" E2E_PREFIX "-%d-cg", getpid());
	snprintf(view.path, sizeof(view.path), "%s/cg", view.dir);
	if (!ASSERT_TRUE(!mkdir(view.dir, 0755) || errno == EEXIST, "mkdir %s: %s", view.dir,
			 strerror(errno)))
		return;
	in_cg = E2E_IN_CG(&env.cg);
	ns = E2E_IN_NS(&env.ns);
	snprintf(text, sizeof(text),
		 "chain ns_cg BF_HOOK_CGROUP_SKB_EGRESS{cgpath=%s} ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 41031\n"
		 "        counter\n"
		 "        DROP\n",
		 view.path);

	/* The daemon's own view lacks the path. */
	e2e_bfcli(&env.daemon, &out, "chain", "set", "--from-str", text, NULL);
	snprintf(why, sizeof(why), "unknown cgroup '%s'", view.path);
	ASSERT_BFCLI_FAILS(&out, why, "chain set from the root mount namespace");

	nsu_bfcli(env.daemon.sock, ns_enter_cg_view, &view, &out, "chain", "set", "--from-str",
		  text, NULL);
	if (ASSERT_BFCLI_OK(&out, "chain set from the private mount namespace")) {
		ASSERT_DROPPED(e2e_udp(in_cg, ns, env.ns.ns4, 41031, E2E_NPKTS),
			       "UDP to 41031 sent from the cgroup (dropped)");
		ASSERT_FLOWS(e2e_udp(in_cg, ns, env.ns.ns4, 41032, E2E_NPKTS),
			     "UDP to 41032 sent from the cgroup");
		ASSERT_FLOWS(e2e_udp(E2E_ROOT, ns, env.ns.ns4, 41031, E2E_NPKTS),
			     "UDP to 41031 sent from outside the cgroup");
		e2e_check_counters(&env, "ns_cg", 0, E2E_NPKTS, E2E_NPKTS);
		e2e_bfcli(&env.daemon, &out, "chain", "get", "--name", "ns_cg", NULL);
		ASSERT_TRUE(e2e_contains(out.out, view.path),
			    "chain get shows the path as the client gave it: %s", out.out);
		ASSERT_BFCLI(&env.daemon, "chain flush", "chain", "flush", "--name", "ns_cg");
		ASSERT_FLOWS(e2e_udp(in_cg, ns, env.ns.ns4, 41031, E2E_NPKTS),
			     "UDP to 41031 from the cgroup after the flush");
	}
	rmdir(view.dir);
}

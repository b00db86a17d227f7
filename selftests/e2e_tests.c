// SPDX-License-Identifier: GPL-2.0-only
/*
 * End-to-end tests, one or more per hook family: a private daemon, a chain
 * sent with bfcli, and real packets through a veth pair between a namespace
 * and the root namespace. Each test drops one kind of traffic, checks that
 * the rest still flows, and checks the rule and policy counters bfcli
 * prints.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "e2e.h"

/* XDP on the root-side veth, attached by interface name. */
BF_TEST(e2e_xdp_udp_port_by_name)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	char text[1024], opt[64];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_xdp BF_HOOK_XDP{ifindex=%s} ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 40001\n"
		 "        counter\n"
		 "        DROP\n",
		 env.ns.host_if);
	ASSERT_FLOWS(e2e_udp_in(&env, 40001), "UDP to 40001 before the chain");
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;
	e2e_check_counters(&env, "e2e_xdp", 0, 0, 0);
	/* veth has native XDP: the program must not fall back to generic. */
	ASSERT_TRUE(e2e_xdp_mode(env.ns.host_if) == E2E_XDP_DRV, "XDP on %s is not in driver mode",
		    env.ns.host_if);

	ASSERT_DROPPED(e2e_udp_in(&env, 40001), "UDP to 40001 (dropped by the rule)");
	ASSERT_FLOWS(e2e_udp_in(&env, 40002), "UDP to 40002 (policy ACCEPT)");
	ASSERT_OK(e2e_tcp_connect(E2E_IN_NS(&env.ns), E2E_ROOT, env.ns.host4, 40003),
		  "TCP connect to 40003");
	ASSERT_EQ(e2e_ping(E2E_IN_NS(&env.ns), env.ns.host4, 3), 3, "ping replies");
	e2e_check_counters(&env, "e2e_xdp", 0, E2E_NPKTS, E2E_NPKTS + 3);

	/* The printed chain shows where it is attached. */
	e2e_bfcli(&env.daemon, &out, "chain", "get", "--name", "e2e_xdp", NULL);
	snprintf(opt, sizeof(opt), "ifindex=%u", env.ns.host_ifindex);
	ASSERT_TRUE(e2e_contains(out.out, opt) || e2e_contains(out.out, env.ns.host_if),
		    "chain get shows the interface: %s", out.out);
	ASSERT_TRUE(e2e_contains(out.out, "chain e2e_xdp BF_HOOK_XDP"),
		    "chain get shows the chain and its hook: %s", out.out);

	ASSERT_BFCLI(&env.daemon, "chain flush", "chain", "flush", "--name", "e2e_xdp");
	e2e_check_chain_absent(&env, "e2e_xdp");
	ASSERT_FLOWS(e2e_udp_in(&env, 40001), "UDP to 40001 after chain flush");
}

/* XDP attached by interface index, dropping ICMP echo requests. */
BF_TEST(e2e_xdp_icmp_by_index)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	char text[1024];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_xdp_icmp BF_HOOK_XDP{ifindex=%u} ACCEPT\n"
		 "    rule\n"
		 "        icmp.type eq echo-request\n"
		 "        counter\n"
		 "        DROP\n",
		 env.ns.host_ifindex);
	ASSERT_EQ(e2e_ping(E2E_IN_NS(&env.ns), env.ns.host4, 3), 3, "ping before the chain");
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;

	ASSERT_EQ(e2e_ping(E2E_IN_NS(&env.ns), env.ns.host4, 4), 0, "ping (dropped)");
	/* icmp.* implies IPv4: ICMPv6 echo is not matched. */
	ASSERT_EQ(e2e_ping(E2E_IN_NS(&env.ns), env.ns.host6, 3), 3, "ping over IPv6");
	ASSERT_FLOWS(e2e_udp_in(&env, 40004), "UDP from the namespace");
	e2e_check_counters(&env, "e2e_xdp_icmp", 0, 4, E2E_NPKTS + 3);

	ASSERT_BFCLI(&env.daemon, "chain flush", "chain", "flush", "--name", "e2e_xdp_icmp");
	ASSERT_EQ(e2e_ping(E2E_IN_NS(&env.ns), env.ns.host4, 3), 3, "ping after chain flush");
}

/* TC ingress attached by index: IPv4 UDP, TCP and IPv6 rules, then a
 * ruleset flush. */
BF_TEST(e2e_tc_ingress_by_index)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	char text[1024];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_tc_in BF_HOOK_TC_INGRESS{ifindex=%u} ACCEPT\n"
		 "    rule\n"
		 "        ip4.saddr eq %s\n"
		 "        udp.dport eq 40011\n"
		 "        counter\n"
		 "        DROP\n"
		 "    rule\n"
		 "        tcp.dport eq 40012\n"
		 "        counter\n"
		 "        DROP\n"
		 "    rule\n"
		 "        ip6.saddr eq %s\n"
		 "        udp.dport eq 40015\n"
		 "        counter\n"
		 "        DROP\n",
		 env.ns.host_ifindex, env.ns.ns4, env.ns.ns6);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;

	ASSERT_DROPPED(e2e_udp_in(&env, 40011), "UDP to 40011 (dropped)");
	ASSERT_FLOWS(e2e_udp_in(&env, 40013), "UDP to 40013");
	ASSERT_EQ(e2e_tcp_connect(E2E_IN_NS(&env.ns), E2E_ROOT, env.ns.host4, 40012), -ETIMEDOUT,
		  "TCP connect to 40012 (SYN dropped)");
	ASSERT_OK(e2e_tcp_connect(E2E_IN_NS(&env.ns), E2E_ROOT, env.ns.host4, 40014),
		  "TCP connect to 40014");
	ASSERT_DROPPED(e2e_udp6_in(&env, 40015), "UDP over IPv6 to 40015 (dropped)");
	ASSERT_FLOWS(e2e_udp_in(&env, 40015), "UDP over IPv4 to 40015");
	ASSERT_FLOWS(e2e_udp6_in(&env, 40011), "UDP over IPv6 to 40011");
	e2e_check_counters(&env, "e2e_tc_in", 0, E2E_NPKTS, 3 * E2E_NPKTS);
	e2e_check_counters(&env, "e2e_tc_in", 1, 1, 0);
	e2e_check_counters(&env, "e2e_tc_in", 2, E2E_NPKTS, 0);

	e2e_bfcli(&env.daemon, &out, "ruleset", "flush", NULL);
	ASSERT_BFCLI_OK(&out, "ruleset flush");
	e2e_bfcli(&env.daemon, &out, "ruleset", "get", NULL);
	ASSERT_BFCLI_OK(&out, "ruleset get");
	ASSERT_TRUE(!e2e_contains(out.out, "chain "), "ruleset get after flush: '%s'", out.out);
	ASSERT_FLOWS(e2e_udp_in(&env, 40011), "UDP to 40011 after ruleset flush");
	ASSERT_OK(e2e_tcp_connect(E2E_IN_NS(&env.ns), E2E_ROOT, env.ns.host4, 40012),
		  "TCP connect to 40012 after ruleset flush");
}

/* TC egress on the root-side veth: traffic towards the namespace. */
BF_TEST(e2e_tc_egress)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	char text[1024];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_tc_out BF_HOOK_TC_EGRESS{ifindex=%s} ACCEPT\n"
		 "    rule\n"
		 "        ip4.daddr eq %s\n"
		 "        udp.dport eq 40021\n"
		 "        counter\n"
		 "        DROP\n",
		 env.ns.host_if, env.ns.ns4);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;

	ASSERT_DROPPED(e2e_udp_out(&env, 40021), "UDP to the namespace's 40021 (dropped)");
	ASSERT_FLOWS(e2e_udp_out(&env, 40022), "UDP to the namespace's 40022");
	ASSERT_FLOWS(e2e_udp_in(&env, 40021), "UDP from the namespace to 40021 (ingress)");
	ASSERT_OK(e2e_tcp_connect(E2E_ROOT, E2E_IN_NS(&env.ns), env.ns.ns4, 40023),
		  "TCP connect to the namespace");
	e2e_check_counters(&env, "e2e_tc_out", 0, E2E_NPKTS, E2E_NPKTS);

	ASSERT_BFCLI(&env.daemon, "chain flush", "chain", "flush", "--name", "e2e_tc_out");
	ASSERT_FLOWS(e2e_udp_out(&env, 40021), "UDP to 40021 after chain flush");
}

/* cgroup_skb ingress: only sockets of processes in the cgroup are
 * filtered. */
BF_TEST(e2e_cgroup_ingress)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	const struct e2e_ep *in_cg;
	char text[1024];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS | E2E_CGROUP))
		return;
	in_cg = E2E_IN_CG(&env.cg);
	snprintf(text, sizeof(text),
		 "chain e2e_cg_in BF_HOOK_CGROUP_SKB_INGRESS{cgpath=%s} ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 40031\n"
		 "        counter\n"
		 "        DROP\n",
		 env.cg.path);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;

	ASSERT_DROPPED(e2e_udp(E2E_IN_NS(&env.ns), in_cg, env.ns.host4, 40031, E2E_NPKTS),
		       "UDP to 40031, received in the cgroup (dropped)");
	ASSERT_FLOWS(e2e_udp(E2E_IN_NS(&env.ns), in_cg, env.ns.host4, 40032, E2E_NPKTS),
		     "UDP to 40032, received in the cgroup");
	ASSERT_FLOWS(e2e_udp_in(&env, 40031), "UDP to 40031, received outside the cgroup");
	ASSERT_OK(e2e_tcp_connect(E2E_IN_NS(&env.ns), in_cg, env.ns.host4, 40033),
		  "TCP connect to a listener in the cgroup");
	e2e_check_counters(&env, "e2e_cg_in", 0, E2E_NPKTS, E2E_NPKTS);

	ASSERT_BFCLI(&env.daemon, "chain flush", "chain", "flush", "--name", "e2e_cg_in");
	ASSERT_FLOWS(e2e_udp(E2E_IN_NS(&env.ns), in_cg, env.ns.host4, 40031, E2E_NPKTS),
		     "UDP to 40031 in the cgroup after chain flush");
}

/* cgroup_skb egress: a process in the cgroup sends. */
BF_TEST(e2e_cgroup_egress)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	const struct e2e_ep *in_cg, *ns;
	char text[1024];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS | E2E_CGROUP))
		return;
	in_cg = E2E_IN_CG(&env.cg);
	ns = E2E_IN_NS(&env.ns);
	snprintf(text, sizeof(text),
		 "chain e2e_cg_out BF_HOOK_CGROUP_SKB_EGRESS{cgpath=%s} ACCEPT\n"
		 "    rule\n"
		 "        ip4.daddr eq %s\n"
		 "        udp.dport eq 40041\n"
		 "        counter\n"
		 "        DROP\n",
		 env.cg.path, env.ns.ns4);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;

	ASSERT_DROPPED(e2e_udp(in_cg, ns, env.ns.ns4, 40041, E2E_NPKTS),
		       "UDP to 40041 sent from the cgroup (dropped)");
	ASSERT_FLOWS(e2e_udp(in_cg, ns, env.ns.ns4, 40042, E2E_NPKTS),
		     "UDP to 40042 sent from the cgroup");
	ASSERT_FLOWS(e2e_udp(E2E_ROOT, ns, env.ns.ns4, 40041, E2E_NPKTS),
		     "UDP to 40041 sent from outside the cgroup");
	ASSERT_OK(e2e_tcp_connect(in_cg, ns, env.ns.ns4, 40043), "TCP connect from the cgroup");
	e2e_check_counters(&env, "e2e_cg_out", 0, E2E_NPKTS, E2E_NPKTS);

	ASSERT_BFCLI(&env.daemon, "chain flush", "chain", "flush", "--name", "e2e_cg_out");
	ASSERT_FLOWS(e2e_udp(in_cg, ns, env.ns.ns4, 40041, E2E_NPKTS),
		     "UDP to 40041 from the cgroup after chain flush");
}

/* Netfilter LOCAL_IN in the root namespace, both families (no family
 * option). */
BF_TEST(e2e_nf_local_in)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	char text[1024];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_nf_in BF_HOOK_NF_LOCAL_IN ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 40051\n"
		 "        counter\n"
		 "        DROP\n");
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;

	ASSERT_DROPPED(e2e_udp_in(&env, 40051), "UDP over IPv4 to 40051 (dropped)");
	ASSERT_DROPPED(e2e_udp6_in(&env, 40051), "UDP over IPv6 to 40051 (dropped)");
	ASSERT_FLOWS(e2e_udp_in(&env, 40052), "UDP over IPv4 to 40052");
	ASSERT_FLOWS(e2e_udp6_in(&env, 40052), "UDP over IPv6 to 40052");
	ASSERT_OK(e2e_tcp_connect(E2E_IN_NS(&env.ns), E2E_ROOT, env.ns.host4, 40053),
		  "TCP connect to 40053");
	e2e_check_counters(&env, "e2e_nf_in", 0, 2 * E2E_NPKTS, 2 * E2E_NPKTS);

	ASSERT_BFCLI(&env.daemon, "chain flush", "chain", "flush", "--name", "e2e_nf_in");
	ASSERT_FLOWS(e2e_udp_in(&env, 40051), "UDP over IPv4 to 40051 after chain flush");
	ASSERT_FLOWS(e2e_udp6_in(&env, 40051), "UDP over IPv6 to 40051 after chain flush");
}

/* Netfilter LOCAL_IN for IPv6 only. */
BF_TEST(e2e_nf_local_in_inet6)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	char text[1024];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_nf_in6 BF_HOOK_NF_LOCAL_IN{family=inet6} ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 40061\n"
		 "        counter\n"
		 "        DROP\n"
		 "    rule\n"
		 "        ip6.saddr eq %s\n"
		 "        tcp.dport eq 40062\n"
		 "        counter\n"
		 "        DROP\n",
		 env.ns.ns6);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;

	ASSERT_DROPPED(e2e_udp6_in(&env, 40061), "UDP over IPv6 to 40061 (dropped)");
	ASSERT_FLOWS(e2e_udp_in(&env, 40061), "UDP over IPv4 to 40061 (inet6 chain)");
	ASSERT_FLOWS(e2e_udp6_in(&env, 40063), "UDP over IPv6 to 40063");
	ASSERT_EQ(e2e_tcp_connect(E2E_IN_NS(&env.ns), E2E_ROOT, env.ns.host6, 40062), -ETIMEDOUT,
		  "TCP over IPv6 to 40062 (SYN dropped)");
	ASSERT_OK(e2e_tcp_connect(E2E_IN_NS(&env.ns), E2E_ROOT, env.ns.host4, 40062),
		  "TCP over IPv4 to 40062");
	e2e_check_counters(&env, "e2e_nf_in6", 0, E2E_NPKTS, E2E_NPKTS);
	e2e_check_counters(&env, "e2e_nf_in6", 1, 1, 0);

	e2e_bfcli(&env.daemon, &out, "chain", "get", "--name", "e2e_nf_in6", NULL);
	ASSERT_TRUE(e2e_contains(out.out, "family=inet6"), "chain get shows the family: %s",
		    out.out);
}

/* Two netfilter chains on one hook without priorities=: the kernel refuses
 * two BPF programs at one priority, so the daemon picks a free priority for
 * each, and another free one at each update: both chains filter and both
 * can be updated, whatever order the updates come in. */
BF_TEST(e2e_nf_auto_priorities)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	static const char text[] = "chain e2e_nf_a BF_HOOK_NF_LOCAL_IN ACCEPT\n"
				   "    rule udp.dport eq 40071 counter DROP\n"
				   "chain e2e_nf_b BF_HOOK_NF_LOCAL_IN ACCEPT\n"
				   "    rule udp.dport eq 40072 counter DROP\n";

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	if (!ASSERT_BFCLI(&env.daemon, "ruleset set", "ruleset", "set", "--from-str", text))
		return;

	ASSERT_DROPPED(e2e_udp_in(&env, 40071), "UDP to 40071 (first chain)");
	ASSERT_DROPPED(e2e_udp_in(&env, 40072), "UDP to 40072 (second chain)");
	ASSERT_FLOWS(e2e_udp_in(&env, 40073), "UDP to 40073");

	e2e_bfcli(&env.daemon, &out, "ruleset", "get", NULL);
	ASSERT_BFCLI_OK(&out, "ruleset get");
	ASSERT_TRUE(!e2e_contains(out.out, "priorities="),
		    "priorities the daemon picked are not options the user gave:\n%s", out.out);

	/* Updates move to another free priority: b, a, b, a must all work. */
	for (int i = 0; i < 4; i++) {
		char text2[256];
		const char *chain = i % 2 ? "e2e_nf_a" : "e2e_nf_b";

		snprintf(text2, sizeof(text2),
			 "chain %s BF_HOOK_NF_LOCAL_IN ACCEPT rule udp.dport eq %d DROP", chain,
			 40080 + i);
		ASSERT_BFCLI(&env.daemon, "chain update", "chain", "update", "--from-str", text2);
	}
	ASSERT_FLOWS(e2e_udp_in(&env, 40071), "UDP to 40071 after the updates");
	ASSERT_DROPPED(e2e_udp_in(&env, 40082), "UDP to 40082 (chain b, updated twice)");
	ASSERT_DROPPED(e2e_udp_in(&env, 40083), "UDP to 40083 (chain a, updated twice)");
}

/* A socket-address chain without cgpath= is loaded, not attached: like a
 * cgroup_skb chain, it has nowhere to go yet. */
BF_TEST(e2e_sock_addr_loaded_without_cgpath)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};

	if (!e2e_env_setup(&env, E2E_DAEMON))
		return;
	ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str",
		     "chain e2e_sa BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4 ACCEPT\n"
		     "    rule ip4.daddr eq 192.0.2.1 DROP\n");
	e2e_bfcli(&env.daemon, &out, "chain", "get", "--name", "e2e_sa", NULL);
	ASSERT_BFCLI_OK(&out, "chain get");
	ASSERT_TRUE(e2e_contains(out.out, "chain e2e_sa BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4 ACCEPT"),
		    "chain get:\n%s", out.out);
}

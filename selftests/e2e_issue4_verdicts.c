// SPDX-License-Identifier: GPL-2.0-only
/*
 * The verdicts and actions of issue 4 with real packets: REDIRECT out of
 * (or into) a second veth pair, NEXT between two TC chains on one hook,
 * and marks set by one rule and matched by a later rule or by another
 * chain further down the path.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"

/* TC ingress on the first pair redirects out of the second pair's root
 * side: the datagrams arrive on its peer in the second namespace, and not
 * at the address they were sent to. */
BF_TEST(e2e_redirect_tc_out)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_netns_ struct e2e_netns ns2 = {};
	const struct e2e_ep *src, *sniff;
	char text[512];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	if (!ASSERT_OK(e2e_netns_add(&ns2), "a second namespace and veth pair"))
		return;
	src = E2E_IN_NS(&env.ns);
	sniff = E2E_IN_NS(&ns2);
	ASSERT_EQ(e2e_udp_sniff(src, sniff, ns2.ns_if, env.ns.host4, 40301, E2E_NPKTS), 0,
		  "nothing reaches the second namespace before the chain");

	snprintf(text, sizeof(text),
		 "chain e2e_redir BF_HOOK_TC_INGRESS{ifindex=%s} ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 40301\n"
		 "        counter\n"
		 "        REDIRECT %s out\n",
		 env.ns.host_if, ns2.host_if);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;
	ASSERT_EQ(e2e_udp_sniff(src, sniff, ns2.ns_if, env.ns.host4, 40301, E2E_NPKTS), E2E_NPKTS,
		  "datagrams to 40301 seen on the second pair's peer");
	ASSERT_DROPPED(e2e_udp_in(&env, 40301), "datagrams to 40301 don't reach their address");
	ASSERT_FLOWS(e2e_udp_in(&env, 40302), "UDP to 40302 is not redirected");
	e2e_check_counters(&env, "e2e_redir", 0, 2 * E2E_NPKTS, E2E_NPKTS);
}

/* "in": into the second pair's root side, as if received there; a packet
 * socket on it sees them. */
BF_TEST(e2e_redirect_tc_in)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_netns_ struct e2e_netns ns2 = {};
	char text[512];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	if (!ASSERT_OK(e2e_netns_add(&ns2), "a second namespace and veth pair"))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_redir_in BF_HOOK_TC_INGRESS{ifindex=%s} ACCEPT\n"
		 "    rule udp.dport eq 40305 counter REDIRECT %s in\n",
		 env.ns.host_if, ns2.host_if);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;
	ASSERT_EQ(e2e_udp_sniff(E2E_IN_NS(&env.ns), E2E_ROOT, ns2.host_if, env.ns.host4, 40305,
				E2E_NPKTS),
		  E2E_NPKTS, "datagrams to 40305 received on the second pair's root side");
	e2e_check_counters(&env, "e2e_redir_in", 0, E2E_NPKTS, 0);
}

/* Two chains on the TC ingress hook of one interface, in attach order:
 * NEXT (verdict or policy) hands the packet to the second chain, ACCEPT
 * ends the walk and the second chain never sees the packet. */
BF_TEST(e2e_next_two_tc_chains)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	struct e2e_counters b;
	char text[1024];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_next_a BF_HOOK_TC_INGRESS{ifindex=%s} NEXT\n"
		 "    rule udp.dport eq 40361 counter NEXT\n"
		 "    rule udp.dport eq 40362 counter ACCEPT\n",
		 env.ns.host_if);
	if (!ASSERT_BFCLI(&env.daemon, "first chain", "chain", "set", "--from-str", text))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_next_b BF_HOOK_TC_INGRESS{ifindex=%s} ACCEPT\n"
		 "    rule udp.dport eq 40361 counter DROP\n"
		 "    rule udp.dport eq 40362 counter DROP\n"
		 "    rule udp.dport eq 40363 counter DROP\n",
		 env.ns.host_if);
	if (!ASSERT_BFCLI(&env.daemon, "second chain", "chain", "set", "--from-str", text))
		return;

	ASSERT_DROPPED(e2e_udp_in(&env, 40361), "40361: NEXT, then dropped by the second chain");
	ASSERT_FLOWS(e2e_udp_in(&env, 40362), "40362: ACCEPT in the first chain ends the walk");
	ASSERT_DROPPED(e2e_udp_in(&env, 40363), "40363: policy NEXT, dropped by the second");
	ASSERT_FLOWS(e2e_udp_in(&env, 40364), "40364: NEXT, then the second chain's policy");
	e2e_check_counters(&env, "e2e_next_a", 0, E2E_NPKTS, 2 * E2E_NPKTS);
	e2e_check_counters(&env, "e2e_next_a", 1, E2E_NPKTS, 2 * E2E_NPKTS);
	e2e_check_counters(&env, "e2e_next_b", 0, E2E_NPKTS, E2E_NPKTS);
	if (ASSERT_OK(e2e_chain_counters(&env.daemon, "e2e_next_b", &b), "second chain's counters"))
		ASSERT_EQ(b.rule_pkts[1], 0, "the second chain never saw 40362");
	e2e_check_counters(&env, "e2e_next_b", 2, E2E_NPKTS, E2E_NPKTS);

	/* The first chain gone, the second one alone decides. */
	ASSERT_BFCLI(&env.daemon, "flush the first chain", "chain", "flush", "--name",
		     "e2e_next_a");
	ASSERT_DROPPED(e2e_udp_in(&env, 40362), "40362 once the first chain is gone");
}

/* A mark set by a CONTINUE rule is matched by a later rule of the chain;
 * one set at TC ingress is matched by a netfilter chain further on. */
BF_TEST(e2e_mark_tc)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	char text[1024];
	int prio = 2000 + getpid() % 10000 * 4;

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_mark BF_HOOK_TC_INGRESS{ifindex=%s} ACCEPT\n"
		 "    rule udp.dport eq 40371 counter mark 0x42 CONTINUE\n"
		 "    rule meta.mark eq 0x42 counter DROP\n"
		 "    rule udp.dport eq 40372 counter mark 4919 ACCEPT\n"
		 "chain e2e_mark_nf BF_HOOK_NF_LOCAL_IN{family=inet4,priorities=%d-%d} ACCEPT\n"
		 "    rule meta.mark eq 0x1337 counter DROP\n",
		 env.ns.host_if, prio, prio + 1);
	if (!ASSERT_BFCLI(&env.daemon, "ruleset set", "ruleset", "set", "--from-str", text))
		return;

	ASSERT_DROPPED(e2e_udp_in(&env, 40371), "40371: marked, then dropped on the mark");
	ASSERT_DROPPED(e2e_udp_in(&env, 40372), "40372: marked at TC, dropped by netfilter");
	ASSERT_FLOWS(e2e_udp_in(&env, 40373), "40373: no mark");
	e2e_check_counters(&env, "e2e_mark", 0, E2E_NPKTS, E2E_NPKTS);
	e2e_check_counters(&env, "e2e_mark", 1, E2E_NPKTS, E2E_NPKTS);
	e2e_check_counters(&env, "e2e_mark", 2, E2E_NPKTS, E2E_NPKTS);
	e2e_check_counters(&env, "e2e_mark_nf", 0, E2E_NPKTS, E2E_NPKTS);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Socket-address hooks with real system calls: a process in the cgroup
 * gets EPERM from connect() or sendmsg() when a rule drops the call,
 * others go through; counters count calls; "log" says who called (pid,
 * command name) and where to.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"

#define SA_WAIT_MS 3000

/* e2e_check_counters() for calls: they have no bytes. */
static void sa_check_counters(const struct e2e_env *env, const char *chain, size_t rule,
			      long long calls, long long min_policy)
{
	struct e2e_counters c;

	if (!ASSERT_OK(e2e_chain_counters(&env->daemon, chain, &c), "chain get and its counters"))
		return;
	if (!ASSERT_TRUE(rule < c.nrules, "chain '%s': rule %zu not printed", chain, rule))
		return;
	ASSERT_TRUE(c.rule_pkts[rule] == calls, "chain '%s', rule %zu: %lld calls, expected %lld",
		    chain, rule, c.rule_pkts[rule], calls);
	ASSERT_TRUE(c.policy_pkts >= min_policy,
		    "chain '%s': policy counted %lld calls, expected at least %lld", chain,
		    c.policy_pkts, min_policy);
	ASSERT_TRUE(c.error_pkts == 0, "chain '%s': error counter %lld", chain, c.error_pkts);
}

/* connect() over IPv4 and IPv6, logged. */
BF_TEST(e2e_sock_addr_connect)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_bg_ struct e2e_bg bg = {};
	const struct e2e_ep *in_cg, *ns;
	char text[1024], needle[128];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS | E2E_CGROUP))
		return;
	in_cg = E2E_IN_CG(&env.cg);
	ns = E2E_IN_NS(&env.ns);
	snprintf(text, sizeof(text),
		 "chain e2e_sa_c4 BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4{cgpath=%s} ACCEPT\n"
		 "    rule ip4.daddr eq %s tcp.dport eq 40381 log counter DROP\n"
		 "chain e2e_sa_c6 BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6{cgpath=%s} ACCEPT\n"
		 "    rule ip6.daddr eq %s tcp.dport eq 40385 counter DROP\n",
		 env.cg.path, env.ns.ns4, env.cg.path, env.ns.ns6);
	if (!ASSERT_BFCLI(&env.daemon, "ruleset set", "ruleset", "set", "--from-str", text))
		return;
	if (!ASSERT_OK(
		    e2e_bfcli_start(&env.daemon, &bg, "chain", "logs", "--name", "e2e_sa_c4", NULL),
		    "bfcli chain logs"))
		return;
	snprintf(needle, sizeof(needle), "client (pid %d) follows the log", bg.pid);
	ASSERT_TRUE(e2e_daemon_log_wait(&env.daemon, needle, 5000), "bfcli chain logs follows");

	ASSERT_EQ(e2e_tcp_connect(in_cg, ns, env.ns.ns4, 40381), -EPERM,
		  "connect() to 40381 from the cgroup");
	ASSERT_OK(e2e_tcp_connect(in_cg, ns, env.ns.ns4, 40382), "connect() to 40382");
	ASSERT_OK(e2e_tcp_connect(E2E_ROOT, ns, env.ns.ns4, 40381),
		  "connect() to 40381 from outside the cgroup");
	ASSERT_EQ(e2e_tcp_connect(in_cg, ns, env.ns.ns6, 40385), -EPERM,
		  "connect() over IPv6 to 40385 from the cgroup");
	ASSERT_OK(e2e_tcp_connect(in_cg, ns, env.ns.ns6, 40386), "connect() over IPv6 to 40386");
	/* One call each: the counters count calls, not packets. */
	sa_check_counters(&env, "e2e_sa_c4", 0, 1, 1);
	sa_check_counters(&env, "e2e_sa_c6", 0, 1, 1);

	e2e_bg_read(&bg, 1, SA_WAIT_MS);
	snprintf(needle, sizeof(needle), "dst=%s", env.ns.ns4);
	ASSERT_TRUE(e2e_contains(bg.out_text, "pid=") &&
			    e2e_contains(bg.out_text, "comm=bf_selftests") &&
			    e2e_contains(bg.out_text, "dport=40381") &&
			    e2e_contains(bg.out_text, needle) &&
			    e2e_contains(bg.out_text, "rule=0"),
		    "the log line of the refused connect(): '%s' (stderr '%s')", bg.out_text ?: "",
		    bg.err_text ?: "");
}

/* sendmsg() of UDP datagrams. */
BF_TEST(e2e_sock_addr_sendmsg)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	const struct e2e_ep *in_cg;
	char text[1024];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS | E2E_CGROUP))
		return;
	in_cg = E2E_IN_CG(&env.cg);
	snprintf(text, sizeof(text),
		 "chain e2e_sa_s4 BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4{cgpath=%s} ACCEPT\n"
		 "    rule ip4.daddr eq %s udp.dport eq 40383 counter DROP\n",
		 env.cg.path, env.ns.ns4);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;

	ASSERT_EQ(e2e_udp_send_errno(in_cg, env.ns.ns4, 40383), -EPERM,
		  "sendto() to 40383 from the cgroup");
	ASSERT_EQ(e2e_udp_send_errno(in_cg, env.ns.ns4, 40383), -EPERM,
		  "sendto() to 40383 from the cgroup, again");
	ASSERT_OK(e2e_udp_send_errno(in_cg, env.ns.ns4, 40384), "sendto() to 40384");
	ASSERT_OK(e2e_udp_send_errno(E2E_ROOT, env.ns.ns4, 40383),
		  "sendto() to 40383 from outside the cgroup");
	ASSERT_FLOWS(e2e_udp(in_cg, E2E_IN_NS(&env.ns), env.ns.ns4, 40384, E2E_NPKTS),
		     "datagrams to 40384 from the cgroup arrive");
	sa_check_counters(&env, "e2e_sa_s4", 0, 2, 1 + E2E_NPKTS);

	ASSERT_BFCLI(&env.daemon, "chain flush", "chain", "flush", "--name", "e2e_sa_s4");
	ASSERT_OK(e2e_udp_send_errno(in_cg, env.ns.ns4, 40383), "sendto() to 40383 after flush");
}

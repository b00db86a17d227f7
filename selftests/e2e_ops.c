// SPDX-License-Identifier: GPL-2.0-only
/*
 * End-to-end tests of the chain and ruleset operations, with real packets:
 * chain update under traffic, chain load then attach, ruleset set / get /
 * flush, and what a stopping daemon leaves behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"
#include "lib/helper.h"

#define E2E_PORT_A 40071
#define E2E_PORT_B 40072

static void msleep(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void upd_chain(char *buf, size_t len, const struct e2e_env *env, unsigned int port)
{
	snprintf(buf, len,
		 "chain e2e_upd BF_HOOK_XDP{ifindex=%s} ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq %u\n"
		 "        counter\n"
		 "        DROP\n",
		 env->ns.host_if, port);
}

/* Receive the stream for a while on both ports, after emptying the queues
 * of what was sent before. */
static void upd_sample(const int *fds, int *counts)
{
	msleep(20);
	e2e_udp_drain(fds[0]);
	e2e_udp_drain(fds[1]);
	e2e_udp_count(fds, 2, 200, counts);
}

/* chain update swaps the rules while a steady stream flows. */
BF_TEST(e2e_chain_update_live)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	_cleanup_close_ int fd_a = -1;
	_cleanup_close_ int fd_b = -1;
	const uint16_t ports[] = { E2E_PORT_A, E2E_PORT_B };
	_cleanup_e2e_stream_ struct e2e_stream stream = {};
	struct e2e_counters c;
	char text[1024];
	int fds[2], counts[2];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	fds[0] = fd_a = e2e_udp_open(AF_INET, E2E_PORT_A);
	fds[1] = fd_b = e2e_udp_open(AF_INET, E2E_PORT_B);
	if (!ASSERT_TRUE(fd_a >= 0 && fd_b >= 0, "binding UDP %d and %d", E2E_PORT_A, E2E_PORT_B))
		return;

	upd_chain(text, sizeof(text), &env, E2E_PORT_A);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;
	if (!ASSERT_OK(e2e_stream_start(&stream, E2E_IN_NS(&env.ns), env.ns.host4, ports, 2, 500),
		       "starting the UDP stream"))
		return;

	upd_sample(fds, counts);
	ASSERT_EQ(counts[0], 0, "port A before the update (dropped)");
	ASSERT_TRUE(counts[1] > 20, "port B before the update: %d datagrams", counts[1]);

	upd_chain(text, sizeof(text), &env, E2E_PORT_B);
	e2e_bfcli(&env.daemon, &out, "chain", "update", "--from-str", text, NULL);
	ASSERT_BFCLI_OK(&out, "chain update under traffic");
	ASSERT_TRUE(!out.err || !out.err[0], "chain update printed an error: %s", out.err);

	upd_sample(fds, counts);
	ASSERT_TRUE(counts[0] > 20, "port A after the update: %d datagrams", counts[0]);
	ASSERT_EQ(counts[1], 0, "port B after the update (dropped)");
	if (ASSERT_OK(e2e_chain_counters(&env.daemon, "e2e_upd", &c), "counters after update"))
		ASSERT_TRUE(c.nrules == 1 && c.rule_pkts[0] > 20,
			    "rule counter after update: %lld", c.rule_pkts[0]);

	/* chain set of the same name replaces the chain on its hook. */
	upd_chain(text, sizeof(text), &env, E2E_PORT_A);
	ASSERT_BFCLI(&env.daemon, "chain set replacing the chain", "chain", "set", "--from-str",
		     text);
	upd_sample(fds, counts);
	ASSERT_EQ(counts[0], 0, "port A after chain set (dropped)");
	ASSERT_TRUE(counts[1] > 20, "port B after chain set: %d datagrams", counts[1]);

	ASSERT_BFCLI(&env.daemon, "chain flush", "chain", "flush", "--name", "e2e_upd");
	upd_sample(fds, counts);
	ASSERT_TRUE(counts[0] > 20 && counts[1] > 20, "after chain flush: A %d, B %d", counts[0],
		    counts[1]);
	e2e_stream_stop(&stream);
}

/* chain load leaves traffic alone; chain attach puts it on a hook later. */
BF_TEST(e2e_chain_load_then_attach)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	char text[1024], opt[64];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	/* Hook options are ignored by load. */
	snprintf(text, sizeof(text),
		 "chain e2e_la BF_HOOK_TC_INGRESS{ifindex=%u} ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 40081\n"
		 "        counter\n"
		 "        DROP\n",
		 env.ns.host_ifindex);
	snprintf(opt, sizeof(opt), "ifindex=%u", env.ns.host_ifindex);
	if (!ASSERT_BFCLI(&env.daemon, "chain load", "chain", "load", "--from-str", text))
		return;

	e2e_bfcli(&env.daemon, &out, "chain", "get", "--name", "e2e_la", NULL);
	ASSERT_BFCLI_OK(&out, "chain get of a loaded chain");
	ASSERT_TRUE(e2e_contains(out.out, "chain e2e_la BF_HOOK_TC_INGRESS") &&
			    !e2e_contains(out.out, "ifindex="),
		    "a loaded chain is printed without hook options: %s", out.out);
	ASSERT_FLOWS(e2e_udp_in(&env, 40081), "UDP to 40081 (chain only loaded)");

	e2e_bfcli(&env.daemon, &out, "chain", "load", "--from-str", text, NULL);
	ASSERT_TRUE(out.status > 0, "chain load of an existing chain exited with %d", out.status);

	ASSERT_BFCLI(&env.daemon, "chain attach", "chain", "attach", "--name", "e2e_la",
		     "--option", opt);
	ASSERT_DROPPED(e2e_udp_in(&env, 40081), "UDP to 40081 (attached)");
	ASSERT_FLOWS(e2e_udp_in(&env, 40082), "UDP to 40082 (attached)");
	e2e_check_counters(&env, "e2e_la", 0, E2E_NPKTS, E2E_NPKTS);

	e2e_bfcli(&env.daemon, &out, "chain", "get", "--name", "e2e_la", NULL);
	ASSERT_TRUE(e2e_contains(out.out, opt), "attached chain shows %s: %s", opt, out.out);
	e2e_bfcli(&env.daemon, &out, "chain", "attach", "--name", "e2e_la", "--option", opt, NULL);
	ASSERT_TRUE(out.status > 0, "attaching an attached chain exited with %d", out.status);

	ASSERT_BFCLI(&env.daemon, "chain flush", "chain", "flush", "--name", "e2e_la");
	ASSERT_FLOWS(e2e_udp_in(&env, 40081), "UDP to 40081 after chain flush");
}

static bool has_chain_line(const char *text, const char *name)
{
	char needle[128];

	snprintf(needle, sizeof(needle), "chain %s ", name);
	return e2e_contains(text, needle);
}

/* ruleset set with two chains, ruleset get, replacement, round trip and
 * ruleset flush. */
BF_TEST(e2e_ruleset_set_get_flush)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	_cleanup_free_ char *snap = NULL;
	_cleanup_free_ char *snap2 = NULL;
	struct e2e_counters c;
	char text[2048];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "# Two chains on the same veth, one per direction.\n"
		 "chain e2e_rs_in BF_HOOK_XDP{ifindex=%s} ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 40091\n"
		 "        counter\n"
		 "        DROP\n"
		 "chain e2e_rs_out BF_HOOK_TC_EGRESS{ifindex=%u} ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 40092\n"
		 "        counter\n"
		 "        DROP\n",
		 env.ns.host_if, env.ns.host_ifindex);
	if (!ASSERT_BFCLI(&env.daemon, "ruleset set", "ruleset", "set", "--from-str", text))
		return;

	ASSERT_DROPPED(e2e_udp_in(&env, 40091), "UDP in to 40091 (XDP chain)");
	ASSERT_DROPPED(e2e_udp_out(&env, 40092), "UDP out to 40092 (TC chain)");
	ASSERT_FLOWS(e2e_udp_in(&env, 40092), "UDP in to 40092");
	ASSERT_FLOWS(e2e_udp_out(&env, 40091), "UDP out to 40091");

	e2e_bfcli(&env.daemon, &out, "ruleset", "get", NULL);
	ASSERT_BFCLI_OK(&out, "ruleset get");
	ASSERT_TRUE(has_chain_line(out.out, "e2e_rs_in") && has_chain_line(out.out, "e2e_rs_out"),
		    "ruleset get lists both chains: %s", out.out);
	if (ASSERT_OK(e2e_parse_counters(out.out, "e2e_rs_in", &c), "e2e_rs_in's counters"))
		ASSERT_TRUE(c.rule_pkts[0] == E2E_NPKTS && c.policy_pkts >= E2E_NPKTS,
			    "e2e_rs_in: rule %lld, policy %lld", c.rule_pkts[0], c.policy_pkts);
	if (ASSERT_OK(e2e_parse_counters(out.out, "e2e_rs_out", &c), "e2e_rs_out's counters"))
		ASSERT_TRUE(c.rule_pkts[0] == E2E_NPKTS && c.policy_pkts >= E2E_NPKTS,
			    "e2e_rs_out: rule %lld, policy %lld", c.rule_pkts[0], c.policy_pkts);

	/* Round trip: the printed form without counters is accepted again
	 * and yields the same chains. */
	snap = e2e_ruleset_snapshot(&env.daemon);
	if (ASSERT_TRUE(snap != NULL, "ruleset get for the round trip")) {
		ASSERT_BFCLI(&env.daemon, "ruleset set of the printed ruleset", "ruleset", "set",
			     "--from-str", snap);
		snap2 = e2e_ruleset_snapshot(&env.daemon);
		ASSERT_TRUE(snap2 && !strcmp(snap, snap2),
			    "round trip changed the ruleset:\n%s\n--\n%s", snap,
			    snap2 ? snap2 : "(null)");
		ASSERT_DROPPED(e2e_udp_in(&env, 40091), "UDP in to 40091 after the round trip");
	}

	/* ruleset set replaces every chain. */
	snprintf(text, sizeof(text),
		 "chain e2e_rs_new BF_HOOK_TC_INGRESS{ifindex=%u} ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 40093\n"
		 "        counter\n"
		 "        DROP\n",
		 env.ns.host_ifindex);
	ASSERT_BFCLI(&env.daemon, "ruleset set replacing", "ruleset", "set", "--from-str", text);
	e2e_bfcli(&env.daemon, &out, "ruleset", "get", NULL);
	ASSERT_TRUE(has_chain_line(out.out, "e2e_rs_new") &&
			    !has_chain_line(out.out, "e2e_rs_in") &&
			    !has_chain_line(out.out, "e2e_rs_out"),
		    "ruleset get after replacing: %s", out.out);
	ASSERT_FLOWS(e2e_udp_in(&env, 40091), "UDP in to 40091 after replacing");
	ASSERT_FLOWS(e2e_udp_out(&env, 40092), "UDP out to 40092 after replacing");
	ASSERT_DROPPED(e2e_udp_in(&env, 40093), "UDP in to 40093 (new chain)");

	ASSERT_BFCLI(&env.daemon, "ruleset flush", "ruleset", "flush");
	e2e_bfcli(&env.daemon, &out, "ruleset", "get", NULL);
	ASSERT_BFCLI_OK(&out, "ruleset get after flush");
	ASSERT_TRUE(!e2e_contains(out.out, "chain "), "ruleset get after flush: '%s'", out.out);
	ASSERT_FLOWS(e2e_udp_in(&env, 40093), "UDP in to 40093 after ruleset flush");
}

/* A transient daemon detaches everything when it stops. */
BF_TEST(e2e_daemon_stop_detaches)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	char text[1024];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_stop_xdp BF_HOOK_XDP{ifindex=%s} ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 40101\n"
		 "        DROP\n"
		 "chain e2e_stop_nf BF_HOOK_NF_LOCAL_IN ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 40102\n"
		 "        DROP\n",
		 env.ns.host_if);
	if (!ASSERT_BFCLI(&env.daemon, "ruleset set", "ruleset", "set", "--from-str", text))
		return;
	ASSERT_DROPPED(e2e_udp_in(&env, 40101), "UDP to 40101 (XDP)");
	ASSERT_DROPPED(e2e_udp_in(&env, 40102), "UDP to 40102 (netfilter)");

	ASSERT_EQ(e2e_daemon_stop(&env.daemon, false), 0, "daemon exit status");
	ASSERT_FLOWS(e2e_udp_in(&env, 40101), "UDP to 40101 after the daemon stopped");
	ASSERT_FLOWS(e2e_udp_in(&env, 40102), "UDP to 40102 after the daemon stopped");
}

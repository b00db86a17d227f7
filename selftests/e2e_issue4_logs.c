// SPDX-License-Identifier: GPL-2.0-only
/*
 * "chain logs", end to end: a chain with "log" rules, real packets through
 * the veth pair, and "bfcli chain logs" running in the background with its
 * stdout on a pipe. The entries must arrive while it runs (not only when
 * it exits), decoded; several followers get them all; "every" limits
 * them; a follower keeps following a chain that is updated and is told
 * when it is flushed; a follower that doesn't read doesn't hold the
 * daemon; and the log survives a daemon restart with the pins.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"
#include "lib/client.h"
#include "lib/helper.h"
#include "lib/msg.h"
#include "lib/request.h"

/* How long entries may take from the packet to bfcli's stdout. */
#define LOGS_WAIT_MS 3000

/* Start "bfcli chain logs --name @chain" and wait until the daemon has it
 * as a follower: packets sent from then on must all show up. */
static bool logs_follow(const struct e2e_env *env, struct e2e_bg *bg, const char *chain)
{
	char needle[128];

	if (!ASSERT_OK(e2e_bfcli_start(&env->daemon, bg, "chain", "logs", "--name", chain, NULL),
		       "starting bfcli chain logs"))
		return false;
	snprintf(needle, sizeof(needle), "client (pid %d) follows the log of chain '%s'", bg->pid,
		 chain);
	if (e2e_daemon_log_wait(&env->daemon, needle, 5000))
		return true;
	e2e_bg_read(bg, SIZE_MAX, 0);
	return ASSERT_TRUE(false, "bfcli chain logs --name %s never followed; stderr: %s", chain,
			   bg->err_text ?: "");
}

/* The first line of @text containing every one of the NULL-terminated
 * needles (case-insensitive), in a new string; NULL if none. */
static char *logs_find_line(const char *text, ...)
{
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char *copy = strndup(line, len);
		bool all = copy != NULL;
		va_list ap;

		va_start(ap, text);
		for (const char *n = va_arg(ap, const char *); all && n;
		     n = va_arg(ap, const char *))
			all = strcasestr(copy, n) != NULL;
		va_end(ap);
		if (all)
			return copy;
		free(copy);
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static size_t logs_count_lines(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		_cleanup_free_ char *copy = strndup(line, len);

		n += copy && strstr(copy, needle);
		line = nl ? nl + 1 : NULL;
	}
	return n;
}

static void logs_show(const struct e2e_bg *bg)
{
	fprintf(stderr, "  ---- bfcli chain logs stdout ----\n%s  ---- stderr ----\n%s",
		bg->out_text ?: "", bg->err_text ?: "");
}

/* UDP and TCP through a TC ingress chain: every dropped packet is one
 * line, with the rule, the verdict, the size, the addresses and ports, and
 * the TCP flags; they arrive while bfcli still runs. */
BF_TEST(e2e_logs_stream)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_bg_ struct e2e_bg bg = {};
	_cleanup_free_ char *udp = NULL, *tcp = NULL;
	char text[1024], want_src[64], want_dst[64];
	size_t n;

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_logs BF_HOOK_TC_INGRESS{ifindex=%u} ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 40201\n"
		 "        log\n"
		 "        counter\n"
		 "        DROP\n"
		 "    rule\n"
		 "        tcp.dport eq 40202\n"
		 "        log internet,transport\n"
		 "        counter\n"
		 "        DROP\n",
		 env.ns.host_ifindex);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;
	if (!logs_follow(&env, &bg, "e2e_logs"))
		return;

	ASSERT_DROPPED(e2e_udp_in(&env, 40201), "UDP to 40201 (dropped, logged)");
	n = e2e_bg_read(&bg, E2E_NPKTS, LOGS_WAIT_MS);
	ASSERT_TRUE(e2e_bg_running(&bg), "bfcli chain logs exited: %d", bg.status);
	if (!ASSERT_EQ(n, E2E_NPKTS, "log lines for the UDP datagrams, bfcli still running"))
		logs_show(&bg);
	snprintf(want_src, sizeof(want_src), "src=%s ", env.ns.ns4);
	snprintf(want_dst, sizeof(want_dst), "dst=%s ", env.ns.host4);
	if (bf_test_verbose())
		logs_show(&bg);
	udp = logs_find_line(bg.out_text, "dport=40201", want_src, want_dst, NULL);
	if (ASSERT_TRUE(udp != NULL, "no line with the UDP addresses and port:\n%s", bg.out_text))
		/* Bare "log": every header, MACs and EtherType included. */
		ASSERT_TRUE(strstr(udp, "rule=0 ") && strstr(udp, "verdict=DROP") &&
				    strstr(udp, "size=") && strstr(udp, "proto=udp") &&
				    strstr(udp, "link: src=") && strstr(udp, "type=ipv4") &&
				    strstr(udp, "ttl="),
			    "UDP line lacks a field: %s", udp);

	ASSERT_EQ(e2e_tcp_connect(E2E_IN_NS(&env.ns), E2E_ROOT, env.ns.host4, 40202), -ETIMEDOUT,
		  "TCP connect to 40202 (SYN dropped)");
	e2e_bg_read(&bg, E2E_NPKTS + 1, LOGS_WAIT_MS);
	tcp = logs_find_line(bg.out_text, "dport=40202", "flags=syn", want_src, NULL);
	if (!ASSERT_TRUE(tcp != NULL, "no line with the TCP SYN to 40202"))
		logs_show(&bg);
	else
		/* "log internet,transport": no link header. */
		ASSERT_TRUE(strstr(tcp, "rule=1 ") && strstr(tcp, "proto=tcp") &&
				    strstr(tcp, "seq=") && strstr(tcp, "win=") &&
				    !strstr(tcp, "link:"),
			    "TCP line: %s", tcp);
	e2e_check_counters(&env, "e2e_logs", 0, E2E_NPKTS, 0);

	ASSERT_TRUE(e2e_bg_running(&bg), "bfcli chain logs still runs after the traffic");
	/* Ctrl+C ends it cleanly. */
	ASSERT_EQ(e2e_bg_stop(&bg), 0, "bfcli chain logs exit status on SIGINT");
	ASSERT_TRUE(e2e_daemon_alive(&env.daemon), "the daemon survives its follower leaving");
}

/* Two followers of one chain both get every entry; one leaving doesn't
 * disturb the other. */
BF_TEST(e2e_logs_two_followers)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_bg_ struct e2e_bg a = {};
	_cleanup_e2e_bg_ struct e2e_bg b = {};
	char text[512];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_logs2 BF_HOOK_XDP{ifindex=%s} ACCEPT\n"
		 "    rule udp.dport eq 40205 log counter DROP\n",
		 env.ns.host_if);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;
	if (!logs_follow(&env, &a, "e2e_logs2") || !logs_follow(&env, &b, "e2e_logs2"))
		return;

	ASSERT_DROPPED(e2e_udp_in(&env, 40205), "UDP to 40205");
	ASSERT_EQ(e2e_bg_read(&a, E2E_NPKTS, LOGS_WAIT_MS), E2E_NPKTS,
		  "lines of the first follower");
	ASSERT_EQ(e2e_bg_read(&b, E2E_NPKTS, LOGS_WAIT_MS), E2E_NPKTS,
		  "lines of the second follower");

	ASSERT_EQ(e2e_bg_stop(&a), 0, "first follower stopped");
	ASSERT_DROPPED(e2e_udp_in(&env, 40205), "UDP to 40205, again");
	ASSERT_EQ(e2e_bg_read(&b, 2 * E2E_NPKTS, LOGS_WAIT_MS), 2 * E2E_NPKTS,
		  "the second follower goes on alone");
}

/* "log every 1s": a burst gives one entry per second, the counter still
 * counts every packet. */
BF_TEST(e2e_logs_every)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_bg_ struct e2e_bg bg = {};
	char text[512];

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_logs_every BF_HOOK_TC_INGRESS{ifindex=%s} ACCEPT\n"
		 "    rule udp.dport eq 40211 log transport every 1s counter DROP\n"
		 "    rule udp.dport eq 40212 log counter DROP\n",
		 env.ns.host_if);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;
	if (!logs_follow(&env, &bg, "e2e_logs_every"))
		return;

	ASSERT_DROPPED(e2e_udp_in(&env, 40211), "a burst to 40211");
	e2e_bg_read(&bg, 2, 1500);
	ASSERT_EQ(logs_count_lines(bg.out_text, "40211"), 1, "entries for a burst within 1s");
	usleep(1100 * 1000);
	ASSERT_DROPPED(e2e_udp_in(&env, 40211), "a second burst, a second later");
	e2e_bg_read(&bg, 3, 1500);
	ASSERT_EQ(logs_count_lines(bg.out_text, "40211"), 2, "entries after the second burst");
	/* The rule without "every" logs each packet. */
	ASSERT_DROPPED(e2e_udp_in(&env, 40212), "UDP to 40212");
	e2e_bg_read(&bg, 2 + E2E_NPKTS, LOGS_WAIT_MS);
	ASSERT_EQ(logs_count_lines(bg.out_text, "40212"), E2E_NPKTS, "entries without every");
	e2e_check_counters(&env, "e2e_logs_every", 0, 2 * E2E_NPKTS, 0);
}

/* A follower follows the chain by name: through a chain update (new
 * program, new ring) and a chain set; a flush ends its stream with a
 * message and a failure status. */
BF_TEST(e2e_logs_follow_update_flush)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_bg_ struct e2e_bg bg = {};
	char text[512];
	int status;

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_logs_upd BF_HOOK_TC_INGRESS{ifindex=%s} ACCEPT\n"
		 "    rule udp.dport eq 40221 log counter DROP\n",
		 env.ns.host_if);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;
	if (!logs_follow(&env, &bg, "e2e_logs_upd"))
		return;
	ASSERT_DROPPED(e2e_udp_in(&env, 40221), "UDP to 40221");
	ASSERT_EQ(e2e_bg_read(&bg, E2E_NPKTS, LOGS_WAIT_MS), E2E_NPKTS, "lines before the update");

	ASSERT_BFCLI(&env.daemon, "chain update", "chain", "update", "--from-str",
		     "chain e2e_logs_upd BF_HOOK_TC_INGRESS ACCEPT\n"
		     "    rule udp.dport eq 40222 log counter DROP\n");
	ASSERT_DROPPED(e2e_udp_in(&env, 40222), "UDP to 40222 after the update");
	ASSERT_EQ(e2e_bg_read(&bg, 2 * E2E_NPKTS, LOGS_WAIT_MS), 2 * E2E_NPKTS,
		  "lines after the update, same follower");
	ASSERT_EQ(logs_count_lines(bg.out_text, "40222"), E2E_NPKTS, "lines of the new rule");

	snprintf(text, sizeof(text),
		 "chain e2e_logs_upd BF_HOOK_TC_INGRESS{ifindex=%s} ACCEPT\n"
		 "    rule udp.dport eq 40223 log counter DROP\n",
		 env.ns.host_if);
	ASSERT_BFCLI(&env.daemon, "chain set over the chain", "chain", "set", "--from-str", text);
	ASSERT_DROPPED(e2e_udp_in(&env, 40223), "UDP to 40223 after chain set");
	ASSERT_EQ(e2e_bg_read(&bg, 3 * E2E_NPKTS, LOGS_WAIT_MS), 3 * E2E_NPKTS,
		  "lines after chain set, same follower");

	ASSERT_TRUE(e2e_bg_running(&bg), "bfcli chain logs runs until the flush");
	ASSERT_BFCLI(&env.daemon, "chain flush", "chain", "flush", "--name", "e2e_logs_upd");
	status = e2e_bg_wait(&bg, 3000);
	ASSERT_TRUE(status > 0, "bfcli chain logs after the flush: status %d", status);
	ASSERT_TRUE(e2e_contains(bg.err_text, "e2e_logs_upd") &&
			    e2e_contains(bg.err_text, "removed"),
		    "bfcli chain logs says the chain was removed: '%s'", bg.err_text ?: "");
}

/* No such chain: one line, a failure status, nothing left running. */
BF_TEST(e2e_logs_no_chain)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};

	if (!e2e_env_setup(&env, E2E_DAEMON))
		return;
	e2e_bfcli(&env.daemon, &out, "chain", "logs", "--name", "e2e_nope", NULL);
	ASSERT_BFCLI_FAILS(&out, "e2e_nope", "chain logs of a missing chain");
	ASSERT_TRUE(e2e_daemon_alive(&env.daemon), "daemon alive");
}

/* A follower that never reads: its entries pile up to a bound, then are
 * dropped for it; the daemon answers at once all along and another
 * follower gets every entry. */
BF_TEST(e2e_logs_slow_follower)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_bg_ struct e2e_bg fast = {};
	struct bf_request req = { .cmd = BF_CMD_CHAIN_LOGS };
	struct bf_response resp = {};
	struct timespec t0, t1;
	_cleanup_close_ int fd = -1;
	const int npkts = 3000;
	char text[512];
	double secs;
	pid_t flood;
	int n;

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_logs_slow BF_HOOK_TC_INGRESS{ifindex=%s} ACCEPT\n"
		 "    rule udp.dport eq 40231 log counter DROP\n",
		 env.ns.host_if);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;
	snprintf(req.name, sizeof(req.name), "e2e_logs_slow");
	fd = bf_client_connect(env.daemon.sock);
	if (!ASSERT_TRUE(fd >= 0, "connect: %s", strerror(-fd)))
		return;
	if (!ASSERT_OK(bf_client_exchange(fd, &req, &resp), "chain logs request") ||
	    !ASSERT_OK(resp.status, "chain logs status"))
		return;
	bf_response_clean(&resp);
	if (!logs_follow(&env, &fast, "e2e_logs_slow"))
		return;

	/* The flood from a child: the follower that reads is read meanwhile,
	 * or its pipe would fill and make it a slow one too. */
	flood = fork();
	if (!flood)
		_exit(e2e_udp(E2E_IN_NS(&env.ns), E2E_ROOT, env.ns.host4, 40231, npkts) ? 1 : 0);
	ASSERT_EQ(e2e_bg_read(&fast, npkts, 15000), npkts, "lines of the follower that reads");
	ASSERT_TRUE(flood > 0 && waitpid(flood, &n, 0) == flood && WIFEXITED(n) && !WEXITSTATUS(n),
		    "the flood to 40231 was all dropped");
	{
		_cleanup_free_ char *snap = NULL;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		snap = e2e_ruleset_snapshot(&env.daemon);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ASSERT_TRUE(snap != NULL, "ruleset get with a stuck follower");
	}
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ASSERT_TRUE(secs < 1, "ruleset get took %.2fs with a stuck follower", secs);
	ASSERT_TRUE(e2e_daemon_log_wait(&env.daemon, "reads too slowly", 3000),
		    "the daemon says it drops entries for the stuck follower");
}

/* The ring is pinned with the rest: a restarted daemon reads the log of a
 * chain it restored. */
BF_TEST(e2e_logs_after_restart)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_bg_ struct e2e_bg bg = {};
	char dir[64], run[96], bpffs[96], cmd[128], text[512];
	bool mounted = false;

	snprintf(dir, sizeof(dir), "/tmp/" E2E_PREFIX "%d_logs", getpid());
	snprintf(run, sizeof(run), "%s/run", dir);
	snprintf(bpffs, sizeof(bpffs), "%s/bpffs", dir);
	if (!e2e_env_setup(&env, E2E_NETNS))
		return;
	if (!ASSERT_TRUE(!mkdir(dir, 0700) && !mkdir(bpffs, 0700), "mkdir %s: %s", dir,
			 strerror(errno)))
		goto out;
	mounted = !mount("bpf", bpffs, "bpf", 0, NULL);
	if (!ASSERT_TRUE(mounted, "mounting a bpffs: %s", strerror(errno)))
		goto out;
	env.daemon.args[0] = "--run-dir";
	env.daemon.args[1] = run;
	env.daemon.args[2] = "--bpffs-path";
	env.daemon.args[3] = bpffs;
	if (!ASSERT_OK(e2e_daemon_start(&env.daemon), "starting a persistent daemon"))
		goto out;
	snprintf(text, sizeof(text),
		 "chain e2e_logs_pin BF_HOOK_TC_INGRESS{ifindex=%s} ACCEPT\n"
		 "    rule udp.dport eq 40241 log counter DROP\n",
		 env.ns.host_if);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		goto out;
	snprintf(cmd, sizeof(cmd), "%s/bpfilter/e2e_logs_pin/bf_log", bpffs);
	ASSERT_TRUE(!access(cmd, F_OK), "the ring is pinned at %s", cmd);
	ASSERT_EQ(e2e_daemon_stop(&env.daemon, false), 0, "stopping the daemon");

	if (!ASSERT_OK(e2e_daemon_start(&env.daemon), "restarting the daemon"))
		goto out;
	if (!logs_follow(&env, &bg, "e2e_logs_pin"))
		goto out;
	ASSERT_DROPPED(e2e_udp_in(&env, 40241), "UDP to 40241 after the restart");
	ASSERT_EQ(e2e_bg_read(&bg, E2E_NPKTS, LOGS_WAIT_MS), E2E_NPKTS,
		  "lines from the restored chain");
	e2e_bg_stop(&bg);
	ASSERT_BFCLI(&env.daemon, "ruleset flush", "ruleset", "flush");
out:
	if (env.daemon.pid)
		e2e_daemon_stop(&env.daemon, e2e_nfailures != env.nfailures_at_start);
	if (mounted)
		umount2(bpffs, MNT_DETACH);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "  cannot remove %s\n", dir);
}

/* The daemon stopping ends its followers' streams with a message. */
BF_TEST(e2e_logs_daemon_stops)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_bg_ struct e2e_bg bg = {};
	int status;

	if (!e2e_env_setup(&env, E2E_DAEMON))
		return;
	if (!ASSERT_BFCLI(&env.daemon, "chain load", "chain", "load", "--from-str",
			  "chain e2e_logs_stop BF_HOOK_XDP ACCEPT rule udp.dport 40251 log DROP"))
		return;
	if (!logs_follow(&env, &bg, "e2e_logs_stop"))
		return;
	ASSERT_EQ(e2e_daemon_stop(&env.daemon, false), 0, "stopping the daemon");
	status = e2e_bg_wait(&bg, 3000);
	ASSERT_TRUE(status > 0, "bfcli chain logs once the daemon is gone: status %d", status);
	ASSERT_TRUE(e2e_contains(bg.err_text, "stopping"), "bfcli says the daemon stops: '%s'",
		    bg.err_text ?: "");
}

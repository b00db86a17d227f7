// SPDX-License-Identifier: GPL-2.0-only
/*
 * "chain update-set" and the daemon's dry run, end to end.
 *
 * update-set changes a named set in place: traffic from an address added
 * to a drop set is dropped at once, flows again once it is removed; the
 * program is the same (same kernel id, counters kept); "chain get" and the
 * state file show the new content. Bad elements or sets are refused with
 * one line naming them, and change nothing.
 *
 * A request with BF_REQ_DRY_RUN, sent straight to the daemon's socket
 * (bfcli may check client-side too), validates and changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e.h"
#include "lib/client.h"
#include "lib/helper.h"
#include "lib/parse.h"
#include "lib/request.h"

/* A TC ingress chain dropping what its sets name: addresses, networks,
 * and (address, port) pairs. */
static bool sets_setup(struct e2e_env *env, unsigned int flags)
{
	char text[1024];

	if (!e2e_env_setup(env, flags))
		return false;
	snprintf(text, sizeof(text),
		 "chain e2e_us BF_HOOK_TC_INGRESS{ifindex=%s} ACCEPT\n"
		 "    set blocked (ip4.saddr) in { 192.0.2.1 }\n"
		 "    set nets (ip4.snet) in { 198.51.100.0/24 }\n"
		 "    set pairs (ip4.saddr, udp.dport) in { 192.0.2.1, 53 }\n"
		 "    rule\n"
		 "        (ip4.saddr) in blocked\n"
		 "        udp.dport eq 40401\n"
		 "        counter\n"
		 "        DROP\n"
		 "    rule\n"
		 "        (ip4.snet) in nets\n"
		 "        udp.dport eq 40402\n"
		 "        counter\n"
		 "        DROP\n"
		 "    rule\n"
		 "        (ip4.saddr, udp.dport) in pairs\n"
		 "        counter\n"
		 "        DROP\n",
		 env->ns.host_if);
	return ASSERT_BFCLI(&env->daemon, "chain set", "chain", "set", "--from-str", text);
}

/* "chain get" output of e2e_us, in a new string. */
static char *sets_get(const struct e2e_env *env)
{
	_cleanup_e2e_out_ struct e2e_out out = {};

	if (e2e_bfcli(&env->daemon, &out, "chain", "get", "--name", "e2e_us", NULL))
		return NULL;
	return TAKE_PTR(out.out);
}

/* One update-set of set "blocked" of e2e_us, straight to the socket: the
 * status. */
static int sets_update(const struct e2e_env *env, const char *add, const char *remove)
{
	char *add_v[] = { (char *)add }, *remove_v[] = { (char *)remove };
	struct bf_request req = { .cmd = BF_CMD_CHAIN_UPDATE_SET,
				  .add = add_v,
				  .nadd = add ? 1 : 0,
				  .remove = remove_v,
				  .nremove = remove ? 1 : 0 };
	struct bf_response resp = {};
	_cleanup_close_ int fd = bf_client_connect(env->daemon.sock);
	int r;

	if (fd < 0)
		return fd;
	snprintf(req.name, sizeof(req.name), "e2e_us");
	snprintf(req.set_name, sizeof(req.set_name), "blocked");
	r = bf_client_exchange(fd, &req, &resp);
	if (!r && resp.status)
		fprintf(stderr, "  update-set: %s\n", resp.message);
	r = r ?: resp.status;
	bf_response_clean(&resp);
	return r;
}

/* Add, then remove, the namespace's address: dropped, then flowing; the
 * same program all along, its counters kept. */
BF_TEST(e2e_update_set_addr)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_free_ char *get = NULL;
	uint32_t id;

	if (!sets_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	id = e2e_prog_id("bf_e2e_us");
	ASSERT_TRUE(id != 0, "bpftool finds program bf_e2e_us");
	ASSERT_FLOWS(e2e_udp_in(&env, 40401), "UDP to 40401 before update-set");

	if (!ASSERT_BFCLI(&env.daemon, "update-set --add", "chain", "update-set", "--name",
			  "e2e_us", "--set-name", "blocked", "--add", env.ns.ns4, "--add",
			  "192.0.2.9"))
		return;
	ASSERT_DROPPED(e2e_udp_in(&env, 40401), "UDP to 40401 once the address is in the set");
	ASSERT_FLOWS(e2e_udp_in(&env, 40403), "UDP to 40403 (the rule wants 40401)");
	e2e_check_counters(&env, "e2e_us", 0, E2E_NPKTS, E2E_NPKTS);
	get = sets_get(&env);
	ASSERT_TRUE(e2e_contains(get, env.ns.ns4) && e2e_contains(get, "192.0.2.9") &&
			    e2e_contains(get, "192.0.2.1"),
		    "chain get shows the new content:\n%s", get ?: "");

	if (!ASSERT_BFCLI(&env.daemon, "update-set --remove", "chain", "update-set", "--name",
			  "e2e_us", "--set-name", "blocked", "--remove", env.ns.ns4))
		return;
	ASSERT_FLOWS(e2e_udp_in(&env, 40401), "UDP to 40401 once the address is out");
	/* The counter kept the packets dropped before: same program. */
	e2e_check_counters(&env, "e2e_us", 0, E2E_NPKTS, 3 * E2E_NPKTS);
	ASSERT_EQ(e2e_prog_id("bf_e2e_us"), id, "program id after two update-sets");
	free(get);
	get = sets_get(&env);
	ASSERT_TRUE(!e2e_contains(get, env.ns.ns4) && e2e_contains(get, "192.0.2.9"),
		    "chain get after the removal:\n%s", get ?: "");

	/* Many generations: the generation byte wraps around (straight to
	 * the socket: 300 bfcli runs take a while). */
	for (int i = 0; i < 300; i++) {
		if (!ASSERT_OK(sets_update(&env, i % 2 ? NULL : "192.0.2.77",
					   i % 2 ? "192.0.2.77" : NULL),
			       "update-set round"))
			break;
	}
	ASSERT_BFCLI(&env.daemon, "update-set --add after 300 rounds", "chain", "update-set",
		     "--name", "e2e_us", "--set-name", "blocked", "--add", env.ns.ns4);
	ASSERT_DROPPED(e2e_udp_in(&env, 40401), "UDP to 40401 after 300 rounds");
	ASSERT_FLOWS(e2e_udp_in(&env, 40403), "UDP to 40403 after 300 rounds");
	ASSERT_EQ(e2e_prog_id("bf_e2e_us"), id, "program id after 300 rounds");
	e2e_check_counters(&env, "e2e_us", 0, 2 * E2E_NPKTS, 4 * E2E_NPKTS);
}

/* A prefix set (LPM trie) and a two-component set. */
BF_TEST(e2e_update_set_net_and_pair)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	char net[32], pair[64];

	if (!sets_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(net, sizeof(net), "10.213.%u.77/24", env.ns.n);
	snprintf(pair, sizeof(pair), "%s, 40405", env.ns.ns4);

	ASSERT_FLOWS(e2e_udp_in(&env, 40402), "UDP to 40402 before");
	/* Host bits don't count: 10.213.N.77/24 is 10.213.N.0/24. */
	ASSERT_BFCLI(&env.daemon, "update-set nets --add", "chain", "update-set", "--name",
		     "e2e_us", "--set-name", "nets", "--add", net);
	ASSERT_DROPPED(e2e_udp_in(&env, 40402), "UDP to 40402 from the added network");
	snprintf(net, sizeof(net), "10.213.%u.0/24", env.ns.n);
	ASSERT_BFCLI(&env.daemon, "update-set nets --remove", "chain", "update-set", "--name",
		     "e2e_us", "--set-name", "nets", "--remove", net, "--remove",
		     "198.51.100.0/24");
	ASSERT_FLOWS(e2e_udp_in(&env, 40402), "UDP to 40402 once removed");

	ASSERT_FLOWS(e2e_udp_in(&env, 40405), "UDP to 40405 before");
	ASSERT_BFCLI(&env.daemon, "update-set pairs --add", "chain", "update-set", "--name",
		     "e2e_us", "--set-name", "pairs", "--add", pair);
	ASSERT_DROPPED(e2e_udp_in(&env, 40405), "UDP to 40405 once the pair is in");
	ASSERT_FLOWS(e2e_udp_in(&env, 40406), "UDP to 40406 (another port)");
	e2e_check_counters(&env, "e2e_us", 1, E2E_NPKTS, 0);
	e2e_check_counters(&env, "e2e_us", 2, E2E_NPKTS, 0);
}

/* Adding what is there does nothing; removing what isn't there is an
 * error that changes nothing, even with valid elements next to it. */
BF_TEST(e2e_update_set_semantics)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	_cleanup_free_ char *before = NULL, *after = NULL;

	if (!sets_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	ASSERT_BFCLI(&env.daemon, "adding an element already there", "chain", "update-set",
		     "--name", "e2e_us", "--set-name", "blocked", "--add", "192.0.2.1");
	before = e2e_ruleset_snapshot(&env.daemon);
	ASSERT_TRUE(e2e_contains(before, "192.0.2.1") &&
			    !e2e_contains(strstr(before ?: "", "192.0.2.1") + 1, "192.0.2.1 }"),
		    "the element is there once:\n%s", before ?: "");

	e2e_bfcli(&env.daemon, &out, "chain", "update-set", "--name", "e2e_us", "--set-name",
		  "blocked", "--add", env.ns.ns4, "--remove", "192.0.2.200", NULL);
	ASSERT_BFCLI_FAILS(&out, "192.0.2.200", "removing a missing element");
	ASSERT_TRUE(e2e_contains(out.err, "not in the set"), "says why: %s", out.err);
	after = e2e_ruleset_snapshot(&env.daemon);
	ASSERT_TRUE(before && after && !strcmp(before, after), "nothing changed:\n%s", after ?: "");
	ASSERT_FLOWS(e2e_udp_in(&env, 40401), "the valid --add next to it was not applied");
}

/* What update-set refuses, each with one line naming the culprit, the
 * chain untouched and still filtering. */
BF_TEST(e2e_update_set_errors)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_free_ char *before = NULL, *after = NULL;
	static const struct {
		const char *chain, *set, *elem, *needle;
	} cases[] = {
		{ "e2e_nope", "blocked", "192.0.2.3", "e2e_nope" },
		{ "e2e_us", "nope", "192.0.2.3", "nope" },
		{ "e2e_us", "blocked", "192.0.2.300", "192.0.2.300" },
		{ "e2e_us", "blocked", "not-an-address", "not-an-address" },
		{ "e2e_us", "blocked", "192.0.2.3, 22", "192.0.2.3, 22" },
		{ "e2e_us", "pairs", "192.0.2.3", "192.0.2.3" },
		{ "e2e_us", "pairs", "192.0.2.3, 70000", "70000" },
		{ "e2e_us", "nets", "198.51.100.0/33", "198.51.100.0/33" },
	};

	if (!sets_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	ASSERT_BFCLI(&env.daemon, "update-set --add", "chain", "update-set", "--name", "e2e_us",
		     "--set-name", "blocked", "--add", env.ns.ns4);
	before = e2e_ruleset_snapshot(&env.daemon);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_e2e_out_ struct e2e_out out = {};
		char what[128];

		snprintf(what, sizeof(what), "update-set %s/%s --add '%s'", cases[i].chain,
			 cases[i].set, cases[i].elem);
		e2e_bfcli(&env.daemon, &out, "chain", "update-set", "--name", cases[i].chain,
			  "--set-name", cases[i].set, "--add", cases[i].elem, NULL);
		ASSERT_BFCLI_FAILS(&out, cases[i].needle, what);
	}
	after = e2e_ruleset_snapshot(&env.daemon);
	ASSERT_TRUE(before && after && !strcmp(before, after), "ruleset changed:\n%s", after ?: "");
	ASSERT_DROPPED(e2e_udp_in(&env, 40401), "the chain still drops what it dropped");
	ASSERT_TRUE(e2e_daemon_alive(&env.daemon), "daemon alive");
}

/* update-set --dry-run checks the elements against the set, in the
 * daemon, and changes nothing. */
BF_TEST(e2e_update_set_dry_run)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	_cleanup_free_ char *before = NULL, *after = NULL;

	if (!sets_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	before = e2e_ruleset_snapshot(&env.daemon);
	ASSERT_BFCLI(&env.daemon, "update-set --dry-run", "chain", "update-set", "--name", "e2e_us",
		     "--set-name", "blocked", "--add", env.ns.ns4, "--dry-run");
	ASSERT_FLOWS(e2e_udp_in(&env, 40401), "UDP to 40401 after a dry run");
	e2e_bfcli(&env.daemon, &out, "chain", "update-set", "--name", "e2e_us", "--set-name",
		  "blocked", "--add", "192.0.2.256", "--dry-run", NULL);
	ASSERT_BFCLI_FAILS(&out, "192.0.2.256", "update-set --dry-run with a bad element");
	e2e_bfcli(&env.daemon, &out, "chain", "update-set", "--name", "e2e_us", "--set-name",
		  "blocked", "--remove", "192.0.2.2", "--dry-run", NULL);
	ASSERT_BFCLI_FAILS(&out, "192.0.2.2", "update-set --dry-run removing a missing element");
	after = e2e_ruleset_snapshot(&env.daemon);
	ASSERT_TRUE(before && after && !strcmp(before, after), "ruleset changed:\n%s", after ?: "");
}

/* The new content is in the state file: a restarted daemon prints it and
 * filters with it; update-set works on a restored chain. */
BF_TEST(e2e_update_set_persists)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_free_ char *get = NULL;
	char dir[64], run[96], bpffs[96], cmd[128];
	bool mounted = false;

	snprintf(dir, sizeof(dir), "/tmp/" E2E_PREFIX "%d_us", getpid());
	snprintf(run, sizeof(run), "%s/run", dir);
	snprintf(bpffs, sizeof(bpffs), "%s/bpffs", dir);
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
	if (!sets_setup(&env, E2E_DAEMON | E2E_NETNS))
		goto out;
	ASSERT_BFCLI(&env.daemon, "update-set --add", "chain", "update-set", "--name", "e2e_us",
		     "--set-name", "blocked", "--add", env.ns.ns4);
	ASSERT_EQ(e2e_daemon_stop(&env.daemon, false), 0, "stopping the daemon");
	ASSERT_DROPPED(e2e_udp_in(&env, 40401), "UDP to 40401 with the daemon stopped");
	if (!ASSERT_OK(e2e_daemon_start(&env.daemon), "restarting the daemon"))
		goto out;
	get = sets_get(&env);
	ASSERT_TRUE(e2e_contains(get, env.ns.ns4), "the restored chain has the new element:\n%s",
		    get ?: "");
	ASSERT_BFCLI(&env.daemon, "update-set --remove on a restored chain", "chain", "update-set",
		     "--name", "e2e_us", "--set-name", "blocked", "--remove", env.ns.ns4);
	ASSERT_FLOWS(e2e_udp_in(&env, 40401), "UDP to 40401 once removed");
	e2e_check_counters(&env, "e2e_us", 0, E2E_NPKTS, E2E_NPKTS);
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

/* ---------------------------------------------------------------------
 * BF_REQ_DRY_RUN straight to the daemon
 */

/* Send @cmd with @text's chains and BF_REQ_DRY_RUN; the response's status,
 * its message in @msg. */
static int dry_request(const struct e2e_env *env, enum bf_cmd cmd, const char *text, char *msg,
		       size_t msglen)
{
	struct bf_request req = { .cmd = cmd, .flags = BF_REQ_DRY_RUN };
	struct bf_response resp = {};
	char err[256];
	_cleanup_close_ int fd = bf_client_connect(env->daemon.sock);
	int r;

	if (fd < 0)
		return fd;
	if (text && bf_parse_ruleset(text, &req.ruleset, err, sizeof(err))) {
		snprintf(msg, msglen, "parse error: %s", err);
		return -EINVAL;
	}
	if (cmd == BF_CMD_CHAIN_FLUSH)
		snprintf(req.name, sizeof(req.name), "e2e_dry");
	r = bf_client_exchange(fd, &req, &resp);
	bf_request_clean(&req);
	if (r)
		return r;
	snprintf(msg, msglen, "%s", resp.message);
	r = resp.status;
	bf_response_clean(&resp);
	return r;
}

/* set, load, update and ruleset set with BF_REQ_DRY_RUN: validated (an
 * unknown interface, a verifier-level check) and nothing applied; flush
 * has no dry run and refuses the flag rather than flushing. */
BF_TEST(e2e_daemon_dry_run)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_free_ char *before = NULL, *after = NULL;
	char text[512], msg[BF_RESPONSE_MSG_LEN];
	int r;

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text),
		 "chain e2e_dry BF_HOOK_TC_INGRESS{ifindex=%s} ACCEPT\n"
		 "    rule udp.dport eq 40411 counter DROP\n",
		 env.ns.host_if);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;
	before = e2e_ruleset_snapshot(&env.daemon);

	snprintf(text, sizeof(text),
		 "chain e2e_dry BF_HOOK_TC_INGRESS{ifindex=%s} ACCEPT\n"
		 "    rule udp.dport eq 40412 counter DROP\n",
		 env.ns.host_if);
	ASSERT_OK(dry_request(&env, BF_CMD_CHAIN_SET, text, msg, sizeof(msg)), "chain set dry");
	ASSERT_OK(dry_request(&env, BF_CMD_CHAIN_UPDATE, text, msg, sizeof(msg)),
		  "chain update dry");
	ASSERT_OK(dry_request(&env, BF_CMD_RULESET_SET, text, msg, sizeof(msg)), "ruleset set dry");
	ASSERT_OK(dry_request(&env, BF_CMD_CHAIN_LOAD,
			      "chain e2e_dry_new BF_HOOK_XDP ACCEPT rule udp.dport 1 DROP", msg,
			      sizeof(msg)),
		  "chain load dry");
	r = dry_request(&env, BF_CMD_CHAIN_LOAD, text, msg, sizeof(msg));
	ASSERT_EQ(r, -EEXIST, "chain load dry of an existing chain");
	r = dry_request(&env, BF_CMD_CHAIN_SET,
			"chain e2e_dry2 BF_HOOK_TC_INGRESS{ifindex=bftnosuchif} ACCEPT", msg,
			sizeof(msg));
	ASSERT_TRUE(r < 0 && strstr(msg, "bftnosuchif"), "dry run resolves interfaces: %d '%s'", r,
		    msg);
	r = dry_request(&env, BF_CMD_CHAIN_UPDATE, "chain e2e_dry BF_HOOK_XDP ACCEPT", msg,
			sizeof(msg));
	ASSERT_TRUE(r == -EINVAL && strstr(msg, "BF_HOOK_TC_INGRESS"),
		    "dry update to another hook: %d '%s'", r, msg);
	r = dry_request(&env, BF_CMD_CHAIN_FLUSH, NULL, msg, sizeof(msg));
	ASSERT_TRUE(r < 0 && strstr(msg, "dry run"), "flush with the dry-run flag: %d '%s'", r,
		    msg);

	after = e2e_ruleset_snapshot(&env.daemon);
	ASSERT_TRUE(before && after && !strcmp(before, after), "ruleset changed:\n%s", after ?: "");
	ASSERT_DROPPED(e2e_udp_in(&env, 40411), "UDP to 40411 still dropped");
	ASSERT_FLOWS(e2e_udp_in(&env, 40412), "UDP to 40412 flows (dry runs applied nothing)");
}

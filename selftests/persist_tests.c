// SPDX-License-Identifier: GPL-2.0-only
/*
 * Persistence: chains outlive the daemon (SIGTERM or kill -9), keep
 * filtering while it is down, and a new daemon takes them over from the
 * pins and the state file without reloading anything, counters included.
 * --transient leaves nothing behind.
 *
 * Each test uses its own run directory and its own bpffs mount, so it never
 * sees the pins of a real daemon.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"
#include "lib/helper.h"

struct persist_fx {
	char dir[64];
	char run[96];
	char bpffs[96];
	char pins[128];
	bool mounted;
};

static void persist_fx_clean(struct persist_fx *fx)
{
	char cmd[128];

	/* Dropping the pins releases whatever is still attached. */
	if (fx->mounted)
		umount2(fx->bpffs, MNT_DETACH);
	if (fx->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
		if (system(cmd))
			fprintf(stderr, "  persist: cannot remove %s\n", fx->dir);
	}
	fx->mounted = false;
	fx->dir[0] = '\0';
}
#define _cleanup_persist_fx_ __attribute__((cleanup(persist_fx_clean)))

static bool persist_fx_setup(struct persist_fx *fx)
{
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/" E2E_PREFIX "%d_persist", getpid());
	snprintf(fx->run, sizeof(fx->run), "%s/run", fx->dir);
	snprintf(fx->bpffs, sizeof(fx->bpffs), "%s/bpffs", fx->dir);
	snprintf(fx->pins, sizeof(fx->pins), "%s/bpfilter", fx->bpffs);
	if (!ASSERT_TRUE(!mkdir(fx->dir, 0700) && !mkdir(fx->bpffs, 0700),
			 "cannot create %s: %s", fx->dir, strerror(errno)))
		return false;
	if (!ASSERT_TRUE(!mount("bpf", fx->bpffs, "bpf", 0, NULL), "cannot mount a bpffs: %s",
			 strerror(errno)))
		return false;
	fx->mounted = true;
	return true;
}

/* The daemon of @env runs persistently on @fx's directories. */
static void persist_use(struct e2e_env *env, const struct persist_fx *fx, bool transient)
{
	size_t n = 0;

	memset(env->daemon.args, 0, sizeof(env->daemon.args));
	if (transient)
		env->daemon.args[n++] = "--transient";
	env->daemon.args[n++] = "--run-dir";
	env->daemon.args[n++] = fx->run;
	env->daemon.args[n++] = "--bpffs-path";
	env->daemon.args[n++] = fx->bpffs;
}

static bool persist_start(struct e2e_env *env, const char *what)
{
	int r = e2e_daemon_start(&env->daemon);

	if (r)
		e2e_daemon_print_log(&env->daemon);
	return ASSERT_OK(r, what);
}

/* Forget a daemon that is gone, keeping its socket: a killed daemon leaves
 * it behind, and the next one must cope. */
static void persist_forget(struct e2e_daemon *d)
{
	if (d->log[0])
		unlink(d->log);
	d->log[0] = '\0';
	d->pid = 0;
}

static void persist_kill(struct e2e_env *env, int sig)
{
	int status;

	if (!env->daemon.pid)
		return;
	if (sig == SIGTERM) {
		ASSERT_EQ(e2e_daemon_stop(&env->daemon, false), 0, "daemon exit status (SIGTERM)");
		return;
	}
	kill(env->daemon.pid, sig);
	waitpid(env->daemon.pid, &status, 0);
	persist_forget(&env->daemon);
}

static size_t persist_count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static bool persist_exists(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !stat(path, &st);
}

static const char persist_ruleset_fmt[] = "chain p_xdp BF_HOOK_XDP{ifindex=%s} ACCEPT\n"
					  "    set blocked (udp.dport) in { 41001; 41011 }\n"
					  "    rule (udp.dport) in blocked counter DROP\n"
					  "chain p_tc BF_HOOK_TC_INGRESS{ifindex=%s} ACCEPT\n"
					  "    rule udp.dport eq 41002 counter DROP\n"
					  "chain p_nf BF_HOOK_NF_LOCAL_IN{family=inet4} ACCEPT\n"
					  "    rule udp.dport eq 41003 counter DROP\n"
					  "chain p_loaded BF_HOOK_XDP ACCEPT\n"
					  "    rule udp.dport eq 41009 counter DROP\n";

static void persist_check_filtering(struct e2e_env *env, const char *when)
{
	char what[128];

	snprintf(what, sizeof(what), "UDP to 41001 (XDP) %s", when);
	ASSERT_DROPPED(e2e_udp_in(env, 41001), what);
	snprintf(what, sizeof(what), "UDP to 41002 (TC) %s", when);
	ASSERT_DROPPED(e2e_udp_in(env, 41002), what);
	snprintf(what, sizeof(what), "UDP to 41003 (netfilter) %s", when);
	ASSERT_DROPPED(e2e_udp_in(env, 41003), what);
	snprintf(what, sizeof(what), "UDP to 41004 %s", when);
	ASSERT_FLOWS(e2e_udp_in(env, 41004), what);
}

/* Stop the daemon with @sig; the chains keep filtering; a new daemon
 * restores them: same ruleset, counters including the packets counted
 * while it was down; updates and flushes work on restored chains. */
static void persist_restart(int sig)
{
	_cleanup_persist_fx_ struct persist_fx fx = {};
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_free_ char *before = NULL;
	_cleanup_free_ char *after = NULL;
	char text[1024];

	if (!persist_fx_setup(&fx) || !e2e_env_setup(&env, E2E_NETNS))
		return;
	persist_use(&env, &fx, false);
	if (!persist_start(&env, "starting a persistent daemon"))
		return;
	snprintf(text, sizeof(text), persist_ruleset_fmt, env.ns.host_if, env.ns.host_if);
	if (!ASSERT_BFCLI(&env.daemon, "ruleset set", "ruleset", "set", "--from-str", text))
		return;
	persist_check_filtering(&env, "with the daemon running");
	before = e2e_ruleset_snapshot(&env.daemon);
	ASSERT_TRUE(persist_exists(fx.pins, "p_xdp/prog") && persist_exists(fx.pins, "p_tc/link0") &&
			    persist_exists(fx.pins, "p_nf/link0") &&
			    persist_exists(fx.run, "state"),
		    "pins or state file missing under %s", fx.dir);

	persist_kill(&env, sig);
	persist_check_filtering(&env, "with the daemon stopped");

	if (!persist_start(&env, "restarting the daemon"))
		return;
	after = e2e_ruleset_snapshot(&env.daemon);
	ASSERT_TRUE(before && after && !strcmp(before, after),
		    "ruleset changed across the restart:\n-- before --\n%s-- after --\n%s",
		    before ? before : "", after ? after : "");
	/* Both rounds of packets: while running and while stopped. */
	e2e_check_counters(&env, "p_xdp", 0, 2 * E2E_NPKTS, 2 * E2E_NPKTS);
	e2e_check_counters(&env, "p_tc", 0, 2 * E2E_NPKTS, 2 * E2E_NPKTS);
	e2e_check_counters(&env, "p_nf", 0, 2 * E2E_NPKTS, 2 * E2E_NPKTS);
	persist_check_filtering(&env, "after the restart");

	ASSERT_BFCLI(&env.daemon, "chain update of a restored chain", "chain", "update",
		     "--from-str", "chain p_xdp BF_HOOK_XDP ACCEPT rule udp.dport 41005 DROP");
	ASSERT_FLOWS(e2e_udp_in(&env, 41001), "UDP to 41001 after the update");
	ASSERT_DROPPED(e2e_udp_in(&env, 41005), "UDP to 41005 after the update");

	ASSERT_BFCLI(&env.daemon, "ruleset flush", "ruleset", "flush");
	ASSERT_FLOWS(e2e_udp_in(&env, 41003), "UDP to 41003 after ruleset flush");
	ASSERT_FLOWS(e2e_udp_in(&env, 41005), "UDP to 41005 after ruleset flush");
	ASSERT_EQ(persist_count_entries(fx.pins), 0, "pin directories left after a flush");
}

BF_TEST(persist_restart_sigterm)
{
	persist_restart(SIGTERM);
}

BF_TEST(persist_restart_kill9)
{
	persist_restart(SIGKILL);
}

/* A pin gone missing: the new daemon says what failed and how to clean up,
 * exits non-zero, and leaves the other pins (still filtering) alone. */
BF_TEST(persist_restore_failure)
{
	_cleanup_persist_fx_ struct persist_fx fx = {};
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_fclose_ FILE *log = NULL;
	char text[1024], path[256], line[1024];
	bool said = false;

	if (!persist_fx_setup(&fx) || !e2e_env_setup(&env, E2E_NETNS))
		return;
	persist_use(&env, &fx, false);
	if (!persist_start(&env, "starting a persistent daemon"))
		return;
	snprintf(text, sizeof(text), persist_ruleset_fmt, env.ns.host_if, env.ns.host_if);
	if (!ASSERT_BFCLI(&env.daemon, "ruleset set", "ruleset", "set", "--from-str", text))
		return;
	persist_kill(&env, SIGTERM);

	snprintf(path, sizeof(path), "%s/p_tc/bf_rules", fx.pins);
	ASSERT_OK(unlink(path), "removing a pin");
	ASSERT_EQ(e2e_daemon_start(&env.daemon), -ECHILD, "a daemon that cannot restore exits");

	log = fopen(env.daemon.log, "re");
	while (log && fgets(line, sizeof(line), log)) {
		if (strstr(line, "p_tc") && strstr(line, fx.pins) && strstr(line, fx.run))
			said = true;
	}
	if (!said)
		e2e_daemon_print_log(&env.daemon);
	persist_forget(&env.daemon);
	ASSERT_TRUE(said, "the daemon's log should name the chain and both folders to remove");
	ASSERT_TRUE(persist_exists(fx.pins, "p_xdp/prog") && persist_exists(fx.pins, "p_nf/link0"),
		    "the other pins must be left alone");
	ASSERT_DROPPED(e2e_udp_in(&env, 41003), "UDP to 41003 (netfilter, still filtering)");
}

/* --transient: nothing pinned, nothing serialized, everything detached and
 * every file removed when the daemon stops. */
BF_TEST(persist_transient_leaves_nothing)
{
	_cleanup_persist_fx_ struct persist_fx fx = {};
	_cleanup_e2e_env_ struct e2e_env env = {};
	char text[1024];

	if (!persist_fx_setup(&fx) || !e2e_env_setup(&env, E2E_NETNS))
		return;
	persist_use(&env, &fx, true);
	if (!persist_start(&env, "starting a transient daemon"))
		return;
	snprintf(text, sizeof(text), persist_ruleset_fmt, env.ns.host_if, env.ns.host_if);
	if (!ASSERT_BFCLI(&env.daemon, "ruleset set", "ruleset", "set", "--from-str", text))
		return;
	persist_check_filtering(&env, "with a transient daemon");
	ASSERT_TRUE(!persist_exists(fx.bpffs, "bpfilter"), "a transient daemon pinned");
	ASSERT_TRUE(!persist_exists(fx.run, "state"), "a transient daemon wrote a state file");

	persist_kill(&env, SIGTERM);
	ASSERT_FLOWS(e2e_udp_in(&env, 41001), "UDP to 41001 after the daemon stopped");
	ASSERT_FLOWS(e2e_udp_in(&env, 41002), "UDP to 41002 after the daemon stopped");
	ASSERT_FLOWS(e2e_udp_in(&env, 41003), "UDP to 41003 after the daemon stopped");
	ASSERT_TRUE(e2e_xdp_mode(env.ns.host_if) == E2E_XDP_NONE, "XDP still attached to %s",
		    env.ns.host_if);
	ASSERT_EQ(persist_count_entries(fx.run), 0, "files left in the run directory");
	ASSERT_TRUE(!persist_exists(fx.bpffs, "bpfilter"), "a transient daemon pinned");
}

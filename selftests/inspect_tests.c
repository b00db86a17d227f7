// SPDX-License-Identifier: GPL-2.0-only
/*
 * What an operator sees with bpftool: programs named after their chain,
 * maps named by role and dumped field by field thanks to BTF, pins laid out
 * per chain; and which mode libxdp attached XDP chains with.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e.h"
#include "lib/helper.h"

/* The packets the rule of key 0 counted, over every CPU, in bpftool's JSON
 * dump of a per-CPU counters map: the packets may be spread over CPUs. */
static long inspect_rule0_packets(const char *dump)
{
	const char *p = strstr(dump, "\"key\": 0,"), *end;
	long total = 0;

	if (!p)
		return -1;
	end = strstr(p, "\"key\": 1,");
	while ((p = strstr(p, "\"packets\": ")) && (!end || p < end)) {
		p += strlen("\"packets\": ");
		total += strtol(p, NULL, 10);
	}
	return total;
}

/* Output of a shell command, NULL if it failed. */
static char *inspect_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *inspect_run(const char *fmt, ...)
{
	char cmd[512];
	char *buf = NULL;
	size_t len = 0;
	FILE *mem, *f;
	va_list ap;
	int c;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (!f)
		return NULL;
	mem = open_memstream(&buf, &len);
	while (mem && (c = fgetc(f)) != EOF)
		fputc(c, mem);
	if (mem)
		fclose(mem);
	if (pclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

BF_TEST(inspect_bpftool)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_free_ char *prog = NULL;
	_cleanup_free_ char *rules = NULL;
	_cleanup_free_ char *counters = NULL;
	_cleanup_free_ char *pinned = NULL;
	char dir[64], bpffs[96];
	bool mounted = false;

	snprintf(dir, sizeof(dir), "/tmp/" E2E_PREFIX "%d_inspect", getpid());
	snprintf(bpffs, sizeof(bpffs), "%s/bpffs", dir);
	if (!ASSERT_TRUE(!mkdir(dir, 0700) && !mkdir(bpffs, 0700) &&
				 !mount("bpf", bpffs, "bpf", 0, NULL),
			 "cannot mount a bpffs in %s", dir))
		goto out;
	mounted = true;

	env.daemon.args[0] = "--bpffs-path";
	env.daemon.args[1] = bpffs;
	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		goto out;
	ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str",
		     "chain operator_view BF_HOOK_NF_LOCAL_IN{family=inet4} ACCEPT\n"
		     "    rule udp.dport eq 41201 counter DROP\n");
	ASSERT_DROPPED(e2e_udp_in(&env, 41201), "UDP to 41201");

	/* "bf_" + the chain name, cut to the kernel's 15 characters. */
	prog = inspect_run("bpftool prog show name bf_operator_vie");
	ASSERT_TRUE(prog && strstr(prog, "netfilter") && strstr(prog, "bf_operator_vie"),
		    "bpftool prog show name bf_operator_vie:\n%s", prog ?: "(failed)");

	pinned = inspect_run("bpftool prog show pinned %s/bpfilter/operator_view/prog", bpffs);
	ASSERT_TRUE(pinned && strstr(pinned, "bf_operator_vie"), "the pinned program:\n%s",
		    pinned ?: "(failed)");

	/* Maps carry BTF: records come out with their field names. */
	rules = inspect_run("bpftool map dump pinned %s/bpfilter/operator_view/bf_rules", bpffs);
	ASSERT_TRUE(rules && strstr(rules, "\"first_matcher\"") && strstr(rules, "\"verdict\""),
		    "bpftool map dump of bf_rules:\n%s", rules ?: "(failed)");
	counters = inspect_run("bpftool map dump pinned %s/bpfilter/operator_view/bf_counters",
			       bpffs);
	ASSERT_TRUE(counters && inspect_rule0_packets(counters) == 10,
		    "bpftool map dump of bf_counters should show the 10 dropped packets:\n%s",
		    counters ?: "(failed)");

	ASSERT_BFCLI(&env.daemon, "ruleset flush", "ruleset", "flush");
	e2e_env_teardown(&env);
out:
	if (mounted)
		umount2(bpffs, MNT_DETACH);
	rmdir(bpffs);
	rmdir(dir);
}

/* XDP goes through libxdp, and the daemon says which way libxdp went: its
 * dispatcher, or (where the kernel refuses freplace, as here) one program
 * alone. */
BF_TEST(inspect_libxdp_mode_logged)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_fclose_ FILE *log = NULL;
	char text[256], line[1024];
	bool said = false;

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	snprintf(text, sizeof(text), "chain xdp_mode BF_HOOK_XDP{ifindex=%s} ACCEPT", env.ns.host_if);
	if (!ASSERT_BFCLI(&env.daemon, "chain set", "chain", "set", "--from-str", text))
		return;
	log = fopen(env.daemon.log, "re");
	while (log && fgets(line, sizeof(line), log)) {
		if (strstr(line, "bpfilter: info: XDP on interface") &&
		    (strstr(line, "libxdp dispatcher") || strstr(line, "libxdp attached the program alone")))
			said = true;
	}
	ASSERT_TRUE(said, "the daemon's log does not say which mode libxdp used");
	ASSERT_TRUE(e2e_xdp_mode(env.ns.host_if) == E2E_XDP_DRV, "XDP on %s is not in driver mode",
		    env.ns.host_if);
}

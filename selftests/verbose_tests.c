// SPDX-License-Identifier: GPL-2.0-only
/*
 * -v bpf and -v bytecode: the flags change what the daemon loads and logs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"
#include "lib/helper.h"

/* How many helper calls to bpf_trace_printk the loaded program of @chain
 * makes, from bpftool's dump of its instructions; -1 if it can't tell. */
static int verbose_printk_calls(const char *chain)
{
	char cmd[128], line[512];
	FILE *f;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "bpftool prog dump xlated name bf_%s 2>/dev/null", chain);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "trace_printk") != NULL;
	return pclose(f) ? -1 : n;
}

static bool verbose_log_has(const struct e2e_daemon *d, const char *needle)
{
	_cleanup_fclose_ FILE *f = fopen(d->log, "re");
	char line[1024];

	while (f && fgets(line, sizeof(line), f)) {
		if (strstr(line, needle))
			return true;
	}
	return false;
}

static void verbose_load(struct e2e_env *env, const char *chain)
{
	char text[256];

	snprintf(text, sizeof(text), "chain %s BF_HOOK_TC_INGRESS ACCEPT rule tcp.dport 22 DROP",
		 chain);
	ASSERT_BFCLI(&env->daemon, "chain load", "chain", "load", "--from-str", text);
}

/* -v bpf patches the templates' debug flag: the failure paths that log
 * with bpf_printk are kept by the verifier only then. */
BF_TEST(daemon_verbose_bpf)
{
	_cleanup_e2e_env_ struct e2e_env plain = {};
	_cleanup_e2e_env_ struct e2e_env debug = {};

	if (!e2e_env_setup(&plain, E2E_DAEMON))
		return;
	verbose_load(&plain, "vb_plain");
	ASSERT_EQ(verbose_printk_calls("vb_plain"), 0, "bpf_printk calls without -v bpf");
	e2e_env_teardown(&plain);

	debug.daemon.args[0] = "--transient";
	debug.daemon.args[1] = "-v";
	debug.daemon.args[2] = "bpf";
	if (!e2e_env_setup(&debug, E2E_DAEMON))
		return;
	verbose_load(&debug, "vb_debug");
	ASSERT_TRUE(verbose_printk_calls("vb_debug") > 0, "no bpf_printk call with -v bpf");
}

/* -v bytecode: the program's instructions, as bpftool prints them, are in
 * the daemon's log. */
BF_TEST(daemon_verbose_bytecode)
{
	_cleanup_e2e_env_ struct e2e_env env = {};

	env.daemon.args[0] = "--transient";
	env.daemon.args[1] = "--verbose=bytecode";
	if (!e2e_env_setup(&env, E2E_DAEMON))
		return;
	verbose_load(&env, "vb_code");
	ASSERT_TRUE(verbose_log_has(&env.daemon, "bytecode of chain 'vb_code'"),
		    "no bytecode header in the log");
	ASSERT_TRUE(verbose_log_has(&env.daemon, "bpf_loop"), "no instruction in the log");
}

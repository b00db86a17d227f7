// SPDX-License-Identifier: GPL-2.0-only
/*
 * Invalid uses of issue 4's language, through bfcli, in the style of
 * cli_tests.c: a daemon with chains in place (XDP with a named set, TC
 * with a log rule, netfilter), then each bad input must give a one-line
 * error naming the culprit, and leave the daemon running and its chains as
 * they were, still dropping what they dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "lib/helper.h"

struct bad_ctx {
	struct e2e_env env;
	char *snapshot;
};

static void bad_teardown(struct bad_ctx *ctx)
{
	free(ctx->snapshot);
	ctx->snapshot = NULL;
	e2e_env_teardown(&ctx->env);
}
#define _cleanup_bad_ctx_ __attribute__((cleanup(bad_teardown)))

static bool bad_setup(struct bad_ctx *ctx)
{
	int prio = 3000 + getpid() % 10000 * 4;
	char text[2048];

	if (!e2e_env_setup(&ctx->env, E2E_DAEMON | E2E_NETNS))
		return false;
	snprintf(text, sizeof(text),
		 "chain bad_xdp BF_HOOK_XDP{ifindex=%s} ACCEPT\n"
		 "    set blocked (ip4.saddr) in { 192.0.2.1; %s }\n"
		 "    rule (ip4.saddr) in blocked udp.dport eq 40501 counter DROP\n"
		 "chain bad_tc BF_HOOK_TC_INGRESS{ifindex=%s} ACCEPT\n"
		 "    rule udp.dport eq 40502 log every 500ms counter mark 7 DROP\n"
		 "chain bad_nf BF_HOOK_NF_LOCAL_IN{family=inet4,priorities=%d-%d} ACCEPT\n"
		 "    rule udp.dport eq 40503 counter DROP\n",
		 ctx->env.ns.host_if, ctx->env.ns.ns4, ctx->env.ns.host_if, prio, prio + 1);
	if (!ASSERT_BFCLI(&ctx->env.daemon, "setting the base ruleset", "ruleset", "set",
			  "--from-str", text))
		return false;
	ctx->snapshot = e2e_ruleset_snapshot(&ctx->env.daemon);
	return ASSERT_TRUE(ctx->snapshot && strstr(ctx->snapshot, "bad_nf"),
			   "base ruleset printed: %s", ctx->snapshot);
}

static void bad_check_untouched(struct bad_ctx *ctx)
{
	_cleanup_free_ char *now = NULL;

	if (!ASSERT_TRUE(e2e_daemon_alive(&ctx->env.daemon), "daemon still running"))
		return;
	now = e2e_ruleset_snapshot(&ctx->env.daemon);
	ASSERT_TRUE(now && !strcmp(now, ctx->snapshot),
		    "ruleset changed:\n-- before --\n%s-- after --\n%s", ctx->snapshot, now ?: "");
	ASSERT_DROPPED(e2e_udp_in(&ctx->env, 40501), "XDP chain still drops UDP to 40501");
	ASSERT_DROPPED(e2e_udp_in(&ctx->env, 40502), "TC chain still drops UDP to 40502");
	ASSERT_DROPPED(e2e_udp_in(&ctx->env, 40503), "netfilter chain still drops UDP to 40503");
	ASSERT_FLOWS(e2e_udp_in(&ctx->env, 40504), "UDP to 40504 still flows");
}

struct bad_case {
	const char *text;   /* a chain replacing bad_tc, or a new one */
	const char *needle; /* in the error */
	/* Only the daemon can tell (an interface that doesn't exist):
	 * bfcli's --dry-run checks the text on its own and can't. */
	bool daemon_only;
};

/* Each text through "chain set", "chain set --dry-run" and "ruleset set":
 * refused every time, most texts naming a chain in place. */
static void bad_expect(struct bad_ctx *ctx, const struct bad_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		static const char *const how[][3] = { { "chain", "set", NULL },
						      { "chain", "set", "--dry-run" },
						      { "ruleset", "set", NULL } };

		for (size_t h = 0; h < ARRAY_SIZE(how); h++) {
			_cleanup_e2e_out_ struct e2e_out out = {};
			char what[512];

			if (how[h][2] && cases[i].daemon_only)
				continue;
			snprintf(what, sizeof(what), "%s %s %s: %s", how[h][0], how[h][1],
				 how[h][2] ?: "", cases[i].text);
			e2e_bfcli(&ctx->env.daemon, &out, how[h][0], how[h][1], "--from-str",
				  cases[i].text, how[h][2], NULL);
			ASSERT_BFCLI_FAILS(&out, cases[i].needle, what);
		}
	}
	bad_check_untouched(ctx);
}

BF_TEST(e2e_bad_redirect_mark)
{
	_cleanup_bad_ctx_ struct bad_ctx ctx = {};
	static const struct bad_case cases[] = {
		{ "chain bad_nf BF_HOOK_NF_LOCAL_IN ACCEPT rule REDIRECT lo out", "REDIRECT",
		  false },
		{ "chain bad_tc BF_HOOK_CGROUP_SKB_INGRESS ACCEPT rule REDIRECT lo out", "REDIRECT",
		  false },
		{ "chain bad_xdp BF_HOOK_XDP ACCEPT rule REDIRECT lo in", "in", false },
		{ "chain bad_tc BF_HOOK_TC_INGRESS ACCEPT rule REDIRECT lo sideways", "sideways",
		  false },
		{ "chain bad_tc BF_HOOK_TC_INGRESS ACCEPT rule REDIRECT bftnosuchif out",
		  "bftnosuchif", true },
		{ "chain bad_xdp BF_HOOK_XDP ACCEPT rule mark 1 ACCEPT", "mark", false },
		{ "chain bad_nf BF_HOOK_NF_LOCAL_IN ACCEPT rule mark 1 ACCEPT", "mark", false },
		{ "chain bad_xdp BF_HOOK_XDP ACCEPT rule meta.mark eq 1 DROP", "meta.mark", false },
		{ "chain bad_tc BF_HOOK_TC_INGRESS ACCEPT rule mark 0x100000000 ACCEPT",
		  "0x100000000", false },
		{ "chain bad_tc BF_HOOK_TC_INGRESS ACCEPT rule mark banana ACCEPT", "banana",
		  false },
		{ "chain bad_xdp BF_HOOK_XDP ACCEPT rule meta.flow_hash eq 1 DROP",
		  "meta.flow_hash", false },
	};
	if (!bad_setup(&ctx))
		return;
	bad_expect(&ctx, cases, ARRAY_SIZE(cases));
}

BF_TEST(e2e_bad_matchers_durations)
{
	_cleanup_bad_ctx_ struct bad_ctx ctx = {};
	static const struct bad_case cases[] = {
		{ "chain bad_tc BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4 ACCEPT "
		  "rule ip4.saddr eq 192.0.2.1 DROP",
		  "ip4.saddr", false },
		{ "chain bad_tc BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4 ACCEPT "
		  "rule tcp.flags any syn DROP",
		  "tcp.flags", false },
		{ "chain bad_tc BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4 ACCEPT "
		  "rule ip6.daddr eq ::1 DROP",
		  "ip6.daddr", false },
		{ "chain bad_tc BF_HOOK_TC_INGRESS ACCEPT rule ip4.dscp eq af99 DROP", "af99",
		  false },
		{ "chain bad_tc BF_HOOK_TC_INGRESS ACCEPT rule ip6.dscp eq 64 DROP", "64", false },
		{ "chain bad_tc BF_HOOK_TC_INGRESS ACCEPT rule log every 0s DROP", "0s", false },
		{ "chain bad_tc BF_HOOK_TC_INGRESS ACCEPT rule log every 0 DROP", "duration",
		  false },
		{ "chain bad_tc BF_HOOK_TC_INGRESS ACCEPT rule log every 5x DROP", "5x", false },
		{ "chain bad_tc BF_HOOK_TC_INGRESS ACCEPT rule log every -1s DROP", "-1s", false },
		{ "chain bad_tc BF_HOOK_TC_INGRESS ACCEPT rule log every 1.5.2s DROP", "1.5.2s",
		  false },
		{ "chain bad_tc BF_HOOK_TC_INGRESS ACCEPT rule log network DROP", "network",
		  false },
		{ "chain bad_tc BF_HOOK_TC_INGRESS ACCEPT rule log counter log DROP", "log",
		  false },
		{ "chain bad_tc BF_HOOK_TC_INGRESS ACCEPT rule meta.flow_probability eq 101% DROP",
		  "101%", false },
	};

	if (!bad_setup(&ctx))
		return;
	bad_expect(&ctx, cases, ARRAY_SIZE(cases));
}

/* update-set and logs misused on the chains in place. */
BF_TEST(e2e_bad_update_set_logs)
{
	_cleanup_bad_ctx_ struct bad_ctx ctx = {};
	static const char *const cases[][4] = {
		/* chain, set, element, needle */
		{ "bad_xdp", "nope", "192.0.2.3", "nope" },
		{ "bad_nope", "blocked", "192.0.2.3", "bad_nope" },
		{ "bad_nf", "blocked", "192.0.2.3", "blocked" },
		{ "bad_xdp", "blocked", "192.0.2", "192.0.2" },
		{ "bad_xdp", "blocked", "fd00::1", "fd00::1" },
		{ "bad_xdp", "blocked", "", "blocked" },
	};

	if (!bad_setup(&ctx))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_e2e_out_ struct e2e_out out = {};
		char what[256];

		snprintf(what, sizeof(what), "update-set %s %s --add '%s'", cases[i][0],
			 cases[i][1], cases[i][2]);
		e2e_bfcli(&ctx.env.daemon, &out, "chain", "update-set", "--name", cases[i][0],
			  "--set-name", cases[i][1], "--add", cases[i][2], NULL);
		ASSERT_BFCLI_FAILS(&out, cases[i][3], what);
		e2e_bfcli(&ctx.env.daemon, &out, "chain", "update-set", "--name", cases[i][0],
			  "--set-name", cases[i][1], "--remove", cases[i][2], NULL);
		ASSERT_BFCLI_FAILS(&out, cases[i][3], what);
	}
	{
		_cleanup_e2e_out_ struct e2e_out out = {};

		e2e_bfcli(&ctx.env.daemon, &out, "chain", "logs", "--name", "bad_nope", NULL);
		ASSERT_BFCLI_FAILS(&out, "bad_nope", "chain logs of a missing chain");
	}
	bad_check_untouched(&ctx);
}

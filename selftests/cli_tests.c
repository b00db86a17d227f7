// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bad input: every test starts a daemon with a few chains in place (one
 * attached to XDP with a set, one on netfilter, one only loaded), feeds bfcli
 * or the daemon's socket something wrong, and checks that:
 * - bfcli exits non-zero with one line on stderr naming the problem;
 * - the daemon still runs and answers;
 * - the chains are untouched: same "ruleset get" (counters aside), and
 *   the attached chains still drop what they dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"
#include "lib/client.h"
#include "lib/helper.h"
#include "lib/msg.h"
#include "lib/request.h"

struct cli_ctx {
	struct e2e_env env;
	char *snapshot; /* "ruleset get" without counters, before the test */
	int prio; /* netfilter priority of the base chain */
};

static void cli_teardown(struct cli_ctx *ctx)
{
	free(ctx->snapshot);
	ctx->snapshot = NULL;
	e2e_env_teardown(&ctx->env);
}
#define _cleanup_cli_ctx_ __attribute__((cleanup(cli_teardown)))

static bool cli_setup(struct cli_ctx *ctx)
{
	char text[2048];

	/* Netfilter refuses two BPF hooks at one priority: stay clear of
	 * other daemons on this machine. */
	ctx->prio = 1000 + getpid() % 10000 * 4;

	if (!e2e_env_setup(&ctx->env, E2E_DAEMON | E2E_NETNS))
		return false;
	snprintf(text, sizeof(text),
		 "chain cli_base_xdp BF_HOOK_XDP{ifindex=%s} ACCEPT\n"
		 "    set blocked (ip4.saddr) in { 192.0.2.1; 192.0.2.7 }\n"
		 "    rule\n"
		 "        (ip4.saddr) in blocked\n"
		 "        counter\n"
		 "        DROP\n"
		 "    rule\n"
		 "        udp.dport eq 40111\n"
		 "        counter\n"
		 "        DROP\n"
		 "chain cli_base_nf BF_HOOK_NF_LOCAL_IN{family=inet4,priorities=%d-%d} ACCEPT\n"
		 "    rule\n"
		 "        ip4.saddr eq %s\n"
		 "        udp.dport eq 40112\n"
		 "        counter\n"
		 "        DROP\n"
		 "chain cli_base_loaded BF_HOOK_TC_INGRESS ACCEPT\n"
		 "    rule\n"
		 "        meta.l4_proto eq icmp\n"
		 "        counter\n"
		 "        ACCEPT\n",
		 ctx->env.ns.host_if, ctx->prio, ctx->prio + 1, ctx->env.ns.ns4);
	if (!ASSERT_BFCLI(&ctx->env.daemon, "setting the base ruleset", "ruleset", "set",
			  "--from-str", text))
		return false;
	ctx->snapshot = e2e_ruleset_snapshot(&ctx->env.daemon);
	return ASSERT_TRUE(ctx->snapshot && strstr(ctx->snapshot, "cli_base_loaded"),
			   "base ruleset printed: %s", ctx->snapshot);
}

/* The daemon survived and the chains in place are those of cli_setup(). */
static void cli_check_untouched(struct cli_ctx *ctx, const char *after)
{
	_cleanup_free_ char *now = NULL;

	if (!ASSERT_TRUE(e2e_daemon_alive(&ctx->env.daemon), "daemon still running after %s",
			 after))
		return;
	now = e2e_ruleset_snapshot(&ctx->env.daemon);
	if (!ASSERT_TRUE(now != NULL, "ruleset get after %s", after))
		return;
	ASSERT_TRUE(!strcmp(now, ctx->snapshot),
		    "ruleset changed after %s:\n-- before --\n%s-- after --\n%s", after,
		    ctx->snapshot, now);
	ASSERT_DROPPED(e2e_udp_in(&ctx->env, 40111), "XDP chain still drops UDP to 40111");
	ASSERT_DROPPED(e2e_udp_in(&ctx->env, 40112), "netfilter chain still drops UDP to 40112");
	ASSERT_FLOWS(e2e_udp_in(&ctx->env, 40113), "UDP to 40113 still flows");
}

/*
 * Send @text with "@object set --from-str" and expect a one-line error
 * containing @needle, and @needle2 if not NULL.
 */
static void cli_expect_error(struct cli_ctx *ctx, const char *object, const char *text,
			     const char *needle, const char *needle2)
{
	_cleanup_e2e_out_ struct e2e_out out = {};

	e2e_bfcli(&ctx->env.daemon, &out, object, "set", "--from-str", text, NULL);
	ASSERT_BFCLI_FAILS(&out, needle, text);
	if (needle2)
		ASSERT_TRUE(e2e_contains(out.err, needle2), "stderr lacks '%s': '%s'", needle2,
			    out.err);
}

BF_TEST(cli_syntax_error)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};
	static const char text[] = "chain cli_bad BF_HOOK_XDP ACCEPT\n"
				   "    rule\n"
				   "        udp.dport eq 53\n"
				   "        counter\n"
				   "        DROP\n"
				   "    bogus_token\n";

	if (!cli_setup(&ctx))
		return;
	cli_expect_error(&ctx, "chain", text, "line 6", "bogus_token");
	cli_expect_error(&ctx, "ruleset", text, "line 6", "column");
	/* An unterminated set. */
	cli_expect_error(&ctx, "ruleset",
			 "chain cli_bad BF_HOOK_XDP ACCEPT\n"
			 "    set s (ip4.saddr) in { 192.0.2.1;\n",
			 "line", NULL);
	cli_check_untouched(&ctx, "syntax errors");
}

BF_TEST(cli_unknown_hook)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};

	if (!cli_setup(&ctx))
		return;
	cli_expect_error(&ctx, "ruleset",
			 "chain cli_bad BF_HOOK_NOPE ACCEPT\n"
			 "    rule\n"
			 "        DROP\n",
			 "BF_HOOK_NOPE", NULL);
	cli_check_untouched(&ctx, "an unknown hook");
}

BF_TEST(cli_unknown_matcher)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};

	if (!cli_setup(&ctx))
		return;
	cli_expect_error(&ctx, "chain",
			 "chain cli_bad BF_HOOK_XDP ACCEPT\n"
			 "    rule\n"
			 "        udp.nope eq 53\n"
			 "        DROP\n",
			 "udp.nope", NULL);
	cli_check_untouched(&ctx, "an unknown matcher");
}

BF_TEST(cli_unknown_protocol)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};

	if (!cli_setup(&ctx))
		return;
	cli_expect_error(&ctx, "chain",
			 "chain cli_bad BF_HOOK_XDP ACCEPT\n"
			 "    rule\n"
			 "        meta.l4_proto eq nosuchproto\n"
			 "        DROP\n",
			 "nosuchproto", NULL);
	cli_expect_error(&ctx, "chain",
			 "chain cli_bad BF_HOOK_XDP ACCEPT\n"
			 "    rule\n"
			 "        meta.l3_proto eq nosuchl3\n"
			 "        DROP\n",
			 "nosuchl3", NULL);
	cli_check_untouched(&ctx, "an unknown protocol");
}

BF_TEST(cli_unknown_interface)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};

	if (!cli_setup(&ctx))
		return;
	/* As a hook option, by name and by index. */
	cli_expect_error(&ctx, "chain",
			 "chain cli_bad BF_HOOK_TC_INGRESS{ifindex=nosuchif0} ACCEPT\n"
			 "    rule\n"
			 "        DROP\n",
			 "nosuchif0", NULL);
	cli_expect_error(&ctx, "ruleset",
			 "chain cli_bad BF_HOOK_XDP{ifindex=999999} ACCEPT\n"
			 "    rule\n"
			 "        DROP\n",
			 "999999", NULL);
	/* As a matcher. */
	cli_expect_error(&ctx, "chain",
			 "chain cli_bad BF_HOOK_TC_INGRESS ACCEPT\n"
			 "    rule\n"
			 "        meta.iface eq nosuchif0\n"
			 "        DROP\n",
			 "nosuchif0", "meta.iface");
	/* Rules are numbered by index from 0, as in the other semantic errors
	 * and in the counters. */
	cli_expect_error(&ctx, "chain",
			 "chain cli_bad BF_HOOK_TC_INGRESS ACCEPT\n"
			 "    rule\n"
			 "        meta.iface eq nosuchif0\n"
			 "        DROP\n",
			 "rule 0,", NULL);
	cli_check_untouched(&ctx, "unknown interfaces");
}

BF_TEST(cli_unknown_cgroup)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};

	if (!cli_setup(&ctx))
		return;
	cli_expect_error(&ctx, "chain",
			 "chain cli_bad BF_HOOK_CGROUP_SKB_INGRESS{cgpath=/sys/fs/cgroup/nosuchcg}"
			 " ACCEPT\n"
			 "    rule\n"
			 "        DROP\n",
			 "nosuchcg", NULL);
	cli_check_untouched(&ctx, "an unknown cgroup");
}

BF_TEST(cli_matcher_not_on_hook)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};

	if (!cli_setup(&ctx))
		return;
	cli_expect_error(&ctx, "chain",
			 "chain cli_bad BF_HOOK_XDP ACCEPT\n"
			 "    rule\n"
			 "        udp.dport eq 53\n"
			 "        DROP\n"
			 "    rule\n"
			 "        meta.mark eq 1\n"
			 "        DROP\n",
			 "meta.mark", "cli_bad");
	cli_check_untouched(&ctx, "meta.mark on XDP");
}

BF_TEST(cli_port_out_of_range)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};

	if (!cli_setup(&ctx))
		return;
	cli_expect_error(&ctx, "chain",
			 "chain cli_bad BF_HOOK_XDP ACCEPT\n"
			 "    rule\n"
			 "        udp.dport eq 70000\n"
			 "        DROP\n",
			 "70000", NULL);
	cli_expect_error(&ctx, "ruleset",
			 "chain cli_bad BF_HOOK_XDP ACCEPT\n"
			 "    rule\n"
			 "        tcp.sport range 10-65536\n"
			 "        DROP\n",
			 "65536", NULL);
	cli_check_untouched(&ctx, "ports above 65535");
}

BF_TEST(cli_prefix_out_of_range)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};

	if (!cli_setup(&ctx))
		return;
	cli_expect_error(&ctx, "chain",
			 "chain cli_bad BF_HOOK_XDP ACCEPT\n"
			 "    rule\n"
			 "        ip4.snet eq 10.0.0.0/33\n"
			 "        DROP\n",
			 "33", NULL);
	cli_expect_error(&ctx, "chain",
			 "chain cli_bad BF_HOOK_XDP ACCEPT\n"
			 "    rule\n"
			 "        ip6.dnet eq fd00::/129\n"
			 "        DROP\n",
			 "129", NULL);
	cli_check_untouched(&ctx, "prefix lengths out of range");
}

BF_TEST(cli_undefined_set)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};

	if (!cli_setup(&ctx))
		return;
	cli_expect_error(&ctx, "chain",
			 "chain cli_bad BF_HOOK_XDP ACCEPT\n"
			 "    rule\n"
			 "        (ip4.saddr) in nosuchset\n"
			 "        DROP\n",
			 "nosuchset", NULL);
	cli_check_untouched(&ctx, "an undefined set");
}

BF_TEST(cli_set_key_mismatch)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};

	if (!cli_setup(&ctx))
		return;
	cli_expect_error(&ctx, "chain",
			 "chain cli_bad BF_HOOK_XDP ACCEPT\n"
			 "    set keyed_set (ip4.saddr) in { 192.0.2.1 }\n"
			 "    rule\n"
			 "        (ip4.daddr) in keyed_set\n"
			 "        DROP\n",
			 "keyed_set", NULL);
	cli_check_untouched(&ctx, "a set used with another key");
}

BF_TEST(cli_duplicate_hook_option)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};
	char text[512];

	if (!cli_setup(&ctx))
		return;
	snprintf(text, sizeof(text),
		 "chain cli_bad BF_HOOK_XDP{ifindex=%u,ifindex=%u} ACCEPT\n"
		 "    rule\n"
		 "        DROP\n",
		 ctx.env.ns.host_ifindex, ctx.env.ns.host_ifindex);
	cli_expect_error(&ctx, "chain", text, "ifindex", NULL);
	cli_check_untouched(&ctx, "a duplicate hook option");
}

/* A ruleset whose second chain is refused changes nothing: at validation
 * (before the chains in place are detached) or at attach time (after). */
BF_TEST(cli_ruleset_set_atomic)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};
	char text[1024];

	if (!cli_setup(&ctx))
		return;
	snprintf(text, sizeof(text),
		 "chain cli_ok BF_HOOK_TC_INGRESS{ifindex=%s} ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 40113\n"
		 "        DROP\n"
		 "chain cli_bad BF_HOOK_CGROUP_SKB_EGRESS{cgpath=/sys/fs/cgroup/nosuchcg} ACCEPT\n"
		 "    rule\n"
		 "        DROP\n",
		 ctx.env.ns.host_if);
	cli_expect_error(&ctx, "ruleset", text, "nosuchcg", NULL);
	cli_check_untouched(&ctx, "a ruleset with an unknown cgroup in its second chain");

	/* Netfilter refuses a second BPF hook at the same priority: the
	 * second attach fails. */
	snprintf(text, sizeof(text),
		 "chain cli_ok BF_HOOK_NF_LOCAL_IN{family=inet4,priorities=%d-%d} ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq 40113\n"
		 "        DROP\n"
		 "chain cli_bad BF_HOOK_NF_LOCAL_IN{family=inet4,priorities=%d-%d} ACCEPT\n"
		 "    rule\n"
		 "        DROP\n",
		 ctx.prio + 2, ctx.prio + 3, ctx.prio + 2, ctx.prio + 3);
	cli_expect_error(&ctx, "ruleset", text, "netfilter", NULL);
	cli_check_untouched(&ctx, "a ruleset whose second chain can't be attached");
}

BF_TEST(cli_from_str_and_from_file)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	static const char text[] = "chain cli_new BF_HOOK_NF_LOCAL_IN ACCEPT\n"
				   "    rule\n"
				   "        udp.dport eq 40113\n"
				   "        DROP\n";
	char path[64];

	if (!cli_setup(&ctx))
		return;
	if (!ASSERT_OK(e2e_write_tmp(text, path, sizeof(path)), "writing the chain file"))
		return;
	e2e_bfcli(&ctx.env.daemon, &out, "chain", "set", "--from-str", text, "--from-file", path,
		  NULL);
	ASSERT_TRUE(out.status > 0, "bfcli exited with %d", out.status);
	ASSERT_TRUE(e2e_contains(out.err, "--from-str") && e2e_contains(out.err, "--from-file"),
		    "stderr names both options: '%s'", out.err);
	e2e_bfcli(&ctx.env.daemon, &out, "ruleset", "set", "--from-file", path, "--from-str", text,
		  NULL);
	ASSERT_TRUE(out.status > 0, "ruleset set: bfcli exited with %d", out.status);
	unlink(path);
	cli_check_untouched(&ctx, "--from-str with --from-file");
}

/* Operations naming a chain that doesn't exist. */
BF_TEST(cli_missing_chain)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};
	_cleanup_e2e_out_ struct e2e_out out = {};

	if (!cli_setup(&ctx))
		return;
	e2e_bfcli(&ctx.env.daemon, &out, "chain", "get", "--name", "nosuchchain", NULL);
	ASSERT_BFCLI_FAILS(&out, "nosuchchain", "chain get");
	e2e_bfcli(&ctx.env.daemon, &out, "chain", "flush", "--name", "nosuchchain", NULL);
	ASSERT_BFCLI_FAILS(&out, "nosuchchain", "chain flush");
	e2e_bfcli(&ctx.env.daemon, &out, "chain", "attach", "--name", "nosuchchain", "--option",
		  "ifindex=1", NULL);
	ASSERT_BFCLI_FAILS(&out, "nosuchchain", "chain attach");
	e2e_bfcli(&ctx.env.daemon, &out, "chain", "update", "--from-str",
		  "chain nosuchchain BF_HOOK_XDP ACCEPT\n", NULL);
	ASSERT_BFCLI_FAILS(&out, "nosuchchain", "chain update");
	cli_check_untouched(&ctx, "operations on a missing chain");
}

/* ---------------------------------------------------------------------
 * Malformed messages written straight to the daemon's socket
 */

static int cli_connect(const struct cli_ctx *ctx)
{
	return bf_client_connect(ctx->env.daemon.sock);
}

static void cli_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Connect, write @len bytes of @buf, close. */
static bool cli_send_raw(const struct cli_ctx *ctx, const void *buf, size_t len)
{
	_cleanup_close_ int fd = cli_connect(ctx);

	if (!ASSERT_TRUE(fd >= 0, "connecting to the daemon: %s", strerror(-fd)))
		return false;
	return ASSERT_TRUE(send(fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len, "sending %zu bytes",
			   len);
}

/* A packed request: framed message payload. */
static int cli_pack(enum bf_cmd cmd, const char *name, void **buf, size_t *len)
{
	struct bf_request req = { .cmd = cmd };

	snprintf(req.name, sizeof(req.name), "%s", name);
	return bf_request_pack(&req, buf, len);
}

BF_TEST(cli_socket_garbage)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};
	static const char text[] = "GET / HTTP/1.1\r\nHost: bpfilter\r\n\r\n";
	uint8_t junk[64];

	if (!cli_setup(&ctx))
		return;
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	cli_send_raw(&ctx, text, sizeof(text) - 1);
	cli_send_raw(&ctx, junk, sizeof(junk));
	/* Connect and close without a byte. */
	cli_send_raw(&ctx, junk, 0);
	cli_check_untouched(&ctx, "garbage on the socket");
}

BF_TEST(cli_socket_huge_length)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};
	uint8_t hdr[BF_MSG_HDR_LEN + 16] = {};

	if (!cli_setup(&ctx))
		return;
	cli_put_le32(hdr, BF_MSG_MAGIC);
	cli_put_le32(hdr + 4, UINT32_MAX);
	cli_send_raw(&ctx, hdr, sizeof(hdr));
	cli_put_le32(hdr + 4, BF_MSG_MAX + 1);
	cli_send_raw(&ctx, hdr, sizeof(hdr));
	/* The largest length allowed, then the peer goes away. */
	cli_put_le32(hdr + 4, BF_MSG_MAX);
	cli_send_raw(&ctx, hdr, sizeof(hdr));
	cli_check_untouched(&ctx, "headers announcing huge lengths");
}

BF_TEST(cli_socket_truncated)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};
	_cleanup_free_ void *payload = NULL;
	_cleanup_free_ uint8_t *frame = NULL;
	size_t len;

	if (!cli_setup(&ctx))
		return;
	/* A ruleset flush: if the daemon ran it, the chains would be gone. */
	if (!ASSERT_OK(cli_pack(BF_CMD_RULESET_FLUSH, "", &payload, &len), "packing a request"))
		return;
	frame = malloc(BF_MSG_HDR_LEN + len);
	if (!ASSERT_TRUE(frame != NULL, "allocating the frame"))
		return;
	cli_put_le32(frame, BF_MSG_MAGIC);
	cli_put_le32(frame + 4, (uint32_t)len);
	memcpy(frame + BF_MSG_HDR_LEN, payload, len);

	cli_send_raw(&ctx, frame, 4); /* half a header */
	cli_send_raw(&ctx, frame, BF_MSG_HDR_LEN); /* header only */
	for (size_t cut = 1; cut < len; cut += 1 + cut / 2)
		cli_send_raw(&ctx, frame, BF_MSG_HDR_LEN + len - cut);
	/* The whole frame announcing one byte less: a shorter, wrong request. */
	cli_put_le32(frame + 4, (uint32_t)len - 1);
	cli_send_raw(&ctx, frame, BF_MSG_HDR_LEN + len - 1);
	cli_check_untouched(&ctx, "truncated frames");
}

/* A valid request whose client leaves before reading the response. */
BF_TEST(cli_socket_client_leaves)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};
	_cleanup_free_ void *payload = NULL;
	size_t len;

	if (!cli_setup(&ctx))
		return;
	if (!ASSERT_OK(cli_pack(BF_CMD_RULESET_GET, "", &payload, &len), "packing a request"))
		return;
	for (int i = 0; i < 5; i++) {
		_cleanup_close_ int fd = cli_connect(&ctx);

		if (ASSERT_TRUE(fd >= 0, "connecting"))
			ASSERT_OK(bf_msg_send(fd, payload, len), "sending a ruleset get");
	}
	cli_check_untouched(&ctx, "clients leaving before the response");
}

/* A client that sends half a frame and then nothing doesn't hold the
 * daemon: the next client is served at once (server_tests.c has more). */
BF_TEST(cli_socket_stalled_client)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	_cleanup_close_ int fd = -1;
	uint8_t frame[BF_MSG_HDR_LEN + 16] = {};
	struct timespec t0, t1;
	double secs;

	if (!cli_setup(&ctx))
		return;
	cli_put_le32(frame, BF_MSG_MAGIC);
	cli_put_le32(frame + 4, 100);
	fd = cli_connect(&ctx);
	if (!ASSERT_TRUE(fd >= 0, "connecting") ||
	    !ASSERT_TRUE(send(fd, frame, sizeof(frame), MSG_NOSIGNAL) == sizeof(frame),
			 "sending part of a frame"))
		return;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	e2e_bfcli(&ctx.env.daemon, &out, "ruleset", "get", NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ASSERT_BFCLI_OK(&out, "ruleset get behind a stalled client");
	ASSERT_TRUE(secs < 1, "ruleset get behind a stalled client took %.2fs", secs);
	close(TAKE_FD(fd));
	cli_check_untouched(&ctx, "a stalled client");
}

/* Send one framed @payload and read the response's status. */
static int cli_exchange_raw(const struct cli_ctx *ctx, const void *payload, size_t len,
			    int *status)
{
	_cleanup_close_ int fd = cli_connect(ctx);
	_cleanup_free_ void *buf = NULL;
	struct bf_response resp;
	size_t rlen;
	int r;

	if (fd < 0)
		return fd;
	r = bf_msg_send(fd, payload, len);
	r = r ?: bf_msg_recv(fd, &buf, &rlen);
	r = r ?: bf_response_unpack(buf, rlen, &resp);
	if (r)
		return r;
	*status = resp.status;
	bf_response_clean(&resp);
	return 0;
}

BF_TEST(cli_socket_random_payload)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};
	uint8_t payload[512];
	unsigned int seed = 0xbf11;
	int status;

	if (!cli_setup(&ctx))
		return;
	for (int i = 0; i < 64; i++) {
		size_t len = (size_t)rand_r(&seed) % sizeof(payload);
		int r;

		for (size_t j = 0; j < len; j++)
			payload[j] = (uint8_t)rand_r(&seed);
		r = cli_exchange_raw(&ctx, payload, len, &status);
		if (!ASSERT_OK(r, "exchange of a random payload") ||
		    !ASSERT_TRUE(status < 0, "random payload %d (%zu bytes) got status %d", i, len,
				 status))
			break;
	}
	cli_check_untouched(&ctx, "random payloads");
}

/* Valid "chain get" requests with random bytes changed: whatever they
 * decode to, they can't change anything. */
BF_TEST(cli_socket_mutated_request)
{
	_cleanup_cli_ctx_ struct cli_ctx ctx = {};
	_cleanup_free_ uint8_t *payload = NULL;
	_cleanup_free_ uint8_t *copy = NULL;
	unsigned int seed = 0xbf12;
	size_t len;
	int status;

	if (!cli_setup(&ctx))
		return;
	if (!ASSERT_OK(cli_pack(BF_CMD_CHAIN_GET, "cli_base_xdp", (void **)&payload, &len),
		       "packing a request"))
		return;
	copy = malloc(len);
	if (!ASSERT_TRUE(copy != NULL && len > 8, "request of %zu bytes", len))
		return;
	ASSERT_OK(cli_exchange_raw(&ctx, payload, len, &status), "exchange of the request");
	ASSERT_EQ(status, 0, "status of the unmodified request");
	for (int i = 0; i < 64; i++) {
		size_t n = 1 + (size_t)rand_r(&seed) % 4;

		memcpy(copy, payload, len);
		for (size_t j = 0; j < n; j++) {
			/* Keep the command (bytes 4-7): a get stays a get. */
			size_t off = (size_t)rand_r(&seed) % len;

			if (off < 4 || off >= 8)
				copy[off] = (uint8_t)rand_r(&seed);
		}
		if (!ASSERT_OK(cli_exchange_raw(&ctx, copy, len, &status),
			       "exchange of a mutated request"))
			break;
	}
	cli_check_untouched(&ctx, "mutated requests");
}

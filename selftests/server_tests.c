// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's event loop (userspace/daemon/server.c): many clients at
 * once, clients that stall, leave half-way or don't read their response,
 * and more clients than the daemon takes at a time. Each test checks that
 * the others are served without delay and that the chains end up as the
 * requests left them.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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

/* The daemon's idle timeout (server.c). */
#define SRV_IDLE_S 5.0

/* A cheap request (a get) behind a stalled client takes well under this. */
#define SRV_FAST_S 1.0
#define SRV_WORKER_TIMEOUT_S 120
#define SRV_PORT_BASE 52000

/* ---------------------------------------------------------------------
 * Helpers
 */

static double srv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void srv_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Netfilter refuses two BPF hooks at one priority: keep clear of other
 * daemons on this machine (other test runs pick theirs from their pid). */
static int srv_prio_base(int test)
{
	return 2000000 + (getpid() % 50000) * 80 + test * 40;
}

/* "bfcli ..." and how long it took, in @secs. */
#define SRV_BFCLI_TIMED(d, out, secs, ...)                          \
	({                                                          \
		double _t0_ = srv_now();                            \
		int _r_ = e2e_bfcli((d), (out), __VA_ARGS__, NULL); \
		*(secs) = srv_now() - _t0_;                         \
		_r_;                                                \
	})

/* A framed request: header then payload, in a new buffer. */
static int srv_frame(enum bf_cmd cmd, const char *name, uint8_t **frame, size_t *len)
{
	struct bf_request req = { .cmd = cmd };
	_cleanup_free_ void *payload = NULL;
	size_t plen;
	int r;

	snprintf(req.name, sizeof(req.name), "%s", name);
	r = bf_request_pack(&req, &payload, &plen);
	if (r)
		return r;
	*frame = malloc(BF_MSG_HDR_LEN + plen);
	if (!*frame)
		return -ENOMEM;
	bf_msg_put_header(*frame, plen);
	memcpy(*frame + BF_MSG_HDR_LEN, payload, plen);
	*len = BF_MSG_HDR_LEN + plen;
	return 0;
}

static int srv_connect(const struct e2e_env *env)
{
	return bf_client_connect(env->daemon.sock);
}

static bool srv_send_all(int fd, const void *buf, size_t len)
{
	return send(fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len;
}

/* Read one response on @fd (waiting at most @timeout_s) and give its
 * status and number of chains. */
static int srv_read_response(int fd, int timeout_s, int *status, size_t *nchains)
{
	struct timeval tv = { .tv_sec = timeout_s };
	_cleanup_free_ void *buf = NULL;
	struct bf_response resp;
	size_t len;
	int r;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	r = bf_msg_recv(fd, &buf, &len);
	r = r ?: bf_response_unpack(buf, len, &resp);
	if (r)
		return r;
	*status = resp.status;
	*nchains = resp.ruleset ? resp.ruleset->nchains : 0;
	bf_response_clean(&resp);
	return 0;
}

/* Wait until the daemon closes @fd (POLLHUP), without reading from it. The
 * seconds waited, or -1 past @timeout_s. */
static double srv_wait_hangup(int fd, double timeout_s)
{
	double t0 = srv_now(), left;
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	while ((left = timeout_s - (srv_now() - t0)) > 0) {
		p.revents = 0;
		if (poll(&p, 1, (int)(left * 1000) + 1) > 0 && (p.revents & POLLHUP))
			return srv_now() - t0;
	}
	return -1;
}

/* Bytes readable on @fd until EOF (the socket is drained). */
static size_t srv_drain(int fd)
{
	uint8_t buf[65536];
	size_t total = 0;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		total += (size_t)n;
	return total;
}

/* The block of chain @name in a "ruleset get" text, in a new string. */
static char *srv_chain_block(const char *text, const char *name)
{
	char head[64];
	const char *start, *end;

	snprintf(head, sizeof(head), "chain %s ", name);
	start = strstr(text, head);
	if (!start || (start != text && start[-1] != '\n'))
		return NULL;
	end = strstr(start + 1, "\nchain ");
	end = end ? end + 1 : start + strlen(start);
	return strndup(start, (size_t)(end - start));
}

static size_t srv_count(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Lines of the daemon's log containing @needle. */
static size_t srv_log_count(const struct e2e_env *env, const char *needle)
{
	_cleanup_fclose_ FILE *f = fopen(env->daemon.log, "re");
	char line[1024];
	size_t n = 0;

	while (f && fgets(line, sizeof(line), f))
		n += !!strstr(line, needle);
	return n;
}

/* ---------------------------------------------------------------------
 * Workers: processes running their own sequence of bfcli requests
 */

struct srv_worker {
	const struct e2e_env *env;
	unsigned int id;
	unsigned int rounds;
	int prio; /* 0: the chain is only loaded, else attached at prio-prio+1 */
};

static void srv_worker_name(const struct srv_worker *w, char *name, size_t len)
{
	snprintf(name, len, "srv_c%02u", w->id);
}

/* The port the rule of @w's chain drops after round @round's @step (0:
 * set/load, 1: update). */
static unsigned int srv_worker_port(const struct srv_worker *w, unsigned int round,
				    unsigned int step)
{
	return SRV_PORT_BASE + w->id * 64 + round * 2 + step;
}

static void srv_worker_text(const struct srv_worker *w, unsigned int port, char *text, size_t len)
{
	char name[32], opts[96] = "";

	srv_worker_name(w, name, sizeof(name));
	if (w->prio)
		snprintf(opts, sizeof(opts), "{family=inet4,priorities=%d-%d}", w->prio,
			 w->prio + 1);
	snprintf(text, len,
		 "chain %s BF_HOOK_NF_LOCAL_IN%s ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq %u\n"
		 "        counter\n"
		 "        DROP\n",
		 name, opts, port);
}

#define srv_worker_fail(w, ...)                            \
	({                                                 \
		fprintf(stderr, "  worker %u: ", (w)->id); \
		fprintf(stderr, __VA_ARGS__);              \
		fputc('\n', stderr);                       \
		1;                                         \
	})

/* "chain get" shows the chain with exactly the rule dropping @port. */
static int srv_worker_check(const struct srv_worker *w, const char *name, unsigned int port)
{
	_cleanup_e2e_out_ struct e2e_out out = {};
	char rule[64];

	snprintf(rule, sizeof(rule), "udp.dport eq %u\n", port);
	if (e2e_bfcli(&w->env->daemon, &out, "chain", "get", "--name", name, NULL))
		return srv_worker_fail(w, "chain get %s: %s", name, out.err);
	if (!e2e_contains(out.out, rule) || srv_count(out.out, "    rule\n") != 1)
		return srv_worker_fail(w, "chain get %s lacks '%s' alone:\n%s", name, rule,
				       out.out);
	return 0;
}

static int srv_worker_round(const struct srv_worker *w, unsigned int round)
{
	_cleanup_e2e_out_ struct e2e_out out = {};
	const char *push = w->prio ? "set" : "load";
	char name[32], text[512];
	unsigned int port;

	srv_worker_name(w, name, sizeof(name));
	port = srv_worker_port(w, round, 0);
	srv_worker_text(w, port, text, sizeof(text));
	if (e2e_bfcli(&w->env->daemon, &out, "chain", push, "--from-str", text, NULL))
		return srv_worker_fail(w, "chain %s (round %u): %s", push, round, out.err);
	if (srv_worker_check(w, name, port))
		return 1;

	port = srv_worker_port(w, round, 1);
	srv_worker_text(w, port, text, sizeof(text));
	if (e2e_bfcli(&w->env->daemon, &out, "chain", "update", "--from-str", text, NULL))
		return srv_worker_fail(w, "chain update (round %u): %s", round, out.err);
	if (srv_worker_check(w, name, port))
		return 1;

	/* The last round leaves its chain for the final check. */
	if (round + 1 == w->rounds)
		return 0;
	if (e2e_bfcli(&w->env->daemon, &out, "chain", "flush", "--name", name, NULL))
		return srv_worker_fail(w, "chain flush (round %u): %s", round, out.err);
	if (!e2e_bfcli(&w->env->daemon, &out, "chain", "get", "--name", name, NULL))
		return srv_worker_fail(w, "chain get after flush (round %u) succeeded", round);
	return 0;
}

static pid_t srv_worker_spawn(const struct srv_worker *w)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(125);
	for (unsigned int round = 0; round < w->rounds; round++) {
		if (srv_worker_round(w, round))
			_exit(1);
	}
	_exit(0);
}

/* Start @n workers on @env; even ones attach their chain to netfilter,
 * odd ones only load it. */
static void srv_workers_start(const struct e2e_env *env, struct srv_worker *w, pid_t *pids,
			      unsigned int n, unsigned int rounds, int prio)
{
	for (unsigned int i = 0; i < n; i++) {
		w[i] = (struct srv_worker){
			.env = env, .id = i, .rounds = rounds, .prio = i % 2 ? 0 : prio + (int)i * 2
		};
		pids[i] = srv_worker_spawn(&w[i]);
	}
}

/* Wait for the workers; the number that failed (or couldn't start). */
static unsigned int srv_workers_wait(pid_t *pids, unsigned int n)
{
	double deadline = srv_now() + SRV_WORKER_TIMEOUT_S;
	unsigned int failed = 0, left = n;
	int status;

	for (unsigned int i = 0; i < n; i++) {
		if (pids[i] < 0) {
			failed++;
			left--;
		}
	}
	/* Each pid on its own: waitpid(-1) could reap the daemon. */
	while (left && srv_now() < deadline) {
		for (unsigned int i = 0; i < n; i++) {
			if (pids[i] < 0 || waitpid(pids[i], &status, WNOHANG) != pids[i])
				continue;
			pids[i] = -1;
			left--;
			failed += !WIFEXITED(status) || WEXITSTATUS(status);
		}
		if (left)
			srv_sleep_ms(10);
	}
	for (unsigned int i = 0; i < n; i++) {
		if (pids[i] > 0) {
			fprintf(stderr, "  worker %u timed out\n", i);
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &status, 0);
			failed++;
		}
	}
	return failed;
}

/* "ruleset get" has exactly the workers' chains, each with the rule of
 * its last update. */
static void srv_check_workers_ruleset(const struct e2e_env *env, const struct srv_worker *w,
				      unsigned int n)
{
	_cleanup_free_ char *text = e2e_ruleset_snapshot(&env->daemon);

	if (!ASSERT_TRUE(text != NULL, "ruleset get after the workers"))
		return;
	ASSERT_EQ(srv_count(text, "\nchain ") + !strncmp(text, "chain ", 6), n,
		  "chains in the ruleset");
	for (unsigned int i = 0; i < n; i++) {
		_cleanup_free_ char *block = NULL;
		char name[32], rule[64];

		srv_worker_name(&w[i], name, sizeof(name));
		snprintf(rule, sizeof(rule), "udp.dport eq %u\n",
			 srv_worker_port(&w[i], w[i].rounds - 1, 1));
		block = srv_chain_block(text, name);
		if (!ASSERT_TRUE(block != NULL, "chain %s in the ruleset:\n%s", name, text))
			continue;
		ASSERT_TRUE(e2e_contains(block, rule) && srv_count(block, "    rule\n") == 1,
			    "chain %s has only '%s':\n%s", name, rule, block);
	}
}

/* ---------------------------------------------------------------------
 * Tests
 */

BF_TEST(server_msg_header)
{
	uint8_t hdr[BF_MSG_HDR_LEN];
	size_t len = 0;

	bf_msg_put_header(hdr, 1234);
	ASSERT_OK(bf_msg_parse_header(hdr, &len), "parsing a header we built");
	ASSERT_EQ(len, 1234, "payload length");
	bf_msg_put_header(hdr, BF_MSG_MAX);
	ASSERT_OK(bf_msg_parse_header(hdr, &len), "parsing a header of BF_MSG_MAX");
	bf_msg_put_header(hdr, (size_t)BF_MSG_MAX + 1);
	ASSERT_EQ(bf_msg_parse_header(hdr, &len), -EBADMSG, "a length over BF_MSG_MAX");
	bf_msg_put_header(hdr, 8);
	hdr[0] ^= 1;
	ASSERT_EQ(bf_msg_parse_header(hdr, &len), -EBADMSG, "a bad magic");
}

/* 16 clients at once, each on its own chain: set (or load), get, update,
 * get, flush, in rounds. Every request succeeds and the daemon ends with
 * exactly the chains the last rounds left. */
BF_TEST(server_concurrent_clients)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	struct srv_worker workers[16];
	pid_t pids[16];
	unsigned int failed;
	double t0;

	if (!e2e_env_setup(&env, E2E_DAEMON))
		return;
	t0 = srv_now();
	srv_workers_start(&env, workers, pids, 16, 3, srv_prio_base(0));
	failed = srv_workers_wait(pids, 16);
	if (bf_test_verbose())
		fprintf(stderr, "  16 workers x 3 rounds (%d bfcli runs) in %.2fs\n",
			16 * (3 * 6 - 2), srv_now() - t0);
	ASSERT_EQ(failed, 0, "failed workers");
	ASSERT_TRUE(e2e_daemon_alive(&env.daemon), "daemon alive");
	srv_check_workers_ruleset(&env, workers, 16);
}

/* A client sends half a request and stalls: requests of others are
 * served at once, and the staller's request is still completed when it
 * sends the rest. */
BF_TEST(server_stalled_client)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	_cleanup_free_ uint8_t *frame = NULL;
	_cleanup_close_ int fd = -1;
	double secs, worst = 0;
	size_t len, half, nchains;
	char text[512];
	int status;

	if (!e2e_env_setup(&env, E2E_DAEMON))
		return;
	snprintf(text, sizeof(text),
		 "chain srv_stall BF_HOOK_NF_LOCAL_IN ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq %u\n"
		 "        DROP\n",
		 SRV_PORT_BASE);
	if (!ASSERT_BFCLI(&env.daemon, "loading a chain", "chain", "load", "--from-str", text) ||
	    !ASSERT_OK(srv_frame(BF_CMD_CHAIN_GET, "srv_stall", &frame, &len), "packing"))
		return;
	fd = srv_connect(&env);
	half = BF_MSG_HDR_LEN + (len - BF_MSG_HDR_LEN) / 2;
	if (!ASSERT_TRUE(fd >= 0, "connecting") ||
	    !ASSERT_TRUE(srv_send_all(fd, frame, half), "sending half a request"))
		return;

	for (int i = 0; i < 10; i++) {
		if (i % 2) {
			SRV_BFCLI_TIMED(&env.daemon, &out, &secs, "chain", "get", "--name",
					"srv_stall");
		} else {
			SRV_BFCLI_TIMED(&env.daemon, &out, &secs, "ruleset", "get");
		}
		ASSERT_BFCLI_OK(&out, "a request behind a stalled client");
		ASSERT_TRUE(secs < SRV_FAST_S, "request %d behind a stalled client took %.3fs", i,
			    secs);
		worst = secs > worst ? secs : worst;
	}
	/* Loading BPF isn't held either; the verifier's time is what it takes
	 * on a busy machine, far from the idle timeout still. */
	SRV_BFCLI_TIMED(&env.daemon, &out, &secs, "chain", "update", "--from-str", text);
	ASSERT_BFCLI_OK(&out, "chain update behind a stalled client");
	ASSERT_TRUE(secs < SRV_IDLE_S / 2, "chain update behind a stalled client took %.3fs", secs);
	if (bf_test_verbose())
		fprintf(stderr,
			"  behind a stalled client: slowest of 10 gets %.3fs, chain update %.3fs\n",
			worst, secs);

	ASSERT_TRUE(srv_send_all(fd, frame + half, len - half), "sending the rest");
	if (ASSERT_OK(srv_read_response(fd, 5, &status, &nchains), "reading the response"))
		ASSERT_TRUE(status == 0 && nchains == 1, "status %d, %zu chains", status, nchains);
}

/* Sleep @ms; if @fd is hung up meanwhile (and *@hup_at is still < 0),
 * record when, in seconds since @t0. */
static void srv_sleep_watching(int fd, unsigned int ms, double t0, double *hup_at)
{
	double end = srv_now() + ms / 1000.0;

	if (*hup_at < 0) {
		double secs = srv_wait_hangup(fd, ms / 1000.0);

		if (secs >= 0)
			*hup_at = srv_now() - t0;
	}
	while (srv_now() < end)
		srv_sleep_ms((unsigned int)((end - srv_now()) * 1000) + 1);
}

/*
 * A client that doesn't progress is dropped after the idle timeout (not
 * before, not much after); one that sends its request a piece every
 * second, for longer than the timeout, is not: the timeout is on progress,
 * not on the whole exchange.
 */
BF_TEST(server_idle_timeout)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_free_ uint8_t *frame = NULL;
	_cleanup_close_ int silent = -1, half_hdr = -1, slow = -1;
	size_t len, sent = 0, nchains;
	double t0, secs, hup_at = -1;
	int status;

	if (!e2e_env_setup(&env, E2E_DAEMON) ||
	    !ASSERT_OK(srv_frame(BF_CMD_RULESET_GET, "", &frame, &len), "packing"))
		return;
	t0 = srv_now();
	silent = srv_connect(&env);
	half_hdr = srv_connect(&env);
	slow = srv_connect(&env);
	if (!ASSERT_TRUE(silent >= 0 && half_hdr >= 0 && slow >= 0, "connecting") ||
	    !ASSERT_TRUE(srv_send_all(half_hdr, frame, 4), "sending half a header"))
		return;

	/* 8 pieces, one a second: 7 s in all, more than the timeout. */
	for (int i = 0; i < 8; i++) {
		size_t n = i < 7 ? len / 8 : len - sent;

		if (!ASSERT_TRUE(srv_send_all(slow, frame + sent, n), "sending piece %d", i))
			return;
		sent += n;
		if (i < 7)
			srv_sleep_watching(silent, 1000, t0, &hup_at);
	}
	if (ASSERT_OK(srv_read_response(slow, 5, &status, &nchains), "slow client's response"))
		ASSERT_EQ(status, 0, "slow client's status");
	secs = srv_now() - t0;
	ASSERT_TRUE(secs > SRV_IDLE_S + 1, "the slow client took %.1fs", secs);

	if (bf_test_verbose())
		fprintf(stderr, "  idle client disconnected after %.2fs\n", hup_at);
	ASSERT_TRUE(hup_at >= SRV_IDLE_S - 0.1 && hup_at < SRV_IDLE_S + 1,
		    "idle client disconnected after %.2fs", hup_at);
	ASSERT_EQ(srv_drain(silent), 0, "bytes sent to the silent client");
	/* Connected at the same time: gone too (it got no byte, only EOF). */
	ASSERT_TRUE(srv_wait_hangup(half_hdr, 1) >= 0, "client with half a header disconnected");
	ASSERT_EQ(srv_drain(half_hdr), 0, "bytes sent to the client with half a header");
	ASSERT_TRUE(e2e_daemon_alive(&env.daemon), "daemon alive");
}

/*
 * Clients that leave in the middle of their request (a ruleset flush:
 * executed, it would remove every chain) while 8 workers run their rounds:
 * the workers all succeed, nothing is flushed, and each departure is only
 * a debug line in the daemon's log.
 */
BF_TEST(server_disconnect_mid_request)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_free_ uint8_t *frame = NULL;
	struct srv_worker workers[8];
	pid_t pids[8];
	size_t len, cuts = 0;
	unsigned int failed;

	if (!e2e_env_setup(&env, E2E_DAEMON) ||
	    !ASSERT_OK(srv_frame(BF_CMD_RULESET_FLUSH, "", &frame, &len), "packing"))
		return;
	srv_workers_start(&env, workers, pids, 8, 3, srv_prio_base(1));
	/* Every cut point (none sent, part of the header, part of the
	 * payload), 3 times, while the workers run. */
	for (size_t i = 0; i < 3 * len; i++) {
		_cleanup_close_ int fd = srv_connect(&env);
		size_t cut = i % len;

		if (!ASSERT_TRUE(fd >= 0, "connecting: %s", strerror(-fd)))
			break;
		if (cut && !ASSERT_TRUE(srv_send_all(fd, frame, cut), "sending %zu bytes", cut))
			break;
		cuts++;
		if (i % 8 == 7)
			srv_sleep_ms(5);
	}
	failed = srv_workers_wait(pids, 8);
	ASSERT_EQ(failed, 0, "failed workers");
	ASSERT_TRUE(e2e_daemon_alive(&env.daemon), "daemon alive");
	srv_check_workers_ruleset(&env, workers, 8);

	ASSERT_TRUE(srv_log_count(&env, "debug: client (pid") >= cuts,
		    "departures logged at debug level for %zu", cuts);
	ASSERT_EQ(srv_log_count(&env, "warning: dropping client"), 0,
		  "warnings about dropped clients");
}

/* In a child: become nobody, connect to @sock and send @frame. Exits 0 if
 * the daemon closes the connection without a byte of response. */
static void srv_nobody_client(const char *sock, const uint8_t *frame, size_t len)
{
	uint8_t byte;
	ssize_t n;
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		_exit(2);
	fd = bf_client_connect(sock);
	if (fd < 0)
		_exit(3);
	/* The daemon may close before we send (EPIPE), or with our request
	 * unread (ECONNRESET rather than EOF). */
	if (!srv_send_all(fd, frame, len))
		_exit(errno == EPIPE || errno == ECONNRESET ? 0 : 4);
	n = recv(fd, &byte, 1, 0);
	_exit(n == 0 || (n < 0 && errno == ECONNRESET) ? 0 : 5);
}

/* SO_PEERCRED: a non-root client is refused even if the socket lets it
 * connect, and its request (a ruleset flush) is not run. */
BF_TEST(server_non_root_refused)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_free_ uint8_t *frame = NULL;
	_cleanup_e2e_out_ struct e2e_out out = {};
	size_t len;
	int status;
	pid_t pid;

	if (!e2e_env_setup(&env, E2E_DAEMON) ||
	    !ASSERT_BFCLI(&env.daemon, "loading a chain", "chain", "load", "--from-str",
			  "chain srv_root BF_HOOK_NF_LOCAL_IN ACCEPT\n") ||
	    !ASSERT_OK(srv_frame(BF_CMD_RULESET_FLUSH, "", &frame, &len), "packing") ||
	    !ASSERT_OK(chmod(env.daemon.sock, 0666) ? -errno : 0, "opening the socket to all"))
		return;
	pid = fork();
	if (!pid)
		srv_nobody_client(env.daemon.sock, frame, len);
	if (!ASSERT_TRUE(pid > 0, "fork") ||
	    !ASSERT_TRUE(waitpid(pid, &status, 0) == pid, "waiting for the client"))
		return;
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "non-root client: status %#x (0: closed without a response)", status);
	e2e_bfcli(&env.daemon, &out, "chain", "get", "--name", "srv_root", NULL);
	ASSERT_BFCLI_OK(&out, "the chain is still there");
}

/* Write a chain whose set makes "ruleset get" over 1 MiB to a temporary
 * file (too large for a command line). */
static int srv_write_big_chain(unsigned int nelems, char *path, size_t pathlen)
{
	size_t cap = (size_t)nelems * 48 + 512, off = 0;
	_cleanup_free_ char *text = malloc(cap);

	if (!text)
		return -ENOMEM;
	off += (size_t)snprintf(text + off, cap - off,
				"chain srv_big BF_HOOK_NF_LOCAL_IN ACCEPT\n"
				"    set big (ip6.saddr, udp.dport) in {\n");
	for (unsigned int i = 0; i < nelems; i++)
		off += (size_t)snprintf(text + off, cap - off, "        fd00:bf:%x:%x::1, %u;\n",
					i >> 16, i & 0xffff, 1 + i % 60000);
	snprintf(text + off, cap - off,
		 "    }\n"
		 "    rule\n"
		 "        (ip6.saddr, udp.dport) in big\n"
		 "        DROP\n");
	return e2e_write_tmp(text, path, pathlen);
}

/*
 * A client asks for a large ruleset and doesn't read the response: the
 * daemon writes what the socket takes and serves the others meanwhile,
 * then drops the non-reader after the idle timeout, the response
 * truncated.
 */
BF_TEST(server_unread_response)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	_cleanup_free_ uint8_t *frame = NULL;
	_cleanup_close_ int fd = -1;
	uint8_t hdr[BF_MSG_HDR_LEN];
	size_t len, resp_len = 0, got;
	double t0, secs, worst = 0;
	char path[64];

	if (!e2e_env_setup(&env, E2E_DAEMON) ||
	    !ASSERT_OK(srv_write_big_chain(64000, path, sizeof(path)), "writing the chain"))
		return;
	e2e_bfcli(&env.daemon, &out, "chain", "load", "--from-file", path, NULL);
	unlink(path);
	if (!ASSERT_BFCLI_OK(&out, "loading a chain with a big set") ||
	    !ASSERT_BFCLI(&env.daemon, "loading a small chain", "chain", "load", "--from-str",
			  "chain srv_small BF_HOOK_NF_LOCAL_IN ACCEPT\n") ||
	    !ASSERT_OK(srv_frame(BF_CMD_RULESET_GET, "", &frame, &len), "packing"))
		return;

	fd = srv_connect(&env);
	if (!ASSERT_TRUE(fd >= 0, "connecting") ||
	    !ASSERT_TRUE(srv_send_all(fd, frame, len), "sending a ruleset get"))
		return;
	t0 = srv_now();
	/* Its header tells how large the response is. */
	if (ASSERT_TRUE(recv(fd, hdr, sizeof(hdr), MSG_WAITALL) == (ssize_t)sizeof(hdr),
			"header") &&
	    ASSERT_OK(bf_msg_parse_header(hdr, &resp_len), "response header"))
		ASSERT_TRUE(resp_len > (1U << 20), "response of %zu bytes, over 1 MiB", resp_len);

	for (int i = 0; i < 10; i++) {
		if (i % 2) {
			SRV_BFCLI_TIMED(&env.daemon, &out, &secs, "chain", "get", "--name",
					"srv_small");
		} else {
			SRV_BFCLI_TIMED(&env.daemon, &out, &secs, "ruleset", "get",
					"--no-set-content");
		}
		ASSERT_BFCLI_OK(&out, "a request while a client doesn't read its response");
		ASSERT_TRUE(secs < SRV_FAST_S, "request %d took %.3fs", i, secs);
		worst = secs > worst ? secs : worst;
	}
	/* A reader gets the whole large response. */
	e2e_bfcli(&env.daemon, &out, "ruleset", "get", NULL);
	ASSERT_BFCLI_OK(&out, "ruleset get");
	ASSERT_TRUE(out.out && strlen(out.out) > (1U << 20), "ruleset get printed %zu bytes",
		    out.out ? strlen(out.out) : 0);

	secs = srv_wait_hangup(fd, SRV_IDLE_S + 5);
	ASSERT_TRUE(secs >= 0, "the non-reader was disconnected");
	secs = srv_now() - t0;
	ASSERT_TRUE(secs >= SRV_IDLE_S - 0.5, "the non-reader was dropped after %.2fs", secs);
	got = srv_drain(fd);
	ASSERT_TRUE(got < resp_len, "the non-reader got %zu of %zu bytes", got, resp_len);
	if (bf_test_verbose())
		fprintf(stderr,
			"  response of %zu bytes; slowest of 10 requests meanwhile %.3fs; "
			"non-reader dropped after %.2fs with %zu bytes sent\n",
			resp_len, worst, secs, got);
	ASSERT_TRUE(e2e_daemon_alive(&env.daemon), "daemon alive");
}

/* Connect @n clients as bfcli does (a full backlog makes connect() wait):
 * their fds in @fds (-1 if connect() failed); the number connected. */
static unsigned int srv_connect_many(const struct e2e_env *env, int *fds, unsigned int n)
{
	unsigned int connected = 0;

	for (unsigned int i = 0; i < n; i++) {
		fds[i] = srv_connect(env);
		connected += fds[i] >= 0;
	}
	return connected;
}

static void srv_close_many(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/*
 * 300 clients at once, more than the daemon takes (256): the others wait
 * in the listen backlog until a slot frees up. Every client gets its
 * answer; 256 idle clients hold the next ones until the idle timeout, not
 * forever; the daemon survives and answers at once afterwards.
 */
BF_TEST(server_many_clients)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_e2e_out_ struct e2e_out out = {};
	_cleanup_free_ uint8_t *frame = NULL;
	unsigned int connected, answered = 0;
	int fds[300];
	size_t len, nchains;
	double secs;
	int status;

	if (!e2e_env_setup(&env, E2E_DAEMON) ||
	    !ASSERT_BFCLI(&env.daemon, "loading a chain", "chain", "load", "--from-str",
			  "chain srv_many BF_HOOK_NF_LOCAL_IN ACCEPT\n") ||
	    !ASSERT_OK(srv_frame(BF_CMD_RULESET_GET, "", &frame, &len), "packing"))
		return;

	/* 300 requests at once: each connected client is answered. */
	connected = srv_connect_many(&env, fds, 300);
	for (unsigned int i = 0; i < 300; i++) {
		if (fds[i] >= 0)
			ASSERT_TRUE(srv_send_all(fds[i], frame, len), "sending request %u", i);
	}
	for (unsigned int i = 0; i < 300; i++) {
		if (fds[i] >= 0 && !srv_read_response(fds[i], 10, &status, &nchains) &&
		    status == 0 && nchains == 1)
			answered++;
	}
	srv_close_many(fds, 300);
	if (bf_test_verbose())
		fprintf(stderr, "  300 requests at once: %u connected, %u answered\n", connected,
			answered);
	ASSERT_EQ(connected, 300, "clients connected");
	ASSERT_EQ(answered, 300, "clients answered");

	/* 300 idle clients: 256 taken, the others and a request queued until
	 * the idle timeout frees the slots. */
	connected = srv_connect_many(&env, fds, 300);
	ASSERT_EQ(connected, 300, "idle clients connected");
	SRV_BFCLI_TIMED(&env.daemon, &out, &secs, "ruleset", "get");
	ASSERT_BFCLI_OK(&out, "ruleset get behind 300 idle clients");
	ASSERT_TRUE(secs > SRV_IDLE_S - 1 && secs < SRV_IDLE_S + 2,
		    "ruleset get behind 300 idle clients took %.2fs", secs);
	if (bf_test_verbose())
		fprintf(stderr, "  300 idle clients: %u connected; a request waited %.2fs\n",
			connected, secs);
	srv_close_many(fds, 300);

	ASSERT_TRUE(e2e_daemon_alive(&env.daemon), "daemon alive");
	SRV_BFCLI_TIMED(&env.daemon, &out, &secs, "ruleset", "get");
	ASSERT_BFCLI_OK(&out, "ruleset get afterwards");
	ASSERT_TRUE(secs < SRV_FAST_S, "ruleset get afterwards took %.2fs", secs);
	ASSERT_TRUE(e2e_contains(out.out, "chain srv_many "), "ruleset intact: %s", out.out);
}

/* SIGTERM while clients are connected, one half-way through its request:
 * the daemon stops at once, cleanly. */
BF_TEST(server_stop_with_clients)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	_cleanup_free_ uint8_t *frame = NULL;
	int fds[50];
	size_t len;
	double t0, secs;
	int status;

	if (!e2e_env_setup(&env, E2E_DAEMON) ||
	    !ASSERT_OK(srv_frame(BF_CMD_RULESET_GET, "", &frame, &len), "packing"))
		return;
	ASSERT_EQ(srv_connect_many(&env, fds, 50), 50, "clients connected");
	ASSERT_TRUE(srv_send_all(fds[0], frame, len / 2), "sending half a request");
	/* Let the daemon take them all in. */
	srv_sleep_ms(100);
	t0 = srv_now();
	status = e2e_daemon_stop(&env.daemon, false);
	secs = srv_now() - t0;
	ASSERT_EQ(status, 0, "daemon exit status");
	ASSERT_TRUE(secs < SRV_FAST_S, "the daemon took %.2fs to stop", secs);
	for (int i = 0; i < 50; i++)
		ASSERT_TRUE(srv_wait_hangup(fds[i], 1) >= 0, "client %d disconnected", i);
	srv_close_many(fds, 50);
}

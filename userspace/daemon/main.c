// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfilter: the daemon. Its life: parse the flags, take the run
 * directory's lock (one daemon per run directory), restore the chains a
 * previous daemon left pinned, listen and tell systemd we are ready, serve
 * until SIGTERM/SIGINT, then leave the chains pinned (or, with
 * --transient, remove them) and clean up the socket and the lock.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "handle.h"
#include "lib/helper.h"
#include "lock.h"
#include "log.h"
#include "notify.h"
#include "ns.h"
#include "opts.h"
#include "persist.h"
#include "server.h"
#include "token.h"

static volatile sig_atomic_t bf_stop;

static void bf_on_signal(int sig)
{
	(void)sig;
	bf_stop = 1;
}

static int bf_setup_signals(void)
{
	/* No SA_RESTART: accept() must return so the loop sees bf_stop. */
	struct sigaction sa = { .sa_handler = bf_on_signal };

	signal(SIGPIPE, SIG_IGN);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	return 0;
}

/* Listen, serve until asked to stop, remove the socket. */
static int bf_serve(const struct bf_daemon_opts *opts, struct bf_ctx *ctx)
{
	_cleanup_close_ int fd = bf_server_open(opts->socket);
	int r;

	if (fd < 0) {
		/* -EADDRINUSE: bf_server_open() named the daemon answering. */
		if (fd != -EADDRINUSE)
			bf_error("cannot listen on %s: %s", opts->socket, strerror(-fd));
		return fd;
	}

	bf_info("ready, listening on %s%s", opts->socket, opts->transient ? " (transient)" : "");
	/* Only now: systemd starts the units ordered after us once it hears
	 * READY=1, and they expect requests to be served. */
	bf_notify_ready();
	r = bf_server_run(fd, ctx, &bf_stop);
	if (r)
		bf_error("cannot accept clients: %s", strerror(-r));
	bf_notify_stopping();

	/* Gone before the chains are handled: a client must not connect to a
	 * daemon that will not answer. */
	if (unlink(opts->socket) && errno != ENOENT)
		bf_warn("cannot remove %s: %s", opts->socket, strerror(errno));
	return r;
}

/* What must hold before any BPF object is touched: our own namespaces
 * recorded (requests move between the clients'), the BPF token created. */
static int bf_setup(const struct bf_daemon_opts *opts)
{
	char err[1024] = "";
	int r;

	r = bf_ns_setup(err, sizeof(err));
	if (!r)
		r = bf_token_setup(opts, err, sizeof(err));
	if (r)
		bf_error("%s", err[0] ? err : strerror(-r));
	return r;
}

/* What runs under the lock: set up, restore, serve, shut down. */
static int bf_run(const struct bf_daemon_opts *opts)
{
	struct bf_ctx ctx = {};
	char err[1024] = "";
	int r;

	r = bf_setup(opts);
	if (r)
		return r;
	/* It says what is wrong itself. */
	r = bf_persist_setup(opts);
	if (r)
		return r;
	/* On failure the pins are left alone (and the chains they hold keep
	 * filtering): the operator decides, err says how to clean up. */
	r = bf_persist_restore(&ctx, err, sizeof(err));
	if (r) {
		bf_error("%s", err[0] ? err : strerror(-r));
		return r;
	}

	r = bf_serve(opts, &ctx);

	if (opts->transient)
		bf_info("stopping: detaching %zu chain(s)", ctx.ncgens);
	else
		bf_info("stopping: %zu chain(s) stay attached and pinned", ctx.ncgens);
	bf_persist_shutdown(&ctx);
	return r;
}

int main(int argc, char **argv)
{
	struct bf_lock lock = BF_LOCK_INIT;
	struct bf_daemon_opts opts;
	int r;

	r = bf_opts_parse(argc, argv, &opts);
	if (r)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	bf_log_set_verbose(opts.verbose);
	bf_log_setup_libbpf();
	bf_handle_set_no_cli(opts.no_cli);

	if (geteuid() != 0) {
		bf_error("must run as root (CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN are needed)");
		return EXIT_FAILURE;
	}
	r = bf_setup_signals();
	if (r) {
		bf_error("cannot install signal handlers: %s", strerror(-r));
		return EXIT_FAILURE;
	}
	r = bf_lock_acquire(&lock, opts.run_dir, opts.socket);
	if (r)
		return EXIT_FAILURE;

	r = bf_run(&opts);

	/* The run directory goes too in transient mode, if we made it and
	 * nothing else is in it; otherwise it holds the state file. */
	bf_lock_release(&lock, opts.transient);
	return r ? EXIT_FAILURE : EXIT_SUCCESS;
}

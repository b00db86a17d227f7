// SPDX-License-Identifier: GPL-2.0-only
/* bpfilter: the daemon. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "lib/client.h"
#include "lib/helper.h"
#include "log.h"
#include "server.h"

#define BF_RUNTIME_DIR "/run/bpfilter"

static volatile sig_atomic_t bf_stop;

struct bf_opts {
	bool transient;
	unsigned int verbose;
	const char *socket;
};

static void bf_usage(FILE *f)
{
	fprintf(f, "Usage: bpfilter [-t|--transient] [-v|--verbose=debug|bpf|bytecode]...\n"
		   "                [--socket PATH] [--usage] [-?|--help]\n");
}

static void bf_help(void)
{
	bf_usage(stdout);
	printf("\nThe bpfilter daemon: loads and attaches the BPF programs enforcing the\n"
	       "chains bfcli sends it.\n\n"
	       "  -t, --transient        pin nothing and serialize nothing: every chain is\n"
	       "                         removed when the daemon stops\n"
	       "  -v, --verbose=FLAG     debug: debug logs; bpf: BPF programs log failed\n"
	       "                         kernel calls (bpftool prog tracelog); bytecode:\n"
	       "                         dump each program's instructions\n"
	       "      --socket PATH      listen on PATH (default %s)\n"
	       "      --usage            print a short usage message\n"
	       "  -?, --help             print this help\n",
	       BF_SOCKET_PATH);
}

static int bf_parse_verbose(const char *arg, unsigned int *flags)
{
	if (!strcmp(arg, "debug"))
		*flags |= BF_VERBOSE_DEBUG;
	else if (!strcmp(arg, "bpf"))
		*flags |= BF_VERBOSE_BPF;
	else if (!strcmp(arg, "bytecode"))
		*flags |= BF_VERBOSE_BYTECODE;
	else
		return -EINVAL;
	return 0;
}

/* Returns 1 when the process should exit successfully (help). */
static int bf_parse_args(int argc, char **argv, struct bf_opts *opts)
{
	enum { OPT_USAGE = 256, OPT_SOCKET };
	static const struct option longopts[] = {
		{ "transient", no_argument, NULL, 't' },
		{ "verbose", required_argument, NULL, 'v' },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "usage", no_argument, NULL, OPT_USAGE },
		{ "help", no_argument, NULL, '?' },
		{},
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "tv:?", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			opts->transient = true;
			break;
		case 'v':
			if (bf_parse_verbose(optarg, &opts->verbose)) {
				fprintf(stderr, "bpfilter: unknown verbose flag '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_SOCKET:
			opts->socket = optarg;
			break;
		case OPT_USAGE:
			bf_usage(stdout);
			return 1;
		case '?':
			if (optopt) {
				fprintf(stderr, "bpfilter: unknown option '%s'\n", argv[optind - 1]);
				bf_usage(stderr);
				return -EINVAL;
			}
			bf_help();
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bpfilter: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

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

int main(int argc, char **argv)
{
	struct bf_opts opts = { .socket = BF_SOCKET_PATH };
	struct bf_ctx ctx = {};
	_cleanup_close_ int fd = -1;
	int r;

	r = bf_parse_args(argc, argv, &opts);
	if (r)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	bf_log_set_verbose(opts.verbose);
	bf_log_setup_libbpf();

	if (geteuid() != 0) {
		bf_error("must run as root (CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN are needed)");
		return EXIT_FAILURE;
	}
	if (!strcmp(opts.socket, BF_SOCKET_PATH) && mkdir(BF_RUNTIME_DIR, 0755) && errno != EEXIST) {
		bf_error("cannot create %s: %s", BF_RUNTIME_DIR, strerror(errno));
		return EXIT_FAILURE;
	}
	r = bf_setup_signals();
	if (r) {
		bf_error("cannot install signal handlers: %s", strerror(-r));
		return EXIT_FAILURE;
	}
	fd = bf_server_open(opts.socket);
	if (fd < 0) {
		if (fd != -EADDRINUSE)
			bf_error("cannot listen on %s: %s", opts.socket, strerror(-fd));
		return EXIT_FAILURE;
	}

	bf_info("ready, listening on %s%s", opts.socket, opts.transient ? " (transient)" : "");
	r = bf_server_run(fd, &ctx, &bf_stop);
	if (r)
		bf_error("cannot accept clients: %s", strerror(-r));

	bf_info("stopping: detaching %zu chain(s)", ctx.ncgens);
	bf_ctx_clean(&ctx);
	unlink(opts.socket);
	return r ? EXIT_FAILURE : EXIT_SUCCESS;
}

// SPDX-License-Identifier: GPL-2.0-only
/* The daemon's command line (opts.h). */
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "log.h"

#define BF_SOCKET_NAME "daemon.sock"

/* sun_path holds the socket path and its terminating NUL. */
#define BF_SOCKET_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* Long options without a short form. */
enum {
	BF_OPT_BPFFS_PATH = 256,
	BF_OPT_RUN_DIR,
	BF_OPT_SOCKET,
	BF_OPT_WITH_BPF_TOKEN,
	BF_OPT_NO_CLI,
	BF_OPT_NO_IPTABLES,
	BF_OPT_NO_NFTABLES,
	BF_OPT_USAGE,
	/* Not '?': getopt_long() returns '?' for unknown options too. */
	BF_OPT_HELP,
};

static const struct option bf_longopts[] = {
	{ "transient", no_argument, NULL, 't' },
	{ "verbose", required_argument, NULL, 'v' },
	{ "bpffs-path", required_argument, NULL, BF_OPT_BPFFS_PATH },
	{ "run-dir", required_argument, NULL, BF_OPT_RUN_DIR },
	{ "socket", required_argument, NULL, BF_OPT_SOCKET },
	{ "with-bpf-token", no_argument, NULL, BF_OPT_WITH_BPF_TOKEN },
	{ "no-cli", no_argument, NULL, BF_OPT_NO_CLI },
	{ "no-iptables", no_argument, NULL, BF_OPT_NO_IPTABLES },
	{ "no-nftables", no_argument, NULL, BF_OPT_NO_NFTABLES },
	{ "usage", no_argument, NULL, BF_OPT_USAGE },
	{ "help", no_argument, NULL, BF_OPT_HELP },
	{},
};

/*
 * Leading ':': a missing argument is told apart from an unknown option.
 * No '?': "-?" then comes back as an unknown option with optopt '?', which
 * glibc tells apart from an unknown long option (optopt 0).
 */
static const char bf_shortopts[] = ":tv:";

/* The paths handed out in struct bf_daemon_opts point here when they are
 * built or normalized rather than taken from argv. */
static char bf_run_dir[PATH_MAX];
static char bf_bpffs_path[PATH_MAX];
static char bf_socket[PATH_MAX];

static void bf_opts_usage(FILE *f)
{
	fprintf(f, "Usage: bpfilter [-t|--transient] [-v|--verbose=debug|bpf|bytecode]...\n"
		   "                [--bpffs-path DIR] [--run-dir DIR] [--socket PATH]\n"
		   "                [--with-bpf-token] [--no-cli] [--no-iptables] [--no-nftables]\n"
		   "                [--usage] [-?|--help]\n");
}

static void bf_opts_help(void)
{
	bf_opts_usage(stdout);
	printf("\nThe bpfilter daemon: loads and attaches the BPF programs enforcing the\n"
	       "chains bfcli sends it.\n\n"
	       "  -t, --transient        pin and serialize nothing: every chain is removed\n"
	       "                         when the daemon stops\n"
	       "  -v, --verbose=FLAG     debug: debug logs; bpf: BPF programs log failed\n"
	       "                         kernel calls (bpftool prog tracelog); bytecode:\n"
	       "                         dump each program's instructions (repeatable)\n"
	       "      --bpffs-path DIR   pin BPF objects in DIR/bpfilter (default %s)\n"
	       "      --run-dir DIR      socket, lock and state file (default %s)\n"
	       "      --socket PATH      listen on PATH (default RUN_DIR/%s)\n"
	       "      --with-bpf-token   use a BPF token created from the bpffs for every\n"
	       "                         bpf() call (needed in a user namespace)\n"
	       "      --no-cli           refuse bfcli requests\n"
	       "      --no-iptables      disable iptables support\n"
	       "      --no-nftables      disable nftables support\n"
	       "      --usage            print a short usage message\n"
	       "  -?, --help             print this help\n",
	       BF_BPFFS_PATH, BF_RUN_DIR, BF_SOCKET_NAME);
}

static int bf_opts_verbose(const char *arg, unsigned int *flags)
{
	/* The "-v=debug" form, as older bpfilter documents it. */
	if (*arg == '=')
		arg++;
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

/*
 * Copy directory @arg into @buf without its trailing slashes, so that the
 * paths built from it ("DIR/daemon.sock") and those in messages read well.
 */
static int bf_opts_dir(const char *flag, const char *arg, char *buf, size_t len)
{
	size_t n = strlen(arg);

	if (!n) {
		fprintf(stderr, "bpfilter: %s needs a non-empty directory\n", flag);
		return -EINVAL;
	}
	while (n > 1 && arg[n - 1] == '/')
		n--;
	if (n >= len) {
		fprintf(stderr, "bpfilter: %s: path too long\n", flag);
		return -ENAMETOOLONG;
	}
	memcpy(buf, arg, n);
	buf[n] = '\0';
	return 0;
}

/* The socket path must fit in a sockaddr_un: say so now rather than fail
 * to bind after the state is restored. */
static int bf_opts_socket(struct bf_daemon_opts *opts, const char *arg)
{
	const char *what = arg ? "--socket" : "--run-dir";

	if (arg)
		snprintf(bf_socket, sizeof(bf_socket), "%s", arg);
	else
		snprintf(bf_socket, sizeof(bf_socket), "%s%s" BF_SOCKET_NAME, opts->run_dir,
			 strcmp(opts->run_dir, "/") ? "/" : "");
	if (!*bf_socket) {
		fprintf(stderr, "bpfilter: --socket needs a non-empty path\n");
		return -EINVAL;
	}
	if (strlen(bf_socket) > BF_SOCKET_PATH_MAX) {
		fprintf(stderr, "bpfilter: %s: socket path '%s' is longer than %zu bytes\n", what,
			bf_socket, BF_SOCKET_PATH_MAX);
		return -ENAMETOOLONG;
	}
	opts->socket = bf_socket;
	return 0;
}

/* "--socket=x" -> "--socket", for messages. */
static void bf_opts_print_flag(const char *arg)
{
	fprintf(stderr, "'%.*s'", (int)strcspn(arg, "="), arg);
}

/*
 * getopt_long() returned '?' or ':'. optopt is 0 for an unknown long
 * option, the value of a known option given an argument it does not take
 * or missing one, or an unknown short option's character. @arg is the word
 * getopt_long() last moved past: right for a long option, possibly an
 * earlier word for a short one read from inside a cluster ("-tx").
 */
static void bf_opts_bad_flag(int c, const char *arg)
{
	/* 't' is the only short option without an argument: getopt_long()
	 * complains about it only as "--transient=...". */
	bool is_long = !optopt || optopt == 't' || optopt >= BF_OPT_BPFFS_PATH ||
		       (c == ':' && !strncmp(arg, "--", 2));

	fprintf(stderr, "bpfilter: ");
	if (!is_long) {
		fprintf(stderr,
			c == ':' ? "option '-%c' needs an argument" : "unknown option '-%c'",
			optopt);
	} else {
		fprintf(stderr, optopt ? "option " : "unknown or ambiguous option ");
		bf_opts_print_flag(arg);
		if (c == ':')
			fprintf(stderr, " needs an argument");
		else if (optopt)
			fprintf(stderr, " takes no argument");
	}
	fprintf(stderr, " (see bpfilter --help)\n");
}

/* One option: 0 to go on, 1 to exit successfully, a negative errno. */
static int bf_opts_one(int c, const char *arg, struct bf_daemon_opts *opts)
{
	switch (c) {
	case 't':
		opts->transient = true;
		return 0;
	case 'v':
		if (bf_opts_verbose(optarg, &opts->verbose)) {
			fprintf(stderr,
				"bpfilter: unknown verbose flag '%s' (expected debug, bpf or "
				"bytecode)\n",
				optarg);
			return -EINVAL;
		}
		return 0;
	case BF_OPT_BPFFS_PATH:
		opts->bpffs_path = bf_bpffs_path;
		return bf_opts_dir("--bpffs-path", optarg, bf_bpffs_path, sizeof(bf_bpffs_path));
	case BF_OPT_RUN_DIR:
		opts->run_dir = bf_run_dir;
		return bf_opts_dir("--run-dir", optarg, bf_run_dir, sizeof(bf_run_dir));
	case BF_OPT_SOCKET:
		/* Checked once every option is known. */
		opts->socket = optarg;
		return 0;
	case BF_OPT_WITH_BPF_TOKEN:
		opts->with_bpf_token = true;
		return 0;
	case BF_OPT_NO_CLI:
		opts->no_cli = true;
		return 0;
	case BF_OPT_NO_IPTABLES:
		opts->no_iptables = true;
		return 0;
	case BF_OPT_NO_NFTABLES:
		opts->no_nftables = true;
		return 0;
	case BF_OPT_USAGE:
		bf_opts_usage(stdout);
		return 1;
	case BF_OPT_HELP:
		bf_opts_help();
		return 1;
	case '?':
		if (optopt == '?') {
			bf_opts_help();
			return 1;
		}
		bf_opts_bad_flag(c, arg);
		return -EINVAL;
	default: /* ':' */
		bf_opts_bad_flag(c, arg);
		return -EINVAL;
	}
}

int bf_opts_parse(int argc, char **argv, struct bf_daemon_opts *opts)
{
	int c, r;

	*opts = (struct bf_daemon_opts){
		.run_dir = BF_RUN_DIR,
		.bpffs_path = BF_BPFFS_PATH,
	};

	/* 0, not 1: glibc then starts afresh, so the tests can parse
	 * several command lines in one process. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, bf_shortopts, bf_longopts, NULL)) != -1) {
		/* A long option's word: getopt_long() is always past it
		 * (only short options are read from inside clusters). */
		r = bf_opts_one(c, argv[optind - 1], opts);
		if (r)
			return r;
	}
	if (optind < argc) {
		fprintf(stderr, "bpfilter: unexpected argument '%s' (see bpfilter --help)\n",
			argv[optind]);
		return -EINVAL;
	}
	return bf_opts_socket(opts, opts->socket);
}

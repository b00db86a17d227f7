/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon's command line. */
#ifndef BF_OPTS_H
#define BF_OPTS_H

#include <stdbool.h>

#define BF_RUN_DIR "/run/bpfilter"
#define BF_BPFFS_PATH "/sys/fs/bpf"

struct bf_daemon_opts {
	bool transient;
	unsigned int verbose; /* enum bf_verbose bits */
	const char *run_dir; /* socket, lock and serialized state */
	const char *socket; /* default RUN_DIR/daemon.sock */
	const char *bpffs_path; /* pins go in BPFFS_PATH/bpfilter/ */
	bool with_bpf_token;
	bool no_cli;
	bool no_iptables;
	bool no_nftables;
};

/*
 * Parse the command line into @opts (defaults filled in). Returns 0 to run,
 * 1 when the process should exit successfully (--help, --usage), a negative
 * errno on a usage error (message already printed).
 */
int bf_opts_parse(int argc, char **argv, struct bf_daemon_opts *opts);

#endif /* BF_OPTS_H */

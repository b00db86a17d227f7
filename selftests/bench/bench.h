/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bf_bench: per-packet cost, load time and map memory of chains loaded
 * through the daemon's compile path (bf_prog_load()), measured with
 * BPF_PROG_TEST_RUN side by side with a floor program of the same type;
 * and, through a transient daemon of its own, the time from a bfcli
 * request to an attached chain and of a chain update. See
 * docs/performance.md.
 */
#ifndef BF_BENCH_H
#define BF_BENCH_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <bpfilter/abi.h>

#include "../pkt.h"

struct bf_prog;

/* How hard to measure. */
struct bench_cfg {
	/* Trials of repeats each; the median is kept. */
	uint32_t trials;
	uint32_t repeat;
	/*
	 * A case whose trials would take longer than budget_s (estimated from
	 * a short probe run) gets fewer repeats, down to min_repeat; if even
	 * that does not fit, it is skipped. Either way the table says so.
	 */
	double budget_s;
	uint32_t min_repeat;
};

/* A program to test-run: a loaded chain or a floor. */
struct bench_prog {
	enum bf_hook hook;
	int fd;
	struct bf_prog *prog; /* NULL for a floor */
	double parse_ms;      /* bf_parse_ruleset(), bf_chain_validate(), bf_chain_resolve() */
	double load_ms;	      /* bf_prog_load() */
	uint64_t map_bytes;
};

enum bench_status {
	BENCH_FULL = 0,
	BENCH_REDUCED, /* fewer repeats than asked, to fit the budget */
	BENCH_SKIPPED, /* not measured; why says why */
};

/* One measured case. */
struct bench_result {
	enum bench_status status;
	uint32_t trials, repeat; /* of the chain; the floor always gets cfg's */
	double ns, floor_ns;	 /* medians, ns/packet */
	double ref_ns;		 /* the 1-rule reference's median, or NaN */
	double probe_ns;	 /* the probe run's ns/packet */
	char why[192];
};

/* Load @text (one chain) through parse, validate, resolve, bf_prog_load.
 * Prints why on failure. */
int bench_load_chain(struct bench_prog *p, const char *text);
/* Load the floor of @hook's program type: "return <pass>". */
int bench_load_floor(struct bench_prog *p, enum bf_hook hook);
void bench_close(struct bench_prog *p);
/* memlock bytes of every map program @prog_fd uses. */
uint64_t bench_prog_map_bytes(int prog_fd);
double bench_now_ms(void);
/* Sorts @v. */
double bench_median(double *v, size_t n);
/* "83 ns", "15.2 us", "1.53 ms" */
const char *bench_fmt_ns(double ns, char *buf, size_t size);

/* A program and the packet it runs, with the verdict it must give. */
struct bench_ref {
	struct bench_prog *prog;
	const uint8_t *frame;
	size_t len;
	enum bf_verdict expect;
};

/*
 * Run @frame through @p: a probe of a few packets first, which plans the
 * case (see struct bench_cfg), then res->trials trials of res->repeat
 * packets, each preceded by a trial of the floor (cfg->repeat packets)
 * and, if @ref isn't NULL, one of @ref (cfg->repeat packets), so that a
 * ratio to it compares runs of the same moment. Every run's verdict must
 * be the expected one (ACCEPT for the floor): -EBADMSG otherwise. A
 * skipped case is not an error.
 */
int bench_measure(const struct bench_cfg *cfg, struct bench_prog *p, struct bench_prog *floor,
		  const struct bench_ref *ref, const uint8_t *frame, size_t len,
		  enum bf_verdict expect, struct bench_result *res);

/* What a chain holds. */
enum bench_work {
	BENCH_RULES,	  /* n rules "ip4.saddr eq <distinct> DROP", policy ACCEPT */
	BENCH_ACL,	  /* ClassBench-style ACL of n rules (acl.h), policy DROP */
	BENCH_SET,	  /* a set of n source addresses, one rule "in set DROP" */
	BENCH_PREFIX_SET, /* a set of n /24 source networks, same rule */
};

/* Source address of rule or set element @i: 172.16.0.1 + i. */
uint32_t bench_rule_addr(uint32_t i);
/* Source network of prefix-set element @i: the i-th /24 from 10.0.0.0. */
uint32_t bench_set_net(uint32_t i);
uint64_t bench_acl_seed(uint32_t n, uint32_t variant);
const char *bench_work_name(enum bench_work w);

/*
 * Write chain "bench" on @hook (as written in a chain: "BF_HOOK_XDP",
 * "BF_HOOK_XDP{ifindex=bfbench0}") with @n rules or elements of @w to @f.
 * @variant 0 is the chain the packet workloads use; 1 is the same size
 * with other addresses, for chain update.
 */
int bench_write_chain(FILE *f, enum bench_work w, const char *hook, uint32_t n, uint32_t variant);
/* The same, in a new string (free() it). */
char *bench_chain_text(enum bench_work w, const char *hook, uint32_t n, uint32_t variant);

/* A row of the packet table. */
struct bench_row {
	const char *workload;
	const char *hook; /* without "BF_HOOK_" */
	const char *floor_hook;
	uint32_t n;	      /* rules, or set elements */
	const char *pkt_case; /* last, first, none, hit10, hit, miss, - */
	int64_t match;	      /* the rule the packet hits first; -1: none; -2: not a rule list */
	enum bf_verdict expect;
	struct bench_result res;
	double parse_ms, load_ms;
	uint64_t map_bytes;
};

/* A row of the daemon table: medians over runs. */
struct bench_drow {
	const char *workload;
	uint32_t n;
	uint32_t runs;
	uint64_t file_bytes; /* the rules file */
	double dry_run_ms;   /* bfcli chain set --dry-run: bfcli's own parse and checks */
	double set_ms;	     /* bfcli chain set, until it returns: the chain is attached */
	double update_ms;    /* bfcli chain update, same size, other rules */
	double set_min_ms, set_max_ms;
	double update_min_ms, update_max_ms;
};

#define BENCH_MAX_DROWS 16

struct bench {
	struct bench_cfg cfg;
	bool quick;
	bool no_daemon;
	int cpu;
	uint32_t max_n;
	const char *json;
	const char *png;
	const char *label;
	const char *dump;    /* --dump WORKLOAD:N */
	const char *packets; /* --packets DIR */
	const char *bin_dir; /* where bf_bench is: bpfilter and bfcli too */
	cpu_set_t cpus;	     /* the affinity bf_bench started with, for its children */
	struct bench_prog floors[_BF_HOOK_MAX];
	/* The 1-rule XDP chain and its last-match packet, measured next to
	 * every rules and ACL case (bench_reference()): fd -1 not loaded
	 * yet, -2 failed. */
	struct bench_prog ref;
	uint8_t ref_frame[PKT_MAX];
	size_t ref_len;
	struct bench_row *rows;
	size_t nrows, rows_cap;
	struct bench_drow drows[BENCH_MAX_DROWS];
	size_t ndrows;
	double elapsed_s;
};

/* The daemon measurements (daemon.c): a transient daemon, a network
 * namespace with a veth pair, every chain attached to it with XDP. */
int bench_daemon_all(struct bench *b);
/* Remove what a killed bf_bench left in /tmp. */
void bench_remove_stale(void);
/*
 * Run @argv with bf_bench's original CPU affinity, stdout and stderr to
 * @out (NULL: bf_bench's own), killed past @timeout_ms. Its exit status, -1 if
 * killed, or a negative errno; *ms is the wall time from fork to exit.
 */
int bench_spawn(const struct bench *b, char *const argv[], const char *out, int timeout_ms,
		double *ms);

/* Output (report.c). */
void bench_print(const struct bench *b);
int bench_write_json(const struct bench *b);
/* The PNG through gnuplot; a missing gnuplot is a warning, not an error. */
int bench_plot(const struct bench *b);

#endif /* BF_BENCH_H */

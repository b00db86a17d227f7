/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bf_bench: per-packet cost, load time and map memory of chains loaded
 * through the daemon's compile path (bf_prog_load()), measured with
 * BPF_PROG_TEST_RUN side by side with a floor program of the same type.
 */
#ifndef BF_BENCH_H
#define BF_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpfilter/abi.h>

struct bf_prog;

/* How hard to measure: trials of repeats each, median kept. */
struct bench_cfg {
	uint32_t trials;
	uint32_t repeat;
};

/* A program to test-run: a loaded chain or a floor. */
struct bench_prog {
	enum bf_hook hook;
	int fd;
	struct bf_prog *prog; /* NULL for a floor */
	double load_ms;
	uint64_t map_bytes;
};

/* Load @text (one chain) through parse, validate, resolve, bf_prog_load.
 * Prints why on failure. */
int bench_load_chain(struct bench_prog *p, const char *text);
/* Load the floor of @hook's program type: "return <pass>". */
int bench_load_floor(struct bench_prog *p, enum bf_hook hook);
void bench_close(struct bench_prog *p);

/*
 * Run @frame through @p cfg->trials times, cfg->repeat times each, and
 * through @floor just before each trial; medians in ns/packet to *ns and
 * *floor_ns. Every run's verdict must be @expect (and ACCEPT for the
 * floor): -EBADMSG otherwise.
 */
int bench_measure(const struct bench_cfg *cfg, struct bench_prog *p, struct bench_prog *floor,
		  const uint8_t *frame, size_t len, enum bf_verdict expect, double *ns,
		  double *floor_ns);

#endif /* BF_BENCH_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The chain compiler: picks the chain's template, patches its .rodata, sizes
 * and fills its maps and loads it. What remains is file descriptors: the
 * program and its maps, which can be pinned and later restored from the
 * pins. Nothing is attached here (attach.h).
 */
#ifndef BF_PROG_H
#define BF_PROG_H

#include <stddef.h>
#include <stdint.h>

#include "lib/chain.h"

enum bf_map_id {
	BF_MAP_RULES = 0,
	BF_MAP_MATCHERS,
	BF_MAP_SETS,
	BF_MAP_SET_ELEMS,
	BF_MAP_SET_LPM,
	BF_MAP_COUNTERS,
	/* The chain's log: a ring buffer of struct bf_log_entry ("bf_log"),
	 * BF_LOG_RING_SIZE bytes when a rule logs, one page otherwise. */
	BF_MAP_LOG,
	/* Per rule, when it last logged, for "log ... every" ("bf_log_ts"). */
	BF_MAP_LOG_TS,
	/* The classifier (cls.h): tree nodes and the leaves' rule lists. */
	BF_MAP_CLS_NODES,
	BF_MAP_CLS_LIST,
	/* Per rule, its matchers folded into word tests (struct
	 * bf_rule_test). */
	BF_MAP_RULE_TESTS,
	_BF_MAP_MAX,
};

#define BF_LOG_RING_SIZE (256 * 1024)

/*
 * Set maps have room for an update-set (see xlate.h): the exact elements
 * hash map and the LPM trie hold up to twice the chain's elements plus
 * BF_SET_ROOM, allocated as used. Past that, writing a new generation fails
 * with E2BIG (a chain update, which sizes the maps anew, still works).
 */
#define BF_SET_ROOM 1024

struct bf_prog {
	int fd;
	int maps[_BF_MAP_MAX];
	uint32_t nrules;
};

/*
 * Load @chain's program, named bf_<chain>, with its maps filled. The chain
 * must be valid (bf_chain_validate()) with interfaces resolved. On failure
 * returns a negative errno and writes a one-line reason to @err.
 */
int bf_prog_load(const struct bf_chain *chain, struct bf_prog **prog, char *err, size_t errlen);
/* Pin the program ("prog") and its maps (by name) in directory @dirfd. */
int bf_prog_pin(const struct bf_prog *prog, int dirfd);
/* Open what bf_prog_pin() left in @dirfd, for a chain of @nrules rules. */
int bf_prog_restore(int dirfd, uint32_t nrules, struct bf_prog **prog);
void bf_prog_free(struct bf_prog **prog);
/* Sum the per-CPU counters into @out, which has nrules + 2 entries. */
int bf_prog_read_counters(const struct bf_prog *prog, struct bf_counter *out, size_t n);
/* Kernel id of the program. */
uint32_t bf_prog_id(const struct bf_prog *prog);

#define _cleanup_bf_prog_ __attribute__((cleanup(bf_prog_free)))

#endif /* BF_PROG_H */

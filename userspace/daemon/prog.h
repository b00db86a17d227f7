/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The chain compiler: picks the chain's template, patches its .rodata, sizes
 * and fills its maps and loads it. Nothing is attached here (attach.h).
 */
#ifndef BF_PROG_H
#define BF_PROG_H

#include <stddef.h>

#include "lib/chain.h"

struct bf_prog;

/*
 * Load @chain's program with its maps filled. The chain must be valid
 * (bf_chain_validate()) with interfaces resolved. On failure returns a
 * negative errno and writes a one-line reason to @err.
 */
int bf_prog_load(const struct bf_chain *chain, struct bf_prog **prog, char *err, size_t errlen);
void bf_prog_free(struct bf_prog **prog);
int bf_prog_fd(const struct bf_prog *prog);
struct bpf_program *bf_prog_bpf(const struct bf_prog *prog);
/* Sum the per-CPU counters into @out, which has nrules + 2 entries. */
int bf_prog_read_counters(const struct bf_prog *prog, struct bf_counter *out, size_t n);

#define _cleanup_bf_prog_ __attribute__((cleanup(bf_prog_free)))

#endif /* BF_PROG_H */

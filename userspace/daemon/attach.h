/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Attaching a loaded chain to its hook with BPF links, and swapping the
 * program behind an attachment atomically.
 */
#ifndef BF_ATTACH_H
#define BF_ATTACH_H

#include <stddef.h>

#include "lib/chain.h"
#include "prog.h"

struct bf_attach;

/* Attach @prog at @chain's hook, with @chain's (resolved) options. */
int bf_attach_new(const struct bf_chain *chain, struct bf_prog *prog, struct bf_attach **att,
		  char *err, size_t errlen);
/*
 * Make @att run @prog instead, with no packet seeing neither or a mix: XDP,
 * TC and cgroup links are updated in place (bpf_link_update); netfilter
 * attaches @prog at the other priority of the chain's pair, then detaches
 * the old one.
 */
int bf_attach_update(struct bf_attach *att, struct bf_prog *prog, char *err, size_t errlen);
/* The options in use, defaults filled in. */
const struct bf_hookopts *bf_attach_opts(const struct bf_attach *att);
/* Detach. */
void bf_attach_free(struct bf_attach **att);

#define _cleanup_bf_attach_ __attribute__((cleanup(bf_attach_free)))

#endif /* BF_ATTACH_H */

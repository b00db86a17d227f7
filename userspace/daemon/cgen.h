/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A chain as the daemon holds it: the model, its loaded program and, when
 * attached, its attachment.
 */
#ifndef BF_CGEN_H
#define BF_CGEN_H

#include <stdbool.h>
#include <stddef.h>

#include "attach.h"
#include "lib/chain.h"
#include "prog.h"

struct bf_cgen {
	struct bf_chain *chain;
	struct bf_prog *prog;
	struct bf_attach *att; /* NULL while only loaded */
};

/* True when @chain has the hook options its hook needs to be attached. */
bool bf_chain_attachable(const struct bf_chain *chain);
/* Resolve interface names (hook option and meta.iface) and check that the
 * interface and cgroup exist, in the calling thread's namespaces. */
int bf_chain_resolve(struct bf_chain *chain, char *err, size_t errlen);

/* Validate, resolve and load @chain (ownership taken, even on failure). */
int bf_cgen_new(struct bf_chain *chain, struct bf_cgen **cgen, char *err, size_t errlen);
/* Attach with the chain's own options. */
int bf_cgen_attach(struct bf_cgen *cgen, char *err, size_t errlen);
/* Replace the rules with @chain's (ownership taken), atomically if attached. */
int bf_cgen_update(struct bf_cgen *cgen, struct bf_chain *chain, char *err, size_t errlen);
void bf_cgen_detach(struct bf_cgen *cgen);
/* Read the kernel counters into cgen->chain->counters. */
int bf_cgen_fetch_counters(struct bf_cgen *cgen);
/* Detach, unload, free. */
void bf_cgen_free(struct bf_cgen **cgen);
/* Free, leaving the program attached and pinned. */
void bf_cgen_release(struct bf_cgen **cgen);

#define _cleanup_bf_cgen_ __attribute__((cleanup(bf_cgen_free)))

#endif /* BF_CGEN_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon's chains, by name. */
#ifndef BF_CTX_H
#define BF_CTX_H

#include <stddef.h>

#include "cgen.h"

struct bf_ctx {
	struct bf_cgen **cgens;
	size_t ncgens;
};

struct bf_cgen *bf_ctx_find(struct bf_ctx *ctx, const char *name);
/* Takes ownership of @cgen. */
int bf_ctx_add(struct bf_ctx *ctx, struct bf_cgen *cgen);
/* Remove (detach, unload) the named chain; -ENOENT if there is none. */
int bf_ctx_remove(struct bf_ctx *ctx, const char *name);
/* Hand every chain over to the caller (for atomic ruleset replacement). */
void bf_ctx_steal(struct bf_ctx *ctx, struct bf_ctx *into);
/* Detach and unload every chain. */
void bf_ctx_clean(struct bf_ctx *ctx);
/* Forget every chain, leaving it attached and pinned (persistent exit). */
void bf_ctx_release(struct bf_ctx *ctx);

#endif /* BF_CTX_H */

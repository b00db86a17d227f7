/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Persistence: chains survive the daemon. Each chain's program, maps and
 * links are pinned under BPFFS/bpfilter/<chain>/ and the model is
 * serialized to RUN_DIR/state; a restarting daemon picks both up without
 * reloading or detaching anything.
 */
#ifndef BF_PERSIST_H
#define BF_PERSIST_H

#include <stddef.h>

#include "ctx.h"
#include "opts.h"

int bf_persist_setup(const struct bf_daemon_opts *opts);
/* Restore every chain; on failure say what failed and how to clean up. */
int bf_persist_restore(struct bf_ctx *ctx, char *err, size_t errlen);
/* Pin what is not pinned yet, unpin what is gone, write the state file.
 * Called after every request that changed the chains. */
int bf_persist_save(struct bf_ctx *ctx);
/* On exit: persistent mode leaves chains attached and pinned; transient
 * mode detaches everything and removes every file the daemon made. */
void bf_persist_shutdown(struct bf_ctx *ctx);

#endif /* BF_PERSIST_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/* One request in, one response out. */
#ifndef BF_HANDLE_H
#define BF_HANDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "ctx.h"

/*
 * Decode the request in @buf, apply it to @ctx and encode the response into
 * a new @resp buffer. Every failure, malformed input included, becomes a
 * response with a negative status and a message; the chains in place are
 * left as they were. Returns non-zero only if no response could be built.
 *
 * @follow (BF_NAME_LEN bytes) is set to a chain name when the request was
 * an accepted "chain logs": once the response is out, the connection
 * follows that chain's log (logs.h). Empty otherwise.
 *
 * With BF_REQ_DRY_RUN, set, load, update (chain or ruleset) and update-set
 * do everything short of changing anything: the chains are validated and
 * their interfaces resolved, their programs loaded for the verifier to
 * check and unloaded, update-set elements parsed against the set. Commands
 * that have no dry run (attach, flush, logs) refuse the flag.
 */
int bf_handle(struct bf_ctx *ctx, const struct ucred *peer, const void *buf, size_t len,
	      void **resp, size_t *resp_len, char *follow);
/* --no-cli: answer every bfcli request with a refusal. */
void bf_handle_set_no_cli(bool no_cli);

#endif /* BF_HANDLE_H */

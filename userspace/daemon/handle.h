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
 */
int bf_handle(struct bf_ctx *ctx, const struct ucred *peer, const void *buf, size_t len,
	      void **resp, size_t *resp_len);
/* --no-cli: answer every bfcli request with a refusal. */
void bf_handle_set_no_cli(bool no_cli);

#endif /* BF_HANDLE_H */

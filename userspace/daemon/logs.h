/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * "chain logs": clients following a chain's log.
 *
 * Each chain's program publishes the packets its "log" rules match to a
 * ring buffer map (BF_MAP_LOG). A client sends BF_CMD_CHAIN_LOGS; once
 * bf_handle() has accepted it, the server hands the connection over to
 * this module with the status response, and from then on the client gets
 * one framed response per entry (resp.has_log set), in the order the
 * chain logged them, until it disconnects.
 *
 * The rings are read from the daemon's event loop, not from a thread: the
 * module is one epoll fd (bf_logs_fd()) holding the rings' own epoll fds
 * and the followers' sockets; the server watches it and calls
 * bf_logs_process() when it is readable. A chain's ring is read only while
 * someone follows the chain: entries logged while nobody follows it are
 * not kept, and a new follower starts with what is logged after its
 * request.
 *
 * Sockets are non-blocking: a follower that reads slower than the chain
 * logs has a bounded queue, past which new entries are dropped for it
 * (counted, logged at debug level). It never slows the daemon or the
 * other followers down.
 *
 * When the chains change (bf_logs_sync() after each request), a chain
 * replaced by set or update is followed on to its new program's ring; the
 * followers of a chain that is gone get a last response with status
 * -ENOENT and a message, then their connection is closed.
 */
#ifndef BF_LOGS_H
#define BF_LOGS_H

#include <stddef.h>
#include <sys/types.h>

#include "ctx.h"

struct bf_logs;

int bf_logs_new(struct bf_logs **logs);
/* Close every follower's connection and stop reading the rings. */
void bf_logs_free(struct bf_logs **logs);
/* Readable when a ring has entries or a follower's socket needs work. */
int bf_logs_fd(const struct bf_logs *logs);
/* Read the rings that have entries, queue and write them to the
 * followers, drop the followers that left. Bounded work per call: the
 * epoll fd stays readable while there is more. */
void bf_logs_process(struct bf_logs *logs);
/*
 * Take over the connected, non-blocking @fd of client @pid as a follower
 * of chain @name. @status_frame (@len bytes: header and payload) is the
 * response to its request and goes out first. The fd is closed by this
 * module in every case; if the chain can't be followed the client gets an
 * error response instead of @status_frame.
 */
void bf_logs_follow(struct bf_logs *logs, struct bf_ctx *ctx, int fd, pid_t pid, const char *name,
		    const void *status_frame, size_t len);
/* The chains in @ctx may have changed: follow replaced chains to their new
 * ring, end the followers of chains that are gone. */
void bf_logs_sync(struct bf_logs *logs, struct bf_ctx *ctx);

#define _cleanup_bf_logs_ __attribute__((cleanup(bf_logs_free)))

#endif /* BF_LOGS_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/* The unix socket bfcli talks to. */
#ifndef BF_SERVER_H
#define BF_SERVER_H

#include <signal.h>

#include "ctx.h"

/* Create the socket at @path (mode 0600), refusing to start if another
 * daemon answers on it. Returns the listening fd or a negative errno. */
int bf_server_open(const char *path);
/*
 * Serve clients on the listening @fd until *@stop becomes non-zero (set by
 * the SIGINT/SIGTERM handlers: those signals interrupt the wait however
 * they are timed), handling their requests with bf_handle() one at a
 * time. Clients still connected are then closed. Returns 0, or a negative
 * errno if the loop itself failed.
 */
int bf_server_run(int fd, struct bf_ctx *ctx, volatile sig_atomic_t *stop);

#endif /* BF_SERVER_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/* The unix socket bfcli talks to. */
#ifndef BF_SERVER_H
#define BF_SERVER_H

#include <signal.h>

#include "ctx.h"

/* Create the socket at @path (mode 0600), refusing to start if another
 * daemon answers on it. Returns the listening fd or a negative errno. */
int bf_server_open(const char *path);
/* Serve requests until *@stop becomes non-zero. */
int bf_server_run(int fd, struct bf_ctx *ctx, volatile sig_atomic_t *stop);

#endif /* BF_SERVER_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/* Talking to the daemon: connect to its socket, one request, one response. */
#ifndef BF_CLIENT_H
#define BF_CLIENT_H

#include "request.h"

#define BF_SOCKET_PATH "/run/bpfilter/daemon.sock"

/* $BF_SOCKET if set and not empty, else BF_SOCKET_PATH. */
const char *bf_client_socket_path(void);

/*
 * Connect to the daemon's socket at @path (NULL: bf_client_socket_path()).
 * Returns the connected fd, or a negative errno: -ENOENT (no socket: the
 * daemon is not running), -ECONNREFUSED (stale socket: the daemon is not
 * running), -EACCES (not allowed, usually not root), -ENAMETOOLONG.
 */
int bf_client_connect(const char *path);

/*
 * Send @req on the connected @fd and read the response into @resp (free it
 * with bf_response_clean()). Returns 0 when a response arrived, whatever
 * its resp->status; a negative errno if the exchange failed (-EBADMSG or
 * -EINVAL: malformed response, -ECONNRESET: the daemon closed the
 * connection), leaving @resp empty.
 */
int bf_client_exchange(int fd, const struct bf_request *req, struct bf_response *resp);

/* bf_client_connect(NULL) then bf_client_exchange(). */
int bf_client_request(const struct bf_request *req, struct bf_response *resp);

/*
 * Whether a daemon answers on socket @path (NULL: the default one): 0 when
 * a "ruleset get" got a response, else a negative errno as above. For
 * whoever starts a daemon and waits for it to serve.
 */
int bf_client_ping(const char *path);

#endif /* BF_CLIENT_H */

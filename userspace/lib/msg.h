/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Message framing on the daemon's SOCK_STREAM unix socket: a header of two
 * little-endian u32, BF_MSG_MAGIC then the payload length, then the payload.
 * The magic catches a client speaking something else before we trust its
 * length.
 */
#ifndef BF_MSG_H
#define BF_MSG_H

#include <stddef.h>

#define BF_MSG_MAGIC 0x4246494cU /* "BFIL" */
#define BF_MSG_HDR_LEN 8
/* Largest payload either side accepts (a chain with millions of rules fits). */
#define BF_MSG_MAX (256U << 20)

/*
 * Send one message, retrying partial writes and EINTR. Never raises SIGPIPE:
 * a closed peer gives -EPIPE. -EMSGSIZE if @len > BF_MSG_MAX.
 */
int bf_msg_send(int fd, const void *buf, size_t len);

/*
 * Receive one message into a new buffer (free() it; never NULL on success,
 * even for an empty payload). -EBADMSG on a bad magic or a length above
 * BF_MSG_MAX, -ECONNRESET if the peer closes before the whole message
 * arrived (including before its first byte), other negative errnos from
 * recv() (e.g. -EAGAIN on a socket timeout).
 */
int bf_msg_recv(int fd, void **buf, size_t *len);

/*
 * For callers doing their own (non-blocking) I/O. bf_msg_put_header() writes
 * the BF_MSG_HDR_LEN-byte header of a message carrying @len bytes (the caller
 * checks @len <= BF_MSG_MAX). bf_msg_parse_header() checks the header of an
 * incoming message and gives its payload length: -EBADMSG on a bad magic or
 * a length above BF_MSG_MAX, as bf_msg_recv().
 */
void bf_msg_put_header(void *hdr, size_t len);
int bf_msg_parse_header(const void *hdr, size_t *len);

#endif /* BF_MSG_H */

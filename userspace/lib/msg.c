// SPDX-License-Identifier: GPL-2.0-only
#include "msg.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "helper.h"

static void bf_msg_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t bf_msg_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Drop @n sent bytes from the front of the iovec array. */
static void bf_msg_advance(struct iovec **iov, size_t *niov, size_t n)
{
	while (*niov && n >= (*iov)->iov_len) {
		n -= (*iov)->iov_len;
		(*iov)++;
		(*niov)--;
	}
	if (*niov) {
		(*iov)->iov_base = (uint8_t *)(*iov)->iov_base + n;
		(*iov)->iov_len -= n;
	}
}

static int bf_msg_sendv(int fd, struct iovec *iov, size_t niov)
{
	/* Skip empty entries first: the loop below expects progress. */
	bf_msg_advance(&iov, &niov, 0);
	while (niov) {
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = niov };
		ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		bf_msg_advance(&iov, &niov, (size_t)n);
	}
	return 0;
}

void bf_msg_put_header(void *hdr, size_t len)
{
	bf_msg_put_le32(hdr, BF_MSG_MAGIC);
	bf_msg_put_le32((uint8_t *)hdr + 4, (uint32_t)len);
}

int bf_msg_parse_header(const void *hdr, size_t *len)
{
	const uint8_t *p = hdr;
	uint32_t size;

	if (bf_msg_get_le32(p) != BF_MSG_MAGIC)
		return -EBADMSG;
	size = bf_msg_get_le32(p + 4);
	if (size > BF_MSG_MAX)
		return -EBADMSG;
	*len = size;
	return 0;
}

int bf_msg_send(int fd, const void *buf, size_t len)
{
	uint8_t hdr[BF_MSG_HDR_LEN];
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)buf, .iov_len = len },
	};

	if (len > BF_MSG_MAX)
		return -EMSGSIZE;
	bf_msg_put_header(hdr, len);
	return bf_msg_sendv(fd, iov, ARRAY_SIZE(iov));
}

static int bf_msg_recv_all(int fd, void *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = recv(fd, (uint8_t *)buf + off, len - off, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		off += (size_t)n;
	}
	return 0;
}

int bf_msg_recv(int fd, void **buf, size_t *len)
{
	_cleanup_free_ void *payload = NULL;
	uint8_t hdr[BF_MSG_HDR_LEN];
	size_t size;
	int r;

	r = bf_msg_recv_all(fd, hdr, sizeof(hdr));
	if (r)
		return r;
	r = bf_msg_parse_header(hdr, &size);
	if (r)
		return r;

	payload = malloc(size ? size : 1);
	if (!payload)
		return -ENOMEM;
	r = bf_msg_recv_all(fd, payload, size);
	if (r)
		return r;
	*buf = TAKE_PTR(payload);
	*len = size;
	return 0;
}

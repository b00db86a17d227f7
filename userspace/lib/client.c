// SPDX-License-Identifier: GPL-2.0-only
#include "client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "helper.h"
#include "msg.h"

const char *bf_client_socket_path(void)
{
	const char *path = getenv("BF_SOCKET");

	return path && *path ? path : BF_SOCKET_PATH;
}

int bf_client_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (!path)
		path = bf_client_socket_path();
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* An interrupted connect() on a unix socket leaves it unconnected
	 * (it only waits for room in the listener's backlog): just retry. */
	while (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return TAKE_FD(fd);
}

int bf_client_exchange(int fd, const struct bf_request *req, struct bf_response *resp)
{
	_cleanup_free_ void *buf = NULL;
	size_t len;
	int r;

	memset(resp, 0, sizeof(*resp));
	r = bf_request_pack(req, &buf, &len);
	if (r)
		return r;
	r = bf_msg_send(fd, buf, len);
	if (r)
		return r;
	free(TAKE_PTR(buf));

	r = bf_msg_recv(fd, &buf, &len);
	if (r)
		return r;
	return bf_response_unpack(buf, len, resp);
}

int bf_client_request(const struct bf_request *req, struct bf_response *resp)
{
	_cleanup_close_ int fd = bf_client_connect(NULL);

	if (fd < 0) {
		memset(resp, 0, sizeof(*resp));
		return fd;
	}
	return bf_client_exchange(fd, req, resp);
}

int bf_client_ping(const char *path)
{
	struct bf_request req = { .cmd = BF_CMD_RULESET_GET };
	struct bf_response resp;
	_cleanup_close_ int fd = bf_client_connect(path);
	int r;

	if (fd < 0)
		return fd;
	r = bf_client_exchange(fd, &req, &resp);
	bf_response_clean(&resp);
	return r;
}

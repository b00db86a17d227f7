// SPDX-License-Identifier: GPL-2.0-only
#include "server.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "handle.h"
#include "lib/helper.h"
#include "lib/msg.h"
#include "log.h"

/* A client gets this long to send its request: one that stalls must not
 * hold the daemon. */
#define BF_CLIENT_TIMEOUT_S 5

static int bf_sockaddr(const char *path, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path))
		return -ENAMETOOLONG;
	strcpy(addr->sun_path, path);
	return 0;
}

/* Is a daemon answering on @path? */
static bool bf_server_alive(const struct sockaddr_un *addr)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	return fd >= 0 && !connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
}

int bf_server_open(const char *path)
{
	_cleanup_close_ int fd = -1;
	struct sockaddr_un addr;
	mode_t mask;
	int r;

	r = bf_sockaddr(path, &addr);
	if (r)
		return r;
	if (bf_server_alive(&addr)) {
		bf_error("another bpfilter daemon is running and listening on %s", path);
		return -EADDRINUSE;
	}
	/* Nobody answers: what is left is a dead daemon's socket. */
	unlink(path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	mask = umask(0177);
	r = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(mask);
	if (r)
		return -errno;
	if (listen(fd, 64))
		return -errno;
	return TAKE_FD(fd);
}

static int bf_peer_cred(int fd, struct ucred *cred)
{
	socklen_t len = sizeof(*cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len))
		return -errno;
	return 0;
}

static void bf_serve_client(int fd, struct bf_ctx *ctx)
{
	struct timeval tv = { .tv_sec = BF_CLIENT_TIMEOUT_S };
	_cleanup_free_ void *req = NULL;
	_cleanup_free_ void *resp = NULL;
	size_t req_len, resp_len;
	int r;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

	struct ucred peer;

	if (bf_peer_cred(fd, &peer) || peer.uid != 0) {
		bf_warn("refusing a request from a non-root client");
		return;
	}
	r = bf_msg_recv(fd, &req, &req_len);
	if (r) {
		bf_warn("dropping a client: cannot read its request: %s", strerror(-r));
		return;
	}
	r = bf_handle(ctx, &peer, req, req_len, &resp, &resp_len);
	if (r) {
		bf_error("cannot build a response: %s", strerror(-r));
		return;
	}
	r = bf_msg_send(fd, resp, resp_len);
	if (r)
		bf_warn("cannot send a response: %s", strerror(-r));
}

int bf_server_run(int fd, struct bf_ctx *ctx, volatile sig_atomic_t *stop)
{
	while (!*stop) {
		_cleanup_close_ int client = -1;

		client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (client < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return -errno;
		}
		bf_serve_client(client, ctx);
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's event loop: one thread, one epoll set, every socket
 * non-blocking.
 *
 * A client connects, sends one framed request (msg.h), gets one framed
 * response and is disconnected. Requests are read incrementally into a
 * per-client buffer, so any number of clients can be half-way through
 * theirs; as soon as one is complete it is handled, there and then, with
 * bf_handle(). Handling is never interleaved: the chains are shared state,
 * the kernel work is serialized on purpose, and the daemon must stay
 * single-threaded because handling a request may setns() into the
 * client's mount namespace, which a multi-threaded process cannot do.
 * The response is then written as fast as the client reads it; a client
 * that doesn't read holds only its own buffer.
 *
 * A client that makes no progress (no byte read or written) for
 * BF_CLIENT_IDLE_MS is dropped. Time the daemon spends handling requests
 * doesn't count: a client can't be blamed for not being read.
 *
 * "chain logs" is the exception to one request, one response: once its
 * request is handled, the connection is handed over with its response to
 * the logs module (logs.h), whose epoll fd sits in ours and which streams
 * the chain's log entries to it from then on.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "handle.h"
#include "lib/helper.h"
#include "lib/msg.h"
#include "log.h"
#include "logs.h"

#define BF_SERVER_BACKLOG 64
/* Past this many connected clients the daemon stops accepting: the next
 * ones wait in the listen backlog (and then in connect()) for a slot. */
#define BF_SERVER_MAX_CLIENTS 256
#define BF_SERVER_MAX_EVENTS 64
/* After accept() failed for lack of fds or memory, wait this long before
 * trying again rather than spinning on a listener that stays readable. */
#define BF_SERVER_ACCEPT_RETRY_MS 100
#define BF_CLIENT_IDLE_MS 5000
/* Bytes moved for one client per wakeup, so a fast client streaming a
 * large request or response can't starve the others. */
#define BF_CLIENT_IO_BUDGET (1U << 20)
/* First allocation for a request's payload: a request announcing a large
 * length gets memory as its bytes arrive, not on the announcement. */
#define BF_CLIENT_MIN_CAP (64U << 10)

/*
 * One connection. Its buffer holds one frame: @hdr then @payload (@len
 * bytes, @cap allocated). While reading, the frame is the request; once
 * handled, it is the response. @done counts the frame's bytes transferred,
 * header included.
 */
struct bf_client {
	struct bf_client *prev, *next;
	int fd;
	struct ucred peer;
	bool writing;
	bool has_len;	   /* the request's header is in and valid */
	long long last_ms; /* last progress */
	uint8_t hdr[BF_MSG_HDR_LEN];
	uint8_t *payload;
	size_t len;
	size_t cap;
	size_t done;
	/* "chain logs" accepted: follow this chain once the response is
	 * ready. */
	char follow[BF_NAME_LEN];
};

struct bf_server {
	int lfd;
	int epfd;
	struct bf_ctx *ctx;
	/* Sentinel of the clients list, least recent progress first: the
	 * first to time out is at its head. */
	struct bf_client clients;
	size_t nclients;
	bool accepting;		   /* the listener is in the epoll set's interest */
	long long accept_retry_ms; /* 0, or when to retry a failed accept() */
	struct bf_logs *logs; /* followers of chain logs, and the rings */
};

/* epoll data of the logs module's fd: neither NULL (the listener) nor a
 * client. */
static char bf_logs_tag;

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
	if (listen(fd, BF_SERVER_BACKLOG))
		return -errno;
	return TAKE_FD(fd);
}

static long long bf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------------
 * Clients list
 */

static void bf_client_unlink(struct bf_client *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
	c->prev = c->next = c;
}

static void bf_client_append(struct bf_server *srv, struct bf_client *c)
{
	struct bf_client *head = &srv->clients;

	c->prev = head->prev;
	c->next = head;
	head->prev->next = c;
	head->prev = c;
}

/* @c made progress (or just arrived, linked to itself): it times out
 * last. */
static void bf_client_touch(struct bf_server *srv, struct bf_client *c)
{
	c->last_ms = bf_now_ms();
	bf_client_unlink(c);
	bf_client_append(srv, c);
}

/* The daemon was busy for @ms handling a request: nobody waited on their
 * own account during that time. */
static void bf_server_forgive(struct bf_server *srv, long long ms)
{
	for (struct bf_client *c = srv->clients.next; c != &srv->clients; c = c->next)
		c->last_ms += ms;
}

/* ---------------------------------------------------------------------
 * Accepting
 */

static int bf_server_watch_listener(struct bf_server *srv, bool on)
{
	struct epoll_event ev = { .events = on ? EPOLLIN : 0, .data.ptr = NULL };

	if (srv->accepting == on)
		return 0;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_MOD, srv->lfd, &ev))
		return -errno;
	srv->accepting = on;
	return 0;
}

static void bf_client_free(struct bf_server *srv, struct bf_client *c)
{
	bf_client_unlink(c);
	/* Closing the fd removes it from the epoll set. It is gone already
	 * if the connection was handed over to the logs. */
	if (c->fd >= 0)
		close(c->fd);
	free(c->payload);
	free(c);
	srv->nclients--;
	/* A slot is free: take the next client waiting in the backlog. */
	if (!srv->accept_retry_ms) {
		int r = bf_server_watch_listener(srv, true);

		if (r)
			bf_warn("cannot watch the listening socket again: %s", strerror(-r));
	}
}

static int bf_peer_cred(int fd, struct ucred *cred)
{
	socklen_t len = sizeof(*cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len))
		return -errno;
	return 0;
}

/* Only root may talk to the daemon; the socket's mode says so too, this
 * holds even if someone loosens it. */
static bool bf_client_allowed(int fd, struct ucred *peer)
{
	int r = bf_peer_cred(fd, peer);

	if (r) {
		bf_warn("refusing a client: cannot read its credentials: %s", strerror(-r));
		return false;
	}
	if (peer->uid != 0) {
		bf_warn("refusing a request from a non-root client (pid %d, uid %u)", peer->pid,
			peer->uid);
		return false;
	}
	return true;
}

/* Take over the connected @fd (closed on failure). */
static void bf_client_add(struct bf_server *srv, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct bf_client *c;
	struct ucred peer;

	if (!bf_client_allowed(fd, &peer)) {
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		bf_warn("dropping a client (pid %d): out of memory", peer.pid);
		close(fd);
		return;
	}
	c->fd = fd;
	c->peer = peer;
	c->prev = c->next = c;
	ev.data.ptr = c;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		bf_warn("dropping a client (pid %d): cannot watch it: %s", peer.pid,
			strerror(errno));
		close(fd);
		free(c);
		return;
	}
	srv->nclients++;
	bf_client_touch(srv, c);
}

/* Accept what is waiting, up to BF_SERVER_MAX_CLIENTS. Returns a negative
 * errno only when the listening socket itself is broken. */
static int bf_server_accept(struct bf_server *srv)
{
	while (srv->nclients < BF_SERVER_MAX_CLIENTS) {
		int fd = accept4(srv->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			bf_client_add(srv, fd);
			continue;
		}
		switch (errno) {
		case EAGAIN:
			return 0;
		case EINTR:
		case ECONNABORTED:
			continue;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			/* The connection stays in the backlog: retry later. */
			bf_warn("cannot accept a client, retrying in %d ms: %s",
				BF_SERVER_ACCEPT_RETRY_MS, strerror(errno));
			srv->accept_retry_ms = bf_now_ms() + BF_SERVER_ACCEPT_RETRY_MS;
			return bf_server_watch_listener(srv, false);
		default:
			return -errno;
		}
	}
	/* Full: the next clients wait in the backlog until one leaves. */
	bf_dbg("%d clients connected: not accepting more for now", BF_SERVER_MAX_CLIENTS);
	return bf_server_watch_listener(srv, false);
}

/* ---------------------------------------------------------------------
 * Reading a request
 */

static bool bf_client_request_complete(const struct bf_client *c)
{
	return c->has_len && c->done == BF_MSG_HDR_LEN + c->len;
}

/* The header is in: check it and allocate for the first payload bytes. */
static int bf_client_start_payload(struct bf_client *c)
{
	int r = bf_msg_parse_header(c->hdr, &c->len);

	if (r)
		return r;
	c->has_len = true;
	c->cap = c->len < BF_CLIENT_MIN_CAP ? c->len : BF_CLIENT_MIN_CAP;
	/* Never NULL, even for an empty payload, as bf_msg_recv() gives. */
	c->payload = malloc(c->cap ?: 1);
	return c->payload ? 0 : -ENOMEM;
}

/* Make room for more payload once the buffer is full, doubling it. */
static int bf_client_grow(struct bf_client *c)
{
	size_t cap;
	uint8_t *p;

	if (c->done - BF_MSG_HDR_LEN < c->cap)
		return 0;
	cap = c->cap * 2 < c->len ? c->cap * 2 : c->len;
	p = realloc(c->payload, cap);
	if (!p)
		return -ENOMEM;
	c->payload = p;
	c->cap = cap;
	return 0;
}

/* One recv() into the header or the payload: bytes read, 0 at EOF, or a
 * negative errno. */
static ssize_t bf_client_recv(struct bf_client *c)
{
	size_t off;
	ssize_t n;
	int r;

	if (c->done < BF_MSG_HDR_LEN) {
		n = recv(c->fd, c->hdr + c->done, BF_MSG_HDR_LEN - c->done, 0);
		return n < 0 ? -errno : n;
	}
	r = bf_client_grow(c);
	if (r)
		return r;
	/* Never past the frame (cap <= len): a client sends one request. */
	off = c->done - BF_MSG_HDR_LEN;
	n = recv(c->fd, c->payload + off, c->cap - off, 0);
	return n < 0 ? -errno : n;
}

/*
 * Read what the client sent, up to the end of its request. Returns 1 when
 * the request is complete, 0 when more is to come, or a negative errno:
 * -EBADMSG for a bad header, -ECONNRESET if the client left.
 */
static int bf_client_read(struct bf_server *srv, struct bf_client *c)
{
	size_t budget = BF_CLIENT_IO_BUDGET;
	bool progress = false;
	int r = 0;

	while (!bf_client_request_complete(c) && budget) {
		ssize_t n = bf_client_recv(c);

		if (n == -EINTR)
			continue;
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			break;
		if (n <= 0) {
			r = n ? (int)n : -ECONNRESET;
			break;
		}
		progress = true;
		c->done += (size_t)n;
		budget = (size_t)n < budget ? budget - (size_t)n : 0;
		if (c->done == BF_MSG_HDR_LEN) {
			r = bf_client_start_payload(c);
			if (r)
				break;
		}
	}
	if (progress)
		bf_client_touch(srv, c);
	return r ?: bf_client_request_complete(c);
}

/* ---------------------------------------------------------------------
 * Writing the response
 */

/* One sendmsg() of what is left of the frame: bytes sent or a negative
 * errno. */
static ssize_t bf_client_send(struct bf_client *c)
{
	struct iovec iov[2];
	struct msghdr mh = { .msg_iov = iov };
	size_t off = c->done > BF_MSG_HDR_LEN ? c->done - BF_MSG_HDR_LEN : 0;
	ssize_t n;

	if (c->done < BF_MSG_HDR_LEN)
		iov[mh.msg_iovlen++] = (struct iovec){ c->hdr + c->done, BF_MSG_HDR_LEN - c->done };
	if (off < c->len)
		iov[mh.msg_iovlen++] = (struct iovec){ c->payload + off, c->len - off };
	/* MSG_NOSIGNAL: a client that left gives EPIPE, not SIGPIPE. */
	n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

/* Write what the client can take: 1 when the response is all out, 0 when
 * more is to come, or a negative errno. */
static int bf_client_write(struct bf_server *srv, struct bf_client *c)
{
	size_t total = BF_MSG_HDR_LEN + c->len;
	size_t budget = BF_CLIENT_IO_BUDGET;
	bool progress = false;
	int r = 0;

	while (c->done < total && budget) {
		ssize_t n = bf_client_send(c);

		if (n == -EINTR)
			continue;
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			break;
		if (n <= 0) {
			r = n ? (int)n : -EIO;
			break;
		}
		progress = true;
		c->done += (size_t)n;
		budget = (size_t)n < budget ? budget - (size_t)n : 0;
	}
	if (progress)
		bf_client_touch(srv, c);
	return r ?: c->done == total;
}

/* Handle the complete request of @c and turn its buffer into the response.
 * Returns 0 or a negative errno (no response: drop the client). */
static int bf_client_handle(struct bf_server *srv, struct bf_client *c)
{
	_cleanup_free_ void *req = TAKE_PTR(c->payload);
	void *resp = NULL;
	size_t resp_len;
	long long start = bf_now_ms();
	int r;

	r = bf_handle(srv->ctx, &c->peer, req, c->len, &resp, &resp_len, c->follow);
	/* Chains may have been replaced or removed: their followers too. */
	bf_logs_sync(srv->logs, srv->ctx);
	bf_server_forgive(srv, bf_now_ms() - start);
	if (r) {
		bf_error("cannot build a response for client (pid %d): %s", c->peer.pid,
			 strerror(-r));
		return r;
	}
	c->payload = resp;
	if (resp_len > BF_MSG_MAX) {
		bf_error("cannot send a %zu-byte response to client (pid %d): over %u bytes",
			 resp_len, c->peer.pid, BF_MSG_MAX);
		return -EMSGSIZE;
	}
	bf_msg_put_header(c->hdr, resp_len);
	c->len = c->cap = resp_len;
	c->done = 0;
	c->writing = true;
	bf_client_touch(srv, c);
	return 0;
}

/* Give @c's connection and response to the logs module: it is a follower
 * now, not a client. Returns 1: the client is done. */
static int bf_client_hand_over(struct bf_server *srv, struct bf_client *c)
{
	uint8_t *frame = malloc(BF_MSG_HDR_LEN + c->len);
	int fd = TAKE_FD(c->fd);

	epoll_ctl(srv->epfd, EPOLL_CTL_DEL, fd, NULL);
	if (!frame) {
		bf_warn("dropping client (pid %d): out of memory", c->peer.pid);
		close(fd);
		return -ENOMEM;
	}
	memcpy(frame, c->hdr, BF_MSG_HDR_LEN);
	memcpy(frame + BF_MSG_HDR_LEN, c->payload, c->len);
	bf_logs_follow(srv->logs, srv->ctx, fd, c->peer.pid, c->follow, frame,
		       BF_MSG_HDR_LEN + c->len);
	free(frame);
	return 1;
}

static int bf_client_watch_output(struct bf_server *srv, struct bf_client *c)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

	return epoll_ctl(srv->epfd, EPOLL_CTL_MOD, c->fd, &ev) ? -errno : 0;
}

/* ---------------------------------------------------------------------
 * The loop
 */

/* Why a client goes away before its response is out. Leaving is the
 * client's right: debug only. */
static void bf_client_log_drop(const struct bf_client *c, int r)
{
	const char *what = c->writing ? "response" : "request";

	switch (r) {
	case -ECONNRESET:
	case -EPIPE:
		bf_dbg("client (pid %d) left before the end of its %s (%zu bytes in)", c->peer.pid,
		       what, c->done);
		break;
	case -EBADMSG:
		bf_warn("dropping client (pid %d): not a bpfilter request (bad magic, or "
			"length over %u bytes)",
			c->peer.pid, BF_MSG_MAX);
		break;
	default:
		bf_warn("dropping client (pid %d) during its %s: %s", c->peer.pid, what,
			strerror(-r));
	}
}

/* Move @c forward: returns 0 to keep it, 1 when it is done, or a negative
 * errno. */
static int bf_client_step(struct bf_server *srv, struct bf_client *c)
{
	int r;

	if (c->writing)
		return bf_client_write(srv, c);
	r = bf_client_read(srv, c);
	if (r <= 0)
		return r;
	r = bf_client_handle(srv, c);
	if (r)
		return r;
	if (c->follow[0])
		return bf_client_hand_over(srv, c);
	/* Most responses fit in the socket buffer: try at once, and wait
	 * for room only if needed. */
	r = bf_client_write(srv, c);
	return r ?: bf_client_watch_output(srv, c);
}

static void bf_client_event(struct bf_server *srv, struct bf_client *c)
{
	int r = bf_client_step(srv, c);

	if (r < 0)
		bf_client_log_drop(c, r);
	if (r)
		bf_client_free(srv, c);
}

/* Drop the clients idle for too long. */
static void bf_server_expire(struct bf_server *srv)
{
	long long now = bf_now_ms();

	while (srv->clients.next != &srv->clients) {
		struct bf_client *c = srv->clients.next;

		if (now - c->last_ms < BF_CLIENT_IDLE_MS)
			break;
		bf_warn("dropping client (pid %d): no progress on its %s for %d s", c->peer.pid,
			c->writing ? "response" : "request", BF_CLIENT_IDLE_MS / 1000);
		bf_client_free(srv, c);
	}
}

/* How long epoll may sleep: until the next timeout or accept retry. */
static int bf_server_timeout(const struct bf_server *srv)
{
	long long now = bf_now_ms();
	long long next = -1;

	if (srv->clients.next != &srv->clients)
		next = srv->clients.next->last_ms + BF_CLIENT_IDLE_MS;
	if (srv->accept_retry_ms && (next < 0 || srv->accept_retry_ms < next))
		next = srv->accept_retry_ms;
	if (next < 0)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

/*
 * Wait for events. SIGINT and SIGTERM are blocked between the check of
 * *@stop and the wait, and unblocked by epoll_pwait() itself: a signal
 * arriving in between interrupts the wait instead of being missed.
 * Returns the number of events, 0 on timeout or signal, or a negative
 * errno.
 */
static int bf_server_wait(struct bf_server *srv, struct epoll_event *events,
			  volatile sig_atomic_t *stop)
{
	sigset_t block, old;
	int n = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (!*stop)
		n = epoll_pwait(srv->epfd, events, BF_SERVER_MAX_EVENTS, bf_server_timeout(srv),
				&old);
	if (n < 0)
		n = errno == EINTR ? 0 : -errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return n;
}

static int bf_server_dispatch(struct bf_server *srv, struct epoll_event *events, int n)
{
	for (int i = 0; i < n; i++) {
		int r;

		if (events[i].data.ptr == &bf_logs_tag) {
			bf_logs_process(srv->logs);
			continue;
		}
		if (events[i].data.ptr) {
			bf_client_event(srv, events[i].data.ptr);
			continue;
		}
		r = bf_server_accept(srv);
		if (r)
			return r;
	}
	return 0;
}

/* Time to try accept() again after a failure? */
static int bf_server_retry_accept(struct bf_server *srv)
{
	if (!srv->accept_retry_ms || bf_now_ms() < srv->accept_retry_ms)
		return 0;
	srv->accept_retry_ms = 0;
	if (srv->nclients >= BF_SERVER_MAX_CLIENTS)
		return 0;
	return bf_server_watch_listener(srv, true);
}

static int bf_server_init(struct bf_server *srv, int fd, struct bf_ctx *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct epoll_event logs_ev = { .events = EPOLLIN, .data.ptr = &bf_logs_tag };
	int r;

	srv->lfd = fd;
	srv->ctx = ctx;
	srv->clients.prev = srv->clients.next = &srv->clients;
	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epfd < 0)
		return -errno;
	r = bf_logs_new(&srv->logs);
	if (r)
		return r;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, bf_logs_fd(srv->logs), &logs_ev))
		return -errno;
	/* accept() must never block the loop. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) ||
	    epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	srv->accepting = true;
	return 0;
}

static void bf_server_clean(struct bf_server *srv)
{
	while (srv->clients.next != &srv->clients)
		bf_client_free(srv, srv->clients.next);
	bf_logs_free(&srv->logs);
	if (srv->epfd >= 0)
		close(srv->epfd);
}

int bf_server_run(int fd, struct bf_ctx *ctx, volatile sig_atomic_t *stop)
{
	struct bf_server srv = { .epfd = -1 };
	struct epoll_event events[BF_SERVER_MAX_EVENTS];
	int r;

	r = bf_server_init(&srv, fd, ctx);
	while (!r && !*stop) {
		r = bf_server_wait(&srv, events, stop);
		if (r < 0)
			break;
		r = bf_server_dispatch(&srv, events, r);
		bf_server_expire(&srv);
		r = r ?: bf_server_retry_accept(&srv);
	}
	bf_server_clean(&srv);
	return r;
}

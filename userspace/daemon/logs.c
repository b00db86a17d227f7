// SPDX-License-Identifier: GPL-2.0-only
/* Following chains' logs (logs.h). */
#include "logs.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/helper.h"
#include "lib/msg.h"
#include "lib/request.h"
#include "log.h"
#include "prog.h"

/* Entries waiting for one follower; past that, new ones are dropped for
 * it. About 300 bytes each: a slow follower holds at most ~300 KiB. */
#define BF_LOGS_QUEUE_MAX 1024
/* Entries read from one ring per wakeup, so a chain logging a flood can't
 * starve the daemon's other work: the ring stays readable, the loop comes
 * back to it. */
#define BF_LOGS_BUDGET 1024
#define BF_LOGS_MAX_FOLLOWERS 64
#define BF_LOGS_MAX_EVENTS 32
/* What the entry callback returns to stop ring_buffer__consume() once the
 * budget is spent (the entry it was given is consumed). */
#define BF_LOGS_BUDGET_SPENT (-EAGAIN)

/* Both kinds of objects in the epoll set start with their kind. */
enum bf_logs_kind {
	BF_LOGS_RING,
	BF_LOGS_SUB,
};

/* One framed response: header and payload, ready to send. */
struct bf_frame {
	struct bf_frame *next;
	size_t len;
	uint8_t data[];
};

struct bf_ring;

/* One follower: a client's connection. */
struct bf_sub {
	enum bf_logs_kind kind;
	struct bf_sub *next;
	/* The chain it follows; NULL once the chain is gone and the last
	 * response is on its way. */
	struct bf_ring *ring;
	int fd;
	pid_t pid;
	bool dead;	/* fd closed, freed at the next sweep */
	bool closing;	/* close once the queue is out */
	bool out_armed; /* EPOLLOUT watched: the socket was full */
	struct bf_frame *head, *tail;
	size_t nqueued;
	size_t off;		    /* bytes of head already sent */
	unsigned long long dropped; /* entries dropped in the current burst */
	unsigned long long total_dropped;
};

/* A followed chain's ring buffer. */
struct bf_ring {
	enum bf_logs_kind kind;
	struct bf_ring *next;
	struct bf_logs *logs; /* for libbpf's callback */
	char chain[BF_NAME_LEN];
	int map_fd; /* our own reference: the chain may close its fd first */
	uint32_t map_id;
	struct ring_buffer *rb;
	struct bf_sub *subs;
	bool discard; /* reading entries logged before anyone followed */
	unsigned int budget;
};

struct bf_logs {
	int epfd;
	struct bf_ring *rings;
	/* Followers whose chain is gone, sending their last response. */
	struct bf_sub *closing;
	size_t nsubs;
};

/* ---------------------------------------------------------------------
 * Frames
 */

static struct bf_frame *bf_frame_new(const void *payload, size_t len)
{
	struct bf_frame *f = malloc(sizeof(*f) + BF_MSG_HDR_LEN + len);

	if (!f)
		return NULL;
	f->next = NULL;
	f->len = BF_MSG_HDR_LEN + len;
	bf_msg_put_header(f->data, len);
	memcpy(f->data + BF_MSG_HDR_LEN, payload, len);
	return f;
}

/* A copy of a frame that already has its header. */
static struct bf_frame *bf_frame_dup(const struct bf_frame *src)
{
	struct bf_frame *f = malloc(sizeof(*f) + src->len);

	if (!f)
		return NULL;
	f->next = NULL;
	f->len = src->len;
	memcpy(f->data, src->data, src->len);
	return f;
}

static struct bf_frame *bf_frame_pack(const struct bf_response *resp)
{
	_cleanup_free_ void *buf = NULL;
	size_t len;

	if (bf_response_pack(resp, &buf, &len))
		return NULL;
	return bf_frame_new(buf, len);
}

/* The response ending a follower's stream: status @r and why. */
static struct bf_frame *bf_frame_error(int r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static struct bf_frame *bf_frame_error(int r, const char *fmt, ...)
{
	struct bf_response resp = { .status = r };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(resp.message, sizeof(resp.message), fmt, ap);
	va_end(ap);
	return bf_frame_pack(&resp);
}

static void bf_frames_free(struct bf_frame *f)
{
	while (f) {
		struct bf_frame *next = f->next;

		free(f);
		f = next;
	}
}

/* ---------------------------------------------------------------------
 * Followers
 */

static const char *bf_sub_chain(const struct bf_sub *sub)
{
	return sub->ring ? sub->ring->chain : "(gone)";
}

static void bf_sub_watch(struct bf_logs *logs, struct bf_sub *sub, bool out)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | (out ? EPOLLOUT : 0),
				  .data.ptr = sub };

	if (sub->out_armed == out)
		return;
	if (epoll_ctl(logs->epfd, EPOLL_CTL_MOD, sub->fd, &ev))
		bf_warn("cannot watch the log follower (pid %d): %s", sub->pid, strerror(errno));
	else
		sub->out_armed = out;
}

/* Close the connection now; the memory goes at the next sweep, as events
 * of the current batch may still point at it. */
static void bf_sub_kill(struct bf_logs *logs, struct bf_sub *sub)
{
	if (sub->dead)
		return;
	if (sub->total_dropped)
		bf_dbg("log follower (pid %d) of chain '%s': %llu entries dropped in all", sub->pid,
		       bf_sub_chain(sub), sub->total_dropped);
	/* Closing removes it from the epoll set. */
	close(sub->fd);
	sub->fd = -1;
	sub->dead = true;
	logs->nsubs--;
}

static void bf_sub_free(struct bf_sub *sub)
{
	bf_frames_free(sub->head);
	free(sub);
}

/* Write what the socket takes. Kills the follower if it is gone, or if it
 * was closing and everything is out. */
static void bf_sub_send(struct bf_logs *logs, struct bf_sub *sub)
{
	while (sub->head && !sub->dead) {
		struct bf_frame *f = sub->head;
		ssize_t n = send(sub->fd, f->data + sub->off, f->len - sub->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			bf_sub_watch(logs, sub, true);
			return;
		}
		if (n <= 0) {
			bf_dbg("log follower (pid %d) of chain '%s' left: %s", sub->pid,
			       bf_sub_chain(sub), n ? strerror(errno) : "connection closed");
			bf_sub_kill(logs, sub);
			return;
		}
		sub->off += (size_t)n;
		if (sub->off < f->len)
			continue;
		sub->head = f->next;
		if (!sub->head)
			sub->tail = NULL;
		sub->nqueued--;
		sub->off = 0;
		free(f);
	}
	if (sub->dead)
		return;
	bf_sub_watch(logs, sub, false);
	if (sub->closing)
		bf_sub_kill(logs, sub);
}

static void bf_sub_append(struct bf_sub *sub, struct bf_frame *f)
{
	if (sub->tail)
		sub->tail->next = f;
	else
		sub->head = f;
	sub->tail = f;
	sub->nqueued++;
}

/* Queue one log entry for @sub, or drop it if the follower is too far
 * behind: it must not hold the daemon's memory or time. */
static void bf_sub_push_entry(struct bf_logs *logs, struct bf_sub *sub, const struct bf_frame *f)
{
	struct bf_frame *copy;

	if (sub->dead || sub->closing)
		return;
	if (sub->nqueued >= BF_LOGS_QUEUE_MAX) {
		if (!sub->dropped++)
			bf_dbg("log follower (pid %d) of chain '%s' reads too slowly: dropping "
			       "entries",
			       sub->pid, bf_sub_chain(sub));
		sub->total_dropped++;
		return;
	}
	copy = bf_frame_dup(f);
	if (!copy) {
		sub->dropped++;
		sub->total_dropped++;
		return;
	}
	if (sub->dropped) {
		bf_dbg("log follower (pid %d) of chain '%s' caught up: %llu entries dropped",
		       sub->pid, bf_sub_chain(sub), sub->dropped);
		sub->dropped = 0;
	}
	bf_sub_append(sub, copy);
	/* Armed: the socket is full, EPOLLOUT says when to go on. */
	if (!sub->out_armed)
		bf_sub_send(logs, sub);
}

/*
 * End @sub's stream with @last (a response with an error status): what is
 * queued and not started is dropped, the follower moves to the closing
 * list and goes once @last is out.
 */
static void bf_sub_end(struct bf_logs *logs, struct bf_sub *sub, struct bf_frame *last)
{
	struct bf_frame *keep = sub->off ? sub->head : NULL;

	sub->ring = NULL;
	sub->next = logs->closing;
	logs->closing = sub;
	if (sub->dead) {
		free(last);
		return;
	}
	if (keep) {
		bf_frames_free(keep->next);
		keep->next = NULL;
	} else {
		bf_frames_free(sub->head);
	}
	sub->head = sub->tail = keep;
	sub->nqueued = keep ? 1 : 0;
	sub->closing = true;
	if (last)
		bf_sub_append(sub, last);
	if (!sub->out_armed)
		bf_sub_send(logs, sub);
}

/* Readable socket: a follower has nothing to say; EOF or an error means it
 * left. */
static void bf_sub_read(struct bf_logs *logs, struct bf_sub *sub)
{
	char buf[256];
	ssize_t n;

	do {
		n = recv(sub->fd, buf, sizeof(buf), MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)))
		return;
	bf_dbg("log follower (pid %d) of chain '%s' left%s%s", sub->pid, bf_sub_chain(sub),
	       n ? ": " : "", n ? strerror(errno) : "");
	bf_sub_kill(logs, sub);
}

static void bf_sub_event(struct bf_logs *logs, struct bf_sub *sub, uint32_t events)
{
	if (sub->dead)
		return;
	if (events & EPOLLOUT)
		bf_sub_send(logs, sub);
	if (!sub->dead && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		bf_sub_read(logs, sub);
}

/* ---------------------------------------------------------------------
 * Rings
 */

static void bf_ring_publish(struct bf_logs *logs, struct bf_ring *ring, const void *data,
			    size_t size)
{
	struct bf_response resp = { .has_log = true };
	struct bf_frame *f;

	if (size < sizeof(resp.log)) {
		bf_dbg("chain '%s': ignoring a %zu-byte log entry (expected %zu)", ring->chain,
		       size, sizeof(resp.log));
		return;
	}
	memcpy(&resp.log, data, sizeof(resp.log));
	f = bf_frame_pack(&resp);
	if (!f) {
		bf_warn("chain '%s': cannot encode a log entry: out of memory", ring->chain);
		return;
	}
	for (struct bf_sub *sub = ring->subs; sub; sub = sub->next)
		bf_sub_push_entry(logs, sub, f);
	free(f);
}

/* libbpf's callback, one entry at a time. */
static int bf_ring_on_entry(void *ctx, void *data, size_t size)
{
	struct bf_ring *ring = ctx;

	if (!ring->discard)
		bf_ring_publish(ring->logs, ring, data, size);
	return --ring->budget ? 0 : BF_LOGS_BUDGET_SPENT;
}

/* Read up to BF_LOGS_BUDGET entries. Returns 1 if more may be waiting. */
static int bf_ring_read(struct bf_ring *ring)
{
	int r;

	ring->budget = BF_LOGS_BUDGET;
	r = ring_buffer__consume(ring->rb);
	if (r == BF_LOGS_BUDGET_SPENT)
		return 1;
	if (r < 0)
		bf_warn("cannot read the log of chain '%s': %s", ring->chain, strerror(-r));
	return 0;
}

/* Everything the ring holds, for a ring about to be dropped: its program
 * is gone, so what it holds is finite. */
static void bf_ring_drain(struct bf_ring *ring)
{
	for (int i = 0; i < 1024 && bf_ring_read(ring); i++)
		;
}

static uint32_t bf_map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_map_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

static int bf_chain_log_fd(const struct bf_cgen *cg)
{
	return cg && cg->prog ? cg->prog->maps[BF_MAP_LOG] : -1;
}

/* Stop reading the ring (its followers are elsewhere by now). */
static void bf_ring_close(struct bf_logs *logs, struct bf_ring *ring)
{
	if (ring->rb) {
		epoll_ctl(logs->epfd, EPOLL_CTL_DEL, ring_buffer__epoll_fd(ring->rb), NULL);
		ring_buffer__free(ring->rb);
		ring->rb = NULL;
	}
	if (ring->map_fd >= 0)
		close(ring->map_fd);
	ring->map_fd = -1;
	ring->map_id = 0;
}

/*
 * Read @cg's log map from now on. With @discard, the entries it already
 * holds are thrown away: they were logged before anyone followed.
 */
static int bf_ring_open(struct bf_logs *logs, struct bf_ring *ring, const struct bf_cgen *cg,
			bool discard)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ring };
	int fd = bf_chain_log_fd(cg);

	if (fd < 0)
		return -ENOENT;
	ring->map_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (ring->map_fd < 0)
		return -errno;
	ring->map_id = bf_map_id(ring->map_fd);
	ring->rb = ring_buffer__new(ring->map_fd, bf_ring_on_entry, ring, NULL);
	if (!ring->rb)
		return -errno;
	if (epoll_ctl(logs->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(ring->rb), &ev))
		return -errno;
	if (discard) {
		ring->discard = true;
		bf_ring_drain(ring);
		ring->discard = false;
	}
	return 0;
}

static struct bf_ring *bf_ring_find(struct bf_logs *logs, const char *chain)
{
	for (struct bf_ring *ring = logs->rings; ring; ring = ring->next) {
		if (!strcmp(ring->chain, chain))
			return ring;
	}
	return NULL;
}

/* The ring of @cg, read from now on. */
static int bf_ring_get(struct bf_logs *logs, const struct bf_cgen *cg, struct bf_ring **out)
{
	struct bf_ring *ring = bf_ring_find(logs, cg->chain->name);
	int r;

	if (ring) {
		*out = ring;
		return 0;
	}
	ring = calloc(1, sizeof(*ring));
	if (!ring)
		return -ENOMEM;
	ring->kind = BF_LOGS_RING;
	ring->logs = logs;
	ring->map_fd = -1;
	snprintf(ring->chain, sizeof(ring->chain), "%s", cg->chain->name);
	r = bf_ring_open(logs, ring, cg, true);
	if (r) {
		bf_ring_close(logs, ring);
		free(ring);
		return r;
	}
	ring->next = logs->rings;
	logs->rings = ring;
	*out = ring;
	return 0;
}

/* End every follower of @ring with a response saying why. */
static void bf_ring_end(struct bf_logs *logs, struct bf_ring *ring, int r, const char *why)
{
	while (ring->subs) {
		struct bf_sub *sub = ring->subs;

		ring->subs = sub->next;
		bf_sub_end(logs, sub, bf_frame_error(r, "chain '%s' %s", ring->chain, why));
	}
}

/* The chain's program was replaced (chain set, chain update, ruleset
 * set): hand what the old ring still holds to the followers, then go on
 * with the new ring. */
static void bf_ring_retarget(struct bf_logs *logs, struct bf_ring *ring, const struct bf_cgen *cg)
{
	int r;

	bf_ring_drain(ring);
	bf_ring_close(logs, ring);
	r = bf_ring_open(logs, ring, cg, false);
	if (r) {
		bf_warn("cannot follow the new log of chain '%s': %s", ring->chain, strerror(-r));
		bf_ring_close(logs, ring);
		bf_ring_end(logs, ring, r, "was replaced and its new log can't be read");
		return;
	}
	bf_dbg("chain '%s' was replaced: its followers now read its new log", ring->chain);
}

/* ---------------------------------------------------------------------
 * Sweeping what died
 */

static void bf_subs_sweep(struct bf_sub **list)
{
	while (*list) {
		struct bf_sub *sub = *list;

		if (sub->dead) {
			*list = sub->next;
			bf_sub_free(sub);
		} else {
			list = &sub->next;
		}
	}
}

/* Free dead followers, and the rings nobody follows any more. */
static void bf_logs_sweep(struct bf_logs *logs)
{
	struct bf_ring **p = &logs->rings;

	bf_subs_sweep(&logs->closing);
	while (*p) {
		struct bf_ring *ring = *p;

		bf_subs_sweep(&ring->subs);
		if (ring->subs) {
			p = &ring->next;
			continue;
		}
		bf_dbg("nobody follows chain '%s' any more: its log is not read", ring->chain);
		*p = ring->next;
		bf_ring_close(logs, ring);
		free(ring);
	}
}

/* ---------------------------------------------------------------------
 * API
 */

int bf_logs_new(struct bf_logs **logs)
{
	struct bf_logs *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int r = -errno;

		free(l);
		return r;
	}
	*logs = l;
	return 0;
}

/* The daemon stops: say so to @sub, if that can be done now and without
 * cutting a response in half, rather than just closing. */
static void bf_sub_say_bye(struct bf_sub *sub)
{
	struct bf_frame *bye;

	if (sub->dead || sub->off)
		return;
	bye = bf_frame_error(-ESHUTDOWN, "the daemon is stopping");
	if (bye && send(sub->fd, bye->data, bye->len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		bf_dbg("cannot tell log follower (pid %d) the daemon stops: %s", sub->pid,
		       strerror(errno));
	free(bye);
}

static void bf_subs_free(struct bf_logs *logs, struct bf_sub *sub)
{
	while (sub) {
		struct bf_sub *next = sub->next;

		bf_sub_say_bye(sub);
		bf_sub_kill(logs, sub);
		bf_sub_free(sub);
		sub = next;
	}
}

void bf_logs_free(struct bf_logs **logs)
{
	struct bf_logs *l = *logs;

	if (!l)
		return;
	while (l->rings) {
		struct bf_ring *ring = l->rings;

		l->rings = ring->next;
		bf_subs_free(l, ring->subs);
		bf_ring_close(l, ring);
		free(ring);
	}
	bf_subs_free(l, l->closing);
	close(l->epfd);
	free(l);
	*logs = NULL;
}

int bf_logs_fd(const struct bf_logs *logs)
{
	return logs->epfd;
}

void bf_logs_process(struct bf_logs *logs)
{
	struct epoll_event events[BF_LOGS_MAX_EVENTS];
	int n;

	n = epoll_wait(logs->epfd, events, BF_LOGS_MAX_EVENTS, 0);
	for (int i = 0; i < n; i++) {
		enum bf_logs_kind *kind = events[i].data.ptr;

		if (*kind == BF_LOGS_RING)
			bf_ring_read((struct bf_ring *)kind);
		else
			bf_sub_event(logs, (struct bf_sub *)kind, events[i].events);
	}
	bf_logs_sweep(logs);
}

/* Register @sub's socket and link it to @ring's followers. */
static int bf_sub_start(struct bf_logs *logs, struct bf_sub *sub, struct bf_ring *ring)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = sub };

	if (epoll_ctl(logs->epfd, EPOLL_CTL_ADD, sub->fd, &ev))
		return -errno;
	sub->ring = ring;
	sub->next = ring->subs;
	ring->subs = sub;
	return 0;
}

/* Set @sub up to follow @name; on failure, the error response to send it
 * instead of its status. */
static struct bf_frame *bf_sub_attach(struct bf_logs *logs, struct bf_ctx *ctx, struct bf_sub *sub,
				      const char *name)
{
	struct bf_cgen *cg = bf_ctx_find(ctx, name);
	struct bf_ring *ring;
	int r;

	/* @sub is counted already. */
	if (logs->nsubs > BF_LOGS_MAX_FOLLOWERS)
		return bf_frame_error(-EBUSY, "too many clients follow logs (at most %d)",
				      BF_LOGS_MAX_FOLLOWERS);
	if (!cg)
		return bf_frame_error(-ENOENT, "no chain named '%s'", name);
	r = bf_ring_get(logs, cg, &ring);
	if (r)
		return bf_frame_error(r, "cannot read the log of chain '%s': %s", name,
				      strerror(-r));
	r = bf_sub_start(logs, sub, ring);
	if (r)
		return bf_frame_error(r, "cannot follow the log of chain '%s': %s", name,
				      strerror(-r));
	return NULL;
}

void bf_logs_follow(struct bf_logs *logs, struct bf_ctx *ctx, int fd, pid_t pid, const char *name,
		    const void *status_frame, size_t len)
{
	struct bf_sub *sub = calloc(1, sizeof(*sub));
	struct bf_frame *first, *err;

	if (!sub) {
		bf_warn("cannot follow chain '%s' for client (pid %d): out of memory", name, pid);
		close(fd);
		return;
	}
	sub->kind = BF_LOGS_SUB;
	sub->fd = fd;
	sub->pid = pid;
	logs->nsubs++;

	err = bf_sub_attach(logs, ctx, sub, name);
	if (!sub->ring) {
		bf_info("chain logs failed for client (pid %d): cannot follow chain '%s'", pid,
			name);
		/* Its socket is empty: the short response fits at once. */
		if (err && send(fd, err->data, err->len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			bf_dbg("cannot tell client (pid %d) why: %s", pid, strerror(errno));
		free(err);
		bf_sub_kill(logs, sub);
		bf_sub_free(sub);
		bf_logs_sweep(logs);
		return;
	}
	first = malloc(sizeof(*first) + len);
	if (first) {
		first->next = NULL;
		first->len = len;
		memcpy(first->data, status_frame, len);
		bf_sub_append(sub, first);
	}
	bf_dbg("client (pid %d) follows the log of chain '%s'", pid, name);
	bf_sub_send(logs, sub);
	bf_logs_sweep(logs);
}

void bf_logs_sync(struct bf_logs *logs, struct bf_ctx *ctx)
{
	for (struct bf_ring *ring = logs->rings; ring; ring = ring->next) {
		struct bf_cgen *cg = bf_ctx_find(ctx, ring->chain);

		if (!cg) {
			bf_ring_drain(ring);
			bf_ring_end(logs, ring, -ENOENT, "was removed");
			continue;
		}
		if (bf_map_id(bf_chain_log_fd(cg)) != ring->map_id)
			bf_ring_retarget(logs, ring, cg);
	}
	bf_logs_sweep(logs);
}

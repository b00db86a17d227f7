// SPDX-License-Identifier: GPL-2.0-only
/* Numbered UDP stream (atomic_stream.h). */
#include "atomic_stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/helper.h"

#define ATOMIC_NETNS_DIR "/var/run/netns"
#define ATOMIC_MAGIC 0xbf5eed01U
/* Holds most of a second of the stream, should the receiver be kept off
 * the CPU (the verifier, other tests): losses must be the filter's only. */
#define ATOMIC_RCVBUF (16 << 20)
/* The sender gives up catching up past this delay rather than bursting
 * (a burst could overflow the veth ring, a loss the filter didn't cause). */
#define ATOMIC_MAX_LAG_NS 2000000LL
#define ATOMIC_READY_MS 3000
#define ATOMIC_REAP_MS 3000

struct atomic_dgram {
	uint32_t magic;
	uint32_t run; /* the test's pid: another run's datagrams are bogus */
	uint32_t seq;
};

/* Shared by the test, the sender and the receiver (MAP_SHARED). The
 * atomics are lock-free, so they work across processes. */
struct atomic_shm {
	uint32_t run;
	atomic_uint nbegun;
	atomic_uint nsent;
	atomic_bool stop_tx;
	atomic_bool stop_rx;
	atomic_bool rx_ready;
	atomic_uint tx_refused;
	atomic_uint tx_errors;
	atomic_int tx_first_errno;
	atomic_uint tx_late;
	atomic_uint tx_max_lag_us;
	atomic_ullong tx_dev_drops;
	atomic_uint rx_bogus;
	atomic_uint rx_dups;
	atomic_uint rx_sock_drops;
	uint8_t rx[ATOMIC_MAX_SEQ];
	uint8_t refused[ATOMIC_MAX_SEQ];
};

struct atomic_child {
	const struct atomic_stream_cfg *cfg;
	struct atomic_shm *shm;
};

static long long atomic_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void atomic_sleep_ns(long long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int atomic_enter(const struct atomic_ep *ep)
{
	char path[512];

	if (ep->netns) {
		_cleanup_close_ int fd = -1;

		snprintf(path, sizeof(path), ATOMIC_NETNS_DIR "/%s", ep->netns);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET))
			return -errno;
	}
	if (ep->cgroup) {
		_cleanup_close_ int fd = -1;

		snprintf(path, sizeof(path), "%s/cgroup.procs", ep->cgroup);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			return -errno;
	}
	return 0;
}

/* Fork a child that enters @ep and exits with @fn's result. */
static pid_t atomic_spawn(const struct atomic_ep *ep, int (*fn)(struct atomic_child *),
			  struct atomic_child *c)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	int r;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(125);
	r = atomic_enter(ep);
	if (r) {
		fprintf(stderr, "  atomic: cannot enter netns %s / cgroup %s: %s\n",
			ep->netns ?: "-", ep->cgroup ?: "-", strerror(-r));
		_exit(126);
	}
	_exit(fn(c));
}

static void atomic_sockaddr(struct sockaddr_in *sin, const char *addr, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, addr, &sin->sin_addr);
}

static int atomic_rx_socket(const char *addr, uint16_t port)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int size = ATOMIC_RCVBUF;
	struct sockaddr_in sin;

	/* No SO_REUSEADDR: sharing the port with another run would mix the
	 * streams; better fail to bind. */
	if (fd < 0)
		return -errno;
	/* Above rmem_max: root may. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	atomic_sockaddr(&sin, addr, port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		return -errno;
	return TAKE_FD(fd);
}

/* Record one datagram that arrived on port index @idx. */
static void atomic_rx_note(struct atomic_shm *shm, const struct atomic_dgram *d, ssize_t len,
			   unsigned int idx, unsigned int nports)
{
	if (len != (ssize_t)sizeof(*d) || d->magic != ATOMIC_MAGIC || d->run != shm->run ||
	    d->seq >= ATOMIC_MAX_SEQ || d->seq % nports != idx) {
		atomic_fetch_add(&shm->rx_bogus, 1);
		return;
	}
	if (shm->rx[d->seq])
		atomic_fetch_add(&shm->rx_dups, 1);
	else
		shm->rx[d->seq] = 1;
}

static void atomic_rx_drain(struct atomic_shm *shm, int fd, unsigned int idx, unsigned int n)
{
	struct atomic_dgram d;
	ssize_t len;

	while ((len = recv(fd, &d, sizeof(d), MSG_TRUNC)) >= 0)
		atomic_rx_note(shm, &d, len, idx, n);
}

static uint32_t atomic_sock_drops(int fd)
{
	uint32_t mem[SK_MEMINFO_VARS] = {};
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len))
		return 0;
	return mem[SK_MEMINFO_DROPS];
}

/* Receive until told to stop and nothing has come for a poll period. */
static int atomic_rx_fn(struct atomic_child *c)
{
	const struct atomic_stream_cfg *cfg = c->cfg;
	struct pollfd p[ATOMIC_MAX_PORTS];
	uint32_t drops = 0;
	unsigned int i;
	int r = 0;

	for (i = 0; i < cfg->nports; i++) {
		p[i] = (struct pollfd){ .fd = atomic_rx_socket(cfg->daddr, cfg->port + i),
					.events = POLLIN };
		if (p[i].fd < 0) {
			fprintf(stderr, "  atomic: cannot bind %s:%u: %s\n", cfg->daddr,
				cfg->port + i, strerror(-p[i].fd));
			return 1;
		}
	}
	atomic_store(&c->shm->rx_ready, true);
	for (;;) {
		int n = poll(p, cfg->nports, 20);

		if (n < 0 && errno != EINTR) {
			r = 1;
			break;
		}
		if (n == 0 && atomic_load(&c->shm->stop_rx))
			break;
		for (i = 0; n > 0 && i < cfg->nports; i++) {
			if (p[i].revents & POLLIN)
				atomic_rx_drain(c->shm, p[i].fd, i, cfg->nports);
		}
	}
	for (i = 0; i < cfg->nports; i++) {
		drops += atomic_sock_drops(p[i].fd);
		close(p[i].fd);
	}
	atomic_store(&c->shm->rx_sock_drops, drops);
	return r;
}

/* Sum of the transmit drops of every interface in this namespace. */
static uint64_t atomic_dev_tx_drops(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/net/dev", "re");
	unsigned long long v[12];
	uint64_t sum = 0;
	char line[512];

	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		/* rx: bytes packets errs drop fifo frame compressed multicast,
		 * then tx: bytes packets errs drop. */
		if (colon &&
		    sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
			   &v[10], &v[11]) == 12)
			sum += v[11];
	}
	return sum;
}

/* Packets the host's input backlogs dropped, all CPUs (second column). */
static uint64_t atomic_backlog_drops(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/net/softnet_stat", "re");
	unsigned int processed, dropped;
	uint64_t sum = 0;
	char line[512];

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%x %x", &processed, &dropped) == 2)
			sum += dropped;
	}
	return sum;
}

/* Stay on one CPU: its backlog and NAPI then see the datagrams in sending
 * order, which the tests rely on to tell which ruleset came first. */
static void atomic_pin(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void atomic_tx_error(struct atomic_shm *shm, uint32_t seq, int err)
{
	shm->refused[seq] = 1;
	/* A cgroup egress program dropping the packet gives EPERM. */
	if (err == EPERM) {
		atomic_fetch_add(&shm->tx_refused, 1);
		return;
	}
	if (atomic_fetch_add(&shm->tx_errors, 1) == 0)
		atomic_store(&shm->tx_first_errno, err);
}

/* Wait for the slot of the next datagram; if the sender was kept off the
 * CPU for long, drop the missed slots instead of bursting them. */
static long long atomic_tx_pace(long long next, long long interval, struct atomic_shm *shm)
{
	long long now = atomic_now_ns();
	unsigned int lag_us = now > next ? (unsigned int)((now - next) / 1000) : 0;

	if (lag_us > atomic_load(&shm->tx_max_lag_us))
		atomic_store(&shm->tx_max_lag_us, lag_us);
	if (now - next > ATOMIC_MAX_LAG_NS) {
		atomic_fetch_add(&shm->tx_late, 1);
		return now + interval;
	}
	if (next > now)
		atomic_sleep_ns(next - now);
	return next + interval;
}

static int atomic_tx_fn(struct atomic_child *c)
{
	const struct atomic_stream_cfg *cfg = c->cfg;
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	long long interval = cfg->interval_us * 1000LL;
	uint64_t drops = atomic_dev_tx_drops();
	long long next = atomic_now_ns();
	struct sockaddr_in sin[ATOMIC_MAX_PORTS];

	if (fd < 0)
		return 1;
	atomic_pin();
	/* Default timer slack (50 us) would be as long as the interval. */
	prctl(PR_SET_TIMERSLACK, 1UL);
	for (unsigned int i = 0; i < cfg->nports; i++)
		atomic_sockaddr(&sin[i], cfg->daddr, cfg->port + i);

	for (uint32_t seq = 0; seq < ATOMIC_MAX_SEQ && !atomic_load(&c->shm->stop_tx); seq++) {
		struct atomic_dgram d = { .magic = ATOMIC_MAGIC, .run = c->shm->run, .seq = seq };
		const struct sockaddr_in *to = &sin[seq % cfg->nports];

		next = atomic_tx_pace(next, interval, c->shm);
		atomic_store(&c->shm->nbegun, seq + 1);
		if (sendto(fd, &d, sizeof(d), 0, (const struct sockaddr *)to, sizeof(*to)) < 0)
			atomic_tx_error(c->shm, seq, errno);
		atomic_store(&c->shm->nsent, seq + 1);
	}
	atomic_store(&c->shm->tx_dev_drops, atomic_dev_tx_drops() - drops);
	return 0;
}

/* Wait for @pid up to @ms, killing it past that. Its exit status, or -1. */
static int atomic_reap(pid_t pid, int ms)
{
	int status;

	for (int waited = 0; waited < ms; waited += 5) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (r < 0)
			return -1;
		atomic_sleep_ns(5000000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static int atomic_wait_ready(struct atomic_stream *s)
{
	for (int waited = 0; waited < ATOMIC_READY_MS; waited++) {
		if (atomic_load(&s->shm->rx_ready))
			return 0;
		if (waitpid(s->rx_pid, NULL, WNOHANG) == s->rx_pid) {
			s->rx_pid = 0;
			return -ECHILD;
		}
		atomic_sleep_ns(1000000);
	}
	return -ETIMEDOUT;
}

int atomic_stream_start(struct atomic_stream *s, const struct atomic_stream_cfg *cfg)
{
	struct atomic_child c = { .cfg = cfg };
	void *mem;
	int r;

	if (!cfg->nports || cfg->nports > ATOMIC_MAX_PORTS)
		return -EINVAL;
	mem = mmap(NULL, sizeof(*s->shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		   0);
	if (mem == MAP_FAILED)
		return -errno;
	s->shm = c.shm = mem;
	s->shm->run = (uint32_t)getpid();
	s->nports = cfg->nports;
	s->backlog_drops = atomic_backlog_drops();

	s->rx_pid = atomic_spawn(&cfg->rx, atomic_rx_fn, &c);
	if (s->rx_pid < 0) {
		s->rx_pid = 0;
		return -errno;
	}
	r = atomic_wait_ready(s);
	if (r)
		return r;
	s->tx_pid = atomic_spawn(&cfg->tx, atomic_tx_fn, &c);
	if (s->tx_pid < 0) {
		s->tx_pid = 0;
		return -errno;
	}
	return 0;
}

uint32_t atomic_stream_sent(const struct atomic_stream *s)
{
	return atomic_load(&s->shm->nsent);
}

uint32_t atomic_stream_begun(const struct atomic_stream *s)
{
	return atomic_load(&s->shm->nbegun);
}

bool atomic_stream_wait_sent(const struct atomic_stream *s, uint32_t n, unsigned int timeout_ms)
{
	long long deadline = atomic_now_ns() + timeout_ms * 1000000LL;

	while (atomic_stream_sent(s) < n) {
		if (atomic_now_ns() > deadline)
			return false;
		atomic_sleep_ns(100000);
	}
	return true;
}

static void atomic_stream_read_stats(const struct atomic_shm *shm, struct atomic_stream_stats *st)
{
	st->nsent = atomic_load(&shm->nsent);
	st->tx_refused = atomic_load(&shm->tx_refused);
	st->tx_errors = atomic_load(&shm->tx_errors);
	st->tx_first_errno = atomic_load(&shm->tx_first_errno);
	st->tx_late = atomic_load(&shm->tx_late);
	st->tx_max_lag_us = atomic_load(&shm->tx_max_lag_us);
	st->tx_dev_drops = atomic_load(&shm->tx_dev_drops);
	st->rx_bogus = atomic_load(&shm->rx_bogus);
	st->rx_dups = atomic_load(&shm->rx_dups);
	st->rx_sock_drops = atomic_load(&shm->rx_sock_drops);
}

int atomic_stream_finish(struct atomic_stream *s, unsigned int grace_ms,
			 struct atomic_stream_stats *st)
{
	int tx = 0, rx = 0;

	memset(st, 0, sizeof(*st));
	if (!s->shm)
		return -EINVAL;
	atomic_store(&s->shm->stop_tx, true);
	if (s->tx_pid)
		tx = atomic_reap(s->tx_pid, ATOMIC_REAP_MS);
	s->tx_pid = 0;
	atomic_sleep_ns(grace_ms * 1000000LL);
	atomic_store(&s->shm->stop_rx, true);
	if (s->rx_pid)
		rx = atomic_reap(s->rx_pid, ATOMIC_REAP_MS);
	s->rx_pid = 0;
	atomic_stream_read_stats(s->shm, st);
	st->backlog_drops = atomic_backlog_drops() - s->backlog_drops;
	return tx || rx ? -ECHILD : 0;
}

bool atomic_stream_received(const struct atomic_stream *s, uint32_t seq)
{
	return seq < ATOMIC_MAX_SEQ && s->shm->rx[seq];
}

bool atomic_stream_refused(const struct atomic_stream *s, uint32_t seq)
{
	return seq < ATOMIC_MAX_SEQ && s->shm->refused[seq];
}

void atomic_stream_free(struct atomic_stream *s)
{
	if (s->tx_pid) {
		kill(s->tx_pid, SIGKILL);
		waitpid(s->tx_pid, NULL, 0);
	}
	if (s->rx_pid) {
		kill(s->rx_pid, SIGKILL);
		waitpid(s->rx_pid, NULL, 0);
	}
	s->tx_pid = s->rx_pid = 0;
	if (s->shm)
		munmap(s->shm, sizeof(*s->shm));
	s->shm = NULL;
}

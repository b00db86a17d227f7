/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A numbered UDP stream for the atomic update tests: a sender process sends
 * datagram n (carrying n) to port + n % nports at a steady rate; a receiver
 * process, with one socket per port, records which numbers arrived. Both
 * write into memory shared with the test, so after the run the test knows
 * the fate of every single datagram, not only how many got through: that is
 * what lets it tell which ruleset judged each one.
 */
#ifndef BF_ATOMIC_STREAM_H
#define BF_ATOMIC_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Room for 200 s of stream at 20k datagrams per second. */
#define ATOMIC_MAX_SEQ (1U << 22)
#define ATOMIC_MAX_PORTS 16

/* Where a process of the stream runs: a named network namespace and a
 * cgroup v2 directory; NULL for the test's own. */
struct atomic_ep {
	const char *netns;
	const char *cgroup;
};

struct atomic_stream_cfg {
	struct atomic_ep tx;
	struct atomic_ep rx;
	const char *daddr; /* IPv4 address the receiver binds and the sender targets */
	uint16_t port;
	unsigned int nports;
	unsigned int interval_us;
};

struct atomic_shm;

struct atomic_stream {
	pid_t tx_pid;
	pid_t rx_pid;
	unsigned int nports;
	uint64_t backlog_drops; /* softnet_stat's count at the start */
	struct atomic_shm *shm;
};

/* What the run gave, read once both processes are over. */
struct atomic_stream_stats {
	uint32_t nsent;
	uint32_t tx_refused; /* sendto() failed with EPERM (cgroup egress drop) */
	uint32_t tx_errors;  /* sendto() failed otherwise */
	int tx_first_errno;
	uint32_t rx_bogus; /* datagrams on the wrong port or malformed */
	uint32_t rx_dups;
	uint32_t rx_sock_drops; /* SK_MEMINFO_DROPS summed over the sockets */
	uint32_t tx_late;	/* times the sender fell over 2 ms behind its schedule */
	uint32_t tx_max_lag_us; /* the most it fell behind */
	/* Losses on the way, not the filter's: transmit drops of the
	 * sender's namespace's interfaces (a full veth ring), and input
	 * backlog drops of the whole host (softnet_stat). */
	uint64_t tx_dev_drops;
	uint64_t backlog_drops;
};

/* Start the receiver, wait until its sockets are bound, then the sender. */
int atomic_stream_start(struct atomic_stream *s, const struct atomic_stream_cfg *cfg);
/* Datagrams whose sendto() returned: every one below was sent before the
 * call. */
uint32_t atomic_stream_sent(const struct atomic_stream *s);
/* Datagrams whose sendto() began: every one from this number on is sent
 * after the call. */
uint32_t atomic_stream_begun(const struct atomic_stream *s);
/* Wait until at least @n datagrams were sent; false after @timeout_ms. */
bool atomic_stream_wait_sent(const struct atomic_stream *s, uint32_t n, unsigned int timeout_ms);
/*
 * Stop the sender, give late datagrams @grace_ms to arrive, stop the
 * receiver and reap both. 0, or a negative errno if a process failed.
 */
int atomic_stream_finish(struct atomic_stream *s, unsigned int grace_ms,
			 struct atomic_stream_stats *st);
/* Did datagram @seq (below the final mark) reach the receiver? */
bool atomic_stream_received(const struct atomic_stream *s, uint32_t seq);
/* Did the sender's sendto() of @seq fail? */
bool atomic_stream_refused(const struct atomic_stream *s, uint32_t seq);
/* Kill what still runs and release the shared memory. Idempotent. */
void atomic_stream_free(struct atomic_stream *s);
#define _cleanup_atomic_stream_ __attribute__((cleanup(atomic_stream_free)))

#endif /* BF_ATOMIC_STREAM_H */

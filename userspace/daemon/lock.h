/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One daemon per run directory: RUN_DIR/daemon.lock is flock()ed for the
 * daemon's whole life. The kernel drops the lock with the process, however
 * it ends, so a killed daemon never blocks the next one. The file holds the
 * holder's pid and socket path, one per line, for the refusal message.
 */
#ifndef BF_LOCK_H
#define BF_LOCK_H

#include <limits.h>
#include <stdbool.h>

#define BF_LOCK_NAME "daemon.lock"

struct bf_lock {
	int fd;		  /* -1: not held */
	bool created_dir; /* the run directory is ours to remove */
	char dir[PATH_MAX];
	char path[PATH_MAX];
};

#define BF_LOCK_INIT ((struct bf_lock){ .fd = -1 })

/*
 * Create @run_dir if needed and take its lock, recording our pid and
 * @socket in it. Returns 0, -EBUSY when another daemon holds it (an error
 * naming that daemon's pid and socket is logged), or another negative errno
 * (logged).
 */
int bf_lock_acquire(struct bf_lock *lock, const char *run_dir, const char *socket);

/*
 * Remove the lock file and drop the lock; with @remove_dir, also remove the
 * run directory if we created it and it is empty. Idempotent.
 */
void bf_lock_release(struct bf_lock *lock, bool remove_dir);

#endif /* BF_LOCK_H */

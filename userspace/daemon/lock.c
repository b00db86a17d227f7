// SPDX-License-Identifier: GPL-2.0-only
/* One daemon per run directory (lock.h). */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/helper.h"
#include "log.h"

/* An exiting daemon unlinks the lock file while another opens it: a few
 * rounds settle who holds the file that is in place. */
#define BF_LOCK_ATTEMPTS 8
/* The holder writes its pid right after taking the lock: how long to wait
 * for it to show up before saying the pid is unknown. */
#define BF_LOCK_READ_TRIES 50
#define BF_LOCK_READ_WAIT_NS (2 * 1000 * 1000)

static int bf_lock_mkdir(struct bf_lock *lock)
{
	struct stat st;
	int r;

	if (!mkdir(lock->dir, 0755)) {
		lock->created_dir = true;
		return 0;
	}
	r = -errno;
	if (r == -EEXIST && !stat(lock->dir, &st) && S_ISDIR(st.st_mode))
		return 0;
	if (r == -EEXIST)
		r = -ENOTDIR;
	bf_error("cannot create the run directory %s: %s", lock->dir, strerror(-r));
	return r;
}

/* Is @fd the file at @path, rather than one an exiting daemon unlinked? */
static bool bf_lock_in_place(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Read the holder's "PID\nSOCKET\n" from @fd into @pid and @sock. */
static void bf_lock_read_holder(int fd, char *pid, size_t pid_len, char *sock, size_t sock_len)
{
	struct timespec wait = { .tv_nsec = BF_LOCK_READ_WAIT_NS };
	char buf[PATH_MAX + 32] = "";
	ssize_t n = 0;
	char *nl;

	for (int i = 0; i < BF_LOCK_READ_TRIES && n <= 0; i++) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			nanosleep(&wait, NULL);
	}
	buf[n > 0 ? n : 0] = '\0';
	nl = strchr(buf, '\n');
	if (!nl) {
		snprintf(pid, pid_len, "unknown");
		snprintf(sock, sock_len, "unknown");
		return;
	}
	*nl = '\0';
	/* A pid longer than the buffer is not one: cut, it still reads. */
	snprintf(pid, pid_len, "%.*s", (int)(pid_len - 1), buf);
	snprintf(sock, sock_len, "%.*s", (int)strcspn(nl + 1, "\n"), nl + 1);
}

static void bf_lock_report_busy(const struct bf_lock *lock, int fd)
{
	char pid[32], sock[PATH_MAX];

	bf_lock_read_holder(fd, pid, sizeof(pid), sock, sizeof(sock));
	bf_error("another bpfilter daemon is running (pid %s, socket %s): it holds %s", pid, sock,
		 lock->path);
}

/*
 * One attempt at taking the lock: 0 with the locked fd in *@fd, -EAGAIN to
 * try again (the file changed under us), -EBUSY or another negative errno.
 */
static int bf_lock_try(struct bf_lock *lock, int *fd)
{
	_cleanup_close_ int lfd = -1;
	int r;

	r = bf_lock_mkdir(lock);
	if (r)
		return r;
	/* No O_TRUNC: the file may be a running daemon's, whose pid we are
	 * about to report. */
	lfd = open(lock->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (lfd < 0) {
		/* An exiting daemon removed its run directory meanwhile. */
		if (errno == ENOENT)
			return -EAGAIN;
		r = -errno;
		bf_error("cannot open %s: %s", lock->path, strerror(-r));
		return r;
	}
	if (flock(lfd, LOCK_EX | LOCK_NB)) {
		r = -errno;
		if (r != -EWOULDBLOCK) {
			bf_error("cannot lock %s: %s", lock->path, strerror(-r));
			return r;
		}
		if (!bf_lock_in_place(lfd, lock->path))
			return -EAGAIN;
		bf_lock_report_busy(lock, lfd);
		return -EBUSY;
	}
	if (!bf_lock_in_place(lfd, lock->path))
		return -EAGAIN;
	*fd = TAKE_FD(lfd);
	return 0;
}

static int bf_lock_write(struct bf_lock *lock, const char *socket)
{
	char buf[PATH_MAX + 32];
	int n = snprintf(buf, sizeof(buf), "%d\n%s\n", getpid(), socket);

	errno = 0;
	if (ftruncate(lock->fd, 0) || pwrite(lock->fd, buf, (size_t)n, 0) != n) {
		int r = errno ? -errno : -EIO;

		bf_error("cannot write to %s: %s", lock->path, strerror(-r));
		return r;
	}
	return 0;
}

int bf_lock_acquire(struct bf_lock *lock, const char *run_dir, const char *socket)
{
	int r = -EAGAIN;

	*lock = BF_LOCK_INIT;
	if (snprintf(lock->dir, sizeof(lock->dir), "%s", run_dir) >= (int)sizeof(lock->dir) ||
	    snprintf(lock->path, sizeof(lock->path), "%s/" BF_LOCK_NAME, run_dir) >=
		    (int)sizeof(lock->path)) {
		bf_error("run directory path too long: %s", run_dir);
		return -ENAMETOOLONG;
	}
	for (int i = 0; i < BF_LOCK_ATTEMPTS && r == -EAGAIN; i++)
		r = bf_lock_try(lock, &lock->fd);
	if (r == -EAGAIN)
		bf_error("cannot lock %s: it keeps being replaced", lock->path);
	if (r)
		return r;
	r = bf_lock_write(lock, socket);
	if (r)
		bf_lock_release(lock, true);
	return r;
}

void bf_lock_release(struct bf_lock *lock, bool remove_dir)
{
	if (lock->fd < 0)
		return;
	/* Unlink while still holding the lock: a daemon starting meanwhile
	 * fails to lock this file, sees it is gone and makes a new one. */
	if (unlink(lock->path) && errno != ENOENT)
		bf_warn("cannot remove %s: %s", lock->path, strerror(errno));
	close(lock->fd);
	lock->fd = -1;
	/* Only if empty: rmdir() fails otherwise, which is what we want. */
	if (remove_dir && lock->created_dir && rmdir(lock->dir) && errno != ENOTEMPTY &&
	    errno != EEXIST)
		bf_warn("cannot remove %s: %s", lock->dir, strerror(errno));
	lock->created_dir = false;
}

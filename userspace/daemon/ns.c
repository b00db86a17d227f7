// SPDX-License-Identifier: GPL-2.0-only
#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/helper.h"
#include "log.h"

/* One kind of namespace: its entry in /proc/PID/ns, its setns() type and
 * its name in messages. */
struct bf_ns_kind {
	const char *entry;
	int type;
	const char *what;
};

static const struct bf_ns_kind bf_ns_net = { "net", CLONE_NEWNET, "network" };
static const struct bf_ns_kind bf_ns_mnt = { "mnt", CLONE_NEWNS, "mount" };

/*
 * The daemon's own namespaces, to go back to, and to compare the client's
 * with. The working directory too: entering a mount namespace moves the
 * caller to its root, and the daemon may have been given relative paths.
 */
static struct {
	bool ready;
	int net;
	int mnt;
	int cwd;
	struct stat net_st;
	struct stat mnt_st;
} bf_self = { .net = -1, .mnt = -1, .cwd = -1 };

/* Open namespace @entry of the /proc/PID/ns directory @dirfd. */
static int bf_ns_open(int dirfd, const char *entry, struct stat *st)
{
	_cleanup_close_ int fd = openat(dirfd, entry, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, st))
		return -errno;
	return TAKE_FD(fd);
}

/* Two nsfs inodes are the same namespace. */
static bool bf_ns_same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int bf_ns_setup(char *err, size_t errlen)
{
	_cleanup_close_ int dir = -1, net = -1, mnt = -1, cwd = -1;

	if (bf_self.ready)
		return 0;
	/* Namespaces belong to threads: ours, not the thread group leader's. */
	dir = open("/proc/thread-self/ns", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		int r = -errno;

		snprintf(err, errlen, "cannot open /proc/thread-self/ns: %s", strerror(-r));
		return r;
	}
	net = bf_ns_open(dir, bf_ns_net.entry, &bf_self.net_st);
	mnt = bf_ns_open(dir, bf_ns_mnt.entry, &bf_self.mnt_st);
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (net < 0 || mnt < 0 || cwd < 0) {
		int r = net < 0 ? net : (mnt < 0 ? mnt : -errno);

		snprintf(err, errlen, "cannot open the daemon's own %s: %s",
			 net < 0 ? "network namespace"
				 : (mnt < 0 ? "mount namespace" : "working directory"),
			 strerror(-r));
		return r;
	}
	bf_self.net = TAKE_FD(net);
	bf_self.mnt = TAKE_FD(mnt);
	bf_self.cwd = TAKE_FD(cwd);
	bf_self.ready = true;
	return 0;
}

static int bf_ns_fail(char *err, size_t errlen, const struct bf_ns_kind *kind, pid_t pid, int r,
		      const char *why)
{
	snprintf(err, errlen, "cannot enter the %s namespace of client pid %d: %s", kind->what, pid,
		 why ? why : strerror(-r));
	return r;
}

/*
 * /proc/PID/ns/@kind of the client can't be opened. The kernel lets a
 * process look at another's namespaces only from the same user namespace
 * (or with CAP_SYS_PTRACE over the other's): a daemon confined in a user
 * namespace can't tell where a client of the host's is, even one that
 * joined the daemon's network and mount namespaces.
 */
static int bf_ns_fail_open(char *err, size_t errlen, const struct bf_ns_kind *kind, pid_t pid,
			   int r)
{
	char why[256];

	snprintf(why, sizeof(why), "cannot open /proc/%d/ns/%s: %s%s", pid, kind->entry,
		 strerror(-r),
		 r == -EACCES || r == -EPERM
			 ? " (a client in another user namespace than the daemon's can't be served)"
			 : "");
	return bf_ns_fail(err, errlen, kind, pid, r, why);
}

static int bf_ns_join(const struct bf_ns_kind *kind, int fd)
{
	if (!setns(fd, kind->type))
		return 0;
	/* A thread sharing its filesystem context with others can't change
	 * mount namespace: this one takes a private copy and tries again. */
	if (errno == EINVAL && kind->type == CLONE_NEWNS && !unshare(CLONE_FS) &&
	    !setns(fd, kind->type))
		return 0;
	return -errno;
}

/* Enter @kind's namespace of @pid (open as @fd) unless it is ours. */
static int bf_ns_enter_one(const struct bf_ns_kind *kind, pid_t pid, int fd, const struct stat *st,
			   const struct stat *self, bool *entered, char *err, size_t errlen)
{
	int r;

	if (bf_ns_same(st, self))
		return 0;
	r = bf_ns_join(kind, fd);
	if (r)
		return bf_ns_fail(err, errlen, kind, pid, r, NULL);
	*entered = true;
	bf_dbg("handling the request of pid %d in its %s namespace", pid, kind->what);
	return 0;
}

int bf_ns_enter(pid_t pid, struct bf_ns_switch *sw, char *err, size_t errlen)
{
	_cleanup_close_ int dir = -1, net = -1, mnt = -1;
	struct stat net_st, mnt_st;
	char path[64];
	int r;

	*sw = (struct bf_ns_switch){};
	r = bf_ns_setup(err, errlen);
	if (r)
		return r;
	/* SO_PEERCRED gives 0 for a process outside our PID namespace. */
	if (pid <= 0)
		return bf_ns_fail(err, errlen, &bf_ns_net, pid, -ESRCH,
				  "the client is not in the daemon's PID namespace");

	/* Both opened before either is entered: a failure changes nothing. */
	snprintf(path, sizeof(path), "/proc/%d/ns", pid);
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	net = dir < 0 ? -errno : bf_ns_open(dir, bf_ns_net.entry, &net_st);
	if (net < 0)
		return bf_ns_fail_open(err, errlen, &bf_ns_net, pid, net);
	mnt = bf_ns_open(dir, bf_ns_mnt.entry, &mnt_st);
	if (mnt < 0)
		return bf_ns_fail_open(err, errlen, &bf_ns_mnt, pid, mnt);

	r = bf_ns_enter_one(&bf_ns_net, pid, net, &net_st, &bf_self.net_st, &sw->net, err, errlen);
	r = r
		    ?: bf_ns_enter_one(&bf_ns_mnt, pid, mnt, &mnt_st, &bf_self.mnt_st, &sw->mnt,
				       err, errlen);
	if (r)
		bf_ns_leave(sw);
	return r;
}

static void bf_ns_return(const struct bf_ns_kind *kind, int fd)
{
	if (!setns(fd, kind->type))
		return;
	bf_error("cannot return to the daemon's own %s namespace: %s; aborting rather than "
		 "attach the next chains in a client's namespace",
		 kind->what, strerror(errno));
	abort();
}

void bf_ns_leave(struct bf_ns_switch *sw)
{
	if (sw->mnt) {
		bf_ns_return(&bf_ns_mnt, bf_self.mnt);
		if (fchdir(bf_self.cwd)) {
			bf_error("cannot return to the daemon's working directory: %s; aborting",
				 strerror(errno));
			abort();
		}
	}
	if (sw->net)
		bf_ns_return(&bf_ns_net, bf_self.net);
	*sw = (struct bf_ns_switch){};
}

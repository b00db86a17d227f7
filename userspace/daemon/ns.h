/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Requests are handled in the client's network and mount namespaces: an
 * interface name or index, and a cgroup path, mean what they mean to the
 * client, and XDP, TC and netfilter attach in the client's network
 * namespace (the kernel takes the caller's). The daemon goes back to its
 * own namespaces once the request is handled.
 *
 * A namespace the client shares with the daemon is not entered: a daemon
 * confined in a user namespace can't enter the host's namespaces, and its
 * clients live in its own.
 */
#ifndef BF_NS_H
#define BF_NS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What bf_ns_enter() changed, for bf_ns_leave() to undo. */
struct bf_ns_switch {
	bool net;
	bool mnt;
};

/*
 * Keep references to the daemon's own namespaces and working directory.
 * Call at startup, before anything could have changed them; bf_ns_enter()
 * calls it on first use otherwise. Returns 0 or a negative errno, with
 * @err saying what failed.
 */
int bf_ns_setup(char *err, size_t errlen);
/*
 * Enter the network and mount namespaces of process @pid (from the
 * client's SO_PEERCRED) that differ from the daemon's. On failure nothing
 * was changed and @err says why ("cannot enter the network namespace of
 * client pid N: ...").
 */
int bf_ns_enter(pid_t pid, struct bf_ns_switch *sw, char *err, size_t errlen);
/*
 * Go back to the daemon's namespaces. Aborts the daemon if that fails:
 * serving on in a client's namespaces would attach the next chains in the
 * wrong place.
 */
void bf_ns_leave(struct bf_ns_switch *sw);

#endif /* BF_NS_H */

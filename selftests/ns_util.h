/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the namespace and BPF token tests (ns_tests.c, token_tests.c),
 * on top of the e2e harness: clients run in other namespaces, network
 * namespaces that don't touch the root one, commands and their output.
 */
#ifndef BF_NS_UTIL_H
#define BF_NS_UTIL_H

#include <stdbool.h>
#include <sys/types.h>

#include "e2e.h"

/* The output (stdout and stderr) of a shell command line, in a new string
 * (free() it); NULL if it couldn't run. */
char *nsu_output(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Called in a forked client before it runs bfcli: enter its namespaces. */
typedef e2e_enter_fn nsu_enter_fn;
/* Enter the network namespace named @arg (a const char *, in /var/run/netns). */
int nsu_enter_netns(const void *arg);
/* Enter the user, network and mount namespaces of process *@arg (a const
 * pid_t *), as "nsenter -U -n -m -t PID" does. */
int nsu_enter_pid_ns(const void *arg);

/*
 * Run "bfcli --socket @sock ARGS..." (NULL-terminated) in a child that first
 * calls @enter(@arg). Frees what @out held before. Returns out->status.
 */
int nsu_bfcli(const char *sock, nsu_enter_fn enter, const void *arg, struct e2e_out *out, ...)
	__attribute__((sentinel));

/* Assert a bfcli run succeeded, run as nsu_bfcli(); evaluates to the result. */
#define ASSERT_NSU_BFCLI(sock, enter, arg, what, ...)                       \
	({                                                                  \
		struct e2e_out _o_ = {};                                    \
		bool _r_;                                                   \
		nsu_bfcli((sock), (enter), (arg), &_o_, __VA_ARGS__, NULL); \
		_r_ = ASSERT_BFCLI_OK(&_o_, what);                          \
		e2e_out_clean(&_o_);                                        \
		_r_;                                                        \
	})

/*
 * Two network namespaces A and B ("bft<pid>_<n>a", "bft<pid>_<n>b") joined
 * by a veth pair, nothing in the root namespace: a.ns_if (in A,
 * 10.215.0.1/24) and b.ns_if (in B, 10.215.0.2/24); a.name and b.name name
 * the namespaces, for E2E_IN_NS().
 */
struct nsu_pair {
	bool created;
	struct e2e_netns a;
	struct e2e_netns b;
	unsigned int a_ifindex; /* a.ns_if's index, in A */
	bool has_twin;
	char twin[IF_NAMESIZE]; /* in the root namespace, named a.ns_if */
};

/*
 * Create @p. With @ifindex, a.ns_if gets that index; with @twin, an
 * interface of the same name as a.ns_if is created in the root namespace
 * (a veth: this kernel has no dummy driver; its peer is "bft<pid>_p<n>t").
 * Asserts (the test fails) if something can't be created.
 */
bool nsu_pair_setup(struct nsu_pair *p, unsigned int ifindex, bool twin);
void nsu_pair_teardown(struct nsu_pair *p);
#define _cleanup_nsu_pair_ __attribute__((cleanup(nsu_pair_teardown)))

/* Remove what killed runs left in /tmp ("bft-<pid>-..."). Done once. */
void nsu_remove_stale(void);

/* An interface index that exists in no namespace the test can see from
 * the root one, for a.ns_if. */
unsigned int nsu_unused_ifindex(void);

/* Is an XDP program attached to @ifname in netns @netns (NULL: root)? */
bool nsu_has_xdp(const char *netns, const char *ifname);
/* Does "bpftool net show dev @ifname", in netns @netns (NULL: root), list
 * a program of name @prog? */
bool nsu_bpftool_net_has(const char *netns, const char *ifname, const char *prog);

#endif /* BF_NS_UTIL_H */

// SPDX-License-Identifier: GPL-2.0-only
#include "attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netfilter.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#include "lib/helper.h"
#include "log.h"
#include "tmpl.h"

/* Netfilter needs one link per family; TC and cgroup use links[0]. */
#define BF_ATTACH_MAX_LINKS 2
/* Without priorities=, the daemon uses the first free priority from 1 up
 * (the kernel refuses two BPF netfilter programs at one priority), and each
 * update moves to another free one: nothing reserves the other half of a
 * fixed pair, another chain or program could take it. */
#define BF_NF_AUTO_MAX 256

struct bf_attach {
	enum bf_hook hook;
	struct bf_hookopts opts;
	int links[BF_ATTACH_MAX_LINKS];
	struct bf_attach_state st;
	/* The network namespace attached in: XDP programs attached through
	 * netlink are detached there, whatever namespace the daemon is in. */
	int netns_fd;
};

static int bf_err(char *err, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return r;
}

static bool bf_hook_is_nf(enum bf_hook hook)
{
	return hook >= BF_HOOK_NF_PRE_ROUTING && hook <= BF_HOOK_NF_POST_ROUTING;
}

static uint64_t bf_netns_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

static struct bf_attach *bf_attach_alloc(const struct bf_chain *chain)
{
	struct bf_attach *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->hook = chain->hook;
	a->opts = chain->opts;
	for (int i = 0; i < BF_ATTACH_MAX_LINKS; i++)
		a->links[i] = -1;
	a->netns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	a->st.netns_ino = bf_netns_ino(a->netns_fd);
	return a;
}

static void bf_attach_close_links(int *links, bool detach)
{
	for (int i = 0; i < BF_ATTACH_MAX_LINKS; i++) {
		if (links[i] < 0)
			continue;
		/* Pinned links outlive their fd: detach explicitly. */
		if (detach)
			bpf_link_detach(links[i]);
		close(links[i]);
		links[i] = -1;
	}
}

/* Attach @prog_fd to every family of a netfilter chain at priority @prio. */
static int bf_attach_nf(const struct bf_attach *att, int prog_fd, int32_t prio, int *links,
			char *err, size_t errlen)
{
	static const struct {
		uint32_t family;
		uint32_t pf;
		const char *name;
	} families[] = {
		{ BF_FAMILY_INET4, NFPROTO_IPV4, "inet4" },
		{ BF_FAMILY_INET6, NFPROTO_IPV6, "inet6" },
	};
	uint32_t family = att->opts.family ?: BF_FAMILY_INET4 | BF_FAMILY_INET6;
	int n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(families); i++) {
		LIBBPF_OPTS(bpf_link_create_opts, opts, .netfilter.pf = families[i].pf,
			    .netfilter.hooknum = NF_INET_PRE_ROUTING +
						 (att->hook - BF_HOOK_NF_PRE_ROUTING),
			    .netfilter.priority = prio);

		if (!(family & families[i].family))
			continue;
		links[n] = bpf_link_create(prog_fd, 0, BPF_NETFILTER, &opts);
		if (links[n] < 0) {
			int r = -errno;

			bf_attach_close_links(links, true);
			return bf_err(err, errlen, r,
				      "cannot attach to netfilter (%s, priority %d): %s",
				      families[i].name, prio, strerror(-r));
		}
		n++;
	}
	return 0;
}

static int bf_attach_cgroup(const struct bf_attach *att, int prog_fd, int *link, char *err,
			    size_t errlen)
{
	_cleanup_close_ int fd = open(att->opts.cgpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return bf_err(err, errlen, -errno, "cannot open cgroup '%s': %s", att->opts.cgpath,
			      strerror(errno));
	*link = bpf_link_create(prog_fd, fd, bf_hook_attach_type(att->hook), NULL);
	if (*link < 0)
		return bf_err(err, errlen, -errno, "cannot attach to cgroup '%s': %s",
			      att->opts.cgpath, strerror(errno));
	return 0;
}

static int bf_attach_tc(const struct bf_attach *att, int prog_fd, int *link, char *err,
			size_t errlen)
{
	*link = bpf_link_create(prog_fd, att->opts.ifindex, bf_hook_attach_type(att->hook), NULL);
	if (*link < 0)
		return bf_err(err, errlen, -errno, "cannot attach TC program to interface %u: %s",
			      att->opts.ifindex, strerror(errno));
	return 0;
}

static const char *bf_xdp_mode_str(enum xdp_attach_mode mode)
{
	switch (mode) {
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_SKB:
		return "generic";
	case XDP_MODE_HW:
		return "offloaded";
	default:
		return "unknown";
	}
}

static uint32_t bf_xdp_flags(enum xdp_attach_mode mode)
{
	switch (mode) {
	case XDP_MODE_NATIVE:
		return XDP_FLAGS_DRV_MODE;
	case XDP_MODE_SKB:
		return XDP_FLAGS_SKB_MODE;
	case XDP_MODE_HW:
		return XDP_FLAGS_HW_MODE;
	default:
		return 0;
	}
}

/* Ask libxdp how it attached: behind its dispatcher, or alone. */
static void bf_xdp_query(struct bf_attach *att)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(att->opts.ifindex);

	if (libxdp_get_error(mp)) {
		att->st.xdp_multi = 0;
		att->st.xdp_mode = XDP_MODE_UNSPEC;
		return;
	}
	att->st.xdp_multi = !xdp_multiprog__is_legacy(mp);
	att->st.xdp_mode = xdp_multiprog__attach_mode(mp);
	xdp_multiprog__close(mp);
}

/* libxdp reads a program's BTF by id, which the kernel refuses without
 * CAP_SYS_ADMIN in the initial user namespace (a daemon with a BPF token):
 * its xdp_program then has no fd. Attach through netlink ourselves. */
static int bf_xdp_attach_plain(struct bf_attach *att, int prog_fd, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int r = bpf_xdp_attach(att->opts.ifindex, prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);

	if (r)
		return bf_err(err, errlen, r, "cannot attach XDP program to interface %u: %s",
			      att->opts.ifindex, strerror(-r));
	att->st.xdp_multi = 0;
	att->st.xdp_mode = XDP_MODE_UNSPEC;
	if (!bpf_xdp_query(att->opts.ifindex, 0, &q))
		att->st.xdp_mode =
			q.attach_mode == XDP_ATTACHED_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	bf_info("XDP on interface %u: attached alone through netlink (%s mode): libxdp can't "
		"see the program from this user namespace",
		att->opts.ifindex,
		bf_xdp_mode_str(att->st.xdp_mode));
	return 0;
}

static int bf_attach_xdp(struct bf_attach *att, int prog_fd, char *err, size_t errlen)
{
	struct xdp_program *xp = xdp_program__from_fd(prog_fd);
	int r;

	if (libxdp_get_error(xp))
		return bf_err(err, errlen, -EINVAL, "libxdp cannot use the program: %s",
			      strerror(-libxdp_get_error(xp)));
	if (xdp_program__fd(xp) < 0) {
		xdp_program__close(xp);
		return bf_xdp_attach_plain(att, prog_fd, err, errlen);
	}
	/* No mode: native where the driver has it (veth does), else generic. */
	r = xdp_program__attach(xp, att->opts.ifindex, XDP_MODE_UNSPEC, 0);
	xdp_program__close(xp);
	if (r)
		return bf_err(err, errlen, r, "cannot attach XDP program to interface %u: %s",
			      att->opts.ifindex, strerror(-r));

	bf_xdp_query(att);
	if (att->st.xdp_multi)
		bf_info("XDP on interface %u: libxdp dispatcher, %s mode", att->opts.ifindex,
			bf_xdp_mode_str(att->st.xdp_mode));
	else
		bf_info("XDP on interface %u: libxdp attached the program alone (%s mode): this "
			"kernel refused its dispatcher, so no other XDP program can share the "
			"interface",
			att->opts.ifindex, bf_xdp_mode_str(att->st.xdp_mode));
	return 0;
}

static int bf_attach_do(struct bf_attach *att, int prog_fd, int *links, char *err, size_t errlen)
{
	switch (att->hook) {
	case BF_HOOK_XDP:
		return bf_attach_xdp(att, prog_fd, err, errlen);
	case BF_HOOK_TC_INGRESS:
	case BF_HOOK_TC_EGRESS:
		return bf_attach_tc(att, prog_fd, &links[0], err, errlen);
	case BF_HOOK_CGROUP_SKB_INGRESS:
	case BF_HOOK_CGROUP_SKB_EGRESS:
	case BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4:
	case BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6:
	case BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4:
	case BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6:
		/* A cgroup link of the hook's attach type. */
		return bf_attach_cgroup(att, prog_fd, &links[0], err, errlen);
	default:
		return bf_attach_nf(att, prog_fd, att->opts.priorities[att->st.prio_idx], links,
				    err, errlen);
	}
}

/* Attach at the first free priority other than the one in use, as slot
 * prio_idx of the pair. */
static int bf_attach_nf_auto(struct bf_attach *att, int prog_fd, int *links, char *err,
			     size_t errlen)
{
	int32_t cur = att->opts.priorities[att->st.prio_idx ^ 1];
	int r = -EBUSY;

	for (int32_t p = 1; p <= BF_NF_AUTO_MAX && r == -EBUSY; p++) {
		if (p == cur)
			continue;
		att->opts.priorities[att->st.prio_idx] = p;
		r = bf_attach_do(att, prog_fd, links, err, errlen);
	}
	return r;
}

int bf_attach_new(const struct bf_chain *chain, struct bf_prog *prog, struct bf_attach **att,
		  char *err, size_t errlen)
{
	struct bf_attach *a = bf_attach_alloc(chain);
	int r;

	if (!a || a->netns_fd < 0) {
		free(a);
		return bf_err(err, errlen, -ENOMEM, "out of memory");
	}

	if (bf_hook_is_nf(a->hook) && !(a->opts.used & (1U << BF_HOOKOPT_PRIORITIES))) {
		a->st.nf_auto = 1;
		r = bf_attach_nf_auto(a, prog->fd, a->links, err, errlen);
	} else {
		r = bf_attach_do(a, prog->fd, a->links, err, errlen);
	}
	if (r) {
		close(a->netns_fd);
		free(a);
		return r;
	}
	*att = a;
	return 0;
}

/* XDP: a lone program is replaced atomically by netlink (REPLACE with the
 * old program's fd); behind the dispatcher, libxdp adds the new program
 * then removes the old one. */
static int bf_attach_update_xdp(struct bf_attach *att, struct bf_prog *old, struct bf_prog *new,
				char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = old->fd);
	struct xdp_program *xp;
	int r;

	if (!att->st.xdp_multi) {
		r = bpf_xdp_attach(att->opts.ifindex, new->fd,
				   XDP_FLAGS_REPLACE | bf_xdp_flags(att->st.xdp_mode), &opts);
		if (r)
			return bf_err(err, errlen, r, "cannot replace the XDP program: %s",
				      strerror(-r));
		return 0;
	}

	r = bf_attach_xdp(att, new->fd, err, errlen);
	if (r)
		return r;
	xp = xdp_program__from_fd(old->fd);
	if (!libxdp_get_error(xp)) {
		r = xdp_program__detach(xp, att->opts.ifindex, att->st.xdp_mode, 0);
		if (r)
			bf_warn("cannot remove the old XDP program: %s", strerror(-r));
		xdp_program__close(xp);
	}
	return 0;
}

static int bf_attach_update_here(struct bf_attach *att, struct bf_prog *old,
				 struct bf_prog *new, char *err, size_t errlen)
{
	int links[BF_ATTACH_MAX_LINKS] = { -1, -1 };
	int r;

	if (att->hook == BF_HOOK_XDP)
		return bf_attach_update_xdp(att, old, new, err, errlen);
	if (!bf_hook_is_nf(att->hook)) {
		if (bpf_link_update(att->links[0], new->fd, NULL))
			return bf_err(err, errlen, -errno, "cannot update the link: %s",
				      strerror(errno));
		return 0;
	}

	/* Netfilter links can't be updated: run the new program at the other
	 * priority before removing the old one, so every packet sees one
	 * complete ruleset, or both. */
	att->st.prio_idx ^= 1;
	if (att->st.nf_auto)
		r = bf_attach_nf_auto(att, new->fd, links, err, errlen);
	else
		r = bf_attach_do(att, new->fd, links, err, errlen);
	if (r) {
		att->st.prio_idx ^= 1;
		return r;
	}
	bf_attach_close_links(att->links, true);
	memcpy(att->links, links, sizeof(links));
	return 0;
}

/* Netfilter and XDP updates attach anew, in the current network
 * namespace: make it the one the chain was attached in, whoever asks. */
int bf_attach_update(struct bf_attach *att, struct bf_prog *old, struct bf_prog *new, char *err,
		     size_t errlen)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	bool enter = self >= 0 && bf_netns_ino(self) != att->st.netns_ino;
	int r;

	if (enter && setns(att->netns_fd, CLONE_NEWNET))
		return bf_err(err, errlen, -errno,
			      "cannot enter the network namespace the chain is attached in: %s",
			      strerror(errno));
	r = bf_attach_update_here(att, old, new, err, errlen);
	if (enter && setns(self, CLONE_NEWNET)) {
		bf_error("cannot return to the request's network namespace: %s", strerror(errno));
		abort();
	}
	return r;
}

const struct bf_hookopts *bf_attach_opts(const struct bf_attach *att)
{
	return &att->opts;
}

void bf_attach_get_state(const struct bf_attach *att, struct bf_attach_state *st)
{
	*st = att->st;
	memcpy(st->nf_prio, att->opts.priorities, sizeof(st->nf_prio));
}

int bf_attach_pin(const struct bf_attach *att, int dirfd)
{
	LIBBPF_OPTS(bpf_obj_pin_opts, opts, .file_flags = BPF_F_PATH_FD, .path_fd = dirfd);
	static const char *const names[BF_ATTACH_MAX_LINKS] = { "link0", "link1" };

	for (int i = 0; i < BF_ATTACH_MAX_LINKS; i++) {
		unlinkat(dirfd, names[i], 0);
		if (att->links[i] >= 0 && bpf_obj_pin_opts(att->links[i], names[i], &opts))
			return -errno;
	}
	return 0;
}

/* Is @prog the one XDP runs on the interface, alone or behind libxdp? */
static bool bf_xdp_runs(const struct bf_attach *att, struct bf_prog *prog)
{
	uint32_t id = bf_prog_id(prog);
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	bool found = false;

	mp = xdp_multiprog__get_from_ifindex(att->opts.ifindex);
	if (libxdp_get_error(mp)) {
		uint32_t cur = 0;

		/* libxdp can't turn ids into programs here: ask netlink. */
		return !bpf_xdp_query_id(att->opts.ifindex, bf_xdp_flags(att->st.xdp_mode), &cur) &&
		       cur == id;
	}
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		found = p && xdp_program__id(p) == id;
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p && !found;
		     p = xdp_multiprog__next_prog(p, mp))
			found = xdp_program__id(p) == id;
	}
	xdp_multiprog__close(mp);
	return found;
}

int bf_attach_restore(const struct bf_chain *chain, struct bf_prog *prog,
		      const struct bf_attach_state *st, int dirfd, struct bf_attach **att, char *err,
		      size_t errlen)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_PATH_FD, .path_fd = dirfd);
	static const char *const names[BF_ATTACH_MAX_LINKS] = { "link0", "link1" };
	struct bf_attach *a = bf_attach_alloc(chain);

	if (!a || a->netns_fd < 0) {
		free(a);
		return bf_err(err, errlen, -ENOMEM, "out of memory");
	}
	a->st.prio_idx = st->prio_idx;
	a->st.nf_auto = st->nf_auto;
	if (st->nf_auto)
		memcpy(a->opts.priorities, st->nf_prio, sizeof(st->nf_prio));
	a->st.xdp_multi = st->xdp_multi;
	a->st.xdp_mode = st->xdp_mode;

	if (a->hook == BF_HOOK_XDP) {
		/* Only the namespace it was attached in can tell; a chain from
		 * another namespace is trusted to be where it was left. */
		if (a->st.netns_ino == st->netns_ino && !bf_xdp_runs(a, prog)) {
			bf_attach_release(&a);
			return bf_err(err, errlen, -ENOENT,
				      "its XDP program is no longer attached to interface %u",
				      chain->opts.ifindex);
		}
		a->st.netns_ino = st->netns_ino;
		*att = a;
		return 0;
	}

	for (int i = 0; i < BF_ATTACH_MAX_LINKS; i++) {
		a->links[i] = bpf_obj_get_opts(names[i], &opts);
		if (a->links[i] < 0 && (errno != ENOENT || i == 0)) {
			int r = -errno;

			bf_attach_release(&a);
			return bf_err(err, errlen, r, "cannot open its pinned link %s: %s",
				      names[i], strerror(-r));
		}
	}
	a->st.netns_ino = st->netns_ino;
	*att = a;
	return 0;
}

/* Run @fn in the namespace @att was attached in. */
static void bf_in_netns(struct bf_attach *att, struct bf_prog *prog,
			void (*fn)(struct bf_attach *, struct bf_prog *))
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	bool enter = self >= 0 && bf_netns_ino(self) != att->st.netns_ino;

	if (enter && setns(att->netns_fd, CLONE_NEWNET)) {
		bf_warn("cannot enter the network namespace of an XDP chain: %s", strerror(errno));
		return;
	}
	fn(att, prog);
	if (enter && setns(self, CLONE_NEWNET)) {
		bf_error("cannot return to the daemon's network namespace: %s", strerror(errno));
		abort();
	}
}

static void bf_detach_xdp(struct bf_attach *att, struct bf_prog *prog)
{
	struct xdp_program *xp;
	int r;

	if (!bf_xdp_runs(att, prog))
		return;
	xp = xdp_program__from_fd(prog->fd);
	if (libxdp_get_error(xp) || xdp_program__fd(xp) < 0) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = prog->fd);

		if (!libxdp_get_error(xp))
			xdp_program__close(xp);
		r = bpf_xdp_detach(att->opts.ifindex,
				   XDP_FLAGS_REPLACE | bf_xdp_flags(att->st.xdp_mode), &opts);
		if (r)
			bf_warn("cannot detach XDP from interface %u: %s", att->opts.ifindex,
				strerror(-r));
		return;
	}
	r = xdp_program__detach(xp, att->opts.ifindex, att->st.xdp_mode, 0);
	if (r)
		bf_warn("cannot detach XDP from interface %u: %s", att->opts.ifindex,
			strerror(-r));
	xdp_program__close(xp);
}

void bf_attach_detach(struct bf_attach **att, struct bf_prog *prog)
{
	if (!*att)
		return;
	if ((*att)->hook == BF_HOOK_XDP && prog)
		bf_in_netns(*att, prog, bf_detach_xdp);
	bf_attach_close_links((*att)->links, true);
	bf_attach_release(att);
}

void bf_attach_release(struct bf_attach **att)
{
	struct bf_attach *a = *att;

	if (!a)
		return;
	bf_attach_close_links(a->links, false);
	if (a->netns_fd >= 0)
		close(a->netns_fd);
	free(a);
	*att = NULL;
}

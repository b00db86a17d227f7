// SPDX-License-Identifier: GPL-2.0-only
#include "attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/helper.h"
#include "log.h"

/* Netfilter needs one link per family; other hooks use links[0]. */
#define BF_ATTACH_MAX_LINKS 2
/* Without priorities=, pairs 1-2, 3-4, ... are tried until one is free:
 * the kernel refuses two BPF netfilter programs at the same priority. */
#define BF_NF_AUTO_PAIRS 32

struct bf_attach {
	enum bf_hook hook;
	struct bf_hookopts opts;
	struct bpf_link *links[BF_ATTACH_MAX_LINKS];
	/* Netfilter: which of opts.priorities the links use now. */
	unsigned int prio_idx;
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

static unsigned int bf_nf_hooknum(enum bf_hook hook)
{
	return NF_INET_PRE_ROUTING + (hook - BF_HOOK_NF_PRE_ROUTING);
}

static void bf_attach_drop_links(struct bpf_link **links)
{
	for (int i = 0; i < BF_ATTACH_MAX_LINKS; i++) {
		if (links[i])
			bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
}

/* Attach @prog to every family of a netfilter chain at priority @prio. */
static int bf_attach_nf(const struct bf_attach *att, struct bpf_program *prog, int32_t prio,
			struct bpf_link **links, char *err, size_t errlen)
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
		LIBBPF_OPTS(bpf_netfilter_opts, opts, .pf = families[i].pf,
			    .hooknum = bf_nf_hooknum(att->hook), .priority = prio);

		if (!(family & families[i].family))
			continue;
		links[n] = bpf_program__attach_netfilter(prog, &opts);
		if (!links[n]) {
			int r = -errno;

			bf_attach_drop_links(links);
			return bf_err(err, errlen, r,
				      "cannot attach to netfilter (%s, priority %d): %s",
				      families[i].name, prio, strerror(-r));
		}
		n++;
	}
	return 0;
}

static int bf_attach_cgroup(const struct bf_attach *att, struct bpf_program *prog,
			    struct bpf_link **link, char *err, size_t errlen)
{
	_cleanup_close_ int fd = open(att->opts.cgpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return bf_err(err, errlen, -errno, "cannot open cgroup '%s': %s", att->opts.cgpath,
			      strerror(errno));
	*link = bpf_program__attach_cgroup(prog, fd);
	if (!*link)
		return bf_err(err, errlen, -errno, "cannot attach to cgroup '%s': %s",
			      att->opts.cgpath, strerror(errno));
	return 0;
}

static int bf_attach_links(const struct bf_attach *att, struct bpf_program *prog,
			   struct bpf_link **links, char *err, size_t errlen)
{
	const char *what;

	switch (att->hook) {
	case BF_HOOK_XDP:
		/* No mode flag: the kernel uses the driver's native XDP when it
		 * has one (veth does) and generic XDP otherwise. */
		links[0] = bpf_program__attach_xdp(prog, att->opts.ifindex);
		what = "XDP";
		break;
	case BF_HOOK_TC_INGRESS:
	case BF_HOOK_TC_EGRESS:
		links[0] = bpf_program__attach_tcx(prog, att->opts.ifindex, NULL);
		what = "TC";
		break;
	case BF_HOOK_CGROUP_SKB_INGRESS:
	case BF_HOOK_CGROUP_SKB_EGRESS:
		return bf_attach_cgroup(att, prog, &links[0], err, errlen);
	default:
		return bf_attach_nf(att, prog, att->opts.priorities[att->prio_idx], links, err,
				    errlen);
	}
	if (!links[0])
		return bf_err(err, errlen, -errno, "cannot attach %s program to interface %u: %s",
			      what, att->opts.ifindex, strerror(errno));
	return 0;
}

int bf_attach_new(const struct bf_chain *chain, struct bf_prog *prog, struct bf_attach **att,
		  char *err, size_t errlen)
{
	_cleanup_free_ struct bf_attach *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return bf_err(err, errlen, -ENOMEM, "out of memory");
	a->hook = chain->hook;
	a->opts = chain->opts;
	if (bf_hook_is_nf(a->hook) && !(a->opts.used & (1U << BF_HOOKOPT_PRIORITIES))) {
		r = -EBUSY;
		for (int i = 0; i < BF_NF_AUTO_PAIRS && r == -EBUSY; i++) {
			a->opts.priorities[0] = 1 + 2 * i;
			a->opts.priorities[1] = 2 + 2 * i;
			r = bf_attach_links(a, bf_prog_bpf(prog), a->links, err, errlen);
		}
		a->opts.used |= 1U << BF_HOOKOPT_PRIORITIES;
	} else {
		r = bf_attach_links(a, bf_prog_bpf(prog), a->links, err, errlen);
	}
	if (r)
		return r;
	bf_info("chain '%s' attached to %s", chain->name,
		a->hook == BF_HOOK_XDP ? "XDP" : (bf_hook_is_nf(a->hook) ? "netfilter" : "its hook"));
	*att = TAKE_PTR(a);
	return 0;
}

int bf_attach_update(struct bf_attach *att, struct bf_prog *prog, char *err, size_t errlen)
{
	struct bpf_link *links[BF_ATTACH_MAX_LINKS] = {};
	int r;

	if (!bf_hook_is_nf(att->hook)) {
		r = bpf_link__update_program(att->links[0], bf_prog_bpf(prog));
		if (r)
			return bf_err(err, errlen, r, "cannot update the link: %s", strerror(-r));
		return 0;
	}

	/* Netfilter links can't be updated: run the new program at the other
	 * priority before removing the old one, so every packet sees one
	 * complete ruleset, or both. */
	att->prio_idx ^= 1;
	r = bf_attach_links(att, bf_prog_bpf(prog), links, err, errlen);
	if (r) {
		att->prio_idx ^= 1;
		return r;
	}
	bf_attach_drop_links(att->links);
	memcpy(att->links, links, sizeof(links));
	return 0;
}

const struct bf_hookopts *bf_attach_opts(const struct bf_attach *att)
{
	return &att->opts;
}

void bf_attach_free(struct bf_attach **att)
{
	if (!*att)
		return;
	bf_attach_drop_links((*att)->links);
	free(*att);
	*att = NULL;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Attaching a loaded chain to its hook, swapping the program behind an
 * attachment atomically, and keeping attachments across daemon restarts.
 *
 * XDP goes through libxdp, so bpfilter's program can share an interface
 * with others behind libxdp's dispatcher; where the kernel can't run the
 * dispatcher (no freplace), libxdp attaches the program alone, through
 * netlink. TC, cgroup and netfilter use BPF links.
 */
#ifndef BF_ATTACH_H
#define BF_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/chain.h"
#include "prog.h"

struct bf_attach;

/* What must be remembered to find an attachment again after a restart
 * (the links themselves are pinned). */
struct bf_attach_state {
	uint8_t prio_idx; /* netfilter: which priority of the pair is in use */
	uint8_t xdp_multi; /* XDP: behind libxdp's dispatcher */
	uint8_t xdp_mode; /* XDP: enum xdp_attach_mode */
	uint8_t nf_auto; /* netfilter: priorities picked by the daemon */
	int32_t nf_prio[2]; /* netfilter: the priorities of the pair */
	uint64_t netns_ino; /* network namespace attached in */
};

/* Attach @prog at @chain's hook, with @chain's (resolved) options, in the
 * current network namespace. */
int bf_attach_new(const struct bf_chain *chain, struct bf_prog *prog, struct bf_attach **att,
		  char *err, size_t errlen);
/*
 * Make @att run @new (replacing @old) with no packet seeing neither or a
 * mix: XDP (single program), TC and cgroup swap atomically; netfilter and
 * XDP behind the dispatcher run @new before removing @old, so during the
 * overlap a packet runs both rulesets.
 */
int bf_attach_update(struct bf_attach *att, struct bf_prog *old, struct bf_prog *new, char *err,
		     size_t errlen);
/* The options in use, defaults filled in. */
const struct bf_hookopts *bf_attach_opts(const struct bf_attach *att);
void bf_attach_get_state(const struct bf_attach *att, struct bf_attach_state *st);
/* Pin the links in @dirfd ("link0", "link1"). */
int bf_attach_pin(const struct bf_attach *att, int dirfd);
/* Find the attachment of @chain's @prog again, from @st and the pins in
 * @dirfd. */
int bf_attach_restore(const struct bf_chain *chain, struct bf_prog *prog,
		      const struct bf_attach_state *st, int dirfd, struct bf_attach **att, char *err,
		      size_t errlen);
/* Detach @prog and free. */
void bf_attach_detach(struct bf_attach **att, struct bf_prog *prog);
/* Free, leaving the program attached (pinned links, XDP on its device). */
void bf_attach_release(struct bf_attach **att);

#endif /* BF_ATTACH_H */

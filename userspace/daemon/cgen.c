// SPDX-License-Identifier: GPL-2.0-only
#include "cgen.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/helper.h"
#include "lib/names.h"
#include "lib/validate.h"
#include "log.h"

static int bf_err(char *err, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return r;
}

bool bf_chain_attachable(const struct bf_chain *chain)
{
	switch (chain->hook) {
	case BF_HOOK_XDP:
	case BF_HOOK_TC_INGRESS:
	case BF_HOOK_TC_EGRESS:
		return bf_chain_has_opt(chain, BF_HOOKOPT_IFINDEX);
	case BF_HOOK_CGROUP_SKB_INGRESS:
	case BF_HOOK_CGROUP_SKB_EGRESS:
	case BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4:
	case BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6:
	case BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4:
	case BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6:
		return bf_chain_has_opt(chain, BF_HOOKOPT_CGPATH);
	default:
		/* Netfilter needs nothing: both families and priorities 1-2
		 * unless told otherwise. */
		return true;
	}
}

static int bf_resolve_iface(uint32_t *ifindex, char *name, bool must_exist, const char *what,
			    char *err, size_t errlen)
{
	char buf[IF_NAMESIZE];

	if (name[0]) {
		*ifindex = if_nametoindex(name);
		if (!*ifindex)
			return bf_err(err, errlen, -ENODEV, "%s: unknown interface '%s'", what, name);
	} else if (must_exist && !if_indextoname(*ifindex, buf)) {
		return bf_err(err, errlen, -ENODEV, "%s: unknown interface index %u", what,
			      *ifindex);
	}
	return 0;
}

int bf_chain_resolve(struct bf_chain *chain, char *err, size_t errlen)
{
	char what[BF_NAME_LEN + 64];
	int r;

	for (size_t i = 0; i < chain->nrules; i++) {
		struct bf_rule *rule = &chain->rules[i];

		/* A redirect to nowhere would drop: the target must exist. */
		if (rule->verdict == BF_VERDICT_REDIRECT) {
			snprintf(what, sizeof(what), "chain '%s', rule %zu, REDIRECT", chain->name,
				 i);
			r = bf_resolve_iface(&rule->redirect_ifindex, rule->redirect_ifname, true,
					     what, err, errlen);
			if (r)
				return r;
		}

		for (size_t j = 0; j < rule->nmatchers; j++) {
			struct bf_matcher *m = &rule->matchers[j];

			if (m->type != BF_MATCHER_META_IFACE || m->op == BF_OP_IN)
				continue;
			snprintf(what, sizeof(what), "chain '%s', rule %zu, matcher 'meta.iface'",
				 chain->name, i);
			r = bf_resolve_iface(&m->iface.ifindex, m->iface.name, false, what, err,
					     errlen);
			if (r)
				return r;
		}
	}

	if (!bf_chain_attachable(chain))
		return 0;

	snprintf(what, sizeof(what), "chain '%s'", chain->name);
	if (bf_chain_has_opt(chain, BF_HOOKOPT_IFINDEX)) {
		r = bf_resolve_iface(&chain->opts.ifindex, chain->opts.ifname, true, what, err,
				     errlen);
		if (r)
			return r;
	}
	if (bf_chain_has_opt(chain, BF_HOOKOPT_CGPATH)) {
		struct stat st;

		if (stat(chain->opts.cgpath, &st) || !S_ISDIR(st.st_mode))
			return bf_err(err, errlen, -ENOENT, "%s: unknown cgroup '%s'", what,
				      chain->opts.cgpath);
	}
	return 0;
}

int bf_cgen_new(struct bf_chain *chain, struct bf_cgen **cgen, char *err, size_t errlen)
{
	_cleanup_bf_chain_ struct bf_chain *c = chain;
	_cleanup_bf_cgen_ struct bf_cgen *cg = NULL;
	int r;

	r = bf_chain_validate(c, err, errlen);
	if (r)
		return r;
	r = bf_chain_resolve(c, err, errlen);
	if (r)
		return r;

	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return bf_err(err, errlen, -ENOMEM, "out of memory");
	r = bf_prog_load(c, &cg->prog, err, errlen);
	if (r)
		return r;
	cg->chain = TAKE_PTR(c);
	*cgen = TAKE_PTR(cg);
	return 0;
}

int bf_cgen_attach(struct bf_cgen *cgen, char *err, size_t errlen)
{
	char why[256];
	int r;

	if (cgen->att)
		return bf_err(err, errlen, -EBUSY, "chain '%s' is already attached",
			      cgen->chain->name);
	r = bf_attach_new(cgen->chain, cgen->prog, &cgen->att, why, sizeof(why));
	if (r)
		return bf_err(err, errlen, r, "chain '%s': %s", cgen->chain->name, why);
	/* Print what it is attached with, defaults included. */
	cgen->chain->opts = *bf_attach_opts(cgen->att);
	return 0;
}

int bf_cgen_update(struct bf_cgen *cgen, struct bf_chain *chain, char *err, size_t errlen)
{
	_cleanup_bf_chain_ struct bf_chain *c = chain;
	_cleanup_bf_prog_ struct bf_prog *prog = NULL;
	struct bf_chain *old_chain;
	struct bf_prog *old_prog;
	int r;

	if (c->hook != cgen->chain->hook)
		return bf_err(err, errlen, -EINVAL, "chain '%s' uses %s, not %s", c->name,
			      bf_hook_to_str(cgen->chain->hook), bf_hook_to_str(c->hook));
	/* The hook options stay those the chain is attached with. */
	c->opts = cgen->chain->opts;

	r = bf_chain_validate(c, err, errlen);
	r = r ?: bf_chain_resolve(c, err, errlen);
	r = r ?: bf_prog_load(c, &prog, err, errlen);
	if (r)
		return r;
	if (cgen->att) {
		r = bf_attach_update(cgen->att, cgen->prog, prog, err, errlen);
		if (r)
			return r;
	}

	old_chain = cgen->chain;
	old_prog = cgen->prog;
	cgen->chain = TAKE_PTR(c);
	cgen->prog = TAKE_PTR(prog);
	bf_chain_free(&old_chain);
	bf_prog_free(&old_prog);
	return 0;
}

void bf_cgen_detach(struct bf_cgen *cgen)
{
	bf_attach_detach(&cgen->att, cgen->prog);
}

int bf_cgen_fetch_counters(struct bf_cgen *cgen)
{
	struct bf_chain *c = cgen->chain;
	size_t n = c->nrules + 2;
	int r;

	free(c->counters);
	c->counters = calloc(n, sizeof(*c->counters));
	if (!c->counters)
		return -ENOMEM;
	r = bf_prog_read_counters(cgen->prog, c->counters, n);
	if (r) {
		free(c->counters);
		c->counters = NULL;
	}
	return r;
}

void bf_cgen_release(struct bf_cgen **cgen)
{
	struct bf_cgen *cg = *cgen;

	if (!cg)
		return;
	bf_attach_release(&cg->att);
	bf_prog_free(&cg->prog);
	bf_chain_free(&cg->chain);
	free(cg);
	*cgen = NULL;
}

void bf_cgen_free(struct bf_cgen **cgen)
{
	struct bf_cgen *cg = *cgen;

	if (!cg)
		return;
	bf_attach_detach(&cg->att, cg->prog);
	bf_prog_free(&cg->prog);
	bf_chain_free(&cg->chain);
	free(cg);
	*cgen = NULL;
}

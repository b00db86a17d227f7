// SPDX-License-Identifier: GPL-2.0-only
#include "handle.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/helper.h"
#include "lib/names.h"
#include "lib/request.h"
#include "lib/validate.h"
#include "log.h"
#include "ns.h"
#include "persist.h"
#include "set_update.h"

static int bf_fail(struct bf_response *resp, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(resp->message, sizeof(resp->message), fmt, ap);
	va_end(ap);
	return r;
}

/* Would @new attach where @cur is attached? @cur has the defaults the
 * daemon picked filled in (netfilter priorities): @new without them takes
 * the same. */
static bool bf_opts_equal(const struct bf_hookopts *cur, const struct bf_hookopts *new)
{
	const uint32_t prio = 1U << BF_HOOKOPT_PRIORITIES;

	if (!(new->used & prio) && (cur->used & prio))
		return (cur->used & ~prio) == new->used && cur->ifindex == new->ifindex &&
		       !strcmp(cur->cgpath, new->cgpath) && cur->family == new->family;
	return cur->used == new->used && cur->ifindex == new->ifindex &&
	       !strcmp(cur->cgpath, new->cgpath) && cur->family == new->family &&
	       cur->priorities[0] == new->priorities[0] && cur->priorities[1] == new->priorities[1];
}

/* Take the single chain of a chain set/load/update request. */
static int bf_req_chain(struct bf_request *req, struct bf_chain **chain, struct bf_response *resp)
{
	if (!req->ruleset || req->ruleset->nchains != 1)
		return bf_fail(resp, -EINVAL, "request must carry exactly one chain");
	*chain = TAKE_PTR(req->ruleset->chains[0]);
	req->ruleset->nchains = 0;
	return 0;
}

static int bf_attach_if_needed(struct bf_cgen *cg, struct bf_response *resp)
{
	if (!bf_chain_attachable(cg->chain))
		return 0;
	return bf_cgen_attach(cg, resp->message, sizeof(resp->message));
}

/* Put @old back on its hook after a failed replacement. */
static void bf_restore(struct bf_cgen *old, bool was_attached)
{
	char err[BF_RESPONSE_MSG_LEN];

	if (was_attached && !old->att && bf_cgen_attach(old, err, sizeof(err)))
		bf_error("cannot restore chain '%s': %s", old->chain->name, err);
}

static int bf_chain_set(struct bf_ctx *ctx, struct bf_request *req, struct bf_response *resp)
{
	struct bf_chain *chain = NULL;
	_cleanup_bf_cgen_ struct bf_cgen *cg = NULL;
	struct bf_cgen *old;
	bool was_attached;
	int r;

	r = bf_req_chain(req, &chain, resp);
	if (r)
		return r;
	old = bf_ctx_find(ctx, chain->name);
	r = bf_cgen_new(chain, &cg, resp->message, sizeof(resp->message));
	if (r)
		return r;

	/* Same hook and options as the attached chain: swap atomically. */
	if (old && old->att && bf_chain_attachable(cg->chain) && old->chain->hook == cg->chain->hook &&
	    bf_opts_equal(&old->chain->opts, &cg->chain->opts)) {
		r = bf_attach_update(old->att, old->prog, cg->prog, resp->message,
				     sizeof(resp->message));
		if (r)
			return r;
		cg->att = TAKE_PTR(old->att);
		cg->chain->opts = *bf_attach_opts(cg->att);
		bf_ctx_remove(ctx, cg->chain->name);
		return bf_ctx_add(ctx, TAKE_PTR(cg));
	}

	was_attached = old && old->att;
	if (old)
		bf_cgen_detach(old);
	r = bf_attach_if_needed(cg, resp);
	if (r) {
		if (old)
			bf_restore(old, was_attached);
		return r;
	}
	if (old)
		bf_ctx_remove(ctx, cg->chain->name);
	return bf_ctx_add(ctx, TAKE_PTR(cg));
}

static int bf_chain_load(struct bf_ctx *ctx, struct bf_request *req, struct bf_response *resp)
{
	struct bf_chain *chain = NULL;
	_cleanup_bf_cgen_ struct bf_cgen *cg = NULL;
	int r;

	r = bf_req_chain(req, &chain, resp);
	if (r)
		return r;
	if (bf_ctx_find(ctx, chain->name)) {
		r = bf_fail(resp, -EEXIST, "chain '%s' already exists", chain->name);
		bf_chain_free(&chain);
		return r;
	}
	/* Loading never attaches: hook options are ignored. */
	memset(&chain->opts, 0, sizeof(chain->opts));
	r = bf_cgen_new(chain, &cg, resp->message, sizeof(resp->message));
	if (r)
		return r;
	return bf_ctx_add(ctx, TAKE_PTR(cg));
}

static int bf_chain_attach(struct bf_ctx *ctx, struct bf_request *req, struct bf_response *resp)
{
	struct bf_cgen *cg = bf_ctx_find(ctx, req->name);
	struct bf_hookopts saved;
	int r;

	if (!cg)
		return bf_fail(resp, -ENOENT, "no chain named '%s'", req->name);
	if (cg->att)
		return bf_fail(resp, -EBUSY, "chain '%s' is already attached", req->name);

	saved = cg->chain->opts;
	cg->chain->opts = req->opts;
	r = bf_chain_validate(cg->chain, resp->message, sizeof(resp->message));
	r = r ?: bf_chain_resolve(cg->chain, resp->message, sizeof(resp->message));
	if (!r && !bf_chain_attachable(cg->chain))
		r = bf_fail(resp, -EINVAL, "chain '%s': missing hook options to attach it",
			    req->name);
	r = r ?: bf_cgen_attach(cg, resp->message, sizeof(resp->message));
	if (r)
		cg->chain->opts = saved;
	return r;
}

static int bf_chain_update(struct bf_ctx *ctx, struct bf_request *req, struct bf_response *resp)
{
	struct bf_chain *chain = NULL;
	struct bf_cgen *cg;
	int r;

	r = bf_req_chain(req, &chain, resp);
	if (r)
		return r;
	cg = bf_ctx_find(ctx, chain->name);
	if (!cg) {
		r = bf_fail(resp, -ENOENT, "no chain named '%s'", chain->name);
		bf_chain_free(&chain);
		return r;
	}
	return bf_cgen_update(cg, chain, resp->message, sizeof(resp->message));
}

/* Replace every chain: all new chains load first; if one fails, or one
 * can't attach, the old ruleset stays (or is put back). */
static int bf_ruleset_set(struct bf_ctx *ctx, struct bf_request *req, struct bf_response *resp)
{
	struct bf_ctx new = {}, old = {};
	bool *was_attached = NULL;
	int r = 0;

	for (size_t i = 0; i < (req->ruleset ? req->ruleset->nchains : 0); i++) {
		struct bf_chain *chain = TAKE_PTR(req->ruleset->chains[i]);
		struct bf_cgen *cg;

		if (bf_ctx_find(&new, chain->name)) {
			r = bf_fail(resp, -EEXIST, "chain '%s' is defined twice", chain->name);
			bf_chain_free(&chain);
			goto err_new;
		}
		r = bf_cgen_new(chain, &cg, resp->message, sizeof(resp->message));
		r = r ?: bf_ctx_add(&new, cg);
		if (r)
			goto err_new;
	}

	bf_ctx_steal(ctx, &old);
	was_attached = calloc(old.ncgens + 1, sizeof(*was_attached));
	if (!was_attached) {
		r = bf_fail(resp, -ENOMEM, "out of memory");
		goto err_restore;
	}
	for (size_t i = 0; i < old.ncgens; i++) {
		was_attached[i] = old.cgens[i]->att;
		bf_cgen_detach(old.cgens[i]);
	}
	for (size_t i = 0; i < new.ncgens; i++) {
		r = bf_attach_if_needed(new.cgens[i], resp);
		if (r)
			goto err_restore;
	}

	bf_ctx_clean(&old);
	bf_ctx_steal(&new, ctx);
	free(was_attached);
	return 0;

err_restore:
	bf_ctx_clean(&new);
	for (size_t i = 0; was_attached && i < old.ncgens; i++)
		bf_restore(old.cgens[i], was_attached[i]);
	bf_ctx_steal(&old, ctx);
	free(was_attached);
	return r;
err_new:
	bf_ctx_clean(&new);
	return r;
}

/* Answer with chains borrowed from @ctx, counters read now. */
static int bf_get(struct bf_ctx *ctx, struct bf_request *req, struct bf_response *resp,
		  struct bf_ruleset *out)
{
	for (size_t i = 0; i < ctx->ncgens; i++) {
		struct bf_cgen *cg = ctx->cgens[i];
		int r;

		if (req->cmd == BF_CMD_CHAIN_GET && strcmp(cg->chain->name, req->name))
			continue;
		r = bf_cgen_fetch_counters(cg);
		if (r)
			return bf_fail(resp, r, "cannot read the counters of chain '%s': %s",
				       cg->chain->name, strerror(-r));
		r = bf_ruleset_add_chain(out, cg->chain);
		if (r)
			return bf_fail(resp, r, "out of memory");
	}
	if (req->cmd == BF_CMD_CHAIN_GET && !out->nchains)
		return bf_fail(resp, -ENOENT, "no chain named '%s'", req->name);
	return 0;
}

static int bf_chain_update_set(struct bf_ctx *ctx, struct bf_request *req, struct bf_response *resp)
{
	struct bf_cgen *cg = bf_ctx_find(ctx, req->name);
	struct bf_set_update up = {
		.set = req->set_name,
		.add = req->add,
		.nadd = req->nadd,
		.remove = req->remove,
		.nremove = req->nremove,
		.dry_run = req->flags & BF_REQ_DRY_RUN,
	};

	if (!cg)
		return bf_fail(resp, -ENOENT, "no chain named '%s'", req->name);
	req->set_name[sizeof(req->set_name) - 1] = '\0';
	return bf_cgen_update_set(cg, &up, resp->message, sizeof(resp->message));
}

/* The server follows the chain's log on this connection once the
 * response is out (logs.h); here, only whether there is such a chain. */
static int bf_chain_logs(struct bf_ctx *ctx, struct bf_request *req, struct bf_response *resp,
			 char *follow)
{
	if (!bf_ctx_find(ctx, req->name))
		return bf_fail(resp, -ENOENT, "no chain named '%s'", req->name);
	snprintf(follow, BF_NAME_LEN, "%s", req->name);
	return 0;
}

/* Compile @chain (ownership taken) as set/load/update would, load it for
 * the verifier to check, and unload it: nothing is attached or replaced. */
static int bf_dry_load(struct bf_chain *chain, struct bf_response *resp)
{
	_cleanup_bf_cgen_ struct bf_cgen *cg = NULL;

	return bf_cgen_new(chain, &cg, resp->message, sizeof(resp->message));
}

static int bf_dry_ruleset_set(struct bf_request *req, struct bf_response *resp)
{
	size_t n = req->ruleset ? req->ruleset->nchains : 0;
	int r;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(req->ruleset->chains[i]->name, req->ruleset->chains[j]->name))
				return bf_fail(resp, -EEXIST, "chain '%s' is defined twice",
					       req->ruleset->chains[i]->name);
		}
	}
	for (size_t i = 0; i < n; i++) {
		r = bf_dry_load(TAKE_PTR(req->ruleset->chains[i]), resp);
		if (r)
			return r;
	}
	return 0;
}

/* "chain update --dry-run": the checks of bf_cgen_update(). */
static int bf_dry_chain_update(struct bf_ctx *ctx, struct bf_chain *chain, struct bf_response *resp)
{
	_cleanup_bf_chain_ struct bf_chain *c = chain;
	struct bf_cgen *cg = bf_ctx_find(ctx, c->name);

	if (!cg)
		return bf_fail(resp, -ENOENT, "no chain named '%s'", c->name);
	if (c->hook != cg->chain->hook)
		return bf_fail(resp, -EINVAL, "chain '%s' uses %s, not %s", c->name,
			       bf_hook_to_str(cg->chain->hook), bf_hook_to_str(c->hook));
	c->opts = cg->chain->opts;
	return bf_dry_load(TAKE_PTR(c), resp);
}

static int bf_dry_run(struct bf_ctx *ctx, struct bf_request *req, struct bf_response *resp)
{
	struct bf_chain *chain = NULL;
	int r;

	switch (req->cmd) {
	case BF_CMD_RULESET_SET:
		return bf_dry_ruleset_set(req, resp);
	case BF_CMD_CHAIN_SET:
	case BF_CMD_CHAIN_LOAD:
	case BF_CMD_CHAIN_UPDATE:
		break;
	case BF_CMD_CHAIN_UPDATE_SET:
		return bf_chain_update_set(ctx, req, resp);
	default:
		return bf_fail(resp, -EOPNOTSUPP, "%s has no dry run", bf_cmd_to_str(req->cmd));
	}

	r = bf_req_chain(req, &chain, resp);
	if (r)
		return r;
	if (req->cmd == BF_CMD_CHAIN_UPDATE)
		return bf_dry_chain_update(ctx, chain, resp);
	if (req->cmd == BF_CMD_CHAIN_LOAD) {
		if (bf_ctx_find(ctx, chain->name)) {
			r = bf_fail(resp, -EEXIST, "chain '%s' already exists", chain->name);
			bf_chain_free(&chain);
			return r;
		}
		memset(&chain->opts, 0, sizeof(chain->opts));
	}
	return bf_dry_load(chain, resp);
}

/* Requests that leave the chains as they were: nothing to persist. */
static bool bf_changes_nothing(const struct bf_request *req)
{
	switch (req->cmd) {
	case BF_CMD_RULESET_GET:
	case BF_CMD_CHAIN_GET:
	case BF_CMD_CHAIN_LOGS:
		return true;
	default:
		return req->flags & BF_REQ_DRY_RUN;
	}
}

static int bf_apply(struct bf_ctx *ctx, struct bf_request *req, struct bf_response *resp,
		    struct bf_ruleset *borrowed, char *follow)
{
	if ((req->flags & BF_REQ_DRY_RUN) && req->cmd != BF_CMD_RULESET_GET &&
	    req->cmd != BF_CMD_CHAIN_GET)
		return bf_dry_run(ctx, req, resp);

	switch (req->cmd) {
	case BF_CMD_RULESET_SET:
		return bf_ruleset_set(ctx, req, resp);
	case BF_CMD_RULESET_GET:
	case BF_CMD_CHAIN_GET:
		return bf_get(ctx, req, resp, borrowed);
	case BF_CMD_RULESET_FLUSH:
		bf_ctx_clean(ctx);
		return 0;
	case BF_CMD_CHAIN_SET:
		return bf_chain_set(ctx, req, resp);
	case BF_CMD_CHAIN_LOAD:
		return bf_chain_load(ctx, req, resp);
	case BF_CMD_CHAIN_ATTACH:
		return bf_chain_attach(ctx, req, resp);
	case BF_CMD_CHAIN_UPDATE:
		return bf_chain_update(ctx, req, resp);
	case BF_CMD_CHAIN_FLUSH:
		if (bf_ctx_remove(ctx, req->name))
			return bf_fail(resp, -ENOENT, "no chain named '%s'", req->name);
		return 0;
	case BF_CMD_CHAIN_UPDATE_SET:
		return bf_chain_update_set(ctx, req, resp);
	case BF_CMD_CHAIN_LOGS:
		return bf_chain_logs(ctx, req, resp, follow);
	default:
		return bf_fail(resp, -EINVAL, "unknown command %d", req->cmd);
	}
}

static bool bf_no_cli;

void bf_handle_set_no_cli(bool no_cli)
{
	bf_no_cli = no_cli;
}

/*
 * Apply in the client's namespaces (@peer's): interface names and indexes,
 * cgroup paths and the hooks are the client's. Then make what changed
 * survive the daemon, back in the daemon's namespaces, where its pins and
 * state file are.
 */
static int bf_dispatch(struct bf_ctx *ctx, const struct ucred *peer, struct bf_request *req,
		       struct bf_response *resp, struct bf_ruleset *borrowed, char *follow)
{
	struct bf_ns_switch ns = {};
	int r;

	if (peer) {
		r = bf_ns_enter(peer->pid, &ns, resp->message, sizeof(resp->message));
		if (r)
			return r;
	}
	r = bf_apply(ctx, req, resp, borrowed, follow);
	bf_ns_leave(&ns);

	if (r || bf_changes_nothing(req))
		return r;
	r = bf_persist_save(ctx);
	if (r)
		return bf_fail(resp, r,
			       "the chains are in place but could not be persisted: %s (see the "
			       "daemon's log)",
			       strerror(-r));
	return 0;
}

int bf_handle(struct bf_ctx *ctx, const struct ucred *peer, const void *buf, size_t len, void **out,
	      size_t *out_len, char *follow)
{
	struct bf_request req = {};
	struct bf_response resp = {};
	struct bf_ruleset borrowed = {};
	int r;

	follow[0] = '\0';
	r = bf_request_unpack(buf, len, &req);
	if (bf_no_cli) {
		resp.status = bf_fail(&resp, -EPERM,
				      "bfcli support is disabled in this daemon (--no-cli)");
	} else if (r) {
		resp.status = bf_fail(&resp, r, "malformed request");
	} else {
		req.name[sizeof(req.name) - 1] = '\0';
		resp.status = bf_dispatch(ctx, peer, &req, &resp, &borrowed, follow);
		if (resp.status && !resp.message[0])
			bf_fail(&resp, resp.status, "%s", strerror(-resp.status));
		if (resp.status) {
			/* Nothing to follow: the client gets the error. */
			follow[0] = '\0';
			bf_info("%s%s failed: %s", bf_cmd_to_str(req.cmd),
				req.flags & BF_REQ_DRY_RUN ? " (dry run)" : "", resp.message);
		} else {
			bf_dbg("%s%s done", bf_cmd_to_str(req.cmd),
			       req.flags & BF_REQ_DRY_RUN ? " (dry run)" : "");
		}
	}
	if (borrowed.nchains)
		resp.ruleset = &borrowed;

	r = bf_response_pack(&resp, out, out_len);
	/* The chains are ctx's: only drop the array and the counters. */
	for (size_t i = 0; i < borrowed.nchains; i++) {
		free(borrowed.chains[i]->counters);
		borrowed.chains[i]->counters = NULL;
	}
	free(borrowed.chains);
	bf_request_clean(&req);
	return r;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Requests bfcli sends to the daemon and the responses it gets back. On the
 * socket each is one framed message (msg.h) whose payload is produced by
 * bf_request_pack() / bf_response_pack().
 */
#ifndef BF_REQUEST_H
#define BF_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h"

enum bf_cmd {
	BF_CMD_RULESET_SET = 0,
	BF_CMD_RULESET_GET,
	BF_CMD_RULESET_FLUSH,
	BF_CMD_CHAIN_SET,
	BF_CMD_CHAIN_GET,
	BF_CMD_CHAIN_LOAD,
	BF_CMD_CHAIN_ATTACH,
	BF_CMD_CHAIN_UPDATE,
	BF_CMD_CHAIN_FLUSH,
	/* Add and remove elements of a named set, in place. */
	BF_CMD_CHAIN_UPDATE_SET,
	/* Follow the chain's log: one response with the status, then one
	 * response per entry (resp.log) until the client goes away. */
	BF_CMD_CHAIN_LOGS,
	_BF_CMD_MAX,
};

enum bf_request_flag {
	/* get: print sets as a count instead of their elements. */
	BF_REQ_NO_SET_CONTENT = 1U << 0,
	/* set, load, update, update-set: validate only, change nothing. */
	BF_REQ_DRY_RUN = 1U << 1,
};

struct bf_request {
	enum bf_cmd cmd;
	uint32_t flags; /* enum bf_request_flag */
	char name[BF_NAME_LEN]; /* chain get/attach/flush */
	struct bf_ruleset *ruleset; /* ruleset set, chain set/load/update */
	struct bf_hookopts opts; /* chain attach */
	/* chain update-set: the set, and elements as written ("10.0.0.1",
	 * "10.0.0.2, 22"), parsed by the daemon against the set's key. */
	char set_name[BF_NAME_LEN];
	char **add;
	size_t nadd;
	char **remove;
	size_t nremove;
};

#define BF_RESPONSE_MSG_LEN 1024

struct bf_response {
	int status; /* 0 or a negative errno */
	char message[BF_RESPONSE_MSG_LEN]; /* one line; empty on success */
	struct bf_ruleset *ruleset; /* get: chains, with counters */
	/* chain logs: one logged packet (the chain is req.name) */
	bool has_log;
	struct bf_log_entry log;
};

/* Serialize into a new buffer (free() it). */
int bf_request_pack(const struct bf_request *req, void **buf, size_t *len);
/* Deserialize untrusted bytes; any malformed input gives -EINVAL and
 * leaves nothing allocated. Free with bf_request_clean(). */
int bf_request_unpack(const void *buf, size_t len, struct bf_request *req);
void bf_request_clean(struct bf_request *req);

int bf_response_pack(const struct bf_response *resp, void **buf, size_t *len);
int bf_response_unpack(const void *buf, size_t len, struct bf_response *resp);
void bf_response_clean(struct bf_response *resp);

const char *bf_cmd_to_str(enum bf_cmd cmd);

/* chain update-set: at most this many elements in add[] and in remove[],
 * each at most this many bytes (without its NUL). The wire refuses more. */
#define BF_REQ_MAX_ELEMS (1U << 20)
#define BF_REQ_ELEM_MAX_LEN 1024U

#endif /* BF_REQUEST_H */

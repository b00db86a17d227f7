// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parser's actions: the grammar (parser.y) recognises the language and
 * calls the bf_p_*() functions below, which turn words into model values
 * and report what is wrong with them, at the line and column of the word.
 */
#include "parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"
#include "names.h"
#include "set.h"
#include "validate.h"

/* Order matters: the lexer's header needs the parser's types. */
#include "parser.tab.h"
#include "lexer.yy.h"

#define BF_ARENA_BLOCK 16384
#define BF_PPM_PER_PERCENT 10000U
#define BF_PERCENT_MAX_DECIMALS 4

/*
 * Words live until the end of the parse, in blocks freed all at once: the
 * parser can then abort anywhere without tracking what it holds.
 */
struct bf_arena {
	struct bf_arena *next;
	size_t used;
	size_t size;
	max_align_t data[];
};

static void *arena_alloc(struct bf_parse_ctx *ctx, size_t size)
{
	struct bf_arena *a = ctx->arena;
	size_t align = sizeof(max_align_t);
	void *p;

	size = (size + align - 1) / align * align;
	if (!a || a->size - a->used < size) {
		size_t bsize = size > BF_ARENA_BLOCK ? size : BF_ARENA_BLOCK;

		a = malloc(sizeof(*a) + bsize);
		if (!a)
			return NULL;
		a->next = ctx->arena;
		a->used = 0;
		a->size = bsize;
		ctx->arena = a;
	}
	p = (char *)a->data + a->used;
	a->used += size;
	return p;
}

static void arena_free(struct bf_parse_ctx *ctx)
{
	while (ctx->arena) {
		struct bf_arena *next = ctx->arena->next;

		free(ctx->arena);
		ctx->arena = next;
	}
}

int bf_p_err(struct bf_parse_ctx *ctx, int line, int column, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	/* The first error is the one to fix; later ones are consequences. */
	if (ctx->ret)
		return ctx->ret;
	ctx->ret = -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	/* Words are quoted as written: keep control characters off the
	 * user's terminal and the message on one line. */
	for (char *c = msg; *c; c++) {
		if (iscntrl((unsigned char)*c))
			*c = '?';
	}
	if (ctx->err && ctx->errlen && ctx->no_location)
		snprintf(ctx->err, ctx->errlen, "%s", msg);
	else if (ctx->err && ctx->errlen)
		snprintf(ctx->err, ctx->errlen, "line %d, column %d: %s", line, column, msg);
	return ctx->ret;
}

#define word_err(ctx, w, fmt, ...) bf_p_err(ctx, (w)->line, (w)->column, fmt, ##__VA_ARGS__)

static int nomem(struct bf_parse_ctx *ctx)
{
	if (ctx->ret)
		return ctx->ret;
	ctx->ret = -ENOMEM;
	if (ctx->err && ctx->errlen)
		snprintf(ctx->err, ctx->errlen, "out of memory");
	return ctx->ret;
}

struct bf_pword *bf_p_word(struct bf_parse_ctx *ctx, const char *text, size_t len, int line,
			   int column)
{
	struct bf_pword *w = arena_alloc(ctx, sizeof(*w) + len + 1);
	char *copy;

	if (!w) {
		nomem(ctx);
		return NULL;
	}
	copy = (char *)(w + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	*w = (struct bf_pword) {
		.text = copy, .line = line, .column = column, .tail = w,
	};
	return w;
}

struct bf_pword *bf_p_append(struct bf_pword *list, struct bf_pword *word)
{
	list->tail->next = word;
	list->tail = word;
	return list;
}

void bf_p_token(struct bf_parse_ctx *ctx, int tok, const char *text)
{
	size_t max = sizeof(ctx->tok_text) - 4;
	size_t i;

	ctx->last_tok = tok;
	for (i = 0; text[i] && i < max; i++)
		ctx->tok_text[i] = isprint((unsigned char)text[i]) ? text[i] : '?';
	ctx->tok_text[i] = '\0';
	if (text[i])
		strcat(ctx->tok_text, "...");
}

/* Numbers and names. */

static int parse_u64(struct bf_parse_ctx *ctx, const struct bf_pword *w, uint64_t max,
		     const char *what, uint64_t *val)
{
	int r = bf_str_to_u64(w->text, max, val);

	if (r == -ERANGE) {
		return word_err(ctx, w, "%s %s out of range (0-%llu)", what, w->text,
				(unsigned long long)max);
	}
	if (r)
		return word_err(ctx, w, "invalid %s '%s'", what, w->text);
	return 0;
}

static int parse_u32(struct bf_parse_ctx *ctx, const struct bf_pword *w, uint32_t max,
		     const char *what, uint32_t *val)
{
	uint64_t v;
	int r = parse_u64(ctx, w, max, what, &v);

	if (!r)
		*val = (uint32_t)v;
	return r;
}

/* Report a *_from_str() failure: unknown name or number too large. */
static int name_err(struct bf_parse_ctx *ctx, const struct bf_pword *w, int r,
		    const char *what, unsigned int max)
{
	if (r == -ERANGE)
		return word_err(ctx, w, "%s %s out of range (0-%u)", what, w->text, max);
	return word_err(ctx, w, "unknown %s '%s'", what, w->text);
}

/* "A-B", both ends at most @max: a range of ports or flow hashes. */
static int parse_range(struct bf_parse_ctx *ctx, const struct bf_pword *w, uint32_t max,
		       const char *what, uint32_t *lo, uint32_t *hi)
{
	const char *dash = strchr(w->text, '-');
	struct bf_pword part;
	char buf[32];
	size_t len;
	int r;

	if (!dash || dash == w->text || !dash[1])
		return word_err(ctx, w, "invalid %s range '%s' (expected A-B)", what, w->text);
	len = dash - w->text;
	if (len >= sizeof(buf))
		return word_err(ctx, w, "invalid %s range '%s' (expected A-B)", what, w->text);
	memcpy(buf, w->text, len);
	buf[len] = '\0';

	part = *w;
	part.text = buf;
	r = parse_u32(ctx, &part, max, what, lo);
	if (r)
		return r;
	part.text = dash + 1;
	r = parse_u32(ctx, &part, max, what, hi);
	if (r)
		return r;
	if (*lo > *hi)
		return word_err(ctx, w, "invalid %s range %u-%u: %u is above %u", what, *lo, *hi, *lo,
				*hi);
	return 0;
}

/* One value, or "A-B" for "range": ports and flow hashes. */
static int parse_num_or_range(struct bf_parse_ctx *ctx, const struct bf_pword *w, uint32_t max,
			      const char *what, struct bf_matcher *m)
{
	int r;

	if (m->op == BF_OP_RANGE)
		return parse_range(ctx, w, max, what, &m->num.lo, &m->num.hi);
	r = parse_u32(ctx, w, max, what, &m->num.lo);
	m->num.hi = m->num.lo;
	return r;
}

/* "ADDR" or, for a network, "ADDR/LEN" (no length: a full-length prefix). */
static int parse_ip(struct bf_parse_ctx *ctx, const struct bf_pword *w, int family, bool net,
		    struct bf_matcher *m)
{
	const char *what = family == AF_INET ? "IPv4" : "IPv6";
	uint8_t max = family == AF_INET ? 32 : 128;
	const char *slash = strchr(w->text, '/');
	char buf[INET6_ADDRSTRLEN + 1];
	size_t len = slash ? (size_t)(slash - w->text) : strlen(w->text);
	uint64_t plen = max;

	if (slash && !net) {
		return word_err(ctx, w, "invalid %s address '%s' (use %s for a network)", what,
				w->text, family == AF_INET ? "ip4.snet/ip4.dnet" : "ip6.snet/ip6.dnet");
	}
	if (len >= sizeof(buf))
		return word_err(ctx, w, "invalid %s address '%s'", what, w->text);
	memcpy(buf, w->text, len);
	buf[len] = '\0';
	if (inet_pton(family, buf, m->ip.addr) != 1)
		return word_err(ctx, w, "invalid %s address '%s'", what, buf);

	if (slash) {
		int r = bf_str_to_u64(slash + 1, max, &plen);

		if (r == -ERANGE)
			return word_err(ctx, w, "prefix length %s out of range (0-%u)", slash + 1, max);
		if (r)
			return word_err(ctx, w, "invalid prefix length '%s'", slash + 1);
	}
	m->ip.plen = (uint8_t)plen;
	return 0;
}

/* "50%", "33.3%": parts per million, so up to 4 decimals are exact. */
static int parse_percent(struct bf_parse_ctx *ctx, const struct bf_pword *w,
			 struct bf_matcher *m)
{
	const char *s = w->text;
	uint64_t whole = 0, frac = 0;
	int ndec = 0;

	if (!isdigit((unsigned char)*s))
		return word_err(ctx, w, "invalid probability '%s' (expected a percentage: 50%%)", s);
	for (; isdigit((unsigned char)*s); s++)
		whole = whole > 100 ? whole : whole * 10 + (*s - '0');
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++, ndec++) {
			if (ndec >= BF_PERCENT_MAX_DECIMALS)
				return word_err(ctx, w, "probability '%s' has more than %d decimals",
						w->text, BF_PERCENT_MAX_DECIMALS);
			frac = frac * 10 + (*s - '0');
		}
		if (!ndec)
			return word_err(ctx, w, "invalid probability '%s'", w->text);
	}
	if (s[0] != '%' || s[1])
		return word_err(ctx, w, "invalid probability '%s' (expected a percentage: 50%%)",
				w->text);

	for (; ndec < BF_PERCENT_MAX_DECIMALS; ndec++)
		frac *= 10;
	if (whole * BF_PPM_PER_PERCENT + frac > 100 * BF_PPM_PER_PERCENT)
		return word_err(ctx, w, "probability %s out of range (0-100%%)", w->text);
	m->num.lo = m->num.hi = (uint32_t)(whole * BF_PPM_PER_PERCENT + frac);
	return 0;
}

/* An index is a number; anything else is a name the daemon resolves.
 * @name has IF_NAMESIZE bytes; it stays empty for an index. */
static int parse_ifname_or_index(struct bf_parse_ctx *ctx, const struct bf_pword *w,
				 uint32_t *ifindex, char *name)
{
	uint64_t idx;
	int r = bf_str_to_u64(w->text, UINT32_MAX, &idx);

	if (r == -ERANGE || (!r && !idx))
		return word_err(ctx, w, "interface index %s out of range (1-%u)", w->text, UINT32_MAX);
	if (!r) {
		*ifindex = (uint32_t)idx;
		return 0;
	}
	if (!bf_ifname_is_valid(w->text, strlen(w->text) + 1))
		return word_err(ctx, w, "invalid interface name '%s'", w->text);
	strcpy(name, w->text);
	return 0;
}

static int parse_iface(struct bf_parse_ctx *ctx, const struct bf_pword *w,
		       struct bf_matcher *m)
{
	return parse_ifname_or_index(ctx, w, &m->iface.ifindex, m->iface.name);
}

/* "syn,ack" (the words of the list) or one number for the whole mask. */
static int parse_tcp_flags(struct bf_parse_ctx *ctx, const struct bf_pword *w,
			   struct bf_matcher *m)
{
	uint32_t mask = 0;

	if (!w->next && isdigit((unsigned char)w->text[0])) {
		int r = parse_u32(ctx, w, UINT8_MAX, "TCP flags", &mask);

		m->num.lo = m->num.hi = mask;
		return r;
	}
	for (; w; w = w->next) {
		enum bf_tcp_flag flag;

		if (bf_tcp_flag_from_str(w->text, &flag))
			return word_err(ctx, w, "unknown TCP flag '%s'", w->text);
		mask |= flag;
	}
	m->num.lo = m->num.hi = mask;
	return 0;
}

static int parse_byte_name(struct bf_parse_ctx *ctx, const struct bf_pword *w,
			   int (*from_str)(const char *, uint8_t *), const char *what,
			   struct bf_matcher *m)
{
	uint8_t v;
	int r = from_str(w->text, &v);

	if (r)
		return name_err(ctx, w, r, what, UINT8_MAX);
	m->num.lo = m->num.hi = v;
	return 0;
}

static int parse_l3(struct bf_parse_ctx *ctx, const struct bf_pword *w, struct bf_matcher *m)
{
	uint16_t v;
	int r = bf_l3_proto_from_str(w->text, &v);

	if (r)
		return name_err(ctx, w, r, "layer 3 protocol", UINT16_MAX);
	m->num.lo = m->num.hi = v;
	return 0;
}

static int parse_dscp(struct bf_parse_ctx *ctx, const struct bf_pword *w, struct bf_matcher *m)
{
	uint8_t v;
	int r = bf_dscp_from_str(w->text, &v);

	if (r == -ERANGE)
		return word_err(ctx, w, "DSCP %s out of range (0-63)", w->text);
	if (r) {
		return word_err(ctx, w,
				"unknown DSCP class '%s' (0-63, cs0-cs7, af11-af13, af21-af23, "
				"af31-af33, af41-af43 or ef)",
				w->text);
	}
	m->num.lo = m->num.hi = v;
	return 0;
}

static int parse_num(struct bf_parse_ctx *ctx, const struct bf_pword *w, uint32_t max,
		     const char *what, struct bf_matcher *m)
{
	int r = parse_u32(ctx, w, max, what, &m->num.lo);

	m->num.hi = m->num.lo;
	return r;
}

/* The payload of @m (type and op set) from @w, a list for tcp.flags. */
static int parse_payload(struct bf_parse_ctx *ctx, const struct bf_pword *w,
			 struct bf_matcher *m)
{
	switch (m->type) {
	case BF_MATCHER_META_IFACE:
		return parse_iface(ctx, w, m);
	case BF_MATCHER_META_L3_PROTO:
		return parse_l3(ctx, w, m);
	case BF_MATCHER_META_L4_PROTO:
	case BF_MATCHER_IP4_PROTO:
		return parse_byte_name(ctx, w, bf_l4_proto_from_str, "protocol", m);
	case BF_MATCHER_IP6_NEXTHDR:
		return parse_byte_name(ctx, w, bf_ip6_nexthdr_from_str, "next header", m);
	case BF_MATCHER_ICMP_TYPE:
		return parse_byte_name(ctx, w, bf_icmp_type_from_str, "ICMP type", m);
	case BF_MATCHER_ICMPV6_TYPE:
		return parse_byte_name(ctx, w, bf_icmpv6_type_from_str, "ICMPv6 type", m);
	case BF_MATCHER_ICMP_CODE:
		return parse_num(ctx, w, UINT8_MAX, "ICMP code", m);
	case BF_MATCHER_ICMPV6_CODE:
		return parse_num(ctx, w, UINT8_MAX, "ICMPv6 code", m);
	case BF_MATCHER_META_SPORT:
	case BF_MATCHER_META_DPORT:
	case BF_MATCHER_TCP_SPORT:
	case BF_MATCHER_TCP_DPORT:
	case BF_MATCHER_UDP_SPORT:
	case BF_MATCHER_UDP_DPORT:
		return parse_num_or_range(ctx, w, UINT16_MAX, "port", m);
	case BF_MATCHER_META_FLOW_HASH:
		return parse_num_or_range(ctx, w, UINT32_MAX, "flow hash", m);
	case BF_MATCHER_META_PROBABILITY:
	case BF_MATCHER_META_FLOW_PROBABILITY:
		return parse_percent(ctx, w, m);
	case BF_MATCHER_IP4_DSCP:
	case BF_MATCHER_IP6_DSCP:
		return parse_dscp(ctx, w, m);
	case BF_MATCHER_META_MARK:
		return parse_num(ctx, w, UINT32_MAX, "mark", m);
	case BF_MATCHER_TCP_FLAGS:
		return parse_tcp_flags(ctx, w, m);
	case BF_MATCHER_IP4_SADDR:
	case BF_MATCHER_IP4_DADDR:
		return parse_ip(ctx, w, AF_INET, false, m);
	case BF_MATCHER_IP4_SNET:
	case BF_MATCHER_IP4_DNET:
		return parse_ip(ctx, w, AF_INET, true, m);
	case BF_MATCHER_IP6_SADDR:
	case BF_MATCHER_IP6_DADDR:
		return parse_ip(ctx, w, AF_INET6, false, m);
	case BF_MATCHER_IP6_SNET:
	case BF_MATCHER_IP6_DNET:
		return parse_ip(ctx, w, AF_INET6, true, m);
	default:
		return word_err(ctx, w, "matcher has no payload");
	}
}

static void put_be(uint8_t *out, uint32_t v, size_t size)
{
	for (size_t i = 0; i < size; i++)
		out[i] = (uint8_t)(v >> (8 * (size - 1 - i)));
}

/* One component of a set element, encoded as set.h describes. */
static int parse_comp(struct bf_parse_ctx *ctx, enum bf_matcher_type type,
		      const struct bf_pword *w, uint8_t *out)
{
	struct bf_matcher m = { .type = type, .op = BF_OP_EQ };
	size_t size = bf_set_comp_size(type);
	struct bf_pword one = *w;
	int r;

	one.next = NULL;
	r = parse_payload(ctx, &one, &m);
	if (r)
		return r;

	switch (type) {
	case BF_MATCHER_IP4_SADDR:
	case BF_MATCHER_IP4_DADDR:
	case BF_MATCHER_IP6_SADDR:
	case BF_MATCHER_IP6_DADDR:
		memcpy(out, m.ip.addr, size);
		break;
	case BF_MATCHER_IP4_SNET:
	case BF_MATCHER_IP4_DNET:
	case BF_MATCHER_IP6_SNET:
	case BF_MATCHER_IP6_DNET:
		memcpy(out, m.ip.addr, size - 1);
		out[size - 1] = m.ip.plen;
		break;
	case BF_MATCHER_META_IFACE:
		/* An element holds an index only: bfcli runs in the namespace the
		 * rules are for, so it can resolve the name itself. */
		if (!m.iface.ifindex) {
			m.iface.ifindex = if_nametoindex(m.iface.name);
			if (!m.iface.ifindex)
				return word_err(ctx, w, "unknown interface '%s'", w->text);
		}
		put_be(out, m.iface.ifindex, size);
		break;
	default:
		put_be(out, m.num.lo, size);
		break;
	}
	return 0;
}

/* Grammar actions. */

static int find_type(struct bf_parse_ctx *ctx, const struct bf_pword *w,
		     enum bf_matcher_type *type)
{
	if (!bf_matcher_type_from_str(w->text, type))
		return 0;
	return word_err(ctx, w, "unknown matcher '%s'", w->text);
}

static void format_key(char *buf, size_t len, const enum bf_matcher_type *key, size_t nkeys)
{
	size_t off = snprintf(buf, len, "(");

	for (size_t i = 0; i < nkeys && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
				bf_matcher_type_to_str(key[i]));
	if (off < len)
		snprintf(buf + off, len - off, ")");
}

static int check_room(struct bf_parse_ctx *ctx, const struct bf_pword *w)
{
	if (ctx->rule.nmatchers < BF_RULE_MAX_MATCHERS)
		return 0;
	return word_err(ctx, w, "too many matchers in a rule (at most %d)", BF_RULE_MAX_MATCHERS);
}

static int add_matcher(struct bf_parse_ctx *ctx, const struct bf_matcher *m)
{
	if (bf_rule_add_matcher(&ctx->rule, m))
		return nomem(ctx);
	return 0;
}

int bf_p_chain_begin(struct bf_parse_ctx *ctx, const struct bf_pword *name,
		     const struct bf_pword *hook)
{
	enum bf_hook h;

	if (!bf_name_is_valid(name->text, strlen(name->text) + 1)) {
		return word_err(ctx, name,
				"invalid chain name '%s' (1-%d letters, digits, '_', '-', '.')",
				name->text, BF_NAME_LEN - 1);
	}
	for (size_t i = 0; i < ctx->rs->nchains; i++) {
		if (!strcmp(ctx->rs->chains[i]->name, name->text))
			return word_err(ctx, name, "chain '%s' defined twice", name->text);
	}
	if (bf_hook_from_str(hook->text, &h))
		return word_err(ctx, hook, "unknown hook '%s'", hook->text);

	ctx->chain = bf_chain_new();
	if (!ctx->chain)
		return nomem(ctx);
	strcpy(ctx->chain->name, name->text);
	ctx->chain->hook = h;
	return 0;
}

int bf_p_hookopt(struct bf_parse_ctx *ctx, const struct bf_pword *key,
		 const struct bf_pword *value)
{
	enum bf_hookopt opt;
	char why[256];

	if (!bf_hookopt_from_str(key->text, &opt) &&
	    !bf_hookopt_allowed_on_hook(opt, ctx->chain->hook)) {
		return word_err(ctx, key, "hook option '%s' not supported on %s", key->text,
				bf_hook_to_str(ctx->chain->hook));
	}
	if (bf_hookopt_parse(key->text, value->text, &ctx->chain->opts, why, sizeof(why)))
		return word_err(ctx, key, "%s", why);
	return 0;
}

int bf_p_chain_policy(struct bf_parse_ctx *ctx, int verdict, const YYLTYPE *loc)
{
	/* A policy ends the chain: it can't go on (CONTINUE) or name an
	 * interface (REDIRECT). */
	if (verdict != BF_VERDICT_ACCEPT && verdict != BF_VERDICT_DROP &&
	    verdict != BF_VERDICT_NEXT) {
		return bf_p_err(ctx, loc->first_line, loc->first_column,
				"invalid policy '%s' (ACCEPT, DROP or NEXT)",
				bf_verdict_to_str(verdict));
	}
	ctx->chain->policy = verdict;
	return 0;
}

int bf_p_chain_end(struct bf_parse_ctx *ctx)
{
	if (bf_ruleset_add_chain(ctx->rs, ctx->chain))
		return nomem(ctx);
	ctx->chain = NULL;
	return 0;
}

int bf_p_key_add(struct bf_parse_ctx *ctx, const struct bf_pword *type)
{
	enum bf_matcher_type t;
	char why[256];

	if (find_type(ctx, type, &t))
		return ctx->ret;
	if (ctx->nkeys == BF_SET_MAX_COMPS) {
		return word_err(ctx, type, "a set key has at most %d components",
				BF_SET_MAX_COMPS);
	}
	ctx->key[ctx->nkeys++] = t;
	if (bf_set_key_validate(ctx->key, ctx->nkeys, why, sizeof(why)))
		return word_err(ctx, type, "%s", why);
	return 0;
}

static void set_init(struct bf_parse_ctx *ctx, const char *name, bool flat)
{
	memset(&ctx->set, 0, sizeof(ctx->set));
	if (name)
		strcpy(ctx->set.name, name);
	ctx->set.nkeys = (uint8_t)ctx->nkeys;
	memcpy(ctx->set.key, ctx->key, ctx->nkeys * sizeof(ctx->key[0]));
	ctx->set_flat = flat;
	ctx->nkeys = 0;
}

int bf_p_set_begin(struct bf_parse_ctx *ctx, const struct bf_pword *name)
{
	if (!bf_name_is_valid(name->text, strlen(name->text) + 1)) {
		return word_err(ctx, name,
				"invalid set name '%s' (1-%d letters, digits, '_', '-', '.')",
				name->text, BF_NAME_LEN - 1);
	}
	if (bf_chain_find_set(ctx->chain, name->text) >= 0)
		return word_err(ctx, name, "set '%s' defined twice", name->text);
	set_init(ctx, name->text, false);
	return 0;
}

static int add_elem(struct bf_parse_ctx *ctx, const uint8_t *elem)
{
	if (bf_set_add_elem(&ctx->set, elem))
		return nomem(ctx);
	return 0;
}

int bf_p_set_elem(struct bf_parse_ctx *ctx, const struct bf_pword *values)
{
	const struct bf_set *set = &ctx->set;
	uint8_t elem[BF_SET_KEY_MAX];
	size_t n = 0, off = 0;

	if (ctx->set_flat) {
		for (const struct bf_pword *w = values; w; w = w->next) {
			if (parse_comp(ctx, set->key[0], w, elem) || add_elem(ctx, elem))
				return ctx->ret;
		}
		return 0;
	}

	for (const struct bf_pword *w = values; w; w = w->next)
		n++;
	if (n != set->nkeys) {
		char key[128];

		format_key(key, sizeof(key), set->key, set->nkeys);
		return word_err(ctx, values, "element has %zu value%s, key %s has %u", n,
				n == 1 ? "" : "s", key, set->nkeys);
	}
	n = 0;
	for (const struct bf_pword *w = values; w; w = w->next, n++) {
		if (parse_comp(ctx, set->key[n], w, elem + off))
			return ctx->ret;
		off += bf_set_comp_size(set->key[n]);
	}
	return add_elem(ctx, elem);
}

int bf_p_set_end(struct bf_parse_ctx *ctx)
{
	if (bf_chain_add_set(ctx->chain, &ctx->set))
		return nomem(ctx);
	memset(&ctx->set, 0, sizeof(ctx->set));

	if (ctx->set_pending) {
		ctx->pending.set = (uint32_t)(ctx->chain->nsets - 1);
		ctx->set_pending = false;
		return add_matcher(ctx, &ctx->pending);
	}
	return 0;
}

int bf_p_matcher(struct bf_parse_ctx *ctx, const struct bf_pword *type, bool negate, int op,
		 const struct bf_pword *values)
{
	struct bf_matcher m = { .op = op, .negate = negate };

	if (find_type(ctx, type, &m.type) || check_room(ctx, type))
		return ctx->ret;
	if (!bf_matcher_op_allowed(m.type, m.op)) {
		return word_err(ctx, type, "operator '%s' not supported by %s",
				bf_matcher_op_to_str(m.op), type->text);
	}
	if (values->next && m.type != BF_MATCHER_TCP_FLAGS) {
		return word_err(ctx, values->next, "%s takes one value (use 'in { ... }' for several)",
				type->text);
	}
	if (parse_payload(ctx, values, &m))
		return ctx->ret;
	return add_matcher(ctx, &m);
}

int bf_p_matcher_inline_set(struct bf_parse_ctx *ctx, const struct bf_pword *type,
			    bool negate)
{
	struct bf_matcher m = { .op = BF_OP_IN, .negate = negate };

	if (find_type(ctx, type, &m.type) || check_room(ctx, type))
		return ctx->ret;
	if (!bf_matcher_op_allowed(m.type, BF_OP_IN))
		return word_err(ctx, type, "operator 'in' not supported by %s", type->text);

	ctx->key[0] = m.type;
	ctx->nkeys = 1;
	set_init(ctx, NULL, true);
	ctx->pending = m;
	ctx->set_pending = true;
	return 0;
}

int bf_p_matcher_named_set(struct bf_parse_ctx *ctx, bool negate, const struct bf_pword *name)
{
	struct bf_matcher m = { .type = BF_MATCHER_SET, .op = BF_OP_IN, .negate = negate };
	const struct bf_set *set;
	int idx;

	if (check_room(ctx, name))
		return ctx->ret;
	idx = bf_chain_find_set(ctx->chain, name->text);
	if (idx < 0)
		return word_err(ctx, name, "undefined set '%s'", name->text);

	set = &ctx->chain->sets[idx];
	if (set->nkeys != ctx->nkeys ||
	    memcmp(set->key, ctx->key, ctx->nkeys * sizeof(ctx->key[0]))) {
		char want[128], have[128];

		format_key(have, sizeof(have), set->key, set->nkeys);
		format_key(want, sizeof(want), ctx->key, ctx->nkeys);
		return word_err(ctx, name, "set '%s' has key %s, not %s", name->text, have, want);
	}
	ctx->nkeys = 0;
	m.set = (uint32_t)idx;
	return add_matcher(ctx, &m);
}

/* "TYPE in NAME" is "(TYPE) in NAME". */
int bf_p_matcher_type_named_set(struct bf_parse_ctx *ctx, const struct bf_pword *type,
				bool negate, const struct bf_pword *name)
{
	if (find_type(ctx, type, &ctx->key[0]))
		return ctx->ret;
	ctx->nkeys = 1;
	return bf_p_matcher_named_set(ctx, negate, name);
}

int bf_p_matcher_anon_set(struct bf_parse_ctx *ctx, bool negate, const YYLTYPE *loc)
{
	if (ctx->rule.nmatchers >= BF_RULE_MAX_MATCHERS) {
		return bf_p_err(ctx, loc->first_line, loc->first_column,
				"too many matchers in a rule (at most %d)", BF_RULE_MAX_MATCHERS);
	}
	set_init(ctx, NULL, false);
	ctx->pending = (struct bf_matcher) {
		.type = BF_MATCHER_SET, .op = BF_OP_IN, .negate = negate,
	};
	ctx->set_pending = true;
	return 0;
}

/* Rule actions. */

#define BF_NS_PER_US 1000ULL
#define BF_NS_PER_MS 1000000ULL
#define BF_NS_PER_S 1000000000ULL
/* Nanoseconds are the unit: more decimals than this can't be whole. */
#define BF_DURATION_MAX_DECIMALS 9

static const struct {
	const char *name;
	uint64_t ns;
} duration_units[] = {
	{ "ns", 1 },
	{ "us", BF_NS_PER_US },
	{ "ms", BF_NS_PER_MS },
	{ "s", BF_NS_PER_S },
};

/* Digits into @v; the end of them, or NULL past UINT64_MAX. */
static const char *parse_digits(const char *s, uint64_t *v, int *ndigits)
{
	*v = 0;
	*ndigits = 0;
	for (; isdigit((unsigned char)*s); s++, (*ndigits)++) {
		if (*v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return NULL;
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	return s;
}

static int duration_err(struct bf_parse_ctx *ctx, const struct bf_pword *w)
{
	return word_err(ctx, w,
			"invalid duration '%s' (expected a number and a unit: 500ms, 1s, 1.5s; "
			"units ns, us, ms, s)",
			w->text);
}

/* "500ms", "1s", "1.5s": a whole, non-zero number of nanoseconds. */
static int parse_duration(struct bf_parse_ctx *ctx, const struct bf_pword *w, uint64_t *ns)
{
	uint64_t whole, frac = 0, unit = 0, scale = 1;
	int nwhole, nfrac = 0;
	const char *s = parse_digits(w->text, &whole, &nwhole);

	if (!s)
		return word_err(ctx, w, "duration '%s' out of range", w->text);
	if (!nwhole)
		return duration_err(ctx, w);
	if (*s == '.') {
		s = parse_digits(s + 1, &frac, &nfrac);
		if (!s || nfrac > BF_DURATION_MAX_DECIMALS)
			return word_err(ctx, w, "duration '%s' is not a whole number of nanoseconds",
					w->text);
		if (!nfrac)
			return duration_err(ctx, w);
	}
	for (size_t i = 0; i < ARRAY_SIZE(duration_units); i++) {
		if (!strcmp(s, duration_units[i].name))
			unit = duration_units[i].ns;
	}
	if (!unit)
		return duration_err(ctx, w);

	/* frac < 10^9 and unit <= 10^9: the product fits. */
	for (int i = 0; i < nfrac; i++)
		scale *= 10;
	if (frac * unit % scale)
		return word_err(ctx, w, "duration '%s' is not a whole number of nanoseconds", w->text);
	frac = frac * unit / scale;
	if (whole > (UINT64_MAX - frac) / unit)
		return word_err(ctx, w, "duration '%s' out of range", w->text);
	*ns = whole * unit + frac;
	if (!*ns)
		return word_err(ctx, w, "duration '%s' must be more than 0", w->text);
	return 0;
}

/* "link,internet": each at most once; none means all. */
static int parse_log_hdrs(struct bf_parse_ctx *ctx, const struct bf_pword *w, uint8_t *hdrs)
{
	*hdrs = 0;
	if (!w) {
		*hdrs = BF_LOG_LINK | BF_LOG_INTERNET | BF_LOG_TRANSPORT;
		return 0;
	}
	for (; w; w = w->next) {
		enum bf_log_hdr hdr;

		if (bf_log_hdr_from_str(w->text, &hdr)) {
			return word_err(ctx, w,
					"unknown log header '%s' (link, internet or transport)",
					w->text);
		}
		if (*hdrs & hdr)
			return word_err(ctx, w, "log header '%s' given twice", w->text);
		*hdrs |= hdr;
	}
	return 0;
}

static int twice(struct bf_parse_ctx *ctx, const char *what, const YYLTYPE *loc)
{
	return bf_p_err(ctx, loc->first_line, loc->first_column, "'%s' given twice in a rule",
			what);
}

int bf_p_log(struct bf_parse_ctx *ctx, const struct bf_pword *hdrs,
	     const struct bf_pword *every, const YYLTYPE *loc)
{
	if (ctx->rule.log)
		return twice(ctx, "log", loc);
	if (parse_log_hdrs(ctx, hdrs, &ctx->rule.log))
		return ctx->ret;
	if (every && parse_duration(ctx, every, &ctx->rule.log_every_ns))
		return ctx->ret;
	return 0;
}

int bf_p_counter(struct bf_parse_ctx *ctx, const YYLTYPE *loc)
{
	if (ctx->rule.counter)
		return twice(ctx, "counter", loc);
	ctx->rule.counter = true;
	return 0;
}

int bf_p_mark(struct bf_parse_ctx *ctx, const struct bf_pword *value, const YYLTYPE *loc)
{
	if (ctx->rule.has_mark)
		return twice(ctx, "mark", loc);
	if (parse_u32(ctx, value, UINT32_MAX, "mark", &ctx->rule.mark))
		return ctx->ret;
	ctx->rule.has_mark = true;
	return 0;
}

/* @dir NULL: the "in" keyword ("out" is a plain word). */
int bf_p_redirect(struct bf_parse_ctx *ctx, const struct bf_pword *iface,
		  const struct bf_pword *dir)
{
	struct bf_rule *rule = &ctx->rule;

	if (!dir)
		rule->redirect_dir = BF_REDIRECT_IN;
	else if (!strcmp(dir->text, "out"))
		rule->redirect_dir = BF_REDIRECT_OUT;
	else
		return word_err(ctx, dir, "invalid REDIRECT direction '%s' (in or out)", dir->text);
	return parse_ifname_or_index(ctx, iface, &rule->redirect_ifindex, rule->redirect_ifname);
}

int bf_p_rule_end(struct bf_parse_ctx *ctx, int verdict)
{
	ctx->rule.verdict = verdict;
	if (bf_chain_add_rule(ctx->chain, &ctx->rule))
		return nomem(ctx);
	memset(&ctx->rule, 0, sizeof(ctx->rule));
	return 0;
}

/* Hook options. */

__attribute__((format(printf, 3, 4))) static int opt_err(char *err, size_t errlen,
							  const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int opt_ifindex(const char *value, struct bf_hookopts *opts, char *err, size_t errlen)
{
	uint64_t idx;
	int r = bf_str_to_u64(value, UINT32_MAX, &idx);

	if (r == -ERANGE || (!r && !idx))
		return opt_err(err, errlen, "interface index %s out of range (1-%u)", value, UINT32_MAX);
	if (!r) {
		opts->ifindex = (uint32_t)idx;
		opts->ifname[0] = '\0';
		return 0;
	}
	if (!bf_ifname_is_valid(value, strlen(value) + 1))
		return opt_err(err, errlen, "invalid interface name '%s'", value);
	opts->ifindex = 0;
	strcpy(opts->ifname, value);
	return 0;
}

static int opt_cgpath(const char *value, struct bf_hookopts *opts, char *err, size_t errlen)
{
	if (value[0] != '/')
		return opt_err(err, errlen, "cgroup path '%s' is not absolute", value);
	if (strlen(value) >= sizeof(opts->cgpath))
		return opt_err(err, errlen, "cgroup path too long (at most %zu bytes)",
			       sizeof(opts->cgpath) - 1);
	strcpy(opts->cgpath, value);
	return 0;
}

static int opt_family(const char *value, struct bf_hookopts *opts, char *err, size_t errlen)
{
	if (!strcmp(value, "inet4"))
		opts->family = BF_FAMILY_INET4;
	else if (!strcmp(value, "inet6"))
		opts->family = BF_FAMILY_INET6;
	else
		return opt_err(err, errlen, "invalid family '%s' (inet4 or inet6)", value);
	return 0;
}

/* A decimal int32, optionally negative: netfilter priorities can be. */
static const char *parse_i32(const char *s, int32_t *val)
{
	bool neg = *s == '-';
	int64_t v = 0;

	if (neg)
		s++;
	if (!isdigit((unsigned char)*s))
		return NULL;
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (*s - '0');
		if (v > (int64_t)INT32_MAX + 1)
			return NULL;
	}
	v = neg ? -v : v;
	if (v > INT32_MAX)
		return NULL;
	*val = (int32_t)v;
	return s;
}

static int opt_priorities(const char *value, struct bf_hookopts *opts, char *err,
			  size_t errlen)
{
	const char *s = parse_i32(value, &opts->priorities[0]);

	if (!s || *s != '-' || !(s = parse_i32(s + 1, &opts->priorities[1])) || *s)
		goto invalid;
	if (!opts->priorities[0] || !opts->priorities[1] ||
	    opts->priorities[0] == opts->priorities[1])
		goto invalid;
	return 0;

invalid:
	opts->priorities[0] = opts->priorities[1] = 0;
	return opt_err(err, errlen,
		       "invalid priorities '%s' (expected A-B, two distinct non-zero integers)",
		       value);
}

int bf_hookopt_parse(const char *key, const char *value, struct bf_hookopts *opts, char *err,
		     size_t errlen)
{
	enum bf_hookopt opt;
	int r;

	if (!key || !opts)
		return opt_err(err, errlen, "missing hook option");
	if (bf_hookopt_from_str(key, &opt))
		return opt_err(err, errlen, "unknown hook option '%s'", key);
	if (opts->used & (1U << opt))
		return opt_err(err, errlen, "duplicate hook option '%s'", key);
	if (!value || !*value)
		return opt_err(err, errlen, "hook option '%s' needs a value", key);

	switch (opt) {
	case BF_HOOKOPT_IFINDEX:
		r = opt_ifindex(value, opts, err, errlen);
		break;
	case BF_HOOKOPT_CGPATH:
		r = opt_cgpath(value, opts, err, errlen);
		break;
	case BF_HOOKOPT_FAMILY:
		r = opt_family(value, opts, err, errlen);
		break;
	case BF_HOOKOPT_PRIORITIES:
		r = opt_priorities(value, opts, err, errlen);
		break;
	default:
		r = opt_err(err, errlen, "unknown hook option '%s'", key);
		break;
	}
	if (!r)
		opts->used |= 1U << opt;
	return r;
}

/* Entry point. */

static void ctx_clean(struct bf_parse_ctx *ctx)
{
	bf_set_clean(&ctx->set);
	bf_rule_clean(&ctx->rule);
	bf_chain_free(&ctx->chain);
	bf_ruleset_free(&ctx->rs);
	arena_free(ctx);
}

int bf_parse_ruleset(const char *text, struct bf_ruleset **rs, char *err, size_t errlen)
{
	struct bf_parse_ctx ctx = { .err = err, .errlen = errlen };
	yyscan_t scanner;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!rs)
		return -EINVAL;
	*rs = NULL;
	if (!text) {
		snprintf(err, err ? errlen : 0, "no text to parse");
		return -EINVAL;
	}

	ctx.rs = bf_ruleset_new();
	if (!ctx.rs || bf_yylex_init_extra(&ctx, &scanner)) {
		r = nomem(&ctx);
		ctx_clean(&ctx);
		return r;
	}
	bf_yy_scan_string(text, scanner);
	r = bf_yyparse(scanner, &ctx);
	bf_yylex_destroy(scanner);

	if (r || ctx.ret) {
		/* yyparse() fails alone only when its stack can't grow. */
		r = ctx.ret ?: nomem(&ctx);
		ctx_clean(&ctx);
		return r;
	}
	*rs = TAKE_PTR(ctx.rs);
	ctx_clean(&ctx);
	return 0;
}

/* Set elements outside of a text (update-set). */

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	/* A quoted value reads as in the language: "eth0" is eth0. */
	if (end - s >= 2 && s[0] == '"' && end[-1] == '"') {
		end[-1] = '\0';
		s++;
	}
	return s;
}

/* Split @text at ',' into words of @ctx's arena; the count in *n. */
static struct bf_pword *split_elem(struct bf_parse_ctx *ctx, const char *text, size_t *n)
{
	struct bf_pword *copy = bf_p_word(ctx, text, strlen(text), 1, 1);
	struct bf_pword *list = NULL;
	char *s, *comma;

	*n = 0;
	if (!copy)
		return NULL;
	for (s = (char *)copy->text;; s = comma + 1) {
		struct bf_pword *w;
		char *v;

		comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		v = trim(s);
		w = bf_p_word(ctx, v, strlen(v), 1, 1);
		if (!w)
			return NULL;
		list = list ? bf_p_append(list, w) : w;
		(*n)++;
		if (!comma)
			return list;
	}
}

static int parse_elem(struct bf_parse_ctx *ctx, const struct bf_set *set, const char *text,
		      uint8_t *elem)
{
	struct bf_pword *values;
	size_t n, off = 0, i = 0;
	char key[128];

	values = split_elem(ctx, text, &n);
	if (!values)
		return ctx->ret;
	if (n != set->nkeys) {
		format_key(key, sizeof(key), set->key, set->nkeys);
		return word_err(ctx, values, "element has %zu value%s, key %s has %u", n,
				n == 1 ? "" : "s", key, set->nkeys);
	}
	for (const struct bf_pword *w = values; w; w = w->next, i++) {
		if (!w->text[0])
			return word_err(ctx, w, "empty value in element '%s'", text);
		if (parse_comp(ctx, set->key[i], w, elem + off))
			return ctx->ret;
		off += bf_set_comp_size(set->key[i]);
	}
	return 0;
}

int bf_set_parse_elem(const struct bf_set *set, const char *text, uint8_t *elem, char *err,
		      size_t errlen)
{
	struct bf_parse_ctx ctx = { .err = err, .errlen = errlen, .no_location = true };
	char why[256];
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!set || !text || !elem)
		return opt_err(err, errlen, "no set or element");
	if (bf_set_key_validate(set->key, set->nkeys, why, sizeof(why)))
		return opt_err(err, errlen, "invalid set key: %s", why);

	r = parse_elem(&ctx, set, text, elem);
	arena_free(&ctx);
	return r;
}

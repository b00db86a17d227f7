// SPDX-License-Identifier: GPL-2.0-only
#include "validate.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"
#include "names.h"
#include "set.h"

#define BF_WHERE_LEN 256
#define BF_PERCENT_PPM 1000000U
#define BF_DSCP_MAX 63
#define BF_LOG_ALL (BF_LOG_LINK | BF_LOG_INTERNET | BF_LOG_TRANSPORT)

__attribute__((format(printf, 4, 5))) static int verr(char *err, size_t errlen,
						       const char *where, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", where, msg);
	return -EINVAL;
}

/* Untrusted names go into messages only as printable characters. */
static void sanitize(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t i;

	for (i = 0; i + 1 < dstlen && i < srclen && src[i]; i++)
		dst[i] = isprint((unsigned char)src[i]) ? src[i] : '?';
	dst[i] = '\0';
}

bool bf_name_is_valid(const char *name, size_t size)
{
	size_t len;

	if (!name || !memchr(name, '\0', size))
		return false;
	len = strlen(name);
	if (!len || len >= BF_NAME_LEN)
		return false;
	if (!isalnum((unsigned char)name[0]) && name[0] != '_')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (!isalnum(c) && c != '_' && c != '-' && c != '.')
			return false;
	}
	return true;
}

bool bf_ifname_is_valid(const char *name, size_t size)
{
	size_t len;

	if (!name || !memchr(name, '\0', size))
		return false;
	len = strlen(name);
	if (!len || len >= IF_NAMESIZE || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (c == '/' || c == ':' || isspace(c) || !isprint(c))
			return false;
	}
	return true;
}

static bool is_network(enum bf_matcher_type type)
{
	return type == BF_MATCHER_IP4_SNET || type == BF_MATCHER_IP4_DNET ||
	       type == BF_MATCHER_IP6_SNET || type == BF_MATCHER_IP6_DNET;
}

int bf_set_key_validate(const enum bf_matcher_type *key, size_t nkeys, char *err,
			size_t errlen)
{
	size_t size = 0;

	if (!nkeys || nkeys > BF_SET_MAX_COMPS) {
		snprintf(err, errlen, "a set key has 1 to %d components, not %zu",
			 BF_SET_MAX_COMPS, nkeys);
		return -EINVAL;
	}
	for (size_t i = 0; i < nkeys; i++) {
		const char *name = bf_matcher_type_to_str(key[i]);

		if (!name || !bf_set_comp_size(key[i])) {
			if (name)
				snprintf(err, errlen, "%s can't be part of a set key", name);
			else
				snprintf(err, errlen, "invalid set key component %u",
					 (unsigned int)key[i]);
			return -EINVAL;
		}
		if (nkeys > 1 && is_network(key[i])) {
			snprintf(err, errlen, "%s is only allowed alone in a set key (prefix set)",
				 name);
			return -EINVAL;
		}
		size += bf_set_comp_size(key[i]);
	}
	if (size > BF_SET_KEY_MAX) {
		snprintf(err, errlen, "set key is %zu bytes, more than %d", size, BF_SET_KEY_MAX);
		return -EINVAL;
	}
	return 0;
}

static int validate_name(const char *name, size_t size, const char *what, char *err,
			 size_t errlen)
{
	char clean[BF_NAME_LEN];

	if (!memchr(name, '\0', size))
		return verr(err, errlen, what, "name is not NUL-terminated");
	if (!name[0])
		return verr(err, errlen, what, "name is empty");
	if (bf_name_is_valid(name, size))
		return 0;
	sanitize(clean, sizeof(clean), name, size);
	return verr(err, errlen, what,
		    "invalid name '%s' (letters, digits, '_', '-', '.'; not starting with '-' or '.')",
		    clean);
}

static int validate_opt(const struct bf_chain *chain, enum bf_hookopt opt, const char *where,
			char *err, size_t errlen)
{
	const struct bf_hookopts *o = &chain->opts;

	if (!bf_hookopt_allowed_on_hook(opt, chain->hook)) {
		return verr(err, errlen, where, "hook option '%s' not supported on %s",
			    bf_hookopt_to_str(opt), bf_hook_to_str(chain->hook));
	}

	switch (opt) {
	case BF_HOOKOPT_IFINDEX:
		if (!memchr(o->ifname, '\0', sizeof(o->ifname)))
			return verr(err, errlen, where, "interface name is not NUL-terminated");
		if (o->ifname[0] && !bf_ifname_is_valid(o->ifname, sizeof(o->ifname)))
			return verr(err, errlen, where, "invalid interface name");
		if (!o->ifindex && !o->ifname[0])
			return verr(err, errlen, where, "ifindex option without an interface");
		return 0;
	case BF_HOOKOPT_CGPATH:
		if (!memchr(o->cgpath, '\0', sizeof(o->cgpath)))
			return verr(err, errlen, where, "cgroup path is not NUL-terminated");
		if (o->cgpath[0] != '/')
			return verr(err, errlen, where, "cgroup path must be absolute");
		return 0;
	case BF_HOOKOPT_FAMILY:
		if (o->family != BF_FAMILY_INET4 && o->family != BF_FAMILY_INET6)
			return verr(err, errlen, where, "invalid family 0x%x", o->family);
		return 0;
	case BF_HOOKOPT_PRIORITIES:
		if (!o->priorities[0] || !o->priorities[1] ||
		    o->priorities[0] == o->priorities[1]) {
			return verr(err, errlen, where,
				    "priorities must be two distinct non-zero integers, not %d-%d",
				    o->priorities[0], o->priorities[1]);
		}
		return 0;
	default:
		return verr(err, errlen, where, "invalid hook option %u", (unsigned int)opt);
	}
}

static int validate_opts(const struct bf_chain *chain, const char *where, char *err,
			 size_t errlen)
{
	uint32_t known = (1U << _BF_HOOKOPT_MAX) - 1;
	int r;

	if (chain->opts.used & ~known)
		return verr(err, errlen, where, "unknown hook options 0x%x", chain->opts.used);
	for (unsigned int opt = 0; opt < _BF_HOOKOPT_MAX; opt++) {
		if (!(chain->opts.used & (1U << opt)))
			continue;
		r = validate_opt(chain, opt, where, err, errlen);
		if (r)
			return r;
	}
	return 0;
}

static int validate_elems(const struct bf_set *set, const char *where, char *err,
			  size_t errlen)
{
	size_t size = bf_set_elem_size(set);

	if (set->nelems && !set->elems)
		return verr(err, errlen, where, "%zu elements but no data", set->nelems);
	if (set->nelems > SIZE_MAX / size)
		return verr(err, errlen, where, "too many elements");

	/* Only a prefix length can be out of range: check every element's. */
	if (!bf_set_is_prefix(set))
		return 0;
	for (size_t i = 0; i < set->nelems; i++) {
		uint8_t plen = set->elems[i * size + size - 1];
		uint8_t max = (size - 1) * 8;

		if (plen > max) {
			return verr(err, errlen, where, "element %zu: prefix length %u out of range (0-%u)",
				    i, plen, max);
		}
	}
	return 0;
}

static void set_where(char *where, size_t len, const struct bf_chain *chain, size_t idx)
{
	const struct bf_set *set = &chain->sets[idx];

	if (memchr(set->name, '\0', sizeof(set->name)) && set->name[0])
		snprintf(where, len, "chain '%s', set '%s'", chain->name, set->name);
	else
		snprintf(where, len, "chain '%s', set %zu (anonymous)", chain->name, idx);
}

static int validate_set(const struct bf_chain *chain, size_t idx, char *err, size_t errlen)
{
	const struct bf_set *set = &chain->sets[idx];
	char where[BF_WHERE_LEN];
	char why[256];

	set_where(where, sizeof(where), chain, idx);
	if (!memchr(set->name, '\0', sizeof(set->name)))
		return verr(err, errlen, where, "name is not NUL-terminated");
	if (set->name[0]) {
		int r = validate_name(set->name, sizeof(set->name), where, err, errlen);

		if (r)
			return r;
	}
	if (bf_set_key_validate(set->key, set->nkeys, why, sizeof(why)))
		return verr(err, errlen, where, "%s", why);
	return validate_elems(set, where, err, errlen);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, so a chain with many sets doesn't cost a quadratic check. */
static int validate_set_names(const struct bf_chain *chain, const char *where, char *err,
			      size_t errlen)
{
	_cleanup_free_ const char **names = NULL;
	size_t n = 0;

	if (chain->nsets < 2)
		return 0;
	names = calloc(chain->nsets, sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < chain->nsets; i++) {
		if (chain->sets[i].name[0])
			names[n++] = chain->sets[i].name;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(names[i - 1], names[i]))
			return verr(err, errlen, where, "set '%s' defined twice", names[i]);
	}
	return 0;
}

static int validate_in(const struct bf_chain *chain, const struct bf_matcher *m,
		       const char *where, char *err, size_t errlen)
{
	const struct bf_set *set;

	if (m->set >= chain->nsets)
		return verr(err, errlen, where, "set %u does not exist", m->set);
	set = &chain->sets[m->set];

	if (m->type != BF_MATCHER_SET) {
		if (set->nkeys != 1 || set->key[0] != m->type)
			return verr(err, errlen, where, "set %u has another key", m->set);
		return 0;
	}

	/* Sets are validated before rules: the key's types are in range. */
	for (unsigned int i = 0; i < set->nkeys; i++) {
		if (!bf_matcher_allowed_on_hook(set->key[i], chain->hook)) {
			return verr(err, errlen, where, "%s not available on %s",
				    bf_matcher_type_to_str(set->key[i]), bf_hook_to_str(chain->hook));
		}
	}
	return 0;
}

static int validate_num(const struct bf_matcher *m, uint32_t max, const char *what,
			const char *where, char *err, size_t errlen)
{
	if (m->op == BF_OP_RANGE) {
		if (m->num.lo > max || m->num.hi > max) {
			return verr(err, errlen, where, "%s range %u-%u out of range (0-%u)", what,
				    m->num.lo, m->num.hi, max);
		}
		if (m->num.lo > m->num.hi)
			return verr(err, errlen, where, "invalid range %u-%u", m->num.lo, m->num.hi);
		return 0;
	}
	if (m->num.lo > max)
		return verr(err, errlen, where, "%s %u out of range (0-%u)", what, m->num.lo, max);
	if (m->num.hi != m->num.lo)
		return verr(err, errlen, where, "%s: hi (%u) differs from lo (%u)", what, m->num.hi,
			    m->num.lo);
	return 0;
}

static int validate_ip(const struct bf_matcher *m, uint8_t max, bool net, const char *where,
		       char *err, size_t errlen)
{
	if (m->ip.plen > max)
		return verr(err, errlen, where, "prefix length %u out of range (0-%u)", m->ip.plen, max);
	if (!net && m->ip.plen != max)
		return verr(err, errlen, where, "an address has a prefix length of %u, not %u", max,
			    m->ip.plen);
	return 0;
}

static int validate_iface(const struct bf_matcher *m, const char *where, char *err,
			  size_t errlen)
{
	if (!memchr(m->iface.name, '\0', sizeof(m->iface.name)))
		return verr(err, errlen, where, "interface name is not NUL-terminated");
	if (m->iface.name[0] && !bf_ifname_is_valid(m->iface.name, sizeof(m->iface.name)))
		return verr(err, errlen, where, "invalid interface name");
	if (!m->iface.ifindex && !m->iface.name[0])
		return verr(err, errlen, where, "no interface");
	return 0;
}

static int validate_payload(const struct bf_matcher *m, const char *where, char *err,
			    size_t errlen)
{
	switch (m->type) {
	case BF_MATCHER_META_IFACE:
		return validate_iface(m, where, err, errlen);
	case BF_MATCHER_META_L3_PROTO:
		return validate_num(m, UINT16_MAX, "EtherType", where, err, errlen);
	case BF_MATCHER_META_L4_PROTO:
	case BF_MATCHER_IP4_PROTO:
	case BF_MATCHER_IP6_NEXTHDR:
		return validate_num(m, UINT8_MAX, "protocol", where, err, errlen);
	case BF_MATCHER_ICMP_TYPE:
	case BF_MATCHER_ICMPV6_TYPE:
		return validate_num(m, UINT8_MAX, "type", where, err, errlen);
	case BF_MATCHER_ICMP_CODE:
	case BF_MATCHER_ICMPV6_CODE:
		return validate_num(m, UINT8_MAX, "code", where, err, errlen);
	case BF_MATCHER_META_SPORT:
	case BF_MATCHER_META_DPORT:
	case BF_MATCHER_TCP_SPORT:
	case BF_MATCHER_TCP_DPORT:
	case BF_MATCHER_UDP_SPORT:
	case BF_MATCHER_UDP_DPORT:
		return validate_num(m, UINT16_MAX, "port", where, err, errlen);
	case BF_MATCHER_META_PROBABILITY:
	case BF_MATCHER_META_FLOW_PROBABILITY:
		return validate_num(m, BF_PERCENT_PPM, "probability (ppm)", where, err, errlen);
	case BF_MATCHER_META_FLOW_HASH:
		return validate_num(m, UINT32_MAX, "flow hash", where, err, errlen);
	case BF_MATCHER_IP4_DSCP:
	case BF_MATCHER_IP6_DSCP:
		return validate_num(m, BF_DSCP_MAX, "DSCP", where, err, errlen);
	case BF_MATCHER_META_MARK:
		return validate_num(m, UINT32_MAX, "mark", where, err, errlen);
	case BF_MATCHER_TCP_FLAGS:
		return validate_num(m, UINT8_MAX, "flags", where, err, errlen);
	case BF_MATCHER_IP4_SADDR:
	case BF_MATCHER_IP4_DADDR:
		return validate_ip(m, 32, false, where, err, errlen);
	case BF_MATCHER_IP4_SNET:
	case BF_MATCHER_IP4_DNET:
		return validate_ip(m, 32, true, where, err, errlen);
	case BF_MATCHER_IP6_SADDR:
	case BF_MATCHER_IP6_DADDR:
		return validate_ip(m, 128, false, where, err, errlen);
	case BF_MATCHER_IP6_SNET:
	case BF_MATCHER_IP6_DNET:
		return validate_ip(m, 128, true, where, err, errlen);
	default:
		return verr(err, errlen, where, "invalid matcher type");
	}
}

static int validate_matcher(const struct bf_chain *chain, size_t ridx, size_t midx,
			    char *err, size_t errlen)
{
	const struct bf_matcher *m = &chain->rules[ridx].matchers[midx];
	const char *type = bf_matcher_type_to_str(m->type);
	const char *op = bf_matcher_op_to_str(m->op);
	char where[BF_WHERE_LEN];

	if (!type) {
		snprintf(where, sizeof(where), "chain '%s', rule %zu, matcher %zu", chain->name,
			 ridx, midx);
		return verr(err, errlen, where, "invalid matcher type %u", (unsigned int)m->type);
	}
	snprintf(where, sizeof(where), "chain '%s', rule %zu, matcher '%s'", chain->name,
		 ridx, type);
	if (!op)
		return verr(err, errlen, where, "invalid operator %u", (unsigned int)m->op);
	if (!bf_matcher_op_allowed(m->type, m->op))
		return verr(err, errlen, where, "operator '%s' not supported", op);
	if (!bf_matcher_allowed_on_hook(m->type, chain->hook))
		return verr(err, errlen, where, "not available on %s", bf_hook_to_str(chain->hook));
	if (m->op == BF_OP_IN)
		return validate_in(chain, m, where, err, errlen);
	return validate_payload(m, where, err, errlen);
}

/*
 * log, counter and mark. A value without the action that uses it (an
 * interval without log, a mark without has_mark) is refused rather than
 * ignored: the chain would not print back as it was received.
 *
 * "log link" is allowed on every hook: where the program sees no Ethernet
 * header (netfilter, cgroup), entries simply don't have it.
 */
static int validate_actions(const struct bf_chain *chain, const struct bf_rule *rule,
			    const char *where, char *err, size_t errlen)
{
	if (rule->log & ~BF_LOG_ALL)
		return verr(err, errlen, where, "invalid log headers 0x%x", rule->log);
	if (!rule->log && rule->log_every_ns)
		return verr(err, errlen, where, "log interval without log");
	if (!rule->has_mark && rule->mark)
		return verr(err, errlen, where, "mark value without mark");
	if (rule->has_mark && !bf_mark_allowed_on_hook(chain->hook))
		return verr(err, errlen, where, "mark is not available on %s",
			    bf_hook_to_str(chain->hook));
	return 0;
}

static int validate_redirect(const struct bf_chain *chain, const struct bf_rule *rule,
			     const char *where, char *err, size_t errlen)
{
	const char *hook = bf_hook_to_str(chain->hook);

	if ((unsigned int)rule->redirect_dir > BF_REDIRECT_IN)
		return verr(err, errlen, where, "invalid REDIRECT direction %u",
			    (unsigned int)rule->redirect_dir);
	if (!bf_redirect_allowed_on_hook(chain->hook, rule->redirect_dir)) {
		if (bf_redirect_allowed_on_hook(chain->hook, BF_REDIRECT_OUT))
			return verr(err, errlen, where, "REDIRECT in is not available on %s (only out)",
				    hook);
		return verr(err, errlen, where, "REDIRECT is not available on %s", hook);
	}
	if (!memchr(rule->redirect_ifname, '\0', sizeof(rule->redirect_ifname)))
		return verr(err, errlen, where, "REDIRECT interface name is not NUL-terminated");
	if (rule->redirect_ifname[0] &&
	    !bf_ifname_is_valid(rule->redirect_ifname, sizeof(rule->redirect_ifname)))
		return verr(err, errlen, where, "invalid REDIRECT interface name");
	if (!rule->redirect_ifindex && !rule->redirect_ifname[0])
		return verr(err, errlen, where, "REDIRECT without an interface");
	return 0;
}

static int validate_verdict(const struct bf_chain *chain, const struct bf_rule *rule,
			    const char *where, char *err, size_t errlen)
{
	if ((unsigned int)rule->verdict >= _BF_VERDICT_MAX)
		return verr(err, errlen, where, "invalid verdict %u", (unsigned int)rule->verdict);
	if (rule->verdict == BF_VERDICT_REDIRECT)
		return validate_redirect(chain, rule, where, err, errlen);
	if (rule->redirect_ifindex || rule->redirect_ifname[0] ||
	    rule->redirect_dir != BF_REDIRECT_OUT)
		return verr(err, errlen, where, "redirect interface without the REDIRECT verdict");
	return 0;
}

static int validate_rule(const struct bf_chain *chain, size_t idx, char *err, size_t errlen)
{
	const struct bf_rule *rule = &chain->rules[idx];
	char where[BF_WHERE_LEN];
	int r;

	snprintf(where, sizeof(where), "chain '%s', rule %zu", chain->name, idx);
	r = validate_verdict(chain, rule, where, err, errlen);
	if (!r)
		r = validate_actions(chain, rule, where, err, errlen);
	if (r)
		return r;
	if (rule->nmatchers > BF_RULE_MAX_MATCHERS) {
		return verr(err, errlen, where, "%zu matchers, at most %d", rule->nmatchers,
			    BF_RULE_MAX_MATCHERS);
	}
	if (rule->nmatchers && !rule->matchers)
		return verr(err, errlen, where, "%zu matchers but no data", rule->nmatchers);
	for (size_t i = 0; i < rule->nmatchers; i++) {
		r = validate_matcher(chain, idx, i, err, errlen);
		if (r)
			return r;
	}
	return 0;
}

static int validate_head(const struct bf_chain *chain, const char *where, char *err,
			 size_t errlen)
{
	if ((unsigned int)chain->hook >= _BF_HOOK_MAX)
		return verr(err, errlen, where, "invalid hook %u", (unsigned int)chain->hook);
	if (chain->policy != BF_VERDICT_ACCEPT && chain->policy != BF_VERDICT_DROP &&
	    chain->policy != BF_VERDICT_NEXT) {
		const char *name = bf_verdict_to_str(chain->policy);

		if (name)
			return verr(err, errlen, where, "invalid policy %s (ACCEPT, DROP or NEXT)",
				    name);
		return verr(err, errlen, where, "invalid policy %u", (unsigned int)chain->policy);
	}
	if (chain->nsets && !chain->sets)
		return verr(err, errlen, where, "%zu sets but no data", chain->nsets);
	if (chain->nrules && !chain->rules)
		return verr(err, errlen, where, "%zu rules but no data", chain->nrules);
	return validate_opts(chain, where, err, errlen);
}

int bf_chain_validate(const struct bf_chain *chain, char *err, size_t errlen)
{
	char where[BF_WHERE_LEN];
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!chain)
		return verr(err, errlen, "chain", "missing");
	r = validate_name(chain->name, sizeof(chain->name), "chain", err, errlen);
	if (r)
		return r;

	snprintf(where, sizeof(where), "chain '%s'", chain->name);
	r = validate_head(chain, where, err, errlen);
	if (r)
		return r;
	for (size_t i = 0; i < chain->nsets; i++) {
		r = validate_set(chain, i, err, errlen);
		if (r)
			return r;
	}
	r = validate_set_names(chain, where, err, errlen);
	if (r)
		return r;
	for (size_t i = 0; i < chain->nrules; i++) {
		r = validate_rule(chain, i, err, errlen);
		if (r)
			return r;
	}
	return 0;
}

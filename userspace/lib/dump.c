// SPDX-License-Identifier: GPL-2.0-only
#include "dump.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "helper.h"
#include "names.h"
#include "set.h"

#define BF_PPM_PER_PERCENT 10000U
/* Sets up to this size fit on one line; bigger ones get one per line. */
#define BF_DUMP_INLINE_ELEMS 8

static const char *const keywords[] = {
	"chain", "rule", "set", "in", "not", "eq", "range", "any", "all", "counter",
	"log", "mark", "every", "ACCEPT", "DROP", "CONTINUE", "NEXT", "REDIRECT",
};

static const char *str_or(const char *str, const char *fallback)
{
	return str ?: fallback;
}

/* Whether the lexer reads @s back as one word: otherwise it gets quotes. */
static bool is_plain_word(const char *s)
{
	if (!*s)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(keywords); i++) {
		if (!strcmp(s, keywords[i]))
			return false;
	}
	return !strpbrk(s, " \t\r\v\f\n{}(),;=#\"");
}

/* @s may come from the wire: bounded by @size, NUL or not. */
static void dump_word(FILE *f, const char *s, size_t size)
{
	char buf[PATH_MAX];
	size_t len = strnlen(s, size);

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	fprintf(f, is_plain_word(buf) ? "%s" : "\"%s\"", buf);
}

static void dump_hookopt(FILE *f, const struct bf_hookopts *o, enum bf_hookopt opt)
{
	fprintf(f, "%s=", bf_hookopt_to_str(opt));
	switch (opt) {
	case BF_HOOKOPT_IFINDEX:
		/* The name as written reads better and survives renumbering. */
		if (o->ifname[0])
			dump_word(f, o->ifname, sizeof(o->ifname));
		else
			fprintf(f, "%" PRIu32, o->ifindex);
		break;
	case BF_HOOKOPT_CGPATH:
		dump_word(f, o->cgpath, sizeof(o->cgpath));
		break;
	case BF_HOOKOPT_FAMILY:
		fprintf(f, "%s", o->family == BF_FAMILY_INET4 ? "inet4" :
				 o->family == BF_FAMILY_INET6 ? "inet6" : "?");
		break;
	case BF_HOOKOPT_PRIORITIES:
		fprintf(f, "%" PRId32 "-%" PRId32, o->priorities[0], o->priorities[1]);
		break;
	default:
		fprintf(f, "?");
		break;
	}
}

static void dump_hookopts(FILE *f, const struct bf_hookopts *o)
{
	bool first = true;

	for (unsigned int opt = 0; opt < _BF_HOOKOPT_MAX; opt++) {
		if (!(o->used & (1U << opt)))
			continue;
		fprintf(f, first ? "{" : ",");
		dump_hookopt(f, o, opt);
		first = false;
	}
	if (!first)
		fprintf(f, "}");
}

static void dump_ip(FILE *f, const struct bf_matcher *m, int family, bool net)
{
	char buf[INET6_ADDRSTRLEN];

	fprintf(f, "%s", inet_ntop(family, m->ip.addr, buf, sizeof(buf)) ?: "?");
	if (net)
		fprintf(f, "/%u", m->ip.plen);
}

static void dump_percent(FILE *f, uint32_t ppm)
{
	uint32_t frac = ppm % BF_PPM_PER_PERCENT;
	int ndec = 4;

	fprintf(f, "%" PRIu32, ppm / BF_PPM_PER_PERCENT);
	if (frac) {
		for (; frac % 10 == 0; frac /= 10)
			ndec--;
		fprintf(f, ".%0*" PRIu32, ndec, frac);
	}
	fprintf(f, "%%");
}

static void dump_tcp_flags(FILE *f, uint32_t mask)
{
	bool first = true;

	if (!mask || mask > UINT8_MAX) {
		fprintf(f, "%" PRIu32, mask);
		return;
	}
	for (uint32_t bit = 1; bit <= UINT8_MAX; bit <<= 1) {
		if (!(mask & bit))
			continue;
		fprintf(f, "%s%s", first ? "" : ",", bf_tcp_flag_to_str(bit));
		first = false;
	}
}

/* A name from @to_str when the value has one, else the number. */
static void dump_named(FILE *f, uint32_t v, const char *(*to_str)(uint8_t))
{
	const char *name = v <= UINT8_MAX ? to_str((uint8_t)v) : NULL;

	if (name)
		fprintf(f, "%s", name);
	else
		fprintf(f, "%" PRIu32, v);
}

static void dump_iface(FILE *f, const struct bf_matcher *m)
{
	if (m->iface.name[0])
		dump_word(f, m->iface.name, sizeof(m->iface.name));
	else
		fprintf(f, "%" PRIu32, m->iface.ifindex);
}

static void dump_l3(FILE *f, uint32_t v)
{
	const char *name = v <= UINT16_MAX ? bf_l3_proto_to_str((uint16_t)v) : NULL;

	if (name)
		fprintf(f, "%s", name);
	else
		fprintf(f, "0x%04" PRIx32, v);
}

static void dump_payload(FILE *f, const struct bf_matcher *m)
{
	switch (m->type) {
	case BF_MATCHER_META_IFACE:
		return dump_iface(f, m);
	case BF_MATCHER_META_L3_PROTO:
		return dump_l3(f, m->num.lo);
	case BF_MATCHER_META_L4_PROTO:
	case BF_MATCHER_IP4_PROTO:
		return dump_named(f, m->num.lo, bf_l4_proto_to_str);
	case BF_MATCHER_IP6_NEXTHDR:
		return dump_named(f, m->num.lo, bf_ip6_nexthdr_to_str);
	case BF_MATCHER_ICMP_TYPE:
		return dump_named(f, m->num.lo, bf_icmp_type_to_str);
	case BF_MATCHER_ICMPV6_TYPE:
		return dump_named(f, m->num.lo, bf_icmpv6_type_to_str);
	case BF_MATCHER_META_PROBABILITY:
	case BF_MATCHER_META_FLOW_PROBABILITY:
		return dump_percent(f, m->num.lo);
	case BF_MATCHER_IP4_DSCP:
	case BF_MATCHER_IP6_DSCP:
		return dump_named(f, m->num.lo, bf_dscp_to_str);
	case BF_MATCHER_META_MARK:
		fprintf(f, "0x%" PRIx32, m->num.lo);
		return;
	case BF_MATCHER_TCP_FLAGS:
		return dump_tcp_flags(f, m->num.lo);
	case BF_MATCHER_IP4_SADDR:
	case BF_MATCHER_IP4_DADDR:
		return dump_ip(f, m, AF_INET, false);
	case BF_MATCHER_IP4_SNET:
	case BF_MATCHER_IP4_DNET:
		return dump_ip(f, m, AF_INET, true);
	case BF_MATCHER_IP6_SADDR:
	case BF_MATCHER_IP6_DADDR:
		return dump_ip(f, m, AF_INET6, false);
	case BF_MATCHER_IP6_SNET:
	case BF_MATCHER_IP6_DNET:
		return dump_ip(f, m, AF_INET6, true);
	default:
		/* Ports, ICMP codes: plain numbers, ranges as A-B. */
		fprintf(f, "%" PRIu32, m->num.lo);
		if (m->op == BF_OP_RANGE)
			fprintf(f, "-%" PRIu32, m->num.hi);
		return;
	}
}

static uint32_t get_be(const uint8_t *p, size_t size)
{
	uint32_t v = 0;

	for (size_t i = 0; i < size; i++)
		v = v << 8 | p[i];
	return v;
}

/* A set element's component as a matcher payload, to print it the same. */
static void decode_comp(enum bf_matcher_type type, const uint8_t *p, struct bf_matcher *m)
{
	size_t size = bf_set_comp_size(type);

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->op = BF_OP_EQ;
	switch (type) {
	case BF_MATCHER_IP4_SADDR:
	case BF_MATCHER_IP4_DADDR:
	case BF_MATCHER_IP6_SADDR:
	case BF_MATCHER_IP6_DADDR:
		memcpy(m->ip.addr, p, size);
		m->ip.plen = size * 8;
		break;
	case BF_MATCHER_IP4_SNET:
	case BF_MATCHER_IP4_DNET:
	case BF_MATCHER_IP6_SNET:
	case BF_MATCHER_IP6_DNET:
		memcpy(m->ip.addr, p, size - 1);
		m->ip.plen = p[size - 1];
		break;
	case BF_MATCHER_META_IFACE:
		m->iface.ifindex = get_be(p, size);
		break;
	default:
		m->num.lo = m->num.hi = get_be(p, size);
		break;
	}
}

static bool set_is_printable(const struct bf_set *set)
{
	if (!set->nkeys || set->nkeys > BF_SET_MAX_COMPS || (set->nelems && !set->elems))
		return false;
	for (unsigned int i = 0; i < set->nkeys; i++) {
		if (!bf_set_comp_size(set->key[i]))
			return false;
	}
	return true;
}

static void dump_elem(FILE *f, const struct bf_set *set, const uint8_t *elem)
{
	for (unsigned int i = 0; i < set->nkeys; i++) {
		struct bf_matcher m;

		decode_comp(set->key[i], elem, &m);
		if (i)
			fprintf(f, ", ");
		dump_payload(f, &m);
		elem += bf_set_comp_size(set->key[i]);
	}
}

/* @indent: the indentation of the line the set starts on. */
static void dump_elems(FILE *f, const struct bf_set *set, bool set_content, int indent)
{
	size_t size;

	if (!set_is_printable(set)) {
		fprintf(f, "{ /* invalid set */ }");
		return;
	}
	if (!set_content) {
		fprintf(f, "{ /* %zu elements, content elided */ }", set->nelems);
		return;
	}

	size = bf_set_elem_size(set);
	if (set->nelems <= BF_DUMP_INLINE_ELEMS) {
		fprintf(f, "{ ");
		for (size_t i = 0; i < set->nelems; i++) {
			fprintf(f, i ? "; " : "");
			dump_elem(f, set, set->elems + i * size);
		}
		fprintf(f, set->nelems ? " }" : "}");
		return;
	}

	fprintf(f, "{\n");
	for (size_t i = 0; i < set->nelems; i++) {
		fprintf(f, "%*s", indent + 4, "");
		dump_elem(f, set, set->elems + i * size);
		fprintf(f, "\n");
	}
	fprintf(f, "%*s}", indent, "");
}

static void dump_key(FILE *f, const struct bf_set *set)
{
	fprintf(f, "(");
	for (unsigned int i = 0; i < set->nkeys && i < BF_SET_MAX_COMPS; i++)
		fprintf(f, "%s%s", i ? ", " : "", str_or(bf_matcher_type_to_str(set->key[i]), "?"));
	fprintf(f, ")");
}

static void dump_set_matcher(FILE *f, const struct bf_chain *chain, const struct bf_matcher *m,
			     bool set_content)
{
	const struct bf_set *set;

	if (m->set >= chain->nsets || !chain->sets) {
		fprintf(f, "%s%s in ? /* set %" PRIu32 " does not exist */",
			str_or(bf_matcher_type_to_str(m->type), "?"), m->negate ? " not" : "",
			m->set);
		return;
	}
	set = &chain->sets[m->set];

	if (m->type == BF_MATCHER_SET)
		dump_key(f, set);
	else
		fprintf(f, "%s", bf_matcher_type_to_str(m->type));
	fprintf(f, "%s in ", m->negate ? " not" : "");

	if (m->type == BF_MATCHER_SET && set->name[0])
		dump_word(f, set->name, sizeof(set->name));
	else
		dump_elems(f, set, set_content, 8);
}

static void dump_matcher(FILE *f, const struct bf_chain *chain, const struct bf_matcher *m,
			 bool set_content)
{
	const char *type = bf_matcher_type_to_str(m->type);
	const char *op = bf_matcher_op_to_str(m->op);

	fprintf(f, "        ");
	if (m->op == BF_OP_IN)
		dump_set_matcher(f, chain, m, set_content);
	else if (!type || !op || m->type == BF_MATCHER_SET)
		fprintf(f, "? /* invalid matcher %u, op %u */", (unsigned int)m->type,
			(unsigned int)m->op);
	else {
		fprintf(f, "%s%s %s ", type, m->negate ? " not" : "", op);
		dump_payload(f, m);
	}
	fprintf(f, "\n");
}

static const struct {
	const char *unit;
	uint64_t ns;
} duration_units[] = {
	{ "s", 1000000000ULL },
	{ "ms", 1000000ULL },
	{ "us", 1000ULL },
	{ "ns", 1 },
};

/* In the largest unit that holds it exactly: 1500ms stays 1500ms, never
 * 1.5s, so there is one printed form per value and it parses back. */
static void dump_duration(FILE *f, uint64_t ns)
{
	for (size_t i = 0; i < ARRAY_SIZE(duration_units); i++) {
		if (ns % duration_units[i].ns == 0) {
			fprintf(f, "%" PRIu64 "%s", ns / duration_units[i].ns, duration_units[i].unit);
			return;
		}
	}
}

/* A bare "log" is every header: print it so. */
static void dump_log(FILE *f, const struct bf_rule *rule)
{
	const uint8_t all = BF_LOG_LINK | BF_LOG_INTERNET | BF_LOG_TRANSPORT;
	bool first = true;

	fprintf(f, "        log");
	if (rule->log != all) {
		for (unsigned int bit = 1; bit <= UINT8_MAX; bit <<= 1) {
			if (!(rule->log & bit))
				continue;
			fprintf(f, "%s%s", first ? " " : ",", str_or(bf_log_hdr_to_str(bit), "?"));
			first = false;
		}
	}
	if (rule->log_every_ns) {
		fprintf(f, " every ");
		dump_duration(f, rule->log_every_ns);
	}
	fprintf(f, "\n");
}

static void dump_verdict(FILE *f, const struct bf_rule *rule)
{
	fprintf(f, "        %s", str_or(bf_verdict_to_str(rule->verdict), "?"));
	if (rule->verdict == BF_VERDICT_REDIRECT) {
		fprintf(f, " ");
		/* The name as written, as for hook options. */
		if (rule->redirect_ifname[0])
			dump_word(f, rule->redirect_ifname, sizeof(rule->redirect_ifname));
		else
			fprintf(f, "%" PRIu32, rule->redirect_ifindex);
		fprintf(f, " %s", rule->redirect_dir == BF_REDIRECT_IN ? "in" : "out");
	}
	fprintf(f, "\n");
}

static void dump_rule(FILE *f, const struct bf_chain *chain, size_t idx, bool set_content)
{
	const struct bf_rule *rule = &chain->rules[idx];

	fprintf(f, "    rule\n");
	for (size_t i = 0; i < rule->nmatchers && rule->matchers; i++)
		dump_matcher(f, chain, &rule->matchers[i], set_content);
	if (rule->log)
		dump_log(f, rule);
	if (rule->counter && chain->counters) {
		fprintf(f, "        counters %" PRIu64 " packets %" PRIu64 " bytes\n",
			(uint64_t)chain->counters[idx].packets, (uint64_t)chain->counters[idx].bytes);
	} else if (rule->counter) {
		fprintf(f, "        counter\n");
	}
	if (rule->has_mark)
		fprintf(f, "        mark 0x%" PRIx32 "\n", rule->mark);
	dump_verdict(f, rule);
}

static void dump_head(FILE *f, const struct bf_chain *chain)
{
	fprintf(f, "chain ");
	dump_word(f, chain->name, sizeof(chain->name));
	fprintf(f, " %s", str_or(bf_hook_to_str(chain->hook), "?"));
	dump_hookopts(f, &chain->opts);
	fprintf(f, " %s\n", str_or(bf_verdict_to_str(chain->policy), "?"));

	if (chain->counters) {
		const struct bf_counter *policy = &chain->counters[chain->nrules];
		const struct bf_counter *error = &chain->counters[chain->nrules + 1];

		fprintf(f,
			"    counters policy %" PRIu64 " packets %" PRIu64 " bytes; error %" PRIu64
			" packets %" PRIu64 " bytes\n",
			(uint64_t)policy->packets, (uint64_t)policy->bytes, (uint64_t)error->packets,
			(uint64_t)error->bytes);
	}
}

int bf_chain_dump(FILE *f, const struct bf_chain *chain, bool set_content)
{
	if (!f || !chain)
		return -EINVAL;

	dump_head(f, chain);
	for (size_t i = 0; i < chain->nsets && chain->sets; i++) {
		const struct bf_set *set = &chain->sets[i];

		/* Anonymous sets are printed where a rule uses them. */
		if (!set->name[0])
			continue;
		fprintf(f, "    set ");
		dump_word(f, set->name, sizeof(set->name));
		fprintf(f, " ");
		dump_key(f, set);
		fprintf(f, " in ");
		dump_elems(f, set, set_content, 4);
		fprintf(f, "\n");
	}
	for (size_t i = 0; i < chain->nrules && chain->rules; i++)
		dump_rule(f, chain, i, set_content);

	return ferror(f) ? -EIO : 0;
}

// SPDX-License-Identifier: GPL-2.0-only
#include "names.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "helper.h"
#include "set.h"

struct bf_name {
	const char *name;
	uint32_t value;
};

/* Indexed by enum value: the order must follow the enums. */
static const char *const hook_names[_BF_HOOK_MAX] = {
	[BF_HOOK_XDP] = "BF_HOOK_XDP",
	[BF_HOOK_TC_INGRESS] = "BF_HOOK_TC_INGRESS",
	[BF_HOOK_TC_EGRESS] = "BF_HOOK_TC_EGRESS",
	[BF_HOOK_NF_PRE_ROUTING] = "BF_HOOK_NF_PRE_ROUTING",
	[BF_HOOK_NF_LOCAL_IN] = "BF_HOOK_NF_LOCAL_IN",
	[BF_HOOK_NF_FORWARD] = "BF_HOOK_NF_FORWARD",
	[BF_HOOK_NF_LOCAL_OUT] = "BF_HOOK_NF_LOCAL_OUT",
	[BF_HOOK_NF_POST_ROUTING] = "BF_HOOK_NF_POST_ROUTING",
	[BF_HOOK_CGROUP_SKB_INGRESS] = "BF_HOOK_CGROUP_SKB_INGRESS",
	[BF_HOOK_CGROUP_SKB_EGRESS] = "BF_HOOK_CGROUP_SKB_EGRESS",
	[BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4] = "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4",
	[BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6] = "BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6",
	[BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4] = "BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4",
	[BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6] = "BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6",
};

/* Names bpfilter used before the cgroup socket hooks existed. */
static const struct bf_name hook_aliases[] = {
	{ "BF_HOOK_CGROUP_INGRESS", BF_HOOK_CGROUP_SKB_INGRESS },
	{ "BF_HOOK_CGROUP_EGRESS", BF_HOOK_CGROUP_SKB_EGRESS },
};

static const char *const verdict_names[_BF_VERDICT_MAX] = {
	[BF_VERDICT_ACCEPT] = "ACCEPT",
	[BF_VERDICT_DROP] = "DROP",
	[BF_VERDICT_CONTINUE] = "CONTINUE",
	[BF_VERDICT_NEXT] = "NEXT",
	[BF_VERDICT_REDIRECT] = "REDIRECT",
};

static const char *const matcher_names[_BF_MATCHER_MAX] = {
	[BF_MATCHER_META_IFACE] = "meta.iface",
	[BF_MATCHER_META_L3_PROTO] = "meta.l3_proto",
	[BF_MATCHER_META_L4_PROTO] = "meta.l4_proto",
	[BF_MATCHER_META_SPORT] = "meta.sport",
	[BF_MATCHER_META_DPORT] = "meta.dport",
	[BF_MATCHER_META_PROBABILITY] = "meta.probability",
	[BF_MATCHER_META_MARK] = "meta.mark",
	[BF_MATCHER_IP4_SADDR] = "ip4.saddr",
	[BF_MATCHER_IP4_DADDR] = "ip4.daddr",
	[BF_MATCHER_IP4_SNET] = "ip4.snet",
	[BF_MATCHER_IP4_DNET] = "ip4.dnet",
	[BF_MATCHER_IP4_PROTO] = "ip4.proto",
	[BF_MATCHER_IP6_SADDR] = "ip6.saddr",
	[BF_MATCHER_IP6_DADDR] = "ip6.daddr",
	[BF_MATCHER_IP6_SNET] = "ip6.snet",
	[BF_MATCHER_IP6_DNET] = "ip6.dnet",
	[BF_MATCHER_IP6_NEXTHDR] = "ip6.nexthdr",
	[BF_MATCHER_TCP_SPORT] = "tcp.sport",
	[BF_MATCHER_TCP_DPORT] = "tcp.dport",
	[BF_MATCHER_TCP_FLAGS] = "tcp.flags",
	[BF_MATCHER_UDP_SPORT] = "udp.sport",
	[BF_MATCHER_UDP_DPORT] = "udp.dport",
	[BF_MATCHER_ICMP_TYPE] = "icmp.type",
	[BF_MATCHER_ICMP_CODE] = "icmp.code",
	[BF_MATCHER_ICMPV6_TYPE] = "icmpv6.type",
	[BF_MATCHER_ICMPV6_CODE] = "icmpv6.code",
	[BF_MATCHER_IP4_DSCP] = "ip4.dscp",
	[BF_MATCHER_IP6_DSCP] = "ip6.dscp",
	[BF_MATCHER_META_FLOW_HASH] = "meta.flow_hash",
	[BF_MATCHER_META_FLOW_PROBABILITY] = "meta.flow_probability",
	[BF_MATCHER_SET] = "set",
};

static const char *const op_names[_BF_OP_MAX] = {
	[BF_OP_EQ] = "eq",
	[BF_OP_RANGE] = "range",
	[BF_OP_IN] = "in",
	[BF_OP_ANY] = "any",
	[BF_OP_ALL] = "all",
};

static const char *const hookopt_names[_BF_HOOKOPT_MAX] = {
	[BF_HOOKOPT_IFINDEX] = "ifindex",
	[BF_HOOKOPT_CGPATH] = "cgpath",
	[BF_HOOKOPT_FAMILY] = "family",
	[BF_HOOKOPT_PRIORITIES] = "priorities",
};

static const struct bf_name l3_names[] = {
	{ "ipv4", 0x0800 },
	{ "ipv6", 0x86dd },
	{ "arp", 0x0806 },
};

/* The first name of a value is the one printed. */
static const struct bf_name l4_names[] = {
	{ "hopopt", 0 },
	{ "icmp", 1 },
	{ "igmp", 2 },
	{ "ipip", 4 },
	{ "tcp", 6 },
	{ "egp", 8 },
	{ "pup", 12 },
	{ "udp", 17 },
	{ "idp", 22 },
	{ "dccp", 33 },
	{ "ipv6", 41 },
	{ "ipv6-route", 43 },
	{ "ipv6-frag", 44 },
	{ "rsvp", 46 },
	{ "gre", 47 },
	{ "esp", 50 },
	{ "ah", 51 },
	{ "icmpv6", 58 },
	{ "ipv6-icmp", 58 },
	{ "ipv6-nonxt", 59 },
	{ "ipv6-opts", 60 },
	{ "mtp", 92 },
	{ "encap", 98 },
	{ "pim", 103 },
	{ "comp", 108 },
	{ "l2tp", 115 },
	{ "sctp", 132 },
	{ "mobility-header", 135 },
	{ "udplite", 136 },
	{ "mpls-in-ip", 137 },
	{ "ethernet", 143 },
	{ "raw", 255 },
};

static const struct bf_name icmp_names[] = {
	{ "echo-reply", 0 },
	{ "destination-unreachable", 3 },
	{ "source-quench", 4 },
	{ "redirect", 5 },
	{ "echo-request", 8 },
	{ "router-advertisement", 9 },
	{ "router-solicitation", 10 },
	{ "time-exceeded", 11 },
	{ "parameter-problem", 12 },
	{ "timestamp-request", 13 },
	{ "timestamp-reply", 14 },
	{ "info-request", 15 },
	{ "info-reply", 16 },
	{ "address-mask-request", 17 },
	{ "address-mask-reply", 18 },
};

static const struct bf_name icmpv6_names[] = {
	{ "destination-unreachable", 1 },
	{ "packet-too-big", 2 },
	{ "time-exceeded", 3 },
	{ "parameter-problem", 4 },
	{ "echo-request", 128 },
	{ "echo-reply", 129 },
	{ "mld-listener-query", 130 },
	{ "mld-listener-report", 131 },
	{ "mld-listener-reduction", 132 },
	{ "nd-router-solicit", 133 },
	{ "nd-router-advert", 134 },
	{ "nd-neighbor-solicit", 135 },
	{ "nd-neighbor-advert", 136 },
	{ "nd-redirect", 137 },
	{ "router-renumbering", 138 },
	{ "ind-neighbor-solicit", 141 },
	{ "ind-neighbor-advert", 142 },
	{ "mld2-listener-report", 143 },
};

static const struct bf_name tcp_flag_names[] = {
	{ "fin", BF_TCP_FIN },
	{ "syn", BF_TCP_SYN },
	{ "rst", BF_TCP_RST },
	{ "psh", BF_TCP_PSH },
	{ "ack", BF_TCP_ACK },
	{ "urg", BF_TCP_URG },
	{ "ece", BF_TCP_ECE },
	{ "cwr", BF_TCP_CWR },
};

/* RFC 2474 class selectors, RFC 2597 assured forwarding, RFC 3246 expedited
 * forwarding: the names tc, nftables and iptables know. */
static const struct bf_name dscp_names[] = {
	{ "cs0", 0 },	 { "cs1", 8 },	  { "cs2", 16 },   { "cs3", 24 },   { "cs4", 32 },
	{ "cs5", 40 },	 { "cs6", 48 },   { "cs7", 56 },   { "af11", 10 },  { "af12", 12 },
	{ "af13", 14 },	 { "af21", 18 },  { "af22", 20 },  { "af23", 22 },  { "af31", 26 },
	{ "af32", 28 },	 { "af33", 30 },  { "af41", 34 },  { "af42", 36 },  { "af43", 38 },
	{ "ef", 46 },
};

#define BF_DSCP_MAX 63

static const struct bf_name log_hdr_names[] = {
	{ "link", BF_LOG_LINK },
	{ "internet", BF_LOG_INTERNET },
	{ "transport", BF_LOG_TRANSPORT },
};

static const struct bf_name exthdr_names[] = {
	{ "hop", 0 },
	{ "route", 43 },
	{ "frag", 44 },
	{ "ah", 51 },
	{ "dst", 60 },
	{ "mh", 135 },
};

int bf_str_to_u64(const char *str, uint64_t max, uint64_t *val)
{
	bool overflow = false;
	int base = 10;
	uint64_t v = 0;

	if (!str || !*str)
		return -EINVAL;
	if (str[0] == '0' && (str[1] == 'x' || str[1] == 'X')) {
		base = 16;
		str += 2;
		if (!*str)
			return -EINVAL;
	}

	/* By hand: strtoull() takes signs and blanks and saturates. */
	for (; *str; str++) {
		unsigned int digit;

		if (isdigit((unsigned char)*str))
			digit = *str - '0';
		else if (base == 16 && isxdigit((unsigned char)*str))
			digit = tolower((unsigned char)*str) - 'a' + 10;
		else
			return -EINVAL;
		if (v > (UINT64_MAX - digit) / base)
			overflow = true;
		else
			v = v * base + digit;
	}
	if (overflow || v > max)
		return -ERANGE;
	*val = v;
	return 0;
}

static const char *names_find_value(const struct bf_name *names, size_t n, uint32_t value)
{
	for (size_t i = 0; i < n; i++) {
		if (names[i].value == value)
			return names[i].name;
	}
	return NULL;
}

static int names_find_name(const struct bf_name *names, size_t n, const char *str,
			   uint32_t *value)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcasecmp(names[i].name, str)) {
			*value = names[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

/* A name from @names, or a number up to @max. */
static int name_or_number(const struct bf_name *names, size_t n, const char *str,
			  uint32_t max, uint32_t *value)
{
	uint64_t v;
	int r;

	if (!str)
		return -EINVAL;
	if (!names_find_name(names, n, str, value))
		return 0;
	r = bf_str_to_u64(str, max, &v);
	if (r)
		return r;
	*value = (uint32_t)v;
	return 0;
}

/* Exact, case-sensitive lookup in an enum-indexed table. */
static int index_find(const char *const *names, size_t n, const char *str, uint32_t *idx)
{
	if (!str)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (names[i] && !strcmp(names[i], str)) {
			*idx = (uint32_t)i;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *index_name(const char *const *names, size_t n, unsigned int idx)
{
	return idx < n ? names[idx] : NULL;
}

const char *bf_hook_to_str(enum bf_hook hook)
{
	return index_name(hook_names, ARRAY_SIZE(hook_names), hook);
}

int bf_hook_from_str(const char *str, enum bf_hook *hook)
{
	uint32_t idx;

	if (index_find(hook_names, ARRAY_SIZE(hook_names), str, &idx)) {
		for (size_t i = 0; i < ARRAY_SIZE(hook_aliases); i++) {
			if (!strcmp(hook_aliases[i].name, str)) {
				*hook = hook_aliases[i].value;
				return 0;
			}
		}
		return -EINVAL;
	}
	*hook = idx;
	return 0;
}

const char *bf_verdict_to_str(enum bf_verdict verdict)
{
	return index_name(verdict_names, ARRAY_SIZE(verdict_names), verdict);
}

int bf_verdict_from_str(const char *str, enum bf_verdict *verdict)
{
	uint32_t idx;

	if (index_find(verdict_names, ARRAY_SIZE(verdict_names), str, &idx))
		return -EINVAL;
	*verdict = idx;
	return 0;
}

const char *bf_matcher_type_to_str(enum bf_matcher_type type)
{
	return index_name(matcher_names, ARRAY_SIZE(matcher_names), type);
}

int bf_matcher_type_from_str(const char *str, enum bf_matcher_type *type)
{
	uint32_t idx;

	if (index_find(matcher_names, ARRAY_SIZE(matcher_names), str, &idx) ||
	    idx == BF_MATCHER_SET)
		return -EINVAL;
	*type = idx;
	return 0;
}

const char *bf_matcher_op_to_str(enum bf_matcher_op op)
{
	return index_name(op_names, ARRAY_SIZE(op_names), op);
}

int bf_matcher_op_from_str(const char *str, enum bf_matcher_op *op)
{
	uint32_t idx;

	if (index_find(op_names, ARRAY_SIZE(op_names), str, &idx))
		return -EINVAL;
	*op = idx;
	return 0;
}

const char *bf_hookopt_to_str(enum bf_hookopt opt)
{
	return index_name(hookopt_names, ARRAY_SIZE(hookopt_names), opt);
}

int bf_hookopt_from_str(const char *str, enum bf_hookopt *opt)
{
	uint32_t idx;

	if (index_find(hookopt_names, ARRAY_SIZE(hookopt_names), str, &idx))
		return -EINVAL;
	*opt = idx;
	return 0;
}

const char *bf_l3_proto_to_str(uint16_t ethertype)
{
	return names_find_value(l3_names, ARRAY_SIZE(l3_names), ethertype);
}

int bf_l3_proto_from_str(const char *str, uint16_t *ethertype)
{
	uint32_t v;
	int r = name_or_number(l3_names, ARRAY_SIZE(l3_names), str, UINT16_MAX, &v);

	if (!r)
		*ethertype = (uint16_t)v;
	return r;
}

const char *bf_l4_proto_to_str(uint8_t proto)
{
	return names_find_value(l4_names, ARRAY_SIZE(l4_names), proto);
}

int bf_l4_proto_from_str(const char *str, uint8_t *proto)
{
	uint32_t v;
	int r = name_or_number(l4_names, ARRAY_SIZE(l4_names), str, UINT8_MAX, &v);

	if (!r)
		*proto = (uint8_t)v;
	return r;
}

const char *bf_icmp_type_to_str(uint8_t type)
{
	return names_find_value(icmp_names, ARRAY_SIZE(icmp_names), type);
}

int bf_icmp_type_from_str(const char *str, uint8_t *type)
{
	uint32_t v;
	int r = name_or_number(icmp_names, ARRAY_SIZE(icmp_names), str, UINT8_MAX, &v);

	if (!r)
		*type = (uint8_t)v;
	return r;
}

const char *bf_icmpv6_type_to_str(uint8_t type)
{
	return names_find_value(icmpv6_names, ARRAY_SIZE(icmpv6_names), type);
}

int bf_icmpv6_type_from_str(const char *str, uint8_t *type)
{
	uint32_t v;
	int r = name_or_number(icmpv6_names, ARRAY_SIZE(icmpv6_names), str, UINT8_MAX, &v);

	if (!r)
		*type = (uint8_t)v;
	return r;
}

const char *bf_tcp_flag_to_str(enum bf_tcp_flag flag)
{
	return names_find_value(tcp_flag_names, ARRAY_SIZE(tcp_flag_names), flag);
}

int bf_tcp_flag_from_str(const char *str, enum bf_tcp_flag *flag)
{
	uint32_t v;

	if (!str || names_find_name(tcp_flag_names, ARRAY_SIZE(tcp_flag_names), str, &v))
		return -EINVAL;
	*flag = v;
	return 0;
}

const char *bf_ip6_nexthdr_to_str(uint8_t nexthdr)
{
	const char *name = names_find_value(exthdr_names, ARRAY_SIZE(exthdr_names), nexthdr);

	return name ?: bf_l4_proto_to_str(nexthdr);
}

int bf_ip6_nexthdr_from_str(const char *str, uint8_t *nexthdr)
{
	uint32_t v;

	if (!str)
		return -EINVAL;
	if (!names_find_name(exthdr_names, ARRAY_SIZE(exthdr_names), str, &v)) {
		*nexthdr = (uint8_t)v;
		return 0;
	}
	return bf_l4_proto_from_str(str, nexthdr);
}

const char *bf_dscp_to_str(uint8_t dscp)
{
	return names_find_value(dscp_names, ARRAY_SIZE(dscp_names), dscp);
}

int bf_dscp_from_str(const char *str, uint8_t *dscp)
{
	uint32_t v;
	int r = name_or_number(dscp_names, ARRAY_SIZE(dscp_names), str, BF_DSCP_MAX, &v);

	if (!r)
		*dscp = (uint8_t)v;
	return r;
}

const char *bf_log_hdr_to_str(enum bf_log_hdr hdr)
{
	return names_find_value(log_hdr_names, ARRAY_SIZE(log_hdr_names), hdr);
}

int bf_log_hdr_from_str(const char *str, enum bf_log_hdr *hdr)
{
	uint32_t v;

	if (!str || names_find_name(log_hdr_names, ARRAY_SIZE(log_hdr_names), str, &v))
		return -EINVAL;
	*hdr = v;
	return 0;
}

bool bf_hook_is_tc(enum bf_hook hook)
{
	return hook == BF_HOOK_TC_INGRESS || hook == BF_HOOK_TC_EGRESS;
}

bool bf_hook_is_cgroup_skb(enum bf_hook hook)
{
	return hook == BF_HOOK_CGROUP_SKB_INGRESS || hook == BF_HOOK_CGROUP_SKB_EGRESS;
}

bool bf_hook_is_sock_addr(enum bf_hook hook)
{
	switch (hook) {
	case BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4:
	case BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6:
	case BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4:
	case BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6:
		return true;
	default:
		return false;
	}
}

bool bf_hook_has_l2(enum bf_hook hook)
{
	return hook == BF_HOOK_XDP || bf_hook_is_tc(hook);
}

static bool is_port(enum bf_matcher_type type)
{
	switch (type) {
	case BF_MATCHER_META_SPORT:
	case BF_MATCHER_META_DPORT:
	case BF_MATCHER_TCP_SPORT:
	case BF_MATCHER_TCP_DPORT:
	case BF_MATCHER_UDP_SPORT:
	case BF_MATCHER_UDP_DPORT:
		return true;
	default:
		return false;
	}
}

bool bf_matcher_op_allowed(enum bf_matcher_type type, enum bf_matcher_op op)
{
	if ((unsigned int)type >= _BF_MATCHER_MAX)
		return false;

	switch (op) {
	case BF_OP_EQ:
		return type != BF_MATCHER_SET;
	case BF_OP_RANGE:
		return is_port(type) || type == BF_MATCHER_META_FLOW_HASH;
	case BF_OP_IN:
		/* Any type a set can be keyed on, not only those BFCLI.md lists. */
		return type == BF_MATCHER_SET || bf_set_comp_size(type);
	case BF_OP_ANY:
	case BF_OP_ALL:
		return type == BF_MATCHER_TCP_FLAGS;
	default:
		return false;
	}
}

/*
 * A socket-address program sees a struct bpf_sock_addr, not a packet: the
 * destination address and port, the protocol and, on sendmsg, the source
 * address. Only the matchers reading those fields make sense there, and
 * only for the hook's address family.
 */
static bool sock_addr_allows(enum bf_matcher_type type, bool ip6, bool sendmsg)
{
	switch (type) {
	case BF_MATCHER_META_DPORT:
	case BF_MATCHER_TCP_DPORT:
	case BF_MATCHER_UDP_DPORT:
	case BF_MATCHER_META_L4_PROTO:
	case BF_MATCHER_SET: /* its key's components are checked one by one */
		return true;
	case BF_MATCHER_IP4_DADDR:
	case BF_MATCHER_IP4_DNET:
	case BF_MATCHER_IP4_PROTO:
		return !ip6;
	case BF_MATCHER_IP6_DADDR:
	case BF_MATCHER_IP6_DNET:
		return ip6;
	case BF_MATCHER_IP4_SADDR:
	case BF_MATCHER_IP4_SNET:
		return !ip6 && sendmsg;
	case BF_MATCHER_IP6_SADDR:
	case BF_MATCHER_IP6_SNET:
		return ip6 && sendmsg;
	default:
		return false;
	}
}

bool bf_matcher_allowed_on_hook(enum bf_matcher_type type, enum bf_hook hook)
{
	if ((unsigned int)type >= _BF_MATCHER_MAX || (unsigned int)hook >= _BF_HOOK_MAX)
		return false;

	if (bf_hook_is_sock_addr(hook)) {
		return sock_addr_allows(type, hook == BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6 ||
						      hook == BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6,
					hook == BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4 ||
						hook == BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6);
	}

	switch (type) {
	case BF_MATCHER_META_MARK:
		/* XDP runs before an skb exists, so there is no mark to read. */
		return hook != BF_HOOK_XDP;
	case BF_MATCHER_META_FLOW_HASH:
		/* The skb's hash (bpf_get_hash_recalc()) is a TC helper. */
		return bf_hook_is_tc(hook);
	default:
		return true;
	}
}

bool bf_hookopt_allowed_on_hook(enum bf_hookopt opt, enum bf_hook hook)
{
	switch (hook) {
	case BF_HOOK_XDP:
	case BF_HOOK_TC_INGRESS:
	case BF_HOOK_TC_EGRESS:
		return opt == BF_HOOKOPT_IFINDEX;
	case BF_HOOK_NF_PRE_ROUTING:
	case BF_HOOK_NF_LOCAL_IN:
	case BF_HOOK_NF_FORWARD:
	case BF_HOOK_NF_LOCAL_OUT:
	case BF_HOOK_NF_POST_ROUTING:
		return opt == BF_HOOKOPT_FAMILY || opt == BF_HOOKOPT_PRIORITIES;
	case BF_HOOK_CGROUP_SKB_INGRESS:
	case BF_HOOK_CGROUP_SKB_EGRESS:
	case BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4:
	case BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6:
	case BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4:
	case BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6:
		return opt == BF_HOOKOPT_CGPATH;
	default:
		return false;
	}
}

bool bf_mark_allowed_on_hook(enum bf_hook hook)
{
	return bf_hook_is_tc(hook) || bf_hook_is_cgroup_skb(hook);
}

bool bf_redirect_allowed_on_hook(enum bf_hook hook, enum bf_redirect_dir dir)
{
	/* bpf_redirect() from XDP only transmits: there is no ingress path to
	 * hand a frame to before the stack has seen it. */
	if (hook == BF_HOOK_XDP)
		return dir == BF_REDIRECT_OUT;
	if (bf_hook_is_tc(hook))
		return dir == BF_REDIRECT_OUT || dir == BF_REDIRECT_IN;
	return false;
}

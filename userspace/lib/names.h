/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The names of the rule language and the model values they stand for.
 *
 * *_to_str() return a static string, or NULL when the value is out of range
 * or has no name (callers print a number then). *_from_str() return 0,
 * -EINVAL for an unknown name or -ERANGE for a number too large.
 *
 * Hook, verdict, matcher, operator and option names are keywords and are
 * matched as written; protocol, ICMP type, TCP flag, extension header, DSCP
 * class and log header names are case-insensitive, and those of values
 * also accept a number (decimal or 0x hex).
 */
#ifndef BF_NAMES_H
#define BF_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include <bpfilter/abi.h>

#include "chain.h"
#include "matcher.h"

/* Unsigned decimal or 0x hex, no sign, no blanks. -ERANGE above @max. */
int bf_str_to_u64(const char *str, uint64_t max, uint64_t *val);

const char *bf_hook_to_str(enum bf_hook hook);
int bf_hook_from_str(const char *str, enum bf_hook *hook);

const char *bf_verdict_to_str(enum bf_verdict verdict);
int bf_verdict_from_str(const char *str, enum bf_verdict *verdict);

const char *bf_matcher_type_to_str(enum bf_matcher_type type);
/* Never returns BF_MATCHER_SET: "set" is not a matcher a rule can name. */
int bf_matcher_type_from_str(const char *str, enum bf_matcher_type *type);

const char *bf_matcher_op_to_str(enum bf_matcher_op op);
int bf_matcher_op_from_str(const char *str, enum bf_matcher_op *op);

const char *bf_hookopt_to_str(enum bf_hookopt opt);
int bf_hookopt_from_str(const char *str, enum bf_hookopt *opt);

/* EtherType: "ipv4", "ipv6", "arp" or a number up to 0xffff. */
const char *bf_l3_proto_to_str(uint16_t ethertype);
int bf_l3_proto_from_str(const char *str, uint16_t *ethertype);

/* IP protocol number: "tcp", "udp", "icmpv6", ... or 0-255. */
const char *bf_l4_proto_to_str(uint8_t proto);
int bf_l4_proto_from_str(const char *str, uint8_t *proto);

const char *bf_icmp_type_to_str(uint8_t type);
int bf_icmp_type_from_str(const char *str, uint8_t *type);

const char *bf_icmpv6_type_to_str(uint8_t type);
int bf_icmpv6_type_from_str(const char *str, uint8_t *type);

/* One flag of enum bf_tcp_flag: "fin", "syn", ... */
const char *bf_tcp_flag_to_str(enum bf_tcp_flag flag);
int bf_tcp_flag_from_str(const char *str, enum bf_tcp_flag *flag);

/*
 * IPv6 next header: extension header names ("hop", "route", "frag", "ah",
 * "dst", "mh"), then protocol names, then a number.
 */
const char *bf_ip6_nexthdr_to_str(uint8_t nexthdr);
int bf_ip6_nexthdr_from_str(const char *str, uint8_t *nexthdr);

/* DSCP: a class name ("cs0"-"cs7", "af11"-"af43", "ef") or 0-63. */
const char *bf_dscp_to_str(uint8_t dscp);
int bf_dscp_from_str(const char *str, uint8_t *dscp);

/* One header of enum bf_log_hdr: "link", "internet", "transport". */
const char *bf_log_hdr_to_str(enum bf_log_hdr hdr);
int bf_log_hdr_from_str(const char *str, enum bf_log_hdr *hdr);

/* Hook families, for the rules that depend on the attach point. */
bool bf_hook_is_tc(enum bf_hook hook);
bool bf_hook_is_cgroup_skb(enum bf_hook hook);
/* connect4/6, sendmsg4/6: no packet, only a socket address. */
bool bf_hook_is_sock_addr(enum bf_hook hook);
/* Whether the program sees an Ethernet header (XDP and TC only). */
bool bf_hook_has_l2(enum bf_hook hook);

/* Whether the language allows @op on a matcher of type @type. */
bool bf_matcher_op_allowed(enum bf_matcher_type type, enum bf_matcher_op op);
/* Whether the hook's program can evaluate the matcher. */
bool bf_matcher_allowed_on_hook(enum bf_matcher_type type, enum bf_hook hook);
/* Whether the hook's attach point takes the option. */
bool bf_hookopt_allowed_on_hook(enum bf_hookopt opt, enum bf_hook hook);
/* Whether a rule on the hook can set the packet mark ("mark VALUE"):
 * TC and cgroup_skb, where the program has an skb whose mark it may write. */
bool bf_mark_allowed_on_hook(enum bf_hook hook);
/* Whether "REDIRECT IFACE @dir" can run on the hook: XDP out, TC in and out. */
bool bf_redirect_allowed_on_hook(enum bf_hook hook, enum bf_redirect_dir dir);

#endif /* BF_NAMES_H */

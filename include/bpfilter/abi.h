/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contract between the daemon and the BPF templates: the layout of the
 * maps the templates read and of the packet context they build.
 *
 * Included by BPF code (after vmlinux.h) and by userspace (after
 * <linux/types.h>), so it only uses __uNN types and plain C.
 */
#ifndef BPFILTER_ABI_H
#define BPFILTER_ABI_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* Placeholder name of the templates' programs (see bpf/common.h). */
#define BF_PROG_NAME_STR "bf_prog_0000000"
#define BF_PROG_NAME_LEN 15

#define BF_RULE_MAX_MATCHERS 32
#define BF_CMP_MAX 16
#define BF_SET_MAX_COMPS 4
#define BF_SET_KEY_MAX 40
#define BF_LPM_DATA_MAX 16

/* Packet features found by the parser; a matcher lists those it needs. */
enum bf_pkt_flag {
	BF_PKT_IPV4 = 1U << 0,
	BF_PKT_IPV6 = 1U << 1,
	BF_PKT_TCP = 1U << 2,
	BF_PKT_UDP = 1U << 3,
	BF_PKT_ICMP = 1U << 4,
	BF_PKT_ICMPV6 = 1U << 5,
	/* TCP or UDP header present: sport and dport are valid. */
	BF_PKT_PORTS = 1U << 6,
	/* L3 protocol known (Ethernet type or hook family). */
	BF_PKT_L3 = 1U << 7,
	/* L4 protocol known (also for non-first fragments, which have no
	 * transport header: those lack BF_PKT_TCP and friends). */
	BF_PKT_L4 = 1U << 8,
};

/* IPv6 extension headers seen while walking the header chain. */
enum bf_exthdr_flag {
	BF_EXT_HOP = 1U << 0,
	BF_EXT_ROUTE = 1U << 1,
	BF_EXT_FRAG = 1U << 2,
	BF_EXT_AH = 1U << 3,
	BF_EXT_DST = 1U << 4,
	BF_EXT_MH = 1U << 5,
};

/*
 * Everything a rule can look at, parsed once per packet. Multi-byte fields
 * are big-endian, so a byte-wise comparison of a field is also its numeric
 * comparison (ranges rely on it).
 */
struct bf_pkt {
	__u32 flags;
	__u32 len; /* host order, for byte counters; not matchable */
	__u32 ifindex; /* big-endian */
	__u32 mark; /* big-endian */
	__u32 flow_hash; /* big-endian: the kernel's flow hash (TC) */
	__u16 l3_proto; /* big-endian EtherType */
	__u8 l4_proto;
	__u8 tcp_flags;
	__u16 sport;
	__u16 dport;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 exthdrs;
	__u8 dscp;
	__u8 saddr[16]; /* IPv4 addresses use the first 4 bytes */
	__u8 daddr[16];
	/* big-endian: a hash of the 5-tuple (addresses, protocol, ports),
	 * the same for every packet of a flow: meta.flow_probability */
	__u32 flow_prob;
	__u8 pad[60];
};

enum bf_cmp_op {
	BF_CMP_EQ = 0, /* (field & mask) == value */
	BF_CMP_RANGE, /* value <= field <= mask, big-endian bytes */
	BF_CMP_ANY, /* (field & mask) != 0 */
	BF_CMP_ALL, /* (field & mask) == mask */
	BF_CMP_SET, /* key built from the packet is in set `arg` */
	BF_CMP_PROB, /* a random draw < arg (arg: chance scaled to 2^32) */
	_BF_CMP_MAX,
};

/*
 * One comparison. The daemon translates every matcher of the language into
 * one of these: the template never knows what "ip4.snet" means, only which
 * bytes of struct bf_pkt to compare with what.
 */
struct bf_matcher_rec {
	__u16 off; /* offset of the field in struct bf_pkt */
	__u8 len; /* 1..BF_CMP_MAX */
	__u8 op; /* enum bf_cmp_op */
	__u8 negate;
	__u8 pad[3];
	__u32 req; /* enum bf_pkt_flag bits the packet must have */
	__u32 arg;
	__u8 value[BF_CMP_MAX];
	__u8 mask[BF_CMP_MAX];
};

enum bf_verdict {
	BF_VERDICT_ACCEPT = 0,
	BF_VERDICT_DROP,
	BF_VERDICT_CONTINUE,
	/* Hand over to the next program on the hook (TCX_NEXT); ACCEPT
	 * elsewhere. */
	BF_VERDICT_NEXT,
	/* Redirect to rule->redirect_ifindex (XDP: out; TC: in or out). */
	BF_VERDICT_REDIRECT,
	_BF_VERDICT_MAX,
};

enum bf_rule_flag {
	BF_RULE_COUNTER = 1U << 0,
	BF_RULE_MARK = 1U << 1, /* set the packet's mark to rule->mark */
	BF_RULE_REDIRECT_IN = 1U << 2, /* REDIRECT ... in (TC only) */
};

/* Headers a "log" rule publishes. */
enum bf_log_hdr {
	BF_LOG_LINK = 1U << 0,
	BF_LOG_INTERNET = 1U << 1,
	BF_LOG_TRANSPORT = 1U << 2,
};

struct bf_rule_rec {
	__u32 first_matcher; /* index in the matchers map */
	__u16 nmatchers;
	__u8 verdict; /* enum bf_verdict */
	__u8 flags; /* enum bf_rule_flag */
	__u32 mark;
	__u32 redirect_ifindex;
	__u8 log; /* enum bf_log_hdr bits; 0: no log */
	__u8 pad[7];
	__u64 log_every_ns; /* at most one entry per interval; 0: each packet */
};

#define BF_LOG_L2_LEN 14
#define BF_LOG_L3_LEN 40
#define BF_LOG_L4_LEN 20
#define BF_COMM_LEN 16

/*
 * One entry of a chain's log ring buffer. The packet context gives the
 * decoded fields; the raw headers, what it doesn't keep (MACs, TTL, TCP
 * sequence numbers...). Socket-address hooks have no packet: pid and comm
 * say who called connect() or sendmsg().
 */
struct bf_log_entry {
	__u64 ts_ns; /* CLOCK_BOOTTIME */
	__u32 rule;
	__u32 pkt_len;
	__u8 verdict; /* enum bf_verdict */
	__u8 hdrs; /* enum bf_log_hdr: requested */
	__u8 have; /* enum bf_log_hdr: captured */
	__u8 pad;
	__u32 pid;
	char comm[BF_COMM_LEN];
	struct bf_pkt pkt;
	__u8 l2[BF_LOG_L2_LEN];
	__u8 l3[BF_LOG_L3_LEN];
	__u8 l4[BF_LOG_L4_LEN];
	__u8 pad2[6];
};

struct bf_set_comp {
	__u16 off; /* offset of the field in struct bf_pkt */
	__u8 len;
	__u8 key_off; /* offset of the component in bf_set_key.data */
};

struct bf_set_rec {
	__u32 req;
	__u8 ncomps;
	__u8 lpm; /* prefix set: looked up in the LPM trie */
	/* Elements of the current generation are keyed with set index
	 * (gen << 24 | index): an update-set writes the next generation,
	 * then flips this byte, so packets see the old set or the new one. */
	__u8 gen;
	__u8 pad;
	struct bf_set_comp comps[BF_SET_MAX_COMPS];
};

/* Key of the exact-match sets hash map: all sets of a chain share it. */
struct bf_set_key {
	__u32 set;
	__u8 data[BF_SET_KEY_MAX];
};

/* Key of the prefix sets LPM trie: the set index is the first 32 bits of
 * the prefix, so the sets of a chain never match each other's elements. */
struct bf_lpm_key {
	__u32 prefixlen;
	__u32 set; /* big-endian */
	__u8 data[BF_LPM_DATA_MAX];
};

/*
 * The classifier (see docs/performance.md): the rules are split into at
 * most BF_CLS_MAX_TREES groups, and each group into a decision tree whose
 * leaves list, in rule order, the only rules of the group that can match a
 * packet reaching them. An inner node picks its child from a window of bits
 * of one field of struct bf_pkt: the field's 32-bit big-endian word at byte
 * @off (a multiple of 4, ready to add to the packet's address), read as a
 * number, shifted right by @shift and cut to @bits bits, is the
 * index of the child among the 2^bits from node @base (@count holds the
 * window's mask, 2^bits - 1). A leaf (bits == 0) is the @count rule
 * indexes from position @base of the list map, for the packets that pass
 * its filter.
 *
 * The words most nodes read are the chain's (bf_cfg.cls_words): the walk
 * reads them once per packet, and a node that reads one of them names it
 * by @word, its slot there (BF_CLS_WORD_OFF: the node reads @off itself).
 * The word is then no load that waits for the node's: a level of the walk
 * is one load of a node, not a node and then the packet word it names.
 */
#define BF_CLS_MAX_TREES 8
#define BF_CLS_MAX_DEPTH 12
#define BF_CLS_MAX_BITS 16
#define BF_CLS_WORDS 3
#define BF_CLS_WORD_OFF BF_CLS_WORDS

/*
 * A filter on two fields: the packet context's 32-bit words at bytes @foff
 * and @foff2, as it holds them, masked, must equal the values (a mask of 0
 * lets anything through): the prefixes a leaf's rules' values share in
 * two fields. Mask and value are in the packet's byte order, like the
 * words: no byte swap to compare.
 */
struct bf_cls_filter {
	__u8 foff;
	__u8 foff2;
	__u8 pad[2];
	__u32 fmask;
	__u32 fvalue;
	__u32 fmask2;
	__u32 fvalue2;
};

#define BF_TEST_WORDS 4
#define BF_TEST_RANGES 2

/*
 * A rule's matchers folded into a few word tests, as far as they are
 * equalities and ranges (per rule, map bf_rule_tests). A packet passes
 * when, for each of the first @nwords words, its 32-bit word at byte
 * @off[i] of struct bf_pkt (a multiple of 4), as the packet context holds
 * it, masked with @mask[i], equals @value[i]; and for each of the first
 * @nranges ranges, the big-endian 32 bits at byte @roff[i], read as a
 * number and shifted right by @rshift[i] (the field), minus @lo[i], is at
 * most @span[i]. The protocols the matchers need are a test of the flags
 * word. With @exact, passing is matching; else the test only rules
 * packets out, and the rule's matchers decide.
 */
struct bf_rule_test {
	__u8 nwords;
	__u8 nranges;
	__u8 exact;
	__u8 pad;
	__u8 off[BF_TEST_WORDS];
	__u8 roff[BF_TEST_RANGES];
	__u8 rshift[BF_TEST_RANGES];
	__u32 mask[BF_TEST_WORDS];
	__u32 value[BF_TEST_WORDS];
	__u32 lo[BF_TEST_RANGES];
	__u32 span[BF_TEST_RANGES];
	/* 64 bytes: an index becomes an address with a shift. */
	__u32 pad2;
};

/*
 * A tree's root cut, in the configuration (bf_cfg.cls_roots): the walk
 * takes the first level from there, not from a node it must load first.
 * The fields are the root node's (@word its word's slot); a root that is a
 * leaf has @mask 0 and @base the tree's index, its own node.
 */
struct bf_cls_root {
	__u32 base;
	__u32 mask;
	__u8 off;
	__u8 shift;
	__u8 word;
	__u8 pad;
};

struct bf_cls_node {
	__u32 base;
	__u32 count;
	__u8 off;
	__u8 shift;
	__u8 bits;
	__u8 word;
	/* A leaf's: only packets that pass it can match its rules. */
	struct bf_cls_filter filter;
};

struct bf_counter {
	__u64 packets;
	__u64 bytes;
};

enum bf_hook {
	BF_HOOK_XDP = 0,
	BF_HOOK_TC_INGRESS,
	BF_HOOK_TC_EGRESS,
	BF_HOOK_NF_PRE_ROUTING,
	BF_HOOK_NF_LOCAL_IN,
	BF_HOOK_NF_FORWARD,
	BF_HOOK_NF_LOCAL_OUT,
	BF_HOOK_NF_POST_ROUTING,
	BF_HOOK_CGROUP_SKB_INGRESS,
	BF_HOOK_CGROUP_SKB_EGRESS,
	BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4,
	BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6,
	BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4,
	BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6,
	_BF_HOOK_MAX,
};

/*
 * Read-only configuration, patched into each template's .rodata before
 * load. Counters map layout: one slot per rule, then the policy and error
 * slots.
 */
struct bf_cfg {
	__u32 nrules;
	__u8 hook; /* enum bf_hook */
	__u8 policy; /* enum bf_verdict */
	__u8 debug; /* log failed kernel calls with bpf_printk */
	__u8 flow_prob; /* some rule uses meta.flow_probability */
	__u8 flow_hash; /* some rule uses meta.flow_hash */
	__u8 ntrees; /* classifier trees: roots are nodes 0..ntrees-1 */
	__u8 pad[2];
	/* Entries in the classifier's tables, bf_cls_nodes and bf_cls_list:
	 * the bounds the verifier checks each index against. */
	__u32 nnodes;
	__u32 nlist;
	/* Entries in bf_matchers. */
	__u32 nmatchers;
	/* No rule is CONTINUE: the first rule that matches ends the walk, and
	 * the lowest candidate that matches is it, whatever the order the
	 * candidates are tried in. */
	__u8 first_match;
	/* Some rule reads the transport header (ports, TCP flags, ICMP type
	 * and code), hashes the flow or logs: else the parser stops at the
	 * network header. */
	__u8 parse_l4;
	/* With first_match, so few rules that trying each one's test costs
	 * less than walking the classifier: bf_cls_first() tries them in
	 * order (at most BF_CLS_LINEAR_MAX). */
	__u8 linear;
	__u8 pad2;
	/* The classifier's words (struct bf_cls_node): byte offsets in
	 * struct bf_pkt, multiples of 4. */
	__u8 cls_words[BF_CLS_WORDS];
	__u8 pad3;
	struct bf_cls_root cls_roots[BF_CLS_MAX_TREES];
};

#define BF_CLS_LINEAR_MAX 4
/* Candidates of a leaf the first-match way tries; a packet that reaches
 * a longer leaf without a match among them is run the ordered way. */
#define BF_CLS_SCAN 4

#endif /* BPFILTER_ABI_H */

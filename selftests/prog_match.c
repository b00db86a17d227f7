// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every matcher of the language (BFCLI.md) with every operator it takes, on
 * every hook it applies to: one row is a rule, a packet and whether the
 * rule matches it. Each table has rows that match and rows that don't, and
 * rows checking that a matcher implies its protocol, negated or not.
 *
 * Not covered here: meta.flow_hash and meta.flow_probability (their values
 * are hashes, see prog_flow.c), meta.probability (random, see
 * prog_tests.c) and sets with a key (prog_sets.c).
 */
#include "lib/helper.h"
#include "pkt.h"
#include "prog_run.h"
#include "test.h"

#define YES(r, p, ...) { .rule = (r), .pkt = p, .match = true, __VA_ARGS__ }
#define NO(r, p, ...) { .rule = (r), .pkt = p, .match = false, __VA_ARGS__ }

/* Non-IP packets can't be run on netfilter. */
#define NOT_NF (TPROG_HOOKS_ALL & ~TPROG_HOOKS_NF_ALL)

#define CHECK(name, cases, hooks) tprog_check_cases(name, cases, ARRAY_SIZE(cases), hooks)

BF_TEST(prog_meta)
{
	const struct tprog_case cases[] = {
		/* meta.iface: every test run reports lo (1), see prog_run.h. */
		YES("meta.iface lo", PKT_TCP4()),
		YES("meta.iface lo", PKT_UDP6()),
		YES("meta.iface 1", PKT_ICMP4()),
		YES("meta.iface eq 1", PKT_TCP6()),
		NO("meta.iface 2", PKT_TCP4()),
		NO("meta.iface 256", PKT_TCP4()),
		NO("meta.iface 16777217", PKT_TCP4()),
		NO("meta.iface not lo", PKT_TCP4()),
		YES("meta.iface not 2", PKT_UDP6()),
		YES("meta.iface not eq 256", PKT_UDP4()),
		/* Interface matching needs no protocol. */
		YES("meta.iface lo", PKT_ARP(), .hooks = NOT_NF),

		/* meta.l3_proto */
		YES("meta.l3_proto ipv4", PKT_TCP4()),
		NO("meta.l3_proto ipv4", PKT_TCP6()),
		YES("meta.l3_proto ipv6", PKT_UDP6()),
		NO("meta.l3_proto ipv6", PKT_UDP4()),
		YES("meta.l3_proto IPv6", PKT_ICMP6()),
		YES("meta.l3_proto eq 0x86dd", PKT_TCP6()),
		YES("meta.l3_proto 2048", PKT_TCP4()),
		NO("meta.l3_proto 2048", PKT_TCP6()),
		YES("meta.l3_proto 0x0806", PKT_ARP(), .hooks = NOT_NF),
		YES("meta.l3_proto arp", PKT_ARP(), .hooks = NOT_NF),
		NO("meta.l3_proto 0x0806", PKT_TCP4()),
		NO("meta.l3_proto ipv4", PKT_ARP(), .hooks = NOT_NF),
		YES("meta.l3_proto not ipv4", PKT_TCP6()),
		NO("meta.l3_proto not ipv4", PKT_TCP4()),
		YES("meta.l3_proto not ipv4", PKT_ARP(), .hooks = NOT_NF),
		YES("meta.l3_proto not eq 0x0806", PKT_UDP4()),

		/* meta.l4_proto */
		YES("meta.l4_proto tcp", PKT_TCP4()),
		YES("meta.l4_proto tcp", PKT_TCP6()),
		NO("meta.l4_proto tcp", PKT_UDP4()),
		YES("meta.l4_proto udp", PKT_UDP6()),
		YES("meta.l4_proto UDP", PKT_UDP4()),
		NO("meta.l4_proto udp", PKT_ICMP6()),
		YES("meta.l4_proto icmp", PKT_ICMP4()),
		NO("meta.l4_proto icmp", PKT_ICMP6()),
		YES("meta.l4_proto icmpv6", PKT_ICMP6()),
		NO("meta.l4_proto icmpv6", PKT_ICMP4()),
		YES("meta.l4_proto gre", PKT_IP4(.proto = 47)),
		YES("meta.l4_proto eq 132", PKT_IP6(.proto = 132)),
		NO("meta.l4_proto 132", PKT_TCP6()),
		/* The protocol after the IPv6 extension headers. */
		YES("meta.l4_proto tcp", PKT_TCP6(PKT_EXT(PKT_EXT_HOP, PKT_EXT_DST))),
		NO("meta.l4_proto 0", PKT_TCP6(PKT_EXT(PKT_EXT_HOP))),
		YES("meta.l4_proto not tcp", PKT_UDP4()),
		NO("meta.l4_proto not tcp", PKT_TCP6()),
		/* No transport protocol at all: not "not TCP" either. */
		NO("meta.l4_proto not tcp", PKT_ARP(), .hooks = NOT_NF),
		NO("meta.l4_proto 0", PKT_ARP(), .hooks = NOT_NF),

		/* meta.sport/dport */
		YES("meta.dport 80", PKT_TCP4(.dport = 80)),
		YES("meta.dport eq 53", PKT_UDP6(.dport = 53)),
		NO("meta.dport 80", PKT_TCP4(.dport = 81)),
		NO("meta.dport 80", PKT_TCP4(.sport = 80, .dport = 81)),
		NO("meta.dport 0", PKT_ICMP4()),
		YES("meta.sport 40000", PKT_UDP4()),
		YES("meta.sport 40000", PKT_TCP6()),
		NO("meta.sport 40001", PKT_UDP4()),
		NO("meta.sport 0", PKT_ICMP6()),
		YES("meta.sport not 1", PKT_TCP4()),
		NO("meta.sport not 40000", PKT_UDP6()),
		NO("meta.sport not 1", PKT_ICMP4()),
		YES("meta.dport range 1000-2000", PKT_TCP4(.dport = 1000)),
		YES("meta.dport range 1000-2000", PKT_UDP4(.dport = 1500)),
		YES("meta.dport range 1000-2000", PKT_TCP6(.dport = 2000)),
		NO("meta.dport range 1000-2000", PKT_TCP4(.dport = 999)),
		NO("meta.dport range 1000-2000", PKT_UDP6(.dport = 2001)),
		NO("meta.dport range 0-65535", PKT_ICMP4()),
		/* Big-endian comparison across the byte boundary. */
		YES("meta.sport range 255-256", PKT_UDP4(.sport = 255)),
		YES("meta.sport range 255-256", PKT_UDP4(.sport = 256)),
		NO("meta.sport range 255-256", PKT_UDP4(.sport = 254)),
		NO("meta.sport range 255-256", PKT_UDP4(.sport = 257)),
		NO("meta.sport range 272-288", PKT_TCP4(.sport = 517)),
		NO("meta.sport range 272-288", PKT_TCP4(.sport = 80)),
		YES("meta.dport not range 1000-2000", PKT_TCP4(.dport = 80)),
		NO("meta.dport not range 1000-2000", PKT_UDP4(.dport = 1500)),
		NO("meta.dport not range 1000-2000", PKT_ICMP6()),

		/* meta.mark: not on XDP. Netfilter test runs can't set a
		 * mark: there it's always 0. */
		YES("meta.mark 5", PKT_TCP4(), .mark = 5, .hooks = TPROG_HOOKS_MARK),
		NO("meta.mark 5", PKT_TCP4(), .mark = 6, .hooks = TPROG_HOOKS_MARK),
		NO("meta.mark 5", PKT_TCP4(), .hooks = TPROG_HOOKS_SKB),
		YES("meta.mark eq 0x10", PKT_UDP6(), .mark = 16, .hooks = TPROG_HOOKS_MARK),
		YES("meta.mark 0xdeadbeef", PKT_TCP6(), .mark = 0xdeadbeef,
		    .hooks = TPROG_HOOKS_MARK),
		NO("meta.mark 0xdeadbeef", PKT_TCP6(), .mark = 0xefbeadde,
		   .hooks = TPROG_HOOKS_MARK),
		YES("meta.mark 0", PKT_TCP4(), .hooks = TPROG_HOOKS_SKB),
		NO("meta.mark 0", PKT_TCP4(), .mark = 0x100, .hooks = TPROG_HOOKS_MARK),
		YES("meta.mark not 5", PKT_TCP4(), .mark = 6, .hooks = TPROG_HOOKS_MARK),
		YES("meta.mark not 5", PKT_ICMP6(), .hooks = TPROG_HOOKS_SKB),
		NO("meta.mark not 5", PKT_TCP4(), .mark = 5, .hooks = TPROG_HOOKS_MARK),
		/* The mark needs no protocol. */
		YES("meta.mark 7", PKT_ARP(), .mark = 7, .hooks = TPROG_HOOKS_MARK),
	};

	CHECK("meta", cases, TPROG_HOOKS_ALL);
}

BF_TEST(prog_ip4)
{
	const struct tprog_case cases[] = {
		/* ip4.saddr/daddr */
		YES("ip4.saddr 10.0.0.1", PKT_TCP4()),
		NO("ip4.saddr 10.0.0.2", PKT_TCP4()),
		YES("ip4.saddr eq 192.0.2.255", PKT_UDP4(.saddr = "192.0.2.255")),
		NO("ip4.saddr 192.0.2.255", PKT_UDP4(.saddr = "192.0.2.254")),
		NO("ip4.saddr 192.0.2.255", PKT_UDP4(.saddr = "193.0.2.255")),
		/* IPv6 packets never match, even with the same leading bytes. */
		NO("ip4.saddr 10.0.0.1", PKT_TCP6(.saddr = "a00:1::")),
		YES("ip4.daddr 10.0.0.2", PKT_TCP4()),
		NO("ip4.daddr 10.0.0.1", PKT_TCP4()),
		YES("ip4.daddr 255.255.255.255", PKT_UDP4(.daddr = "255.255.255.255")),
		NO("ip4.daddr 10.0.0.2", PKT_TCP6(.daddr = "a00:2::")),
		YES("ip4.saddr not 10.0.0.9", PKT_TCP4()),
		NO("ip4.saddr not 10.0.0.1", PKT_TCP4()),
		NO("ip4.saddr not 10.0.0.9", PKT_TCP6()),
		NO("ip4.daddr not 10.0.0.9", PKT_ARP(), .hooks = NOT_NF),
		YES("ip4.saddr in { 10.0.0.3; 10.0.0.1 }", PKT_TCP4()),
		NO("ip4.saddr in { 10.0.0.3; 10.0.0.4 }", PKT_TCP4()),
		YES("ip4.daddr in { 10.0.0.5, 10.0.0.2 }", PKT_ICMP4()),
		NO("ip4.daddr in { 10.0.0.5, 10.0.0.2 }", PKT_ICMP4(.daddr = "10.0.0.3")),
		NO("ip4.saddr in { 10.0.0.3; 10.0.0.1 }", PKT_TCP6(.saddr = "a00:1::")),
		YES("ip4.saddr not in { 10.0.0.3 }", PKT_TCP4()),
		NO("ip4.saddr not in { 10.0.0.1 }", PKT_TCP4()),
		NO("ip4.saddr not in { 10.0.0.3 }", PKT_TCP6()),

		/* ip4.snet/dnet */
		YES("ip4.snet 10.0.0.0/8", PKT_TCP4()),
		NO("ip4.snet 11.0.0.0/8", PKT_TCP4()),
		YES("ip4.snet 10.0.0.1/32", PKT_TCP4()),
		NO("ip4.snet 10.0.0.0/32", PKT_TCP4()),
		YES("ip4.snet 10.0.0.0/31", PKT_TCP4()),
		NO("ip4.snet 10.0.0.2/31", PKT_TCP4()),
		YES("ip4.snet 0.0.0.0/0", PKT_UDP4(.saddr = "203.0.113.9")),
		NO("ip4.snet 0.0.0.0/0", PKT_TCP6()),
		/* Prefix lengths off byte boundaries. */
		YES("ip4.dnet 192.168.128.0/17", PKT_UDP4(.daddr = "192.168.200.1")),
		NO("ip4.dnet 192.168.128.0/17", PKT_UDP4(.daddr = "192.168.127.1")),
		YES("ip4.dnet eq 10.0.0.0/30", PKT_TCP4(.daddr = "10.0.0.3")),
		NO("ip4.dnet eq 10.0.0.0/30", PKT_TCP4(.daddr = "10.0.0.4")),
		NO("ip4.dnet 10.0.0.0/8", PKT_TCP6(.daddr = "a00:2::")),
		YES("ip4.snet not 192.168.0.0/16", PKT_TCP4()),
		NO("ip4.snet not 10.0.0.0/8", PKT_TCP4()),
		NO("ip4.snet not 192.168.0.0/16", PKT_TCP6()),
		/* Prefix sets: longest-prefix match. */
		YES("ip4.snet in { 192.168.0.0/16; 10.0.0.0/8 }", PKT_TCP4()),
		NO("ip4.snet in { 192.168.0.0/16; 11.0.0.0/8 }", PKT_TCP4()),
		YES("ip4.dnet in { 10.0.0.2/32 }", PKT_UDP4()),
		NO("ip4.dnet in { 10.0.0.2/32 }", PKT_UDP4(.daddr = "10.0.0.3")),
		YES("ip4.dnet in { 10.1.0.0/16, 10.0.0.0/24 }", PKT_UDP4()),
		YES("ip4.dnet in { 0.0.0.0/0 }", PKT_UDP4(.daddr = "198.51.100.1")),
		NO("ip4.dnet in { 10.0.0.0/8 }", PKT_TCP6(.daddr = "a00:2::")),
		YES("ip4.dnet not in { 172.16.0.0/12 }", PKT_TCP4()),
		NO("ip4.dnet not in { 10.0.0.0/24 }", PKT_TCP4()),
		NO("ip4.dnet not in { 172.16.0.0/12 }", PKT_TCP6()),

		/* ip4.proto */
		YES("ip4.proto tcp", PKT_TCP4()),
		NO("ip4.proto tcp", PKT_UDP4()),
		YES("ip4.proto udp", PKT_UDP4()),
		YES("ip4.proto icmp", PKT_ICMP4()),
		YES("ip4.proto eq 47", PKT_IP4(.proto = 47)),
		YES("ip4.proto GRE", PKT_IP4(.proto = 47)),
		NO("ip4.proto 47", PKT_IP4(.proto = 46)),
		/* IPv6 carries TCP too, but ip4.proto implies IPv4. */
		NO("ip4.proto tcp", PKT_TCP6()),
		YES("ip4.proto not tcp", PKT_UDP4()),
		NO("ip4.proto not tcp", PKT_TCP4()),
		NO("ip4.proto not tcp", PKT_UDP6()),
		/* Options move the transport header, not the protocol field. */
		YES("ip4.proto udp", PKT_UDP4(.ip4_optlen = 40)),
	};

	CHECK("ip4", cases, TPROG_HOOKS_ALL);
}

BF_TEST(prog_ip6)
{
	const struct pkt_spec all = PKT_TCP6(
		PKT_EXT(PKT_EXT_HOP, PKT_EXT_ROUTE, PKT_EXT_FRAG, PKT_EXT_DST, PKT_EXT_AH));
	const struct tprog_case cases[] = {
		/* ip6.saddr/daddr */
		YES("ip6.saddr 2001:db8::1", PKT_TCP6()),
		NO("ip6.saddr 2001:db8::2", PKT_TCP6()),
		YES("ip6.saddr 2001:0db8:0000:0000:0000:0000:0000:0001", PKT_UDP6()),
		YES("ip6.daddr 2001:db8::2", PKT_TCP6()),
		NO("ip6.daddr 2001:db8::2", PKT_TCP6(.daddr = "2001:db8::3")),
		NO("ip6.daddr 2001:db8::2", PKT_TCP6(.daddr = "3001:db8::2")),
		YES("ip6.daddr ::1", PKT_UDP6(.daddr = "::1")),
		YES("ip6.saddr eq fe80::1:2:3:4", PKT_ICMP6(.saddr = "fe80::1:2:3:4")),
		NO("ip6.saddr fe80::1:2:3:4", PKT_ICMP6(.saddr = "fe80::1:2:3:5")),
		YES("ip6.saddr ::ffff:10.0.0.1", PKT_TCP6(.saddr = "::ffff:10.0.0.1")),
		/* IPv4 never matches, even if its address is a prefix. */
		NO("ip6.saddr a00:1::", PKT_TCP4()),
		NO("ip6.daddr ::", PKT_TCP4()),
		YES("ip6.saddr not 2001:db8::9", PKT_TCP6()),
		NO("ip6.saddr not 2001:db8::1", PKT_TCP6()),
		NO("ip6.saddr not 2001:db8::9", PKT_TCP4()),
		NO("ip6.daddr not 2001:db8::9", PKT_ARP(), .hooks = NOT_NF),

		/* ip6.snet/dnet */
		YES("ip6.snet 2001:db8::/32", PKT_TCP6()),
		NO("ip6.snet 2001:db9::/32", PKT_TCP6()),
		YES("ip6.snet ::/0", PKT_UDP6(.saddr = "fd00::42")),
		NO("ip6.snet ::/0", PKT_TCP4()),
		YES("ip6.dnet 2001:db8::2/128", PKT_TCP6()),
		NO("ip6.dnet 2001:db8::3/128", PKT_TCP6()),
		/* Prefix lengths off byte boundaries, past the first 8 bytes. */
		YES("ip6.dnet 2001:db8:0:0:8000::/65", PKT_TCP6(.daddr = "2001:db8::8000:0:0:1")),
		NO("ip6.dnet 2001:db8:0:0:8000::/65", PKT_TCP6(.daddr = "2001:db8::7fff:0:0:1")),
		YES("ip6.dnet eq 2001:db8::/127", PKT_TCP6(.daddr = "2001:db8::1")),
		NO("ip6.dnet eq 2001:db8::/127", PKT_TCP6(.daddr = "2001:db8::2")),
		NO("ip6.snet a00::/8", PKT_TCP4()),
		YES("ip6.snet not fd00::/8", PKT_TCP6()),
		NO("ip6.snet not 2001:db8::/64", PKT_TCP6()),
		NO("ip6.snet not fd00::/8", PKT_TCP4()),
		YES("ip6.snet in { fd00::/8; 2001:db8::/48 }", PKT_UDP6()),
		NO("ip6.snet in { fd00::/8; 2001:db9::/48 }", PKT_UDP6()),
		YES("ip6.dnet in { 2001:db8::2/128, fd00::/8 }", PKT_UDP6()),
		YES("ip6.dnet in { ::/0 }", PKT_ICMP6()),
		NO("ip6.dnet in { ::/0 }", PKT_ICMP4()),
		YES("ip6.dnet not in { fd00::/8 }", PKT_TCP6()),
		NO("ip6.dnet not in { 2001:db8::/32 }", PKT_TCP6()),
		NO("ip6.dnet not in { fd00::/8 }", PKT_TCP4()),

		/* ip6.nexthdr */
		YES("ip6.nexthdr tcp", PKT_TCP6()),
		NO("ip6.nexthdr udp", PKT_TCP6()),
		YES("ip6.nexthdr 17", PKT_UDP6()),
		YES("ip6.nexthdr eq icmpv6", PKT_ICMP6()),
		NO("ip6.nexthdr tcp", PKT_TCP4()),
		NO("ip6.nexthdr 59", PKT_TCP4()),
		/* Extension headers match wherever they are in the chain. */
		YES("ip6.nexthdr hop", PKT_TCP6(PKT_EXT(PKT_EXT_HOP))),
		NO("ip6.nexthdr hop", PKT_TCP6()),
		YES("ip6.nexthdr route", PKT_UDP6(PKT_EXT(PKT_EXT_ROUTE))),
		YES("ip6.nexthdr frag", PKT_UDP6(PKT_EXT(PKT_EXT_FRAG), .more_frags = true)),
		YES("ip6.nexthdr ah", PKT_TCP6(PKT_EXT(PKT_EXT_AH))),
		YES("ip6.nexthdr dst", PKT_TCP6(PKT_EXT(PKT_EXT_DST))),
		YES("ip6.nexthdr mh", PKT_IP6(PKT_EXT(PKT_EXT_MH), .proto = 59)),
		YES("ip6.nexthdr 59", PKT_IP6(PKT_EXT(PKT_EXT_MH), .proto = 59)),
		YES("ip6.nexthdr 44", PKT_UDP6(PKT_EXT(PKT_EXT_FRAG))),
		YES("ip6.nexthdr 0", PKT_UDP6(PKT_EXT(PKT_EXT_HOP))),
		YES("ip6.nexthdr HOP", PKT_UDP6(PKT_EXT(PKT_EXT_DST, PKT_EXT_HOP))),
		YES("ip6.nexthdr hop", all),
		YES("ip6.nexthdr route", all),
		YES("ip6.nexthdr frag", all),
		YES("ip6.nexthdr dst", all),
		YES("ip6.nexthdr ah", all),
		NO("ip6.nexthdr mh", all),
		YES("ip6.nexthdr tcp", all),
		NO("ip6.nexthdr udp", all),
		/* The transport header after them is still parsed. */
		YES("tcp.dport 80", all),
		YES("ip6.nexthdr not frag", PKT_TCP6()),
		NO("ip6.nexthdr not frag", PKT_TCP6(PKT_EXT(PKT_EXT_FRAG))),
		NO("ip6.nexthdr not frag", all),
		NO("ip6.nexthdr not tcp", all),
		YES("ip6.nexthdr not udp", all),
		NO("ip6.nexthdr not frag", PKT_TCP4()),
		NO("ip6.nexthdr not tcp", PKT_UDP4()),
	};

	CHECK("ip6", cases, TPROG_HOOKS_ALL);
}

BF_TEST(prog_tcp)
{
	const struct tprog_case cases[] = {
		/* tcp.sport/dport */
		YES("tcp.dport 22", PKT_TCP4(.dport = 22)),
		YES("tcp.dport eq 22", PKT_TCP6(.dport = 22)),
		NO("tcp.dport 22", PKT_TCP4(.dport = 23)),
		NO("tcp.dport 22", PKT_TCP4(.sport = 22)),
		NO("tcp.dport 22", PKT_UDP4(.dport = 22)),
		YES("tcp.dport 0", PKT_TCP4(.dport = 0)),
		NO("tcp.dport 0", PKT_ICMP4()),
		YES("tcp.sport 40000", PKT_TCP6()),
		NO("tcp.sport 40000", PKT_UDP6()),
		YES("tcp.sport 65535", PKT_TCP4(.sport = 65535)),
		YES("tcp.dport not 22", PKT_TCP4(.dport = 80)),
		NO("tcp.dport not 22", PKT_TCP4(.dport = 22)),
		NO("tcp.dport not 22", PKT_UDP4(.dport = 80)),
		NO("tcp.dport not 22", PKT_ICMP6()),
		YES("tcp.dport in { 22; 80; 443 }", PKT_TCP4(.dport = 443)),
		YES("tcp.dport in { 22; 80; 443 }", PKT_TCP6(.dport = 22)),
		NO("tcp.dport in { 22; 80; 443 }", PKT_TCP4(.dport = 8080)),
		NO("tcp.dport in { 22; 80; 443 }", PKT_UDP4(.dport = 443)),
		YES("tcp.sport not in { 1; 2 }", PKT_TCP4()),
		NO("tcp.sport not in { 40000 }", PKT_TCP4()),
		NO("tcp.sport not in { 1 }", PKT_UDP4()),
		YES("tcp.dport range 1024-65535", PKT_TCP4(.dport = 1024)),
		YES("tcp.dport range 1024-65535", PKT_TCP6(.dport = 65535)),
		NO("tcp.dport range 1024-65535", PKT_TCP4(.dport = 1023)),
		NO("tcp.dport range 1024-65535", PKT_UDP4(.dport = 2000)),
		YES("tcp.sport not range 1-1023", PKT_TCP4()),
		NO("tcp.sport not range 40000-40000", PKT_TCP4()),
		NO("tcp.sport not range 1-1023", PKT_UDP4()),
		/* The transport header is found after IPv4 options... */
		YES("tcp.dport 22", PKT_TCP4(.dport = 22, .ip4_optlen = 40)),
		YES("tcp.sport 1234", PKT_TCP4(.sport = 1234, .ip4_optlen = 4)),
		/* ... and not in them (options are NOPs: 0x0101 = 257). */
		NO("tcp.dport 257", PKT_TCP4(.dport = 80, .ip4_optlen = 8)),
		YES("tcp.dport 22", PKT_TCP6(.dport = 22, PKT_EXT(PKT_EXT_HOP, PKT_EXT_AH))),

		/* tcp.flags */
		YES("tcp.flags syn", PKT_TCP4(.tcp_flags = PKT_TCP_SYN)),
		YES("tcp.flags eq syn", PKT_TCP6(.tcp_flags = PKT_TCP_SYN)),
		NO("tcp.flags eq syn", PKT_TCP4(.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK)),
		YES("tcp.flags eq syn,ack", PKT_TCP4(.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK)),
		YES("tcp.flags eq ACK,SYN", PKT_TCP4(.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK)),
		NO("tcp.flags eq syn,ack",
		   PKT_TCP4(.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_PSH)),
		NO("tcp.flags eq syn,ack", PKT_TCP4(.tcp_flags = PKT_TCP_SYN)),
		YES("tcp.flags eq fin,syn,rst,psh,ack,urg,ece,cwr", PKT_TCP4(.tcp_flags = 0xff)),
		NO("tcp.flags eq syn", PKT_UDP4()),
		YES("tcp.flags any syn,fin", PKT_TCP4(.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK)),
		YES("tcp.flags any fin,rst", PKT_TCP6(.tcp_flags = PKT_TCP_RST)),
		NO("tcp.flags any fin,rst", PKT_TCP4(.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK)),
		YES("tcp.flags any cwr", PKT_TCP4(.tcp_flags = PKT_TCP_CWR | PKT_TCP_ACK)),
		NO("tcp.flags any urg,ece,cwr,psh", PKT_TCP4(.tcp_flags = PKT_TCP_ACK)),
		NO("tcp.flags any syn", PKT_UDP6()),
		YES("tcp.flags all syn,ack",
		    PKT_TCP4(.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_PSH)),
		NO("tcp.flags all syn,ack", PKT_TCP4(.tcp_flags = PKT_TCP_SYN)),
		YES("tcp.flags all fin,syn,rst,psh,ack,urg,ece,cwr", PKT_TCP6(.tcp_flags = 0xff)),
		NO("tcp.flags all fin,syn,rst,psh,ack,urg,ece,cwr", PKT_TCP6(.tcp_flags = 0x7f)),
		NO("tcp.flags all ack", PKT_ICMP4()),
		YES("tcp.flags not eq syn", PKT_TCP4(.tcp_flags = PKT_TCP_ACK)),
		NO("tcp.flags not eq syn", PKT_TCP4(.tcp_flags = PKT_TCP_SYN)),
		NO("tcp.flags not eq syn", PKT_UDP4()),
		YES("tcp.flags not any syn,fin", PKT_TCP4(.tcp_flags = PKT_TCP_ACK)),
		NO("tcp.flags not any syn,fin", PKT_TCP4(.tcp_flags = PKT_TCP_SYN)),
		YES("tcp.flags not all syn,ack", PKT_TCP4(.tcp_flags = PKT_TCP_SYN)),
		NO("tcp.flags not all syn,ack", PKT_TCP4(.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK)),
	};

	CHECK("tcp", cases, TPROG_HOOKS_ALL);
}

BF_TEST(prog_udp)
{
	const struct tprog_case cases[] = {
		/* udp.sport/dport */
		YES("udp.dport 53", PKT_UDP4()),
		YES("udp.dport eq 53", PKT_UDP6()),
		NO("udp.dport 53", PKT_UDP4(.dport = 54)),
		NO("udp.dport 53", PKT_UDP4(.sport = 53, .dport = 54)),
		NO("udp.dport 53", PKT_TCP4(.dport = 53)),
		NO("udp.dport 0", PKT_ICMP6()),
		YES("udp.sport 40000", PKT_UDP6()),
		NO("udp.sport 40000", PKT_TCP6()),
		YES("udp.dport not 53", PKT_UDP4(.dport = 123)),
		NO("udp.dport not 53", PKT_UDP4()),
		NO("udp.dport not 53", PKT_TCP4(.dport = 123)),
		YES("udp.dport in { 67; 68; 123 }", PKT_UDP4(.dport = 123)),
		NO("udp.dport in { 67; 68; 123 }", PKT_UDP4()),
		NO("udp.dport in { 67; 68; 123 }", PKT_TCP6(.dport = 67)),
		YES("udp.sport not in { 53 }", PKT_UDP6()),
		NO("udp.sport not in { 40000 }", PKT_UDP6()),
		NO("udp.sport not in { 53 }", PKT_TCP6()),
		YES("udp.dport range 50-60", PKT_UDP4()),
		YES("udp.sport range 39999-40000", PKT_UDP6()),
		NO("udp.sport range 40001-50000", PKT_UDP6()),
		NO("udp.dport range 50-60", PKT_TCP4(.dport = 53)),
		YES("udp.dport not range 100-200", PKT_UDP4()),
		NO("udp.dport not range 50-60", PKT_UDP4()),
		NO("udp.dport not range 100-200", PKT_ICMP4()),
		YES("udp.dport 53", PKT_UDP4(.ip4_optlen = 12)),
		YES("udp.dport 53", PKT_UDP6(PKT_EXT(PKT_EXT_DST, PKT_EXT_ROUTE))),
	};

	CHECK("udp", cases, TPROG_HOOKS_ALL);
}

BF_TEST(prog_icmp)
{
	const struct tprog_case cases[] = {
		/* icmp */
		YES("icmp.type echo-request", PKT_ICMP4()),
		YES("icmp.type 8", PKT_ICMP4()),
		YES("icmp.type eq ECHO-REQUEST", PKT_ICMP4()),
		NO("icmp.type echo-reply", PKT_ICMP4()),
		YES("icmp.type echo-reply", PKT_ICMP4(.icmp_type = 0)),
		YES("icmp.type destination-unreachable", PKT_ICMP4(.icmp_type = 3)),
		YES("icmp.type time-exceeded", PKT_ICMP4(.icmp_type = 11)),
		/* Same type number, other protocol. */
		NO("icmp.type 3", PKT_ICMP6(.icmp_type = 3)),
		NO("icmp.type 0", PKT_TCP4()),
		NO("icmp.type 0", PKT_UDP6()),
		YES("icmp.type not 8", PKT_ICMP4(.icmp_type = 0)),
		NO("icmp.type not 8", PKT_ICMP4()),
		NO("icmp.type not 8", PKT_UDP4()),
		YES("icmp.code 3", PKT_ICMP4(.icmp_type = 3, .icmp_code = 3)),
		YES("icmp.code eq 0", PKT_ICMP4()),
		NO("icmp.code 3", PKT_ICMP4(.icmp_type = 3, .icmp_code = 1)),
		NO("icmp.code 0", PKT_ICMP6()),
		NO("icmp.code 0", PKT_TCP4()),
		YES("icmp.code not 3", PKT_ICMP4(.icmp_type = 3, .icmp_code = 4)),
		NO("icmp.code not 3", PKT_ICMP4(.icmp_type = 3, .icmp_code = 3)),
		NO("icmp.code not 3", PKT_ICMP6()),
		YES("icmp.type 8", PKT_ICMP4(.ip4_optlen = 20)),

		/* icmpv6 */
		YES("icmpv6.type echo-request", PKT_ICMP6()),
		YES("icmpv6.type 128", PKT_ICMP6()),
		YES("icmpv6.type eq Echo-Request", PKT_ICMP6()),
		NO("icmpv6.type echo-request", PKT_ICMP6(.icmp_type = 129)),
		YES("icmpv6.type echo-reply", PKT_ICMP6(.icmp_type = 129)),
		YES("icmpv6.type destination-unreachable", PKT_ICMP6(.icmp_type = 1)),
		YES("icmpv6.type packet-too-big", PKT_ICMP6(.icmp_type = 2)),
		YES("icmpv6.type time-exceeded", PKT_ICMP6(.icmp_type = 3)),
		YES("icmpv6.type mld-listener-query", PKT_ICMP6(.icmp_type = 130)),
		YES("icmpv6.type nd-router-advert", PKT_ICMP6(.icmp_type = 134)),
		YES("icmpv6.type nd-neighbor-solicit", PKT_ICMP6(.icmp_type = 135)),
		NO("icmpv6.type nd-neighbor-solicit", PKT_ICMP6(.icmp_type = 136)),
		YES("icmpv6.type nd-neighbor-solicit", PKT_ICMP6(.icmp_type = 135, PKT_EXT(PKT_EXT_HOP))),
		NO("icmpv6.type 8", PKT_ICMP4()),
		NO("icmpv6.type 0", PKT_UDP6()),
		NO("icmpv6.type 0", PKT_TCP4()),
		YES("icmpv6.type not 128", PKT_ICMP6(.icmp_type = 129)),
		NO("icmpv6.type not 128", PKT_ICMP6()),
		NO("icmpv6.type not 128", PKT_ICMP4()),
		YES("icmpv6.code 4", PKT_ICMP6(.icmp_type = 1, .icmp_code = 4)),
		NO("icmpv6.code 4", PKT_ICMP6(.icmp_type = 1, .icmp_code = 3)),
		YES("icmpv6.code eq 0", PKT_ICMP6()),
		NO("icmpv6.code 0", PKT_ICMP4()),
		NO("icmpv6.code 0", PKT_TCP6()),
		YES("icmpv6.code not 4", PKT_ICMP6()),
		NO("icmpv6.code not 4", PKT_ICMP6(.icmp_type = 1, .icmp_code = 4)),
		NO("icmpv6.code not 4", PKT_ICMP4()),
	};

	CHECK("icmp", cases, TPROG_HOOKS_ALL);
}

/* DSCP: the upper 6 bits of the IPv4 TOS byte and of the IPv6 traffic
 * class, which straddles the first two bytes of the header. The ECN bits
 * below it don't count. */
BF_TEST(prog_dscp)
{
	const struct tprog_case cases[] = {
		/* ip4.dscp */
		YES("ip4.dscp 46", PKT_TCP4(.tos = 46 << 2)),
		YES("ip4.dscp ef", PKT_UDP4(.tos = 0xb8)),
		YES("ip4.dscp eq EF", PKT_UDP4(.tos = 0xb8 | 3)),
		NO("ip4.dscp ef", PKT_UDP4(.tos = 0xb4)),
		NO("ip4.dscp ef", PKT_TCP4()),
		YES("ip4.dscp 0", PKT_TCP4()),
		YES("ip4.dscp cs0", PKT_ICMP4(.tos = 2)),
		YES("ip4.dscp cs1", PKT_TCP4(.tos = 8 << 2)),
		YES("ip4.dscp cs7", PKT_TCP4(.tos = 56 << 2)),
		NO("ip4.dscp cs6", PKT_TCP4(.tos = 56 << 2)),
		YES("ip4.dscp af11", PKT_TCP4(.tos = 10 << 2)),
		YES("ip4.dscp af23", PKT_TCP4(.tos = 22 << 2)),
		YES("ip4.dscp af41", PKT_TCP4(.tos = 34 << 2)),
		YES("ip4.dscp af43", PKT_TCP4(.tos = 38 << 2)),
		NO("ip4.dscp af43", PKT_TCP4(.tos = 36 << 2)),
		YES("ip4.dscp 63", PKT_TCP4(.tos = 0xfc)),
		/* The same traffic class on IPv6 is not ip4.dscp. */
		NO("ip4.dscp ef", PKT_UDP6(.tos = 0xb8)),
		NO("ip4.dscp 0", PKT_UDP6()),
		YES("ip4.dscp not ef", PKT_TCP4()),
		NO("ip4.dscp not ef", PKT_TCP4(.tos = 0xb8)),
		NO("ip4.dscp not ef", PKT_TCP6()),
		NO("ip4.dscp 0", PKT_ARP(), .hooks = NOT_NF),
		/* Fragments keep their header's DSCP. */
		YES("ip4.dscp af21", PKT_TCP4(.tos = 18 << 2, .frag_off = 5)),
		YES("ip4.dscp cs2", PKT_UDP4(.tos = 16 << 2, .ip4_optlen = 8)),

		/* ip6.dscp */
		YES("ip6.dscp 46", PKT_TCP6(.tos = 46 << 2)),
		YES("ip6.dscp ef", PKT_UDP6(.tos = 0xb8 | 1)),
		NO("ip6.dscp ef", PKT_UDP6(.tos = 0xb0)),
		YES("ip6.dscp 0", PKT_UDP6(.tos = 3)),
		/* Bits on either side of the nibble boundary. */
		YES("ip6.dscp 1", PKT_TCP6(.tos = 1 << 2)),
		YES("ip6.dscp 3", PKT_TCP6(.tos = 3 << 2)),
		YES("ip6.dscp 4", PKT_TCP6(.tos = 4 << 2)),
		YES("ip6.dscp 60", PKT_TCP6(.tos = 60 << 2)),
		YES("ip6.dscp 63", PKT_TCP6(.tos = 0xff)),
		YES("ip6.dscp cs1", PKT_ICMP6(.tos = 8 << 2)),
		YES("ip6.dscp cs6", PKT_ICMP6(.tos = 48 << 2)),
		YES("ip6.dscp af12", PKT_UDP6(.tos = 12 << 2)),
		YES("ip6.dscp af31", PKT_UDP6(.tos = 26 << 2)),
		NO("ip6.dscp af31", PKT_UDP6(.tos = 28 << 2)),
		YES("ip6.dscp af33", PKT_UDP6(.tos = 30 << 2, PKT_EXT(PKT_EXT_HOP))),
		NO("ip6.dscp ef", PKT_UDP4(.tos = 0xb8)),
		NO("ip6.dscp 0", PKT_UDP4()),
		YES("ip6.dscp not cs1", PKT_TCP6()),
		NO("ip6.dscp not cs1", PKT_TCP6(.tos = 8 << 2)),
		NO("ip6.dscp not cs1", PKT_TCP4()),
		NO("ip6.dscp 0", PKT_ARP(), .hooks = NOT_NF),
	};

	CHECK("dscp", cases, TPROG_HOOKS_ALL);
}

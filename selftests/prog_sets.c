// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sets on every hook: named and anonymous, one component or several, exact
 * and prefix (longest-prefix match), "in" and "not in", empty sets. The
 * sets of a chain share the kernel maps: each table's chain holds many
 * sets, some with the same key type, and a rule must only see its own
 * set's elements.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <string.h>

#include "daemon/prog.h"
#include "daemon/xlate.h"
#include "lib/chain.h"
#include "lib/helper.h"
#include "pkt.h"
#include "prog_run.h"
#include "test.h"

#define YES(s, r, p, ...) { .sets = (s), .rule = (r), .pkt = p, .match = true, __VA_ARGS__ }
#define NO(s, r, p, ...) { .sets = (s), .rule = (r), .pkt = p, .match = false, __VA_ARGS__ }

#define CHECK(name, cases, hooks) tprog_check_cases(name, cases, ARRAY_SIZE(cases), hooks)

/* Exact-match sets keyed by one or more packet fields. */
BF_TEST(prog_sets_exact)
{
	static const char blocked[] = "set blocked (ip4.saddr) in { 10.0.0.1; 10.0.0.7 }";
	static const char pairs[] = "set pairs (ip4.daddr, tcp.dport) in {\n"
				    "    10.0.0.2, 22\n"
				    "    10.0.0.3, 443\n"
				    "}";
	static const char flows[] =
		"set flows (ip4.saddr, ip4.daddr, meta.l4_proto, meta.dport) in {\n"
		"    10.0.0.1, 10.0.0.2, tcp, 80; 10.0.0.1, 10.0.0.2, udp, 53\n"
		"}";
	static const char v6[] = "set v6 (ip6.saddr, udp.dport) in { 2001:db8::1, 53 }";
	/* 36 bytes of key, close to BF_SET_KEY_MAX. */
	static const char v6flows[] =
		"set v6flows (ip6.saddr, ip6.daddr, tcp.sport, tcp.dport) in {\n"
		"    2001:db8::1, 2001:db8::2, 40000, 80\n"
		"    2001:db8::2, 2001:db8::1, 80, 40000\n"
		"}";
	static const char icmp[] = "set icmp (icmp.type, icmp.code) in { 3, 1; echo-request, 0 }";
	static const char icmp6[] =
		"set icmp6 (icmpv6.type) in { echo-request; nd-neighbor-solicit }";
	static const char udp[] = "set udp (udp.sport, udp.dport) in { 40000, 53; 53, 40000 }";
	static const char l3[] = "set l3 (meta.l3_proto) in { ipv6; arp }";
	static const char iface[] = "set iface (meta.iface) in { 1 }";
	static const char mark[] = "set marks (meta.mark) in { 5; 0x10 }";
	static const char proto[] = "set proto (ip4.proto) in { udp; 47 }";
	static const char two_ports[] = "set x (tcp.dport) in { 22 }\n"
					"set y (tcp.dport) in { 80 }";
	static const char empty[] = "set none (ip4.saddr) in { }";
	const struct tprog_case cases[] = {
		YES(blocked, "(ip4.saddr) in blocked", PKT_TCP4()),
		YES(blocked, "(ip4.saddr) in blocked", PKT_UDP4(.saddr = "10.0.0.7")),
		NO(blocked, "(ip4.saddr) in blocked", PKT_TCP4(.saddr = "10.0.0.2")),
		NO(blocked, "(ip4.saddr) in blocked", PKT_TCP6(.saddr = "a00:1::")),
		YES(blocked, "(ip4.saddr) not in blocked", PKT_TCP4(.saddr = "10.0.0.2")),
		NO(blocked, "(ip4.saddr) not in blocked", PKT_TCP4()),
		NO(blocked, "(ip4.saddr) not in blocked", PKT_TCP6()),

		YES(pairs, "(ip4.daddr, tcp.dport) in pairs", PKT_TCP4(.dport = 22)),
		YES(pairs, "(ip4.daddr, tcp.dport) in pairs",
		    PKT_TCP4(.daddr = "10.0.0.3", .dport = 443)),
		NO(pairs, "(ip4.daddr, tcp.dport) in pairs", PKT_TCP4(.dport = 443)),
		NO(pairs, "(ip4.daddr, tcp.dport) in pairs", PKT_TCP4(.daddr = "10.0.0.3", .dport = 22)),
		NO(pairs, "(ip4.daddr, tcp.dport) in pairs", PKT_UDP4(.dport = 22)),
		YES(pairs, "(ip4.daddr, tcp.dport) not in pairs", PKT_TCP4(.dport = 80)),
		NO(pairs, "(ip4.daddr, tcp.dport) not in pairs", PKT_TCP4(.dport = 22)),
		NO(pairs, "(ip4.daddr, tcp.dport) not in pairs", PKT_UDP4(.dport = 80)),
		NO(pairs, "(ip4.daddr, tcp.dport) not in pairs", PKT_TCP6(.dport = 80)),

		YES(flows, "(ip4.saddr, ip4.daddr, meta.l4_proto, meta.dport) in flows",
		    PKT_TCP4(.dport = 80)),
		YES(flows, "(ip4.saddr, ip4.daddr, meta.l4_proto, meta.dport) in flows",
		    PKT_UDP4(.dport = 53)),
		NO(flows, "(ip4.saddr, ip4.daddr, meta.l4_proto, meta.dport) in flows",
		   PKT_TCP4(.dport = 53)),
		NO(flows, "(ip4.saddr, ip4.daddr, meta.l4_proto, meta.dport) in flows",
		   PKT_UDP4(.dport = 80)),
		NO(flows, "(ip4.saddr, ip4.daddr, meta.l4_proto, meta.dport) in flows",
		   PKT_TCP4(.daddr = "10.0.0.3", .dport = 80)),

		YES(v6, "(ip6.saddr, udp.dport) in v6", PKT_UDP6()),
		NO(v6, "(ip6.saddr, udp.dport) in v6", PKT_UDP6(.saddr = "2001:db8::3")),
		NO(v6, "(ip6.saddr, udp.dport) in v6", PKT_UDP6(.dport = 54)),
		NO(v6, "(ip6.saddr, udp.dport) in v6", PKT_TCP6(.dport = 53)),

		YES(v6flows, "(ip6.saddr, ip6.daddr, tcp.sport, tcp.dport) in v6flows", PKT_TCP6()),
		YES(v6flows, "(ip6.saddr, ip6.daddr, tcp.sport, tcp.dport) in v6flows",
		    PKT_TCP6(.saddr = "2001:db8::2", .daddr = "2001:db8::1", .sport = 80,
			     .dport = 40000)),
		NO(v6flows, "(ip6.saddr, ip6.daddr, tcp.sport, tcp.dport) in v6flows",
		   PKT_TCP6(.dport = 81)),
		NO(v6flows, "(ip6.saddr, ip6.daddr, tcp.sport, tcp.dport) in v6flows",
		   PKT_TCP6(.daddr = "2001:db8::1")),

		YES(icmp, "(icmp.type, icmp.code) in icmp", PKT_ICMP4()),
		YES(icmp, "(icmp.type, icmp.code) in icmp", PKT_ICMP4(.icmp_type = 3, .icmp_code = 1)),
		NO(icmp, "(icmp.type, icmp.code) in icmp", PKT_ICMP4(.icmp_type = 3, .icmp_code = 0)),
		NO(icmp, "(icmp.type, icmp.code) in icmp", PKT_ICMP6(.icmp_type = 3, .icmp_code = 1)),
		YES(icmp6, "(icmpv6.type) in icmp6", PKT_ICMP6()),
		YES(icmp6, "(icmpv6.type) in icmp6", PKT_ICMP6(.icmp_type = 135)),
		NO(icmp6, "(icmpv6.type) in icmp6", PKT_ICMP6(.icmp_type = 129)),
		NO(icmp6, "(icmpv6.type) in icmp6", PKT_ICMP4(.icmp_type = 128)),

		YES(udp, "(udp.sport, udp.dport) in udp", PKT_UDP4()),
		YES(udp, "(udp.sport, udp.dport) in udp", PKT_UDP6(.sport = 53, .dport = 40000)),
		NO(udp, "(udp.sport, udp.dport) in udp", PKT_UDP6(.sport = 53, .dport = 53)),
		NO(udp, "(udp.sport, udp.dport) in udp", PKT_TCP4(.sport = 40000, .dport = 53)),

		YES(l3, "(meta.l3_proto) in l3", PKT_TCP6()),
		YES(l3, "(meta.l3_proto) in l3", PKT_ARP(), .hooks = TPROG_HOOKS_ALL & ~TPROG_HOOKS_NF_ALL),
		NO(l3, "(meta.l3_proto) in l3", PKT_TCP4()),
		YES(iface, "(meta.iface) in iface", PKT_TCP4()),
		NO(iface, "(meta.iface) not in iface", PKT_UDP6()),
		YES(mark, "(meta.mark) in marks", PKT_TCP4(), .mark = 16, .hooks = TPROG_HOOKS_MARK),
		NO(mark, "(meta.mark) in marks", PKT_TCP4(), .mark = 6, .hooks = TPROG_HOOKS_MARK),
		YES(mark, "(meta.mark) not in marks", PKT_TCP4(), .hooks = TPROG_HOOKS_SKB),
		YES(proto, "(ip4.proto) in proto", PKT_UDP4()),
		YES(proto, "(ip4.proto) in proto", PKT_IP4(.proto = 47)),
		NO(proto, "(ip4.proto) in proto", PKT_TCP4()),
		NO(proto, "(ip4.proto) in proto", PKT_UDP6()),

		/* Same key as another set, not the same elements. */
		NO(two_ports, "(tcp.dport) in y", PKT_TCP4(.dport = 22)),
		YES(two_ports, "(tcp.dport) in y", PKT_TCP4(.dport = 80)),
		YES(two_ports, "(tcp.dport) in x", PKT_TCP4(.dport = 22)),
		NO(two_ports, "(tcp.dport) in x", PKT_TCP4(.dport = 80)),

		/* An empty set contains nothing; "not in" still needs the
		 * key's protocol. */
		NO(empty, "(ip4.saddr) in none", PKT_TCP4()),
		YES(empty, "(ip4.saddr) not in none", PKT_TCP4()),
		NO(empty, "(ip4.saddr) not in none", PKT_TCP6()),

		/* Anonymous sets with a key. */
		YES(NULL, "(ip4.saddr, tcp.dport) in { 10.0.0.1, 80; 10.0.0.9, 22 }", PKT_TCP4()),
		NO(NULL, "(ip4.saddr, tcp.dport) in { 10.0.0.1, 80; 10.0.0.9, 22 }",
		   PKT_TCP4(.dport = 22)),
		NO(NULL, "(ip4.saddr, tcp.dport) in { 10.0.0.1, 80; 10.0.0.9, 22 }", PKT_UDP4(.dport = 80)),
		YES(NULL, "(ip4.saddr) not in { 10.0.0.9 }", PKT_TCP4()),
		NO(NULL, "(ip4.saddr) not in { 10.0.0.9 }", PKT_TCP6()),
		YES(NULL, "(tcp.dport) in { 22; 80 }", PKT_TCP6()),
	};

	CHECK("exact sets", cases, TPROG_HOOKS_ALL);
}

/* Prefix sets: one ip4.snet/dnet or ip6.snet/dnet component. */
BF_TEST(prog_sets_prefix)
{
	static const char nets[] = "set nets (ip4.snet) in { 10.0.0.0/8; 192.168.1.0/24 }";
	static const char nested[] = "set nested (ip4.dnet) in { 10.0.0.0/8; 10.1.0.0/16 }";
	static const char nets6[] = "set nets6 (ip6.dnet) in { 2001:db8::/64; fd00::/8 }";
	static const char two_nets[] = "set a (ip4.dnet) in { 10.0.0.0/8 }\n"
				       "set b (ip4.dnet) in { 192.168.0.0/16 }";
	static const char empty[] = "set nonets (ip6.snet) in {}";
	const struct tprog_case cases[] = {
		YES(nets, "(ip4.snet) in nets", PKT_TCP4()),
		YES(nets, "(ip4.snet) in nets", PKT_TCP4(.saddr = "192.168.1.77")),
		NO(nets, "(ip4.snet) in nets", PKT_TCP4(.saddr = "192.168.2.1")),
		NO(nets, "(ip4.snet) in nets", PKT_TCP4(.saddr = "11.0.0.1")),
		NO(nets, "(ip4.snet) in nets", PKT_TCP6(.saddr = "a00:1::")),
		YES(nets, "(ip4.snet) not in nets", PKT_UDP4(.saddr = "172.16.0.1")),
		NO(nets, "(ip4.snet) not in nets", PKT_UDP4()),
		NO(nets, "(ip4.snet) not in nets", PKT_UDP6()),

		YES(nested, "(ip4.dnet) in nested", PKT_TCP4(.daddr = "10.1.2.3")),
		YES(nested, "(ip4.dnet) in nested", PKT_TCP4(.daddr = "10.2.0.1")),
		NO(nested, "(ip4.dnet) in nested", PKT_TCP4(.daddr = "9.255.255.255")),

		YES(nets6, "(ip6.dnet) in nets6", PKT_UDP6()),
		YES(nets6, "(ip6.dnet) in nets6", PKT_UDP6(.daddr = "fd12::1")),
		NO(nets6, "(ip6.dnet) in nets6", PKT_UDP6(.daddr = "2001:db8:0:1::2")),
		NO(nets6, "(ip6.dnet) in nets6", PKT_UDP4()),
		YES(nets6, "(ip6.dnet) not in nets6", PKT_UDP6(.daddr = "fe80::1")),
		NO(nets6, "(ip6.dnet) not in nets6", PKT_UDP6()),
		NO(nets6, "(ip6.dnet) not in nets6", PKT_UDP4()),

		/* Same key as other sets, not the same elements. */
		NO(two_nets, "(ip4.dnet) in b", PKT_TCP4()),
		YES(two_nets, "(ip4.dnet) in b", PKT_TCP4(.daddr = "192.168.1.1")),
		YES(two_nets, "(ip4.dnet) in a", PKT_TCP4()),
		NO(two_nets, "(ip4.dnet) in a", PKT_TCP4(.daddr = "192.168.1.1")),

		NO(empty, "(ip6.snet) in nonets", PKT_UDP6()),
		YES(empty, "(ip6.snet) not in nonets", PKT_UDP6()),
		NO(empty, "(ip6.snet) not in nonets", PKT_UDP4()),

		YES(NULL, "(ip6.snet) in { 2001:db8::/32 }", PKT_ICMP6()),
		NO(NULL, "(ip6.snet) in { 2001:db8::1/128 }", PKT_ICMP6(.saddr = "2001:db8::3")),
		YES(NULL, "(ip4.dnet) not in { 192.168.0.0/16 }", PKT_ICMP4()),
	};

	CHECK("prefix sets", cases, TPROG_HOOKS_ALL);
}

/* Does @spec make rule @rule of @t count? (Its counter: packets before and
 * after one run.) */
static int gen_hits(struct tprog *t, size_t rule, const struct pkt_spec *spec)
{
	struct bf_counter before[4], after[4];
	enum bf_verdict v;

	if (!ASSERT_OK(tprog_counters(t, before, 4), "reading counters") ||
	    !ASSERT_OK(tprog_run(t, spec, NULL, &v), "test run") ||
	    !ASSERT_OK(tprog_counters(t, after, 4), "reading counters"))
		return -1;
	return (int)(after[rule].packets - before[rule].packets);
}

/* Write @elem into generation @gen of set @idx, as an update-set would. */
static bool gen_add(struct tprog *t, uint32_t idx, uint8_t gen, const void *elem)
{
	const struct bf_set *set = &t->chain->sets[idx];
	const uint8_t one = 1;

	if (bf_set_is_prefix(set)) {
		struct bf_lpm_key key;

		bf_xlate_lpm_key_gen(set, idx, gen, elem, &key);
		return !bpf_map_update_elem(t->prog->maps[BF_MAP_SET_LPM], &key, &one, BPF_ANY);
	}
	struct bf_set_key key;

	bf_xlate_set_key_gen(set, idx, gen, elem, &key);
	return !bpf_map_update_elem(t->prog->maps[BF_MAP_SET_ELEMS], &key, &one, BPF_ANY);
}

/* Make packets see generation @gen of set @idx. */
static bool gen_flip(struct tprog *t, uint32_t idx, uint8_t gen)
{
	struct bf_set_rec rec;

	if (bpf_map_lookup_elem(t->prog->maps[BF_MAP_SETS], &idx, &rec))
		return false;
	rec.gen = gen;
	return !bpf_map_update_elem(t->prog->maps[BF_MAP_SETS], &idx, &rec, BPF_ANY);
}

/*
 * Set generations (xlate.h), as update-set uses them: elements written
 * for the next generation stay invisible until the set's record flips to
 * it, then only they are seen; the other sets of the chain, sharing the
 * maps, don't change. Generations wrap around at 256.
 */
BF_TEST(prog_sets_gen)
{
	static const char body[] = "set s (ip4.saddr) in { 10.0.0.1 }\n"
				   "set n (ip4.dnet) in { 10.0.0.0/24 }\n"
				   "rule (ip4.saddr) in s counter CONTINUE\n"
				   "rule (ip4.dnet) in n counter CONTINUE\n";
	const struct pkt_spec a = PKT_TCP4(), b = PKT_TCP4(.saddr = "10.0.0.9", .daddr = "10.9.0.1");
	const uint8_t saddr_b[4] = { 10, 0, 0, 9 }, dnet_b[5] = { 10, 9, 0, 0, 16 };

	for (enum bf_hook hook = 0; hook < _BF_HOOK_MAX; hook++) {
		struct tprog t;

		if (!(TPROG_HOOKS_ALL & TPROG_HOOK(hook)))
			continue;
		if (!ASSERT_TRUE(tprog_load_body(&t, hook, "ACCEPT", body) == 0, "loading: %s: %s",
				 t.step, t.err)) {
			tprog_close(&t);
			continue;
		}
		ASSERT_TRUE(gen_hits(&t, 0, &a) == 1 && gen_hits(&t, 1, &a) == 1 &&
				    gen_hits(&t, 0, &b) == 0 && gen_hits(&t, 1, &b) == 0,
			    "generation 0 on %s", tprog_hook_name(hook));
		/* Written, not yet current. */
		ASSERT_TRUE(gen_add(&t, 0, 1, saddr_b) && gen_add(&t, 1, 1, dnet_b),
			    "writing generation 1");
		ASSERT_TRUE(gen_hits(&t, 0, &b) == 0 && gen_hits(&t, 1, &b) == 0,
			    "generation 1 before the flip on %s", tprog_hook_name(hook));
		/* The exact set flips: it sees only its new elements. */
		ASSERT_TRUE(gen_flip(&t, 0, 1), "flipping set 0");
		ASSERT_TRUE(gen_hits(&t, 0, &b) == 1 && gen_hits(&t, 0, &a) == 0 &&
				    gen_hits(&t, 1, &a) == 1 && gen_hits(&t, 1, &b) == 0,
			    "set 0 flipped on %s", tprog_hook_name(hook));
		/* The prefix set too; then back round from 255 to 0. */
		ASSERT_TRUE(gen_flip(&t, 1, 1), "flipping set 1");
		ASSERT_TRUE(gen_hits(&t, 1, &b) == 1 && gen_hits(&t, 1, &a) == 0,
			    "set 1 flipped on %s", tprog_hook_name(hook));
		ASSERT_TRUE(gen_add(&t, 1, 255, dnet_b) && gen_flip(&t, 1, 255) &&
				    gen_hits(&t, 1, &b) == 1 && gen_flip(&t, 1, 0) &&
				    gen_hits(&t, 1, &a) == 1 && gen_hits(&t, 1, &b) == 0,
			    "generations 255 and 0 on %s", tprog_hook_name(hook));
		tprog_close(&t);
	}
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Engine semantics on every hook, with BPF_PROG_TEST_RUN: policies,
 * verdicts, rule order, counters, fragments, VLAN tags, truncated packets,
 * every netfilter hook and meta.probability; and the packet builder. The
 * matcher tables are in prog_match.c and prog_sets.c.
 */
#include <string.h>

#include "lib/helper.h"
#include "pkt.h"
#include "prog_run.h"
#include "test.h"

/* Run @spec and check the verdict; the message names the hook. */
static bool check_verdict(struct tprog *t, const struct pkt_spec *spec,
			  const struct tprog_opts *opts, enum bf_verdict want, const char *what)
{
	enum bf_verdict v;
	int r = tprog_run(t, spec, opts, &v);

	if (!ASSERT_TRUE(r == 0, "%s on %s: test run failed: %s", what, tprog_hook_name(t->hook),
			 strerror(-r)))
		return false;
	return ASSERT_TRUE(v == want, "%s on %s: %s, expected %s", what, tprog_hook_name(t->hook),
			   tprog_verdict_name(v), tprog_verdict_name(want));
}

/* Load "chain t HOOK POLICY BODY" on @hook, failing the test if it can't. */
static bool load(struct tprog *t, enum bf_hook hook, const char *policy, const char *body)
{
	int r = tprog_load_body(t, hook, policy, body);

	return ASSERT_TRUE(r == 0, "loading on %s: %s: %s", tprog_hook_name(hook), t->step,
			   t->err);
}

#define YES(r, p, ...) { .rule = (r), .pkt = p, .match = true, __VA_ARGS__ }
#define NO(r, p, ...) { .rule = (r), .pkt = p, .match = false, __VA_ARGS__ }
#define CHECK(name, cases, hooks) tprog_check_cases(name, cases, ARRAY_SIZE(cases), hooks)

#define for_each_hook(hook, mask)                                 \
	for (enum bf_hook hook = 0; hook < _BF_HOOK_MAX; hook++) \
		if ((mask) & TPROG_HOOK(hook))

/* A chain without rules applies its policy, and counts it. */
BF_TEST(prog_policy)
{
	const struct pkt_spec pkts[] = { PKT_TCP4(), PKT_UDP6(), PKT_ICMP4() };

	for_each_hook(hook, TPROG_HOOKS_ALL) {
		static const char *const policies[] = { "ACCEPT", "DROP" };

		for (size_t p = 0; p < 2; p++) {
			struct tprog t;
			struct bf_counter c[2];

			if (!load(&t, hook, policies[p], "")) {
				tprog_close(&t);
				continue;
			}
			for (size_t i = 0; i < sizeof(pkts) / sizeof(pkts[0]); i++)
				check_verdict(&t, &pkts[i], NULL,
					      p ? BF_VERDICT_DROP : BF_VERDICT_ACCEPT, policies[p]);
			if (ASSERT_OK(tprog_counters(&t, c, 2), "reading counters")) {
				ASSERT_EQ(c[0].packets, 3, "policy counter");
				ASSERT_EQ(c[1].packets, 0, "error counter");
			}
			tprog_close(&t);
		}
	}
}

/* Check @n counters against @want, packets and bytes, naming the hook. */
static void check_counters(struct tprog *t, const struct bf_counter *want, size_t n)
{
	struct bf_counter got[16];

	if (!ASSERT_TRUE(n <= 16, "too many counters") ||
	    !ASSERT_OK(tprog_counters(t, got, n), "reading counters"))
		return;
	for (size_t i = 0; i < n; i++) {
		const char *what = i + 2 < n ? "rule" : i + 2 == n ? "policy" : "error";

		ASSERT_TRUE(got[i].packets == want[i].packets && got[i].bytes == want[i].bytes,
			    "%s counter %zu on %s: %llu packets %llu bytes, expected %llu / %llu",
			    what, i, tprog_hook_name(t->hook), (unsigned long long)got[i].packets,
			    (unsigned long long)got[i].bytes, (unsigned long long)want[i].packets,
			    (unsigned long long)want[i].bytes);
	}
}

/* Length of the frame of @spec as @hook counts it. */
static uint64_t hook_len(enum bf_hook hook, const struct pkt_spec *spec)
{
	uint8_t frame[PKT_MAX];
	int len = pkt_build(spec, frame, sizeof(frame));

	return len < 0 ? 0 : tprog_pkt_len(hook, (size_t)len);
}

/*
 * Rules apply in order: CONTINUE counts and goes on, the first terminal
 * rule wins and stops evaluation (later rules don't count), a rule without
 * "counter" counts nothing, the policy takes and counts what no terminal
 * rule took. Counters add packets and bytes (the length the hook sees)
 * over runs.
 */
BF_TEST(prog_rule_order)
{
	static const char body[] = "rule tcp.dport 22 counter CONTINUE\n"
				   "rule ip4.saddr 10.0.0.1 counter ACCEPT\n"
				   "rule tcp.dport 22 counter DROP\n"
				   "rule meta.l4_proto udp counter DROP\n"
				   "rule meta.l4_proto icmp CONTINUE\n"
				   "rule meta.l4_proto tcp counter DROP\n"
				   "rule meta.l4_proto icmp counter ACCEPT\n";
	const struct pkt_spec accepted = PKT_TCP4(.dport = 22);
	const struct pkt_spec dropped = PKT_TCP4(.saddr = "10.0.0.9", .dport = 22, .payload = 7);
	const struct pkt_spec udp = PKT_UDP6(.payload = 100);
	const struct pkt_spec icmp = PKT_ICMP4(.saddr = "10.0.0.9", .payload = 3);
	const struct pkt_spec gre = PKT_IP4(.saddr = "10.0.0.9", .proto = 47);
	const struct tprog_opts once = { .repeat = 1 }, thrice = { .repeat = 3 };

	for_each_hook(hook, TPROG_HOOKS_ALL) {
		uint64_t a = hook_len(hook, &accepted), d = hook_len(hook, &dropped);
		const struct bf_counter want[] = {
			{ 2, a + d },
			{ 1, a },
			{ 1, d },
			{ 3, 3 * hook_len(hook, &udp) },
			{ 0, 0 },
			{ 0, 0 },
			{ 1, hook_len(hook, &icmp) },
			{ 3, 3 * hook_len(hook, &gre) },
			{ 0, 0 },
		};
		struct tprog t;

		if (load(&t, hook, "DROP", body)) {
			check_verdict(&t, &accepted, &once, BF_VERDICT_ACCEPT, "first terminal rule");
			check_verdict(&t, &dropped, &once, BF_VERDICT_DROP, "after CONTINUE");
			check_verdict(&t, &udp, &thrice, BF_VERDICT_DROP, "UDP rule");
			check_verdict(&t, &icmp, &once, BF_VERDICT_ACCEPT, "after a CONTINUE without counter");
			check_verdict(&t, &gre, &thrice, BF_VERDICT_DROP, "policy");
			check_counters(&t, want, ARRAY_SIZE(want));
		}
		tprog_close(&t);
	}
}

/*
 * Chains without CONTINUE take the engine's first-match way: chains of up to
 * BF_CLS_LINEAR_MAX rules try each rule's test in order, longer ones go
 * through the classifier and keep the lowest candidate that matches. Both
 * must give the first rule in chain order, also when an earlier rule's test
 * only filters (a negation: its matchers decide) and when a later rule's
 * test would pass too. The long chain is the short one with rules no
 * packet matches after it.
 */
BF_TEST(prog_rule_order_first)
{
	static const char small[] = "rule ip4.saddr not 10.0.0.1 tcp.dport 80 counter DROP\n"
				    "rule tcp.dport range 70-90 counter ACCEPT\n"
				    "rule ip4.snet 10.0.0.0/8 counter DROP\n"
				    "rule meta.l4_proto udp counter ACCEPT\n";
	static const char tail[] = "rule ip4.daddr 192.0.2.99 counter DROP\n"
				   "rule ip6.saddr 2001:db8::99 counter DROP\n"
				   "rule tcp.sport 1 counter DROP\n";
	const struct pkt_spec negated = PKT_TCP4(.saddr = "10.0.0.2", .dport = 80);
	const struct pkt_spec range = PKT_TCP4(.saddr = "10.0.0.1", .dport = 80);
	const struct pkt_spec prefix = PKT_TCP4(.saddr = "10.0.0.1", .dport = 100);
	const struct pkt_spec udp = PKT_UDP4(.saddr = "11.0.0.1");
	const struct pkt_spec none = PKT_TCP4(.saddr = "11.0.0.1", .dport = 100);
	const struct tprog_opts once = { .repeat = 1 };
	char large[sizeof(small) + sizeof(tail)];

	_Static_assert(4 <= BF_CLS_LINEAR_MAX, "the short chain is tried linearly");
	snprintf(large, sizeof(large), "%s%s", small, tail);
	for_each_hook(hook, TPROG_HOOKS_ALL) {
		for (int i = 0; i < 2; i++) {
			const char *body = i ? large : small;
			const char *what = i ? "classifier" : "linear";
			/* The short chain's 4 rules, the long one's 3 more, then
			 * the policy and error slots. */
			struct bf_counter want[9] = {
				{ 1, hook_len(hook, &negated) },
				{ 1, hook_len(hook, &range) },
				{ 1, hook_len(hook, &prefix) },
				{ 1, hook_len(hook, &udp) },
			};
			size_t nslots = i ? 9 : 6;
			struct tprog t;
			char m[64];

			want[nslots - 2] = (struct bf_counter){ 1, hook_len(hook, &none) };
			if (load(&t, hook, "DROP", body)) {
				snprintf(m, sizeof(m), "%s: negated source, first", what);
				check_verdict(&t, &negated, &once, BF_VERDICT_DROP, m);
				snprintf(m, sizeof(m), "%s: range after a failed negation", what);
				check_verdict(&t, &range, &once, BF_VERDICT_ACCEPT, m);
				snprintf(m, sizeof(m), "%s: prefix", what);
				check_verdict(&t, &prefix, &once, BF_VERDICT_DROP, m);
				snprintf(m, sizeof(m), "%s: protocol", what);
				check_verdict(&t, &udp, &once, BF_VERDICT_ACCEPT, m);
				snprintf(m, sizeof(m), "%s: policy", what);
				check_verdict(&t, &none, &once, BF_VERDICT_DROP, m);
				check_counters(&t, want, nslots);
			}
			tprog_close(&t);
		}
	}
}

/*
 * A non-first fragment has no transport header: port, flag and ICMP
 * matchers never match it, negated or not, while the protocol does. The
 * bytes where the header would be hold a header that would match.
 */
BF_TEST(prog_fragments)
{
	const struct pkt_spec tcp4 = PKT_TCP4(.frag_off = 10, .dport = 22);
	const struct pkt_spec udp6 = PKT_UDP6(PKT_EXT(PKT_EXT_FRAG), .frag_off = 3);
	const struct tprog_case cases[] = {
		YES("meta.l4_proto tcp", tcp4),
		YES("ip4.proto tcp", tcp4),
		YES("ip4.saddr 10.0.0.1", tcp4),
		NO("tcp.dport 22", tcp4),
		NO("tcp.dport not 80", tcp4),
		NO("meta.dport 22", tcp4),
		NO("meta.sport not 1", tcp4),
		NO("tcp.flags any ack", tcp4),
		NO("(tcp.dport) in { 22 }", tcp4),
		NO("icmp.type 8", PKT_ICMP4(.frag_off = 1)),
		YES("meta.l4_proto icmp", PKT_ICMP4(.frag_off = 1)),
		/* The first fragment has it. */
		YES("tcp.dport 22", PKT_TCP4(.more_frags = true, .dport = 22)),
		YES("meta.l4_proto udp", udp6),
		YES("ip6.nexthdr udp", udp6),
		YES("ip6.nexthdr frag", udp6),
		YES("ip6.saddr 2001:db8::1", udp6),
		NO("udp.dport 53", udp6),
		NO("udp.dport not 1", udp6),
		NO("meta.sport 40000", udp6),
		NO("(udp.dport) in { 53 }", udp6),
		NO("icmpv6.type 128", PKT_ICMP6(PKT_EXT(PKT_EXT_FRAG), .frag_off = 1)),
		YES("udp.dport 53", PKT_UDP6(PKT_EXT(PKT_EXT_FRAG), .more_frags = true)),
		YES("udp.dport 53", PKT_UDP6(PKT_EXT(PKT_EXT_HOP, PKT_EXT_FRAG), .more_frags = true)),
	};

	CHECK("fragments", cases, TPROG_HOOKS_ALL);
}

/* One VLAN tag (802.1Q or 802.1ad) is seen through on the hooks that see
 * Ethernet. */
BF_TEST(prog_vlan)
{
	const struct tprog_case cases[] = {
		YES("meta.l3_proto ipv4", PKT_TCP4(.vlan = true, .vlan_id = 5)),
		NO("meta.l3_proto 0x8100", PKT_TCP4(.vlan = true, .vlan_id = 5)),
		YES("ip4.saddr 10.0.0.1", PKT_TCP4(.vlan = true, .vlan_id = 5)),
		YES("tcp.dport 80", PKT_TCP4(.vlan = true, .vlan_id = 4095)),
		YES("tcp.dport 80", PKT_TCP4(.vlan = true, .vlan_tpid = 0x88a8)),
		NO("tcp.dport 81", PKT_TCP4(.vlan = true)),
		YES("ip6.daddr 2001:db8::2", PKT_UDP6(.vlan = true, .vlan_id = 100)),
		YES("udp.dport 53", PKT_UDP6(.vlan = true, .vlan_id = 100)),
		YES("icmpv6.type echo-request", PKT_ICMP6(.vlan = true)),
		YES("meta.l3_proto arp", PKT_ARP(.vlan = true)),
		NO("meta.l4_proto tcp", PKT_ARP(.vlan = true)),
	};

	CHECK("vlan", cases, TPROG_HOOKS_L2);
}

/*
 * Packets cut short neither crash the program (the error counter stays 0
 * too) nor match what they don't carry in full; what is there still
 * matches. Only XDP test runs take packets cut inside the IP header.
 */
BF_TEST(prog_truncated)
{
	const size_t eth = PKT_ETH_HLEN;
	const struct pkt_spec ip4 = PKT_TCP4(.truncate = eth + 10);
	const struct pkt_spec eth_only = PKT_TCP4(.truncate = eth);
	const struct pkt_spec ip6 = PKT_TCP6(.truncate = eth + 30);
	const struct pkt_spec tcp = PKT_TCP4(.truncate = eth + 20 + 2);
	const struct pkt_spec tcp_flags = PKT_TCP4(.truncate = eth + 20 + 13);
	const struct pkt_spec opts = PKT_TCP4(.ip4_optlen = 40, .truncate = eth + 40);
	const struct pkt_spec udp = PKT_UDP4(.truncate = eth + 20 + 3);
	const struct pkt_spec udp_ports = PKT_UDP6(.truncate = eth + 40 + 4);
	const struct pkt_spec icmp = PKT_ICMP4(.truncate = eth + 20 + 1);
	const struct pkt_spec ext = PKT_TCP6(PKT_EXT(PKT_EXT_HOP), .truncate = eth + 40 + 2);
	const uint32_t xdp = TPROG_HOOK(BF_HOOK_XDP);
	const struct tprog_case cases[] = {
		YES("meta.l3_proto ipv4", ip4, .hooks = xdp),
		NO("ip4.saddr 10.0.0.1", ip4, .hooks = xdp),
		NO("ip4.saddr not 10.0.0.9", ip4, .hooks = xdp),
		NO("ip4.snet 0.0.0.0/0", ip4, .hooks = xdp),
		NO("meta.l4_proto tcp", ip4, .hooks = xdp),
		NO("tcp.dport 80", ip4, .hooks = xdp),
		YES("meta.l3_proto ipv4", eth_only, .hooks = xdp),
		NO("ip4.daddr 10.0.0.2", eth_only, .hooks = xdp),
		NO("meta.l4_proto not udp", eth_only, .hooks = xdp),
		YES("meta.l3_proto ipv6", ip6, .hooks = xdp),
		NO("ip6.saddr 2001:db8::1", ip6, .hooks = xdp),
		NO("ip6.snet ::/0", ip6, .hooks = xdp),
		NO("ip6.nexthdr tcp", ip6, .hooks = xdp),
		NO("(ip6.snet) in { ::/0 }", ip6, .hooks = xdp),
		/* IP header whole, transport header cut. */
		YES("ip4.saddr 10.0.0.1", tcp),
		YES("meta.l4_proto tcp", tcp),
		NO("tcp.sport 40000", tcp),
		NO("tcp.dport not 22", tcp),
		NO("meta.sport 40000", tcp),
		NO("tcp.flags any ack", tcp_flags),
		NO("tcp.dport 80", tcp_flags),
		NO("tcp.dport 80", opts),
		YES("ip4.daddr 10.0.0.2", opts),
		NO("udp.sport 40000", udp),
		NO("(udp.sport) in { 40000 }", udp),
		/* A UDP header's ports are its first 4 bytes. */
		YES("udp.dport 53", udp_ports),
		NO("icmp.type 8", icmp),
		NO("icmp.code not 1", icmp),
		YES("ip6.daddr 2001:db8::2", ext),
		NO("ip6.nexthdr tcp", ext),
		NO("meta.l4_proto tcp", ext),
	};

	CHECK("truncated", cases, TPROG_HOOKS_ALL);
}

/*
 * Every netfilter hook, FORWARD, LOCAL_OUT and POST_ROUTING included: the
 * matcher tables only run on PRE_ROUTING and LOCAL_IN, the program is the
 * same but the kernel hands it a different hook state (and LOCAL_OUT a
 * packet without Ethernet header).
 */
BF_TEST(prog_nf_hooks)
{
	const struct tprog_case cases[] = {
		YES("meta.iface lo", PKT_TCP4()),
		NO("meta.iface 2", PKT_TCP4()),
		YES("meta.mark 0", PKT_TCP6()),
		YES("meta.l3_proto ipv6", PKT_TCP6()),
		NO("meta.l3_proto ipv6", PKT_TCP4()),
		YES("ip4.saddr 10.0.0.1", PKT_TCP4()),
		NO("ip4.daddr 10.0.0.1", PKT_TCP4()),
		YES("ip6.dnet 2001:db8::/64", PKT_UDP6()),
		NO("ip6.dnet 2001:db8::/64", PKT_UDP4()),
		YES("ip6.nexthdr hop", PKT_UDP6(PKT_EXT(PKT_EXT_HOP))),
		YES("tcp.dport 80", PKT_TCP4()),
		NO("tcp.dport 80", PKT_UDP4(.dport = 80)),
		YES("tcp.flags any syn,ack", PKT_TCP6()),
		YES("udp.sport range 39000-41000", PKT_UDP4()),
		YES("icmp.type echo-request", PKT_ICMP4()),
		YES("icmpv6.code 0", PKT_ICMP6()),
		NO("tcp.dport 80", PKT_TCP4(.frag_off = 1)),
		YES("(ip4.daddr, udp.dport) in { 10.0.0.2, 53 }", PKT_UDP4()),
		NO("(ip4.daddr, udp.dport) in { 10.0.0.2, 53 }", PKT_UDP6()),
	};

	CHECK("netfilter hooks", cases, TPROG_HOOKS_NF_ALL);
}

/*
 * meta.probability: 0% never, 100% always, and 50% (33.3%) about half (a
 * third) of 2000 packets, two 50% matchers in one rule a quarter. The bounds are loose: a fair draw is out of them
 * with a probability far below 1e-9.
 */
BF_TEST(prog_probability)
{
	static const char body[] = "rule meta.probability 0% counter CONTINUE\n"
				   "rule meta.probability 100% counter CONTINUE\n"
				   "rule meta.probability 50% counter CONTINUE\n"
				   "rule meta.probability 33.3% counter CONTINUE\n"
				   "rule meta.probability 50% meta.probability 50% counter CONTINUE\n";
	const struct tprog_opts opts = { .repeat = 2000 };
	const struct pkt_spec pkt = PKT_UDP4();

	for_each_hook(hook, TPROG_HOOKS_ALL) {
		const char *name = tprog_hook_name(hook);
		struct bf_counter c[7];
		enum bf_verdict v;
		struct tprog t;

		if (!load(&t, hook, "ACCEPT", body) ||
		    !ASSERT_OK(tprog_run(&t, &pkt, &opts, &v), "test run") ||
		    !ASSERT_OK(tprog_counters(&t, c, ARRAY_SIZE(c)), "reading counters")) {
			tprog_close(&t);
			continue;
		}
		ASSERT_TRUE(c[0].packets == 0, "0%% on %s: %llu of 2000", name,
			    (unsigned long long)c[0].packets);
		ASSERT_TRUE(c[1].packets == 2000, "100%% on %s: %llu of 2000", name,
			    (unsigned long long)c[1].packets);
		ASSERT_TRUE(c[2].packets >= 600 && c[2].packets <= 1400, "50%% on %s: %llu of 2000",
			    name, (unsigned long long)c[2].packets);
		ASSERT_TRUE(c[3].packets >= 400 && c[3].packets <= 933,
			    "33.3%% on %s: %llu of 2000", name, (unsigned long long)c[3].packets);
		/* Each matcher draws on its own: two halves make a quarter. */
		ASSERT_TRUE(c[4].packets >= 300 && c[4].packets <= 700,
			    "50%% and 50%% on %s: %llu of 2000", name, (unsigned long long)c[4].packets);
		ASSERT_TRUE(c[5].packets == 2000 && c[6].packets == 0,
			    "on %s: policy %llu, error %llu", name, (unsigned long long)c[5].packets,
			    (unsigned long long)c[6].packets);
		tprog_close(&t);
	}
}

/* The packet builder itself, byte by byte where the tests rely on it. */
BF_TEST(prog_pkt_build)
{
	static const uint8_t tcp4[] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x81, 0x00, 0x00, 0x07,
		0x08, 0x00, /* VLAN 7, IPv4 */
		0x46, 0x00, 0x00, 0x2c, 0x12, 0x34, 0x20, 0x00, 0x40, 0x06, 0x00, 0x00,
		10, 0, 0, 1, 10, 0, 0, 2, 1, 1, 1, 1, /* one option word */
		0x04, 0xd2, 0x00, 0x16, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x12, 0xff, 0xff,
		0, 0, 0, 0, /* TCP 1234 > 22, SYN|ACK */
	};
	static const uint8_t udp6[] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x86, 0xdd, /* IPv6 */
		0x6b, 0x80, 0x00, 0x00, 0x00, 0x30, 0x00, 0x40, /* tc 0xb8, 40 bytes, hop */
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
		44, 0, 1, 4, 0, 0, 0, 0, /* hop, then frag */
		51, 0, 0x00, 0x19, 0, 0, 0, 0x42, /* frag offset 3, M, then AH */
		17, 4, 0, 0, 0, 0, 0, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x9c, 0x40, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00, /* UDP 40000 > 53 */
	};
	const struct pkt_spec tcp4_spec = PKT_TCP4(.vlan = true, .vlan_id = 7, .ip4_optlen = 4,
						   .sport = 1234, .dport = 22, .more_frags = true,
						   .tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK);
	const struct pkt_spec udp6_spec =
		PKT_UDP6(.tos = 0xb8, PKT_EXT(PKT_EXT_HOP, PKT_EXT_FRAG, PKT_EXT_AH),
			 .frag_off = 3, .more_frags = true);
	uint8_t buf[PKT_MAX];
	int len;

	len = pkt_build(&tcp4_spec, buf, sizeof(buf));
	/* Compare without the checksum, which is checked by summing. */
	if (ASSERT_EQ(len, sizeof(tcp4), "IPv4 TCP frame length")) {
		uint32_t sum = 0;

		for (size_t i = 18; i < 18 + 24; i += 2)
			sum += (uint32_t)buf[i] << 8 | buf[i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		ASSERT_EQ(sum, 0xffff, "IPv4 header checksum");
		buf[28] = buf[29] = 0;
		ASSERT_TRUE(!memcmp(buf, tcp4, sizeof(tcp4)), "IPv4 TCP frame bytes");
	}

	len = pkt_build(&udp6_spec, buf, sizeof(buf));
	if (ASSERT_EQ(len, sizeof(udp6), "IPv6 UDP frame length"))
		ASSERT_TRUE(!memcmp(buf, udp6, sizeof(udp6)), "IPv6 UDP frame bytes");

	len = pkt_build(&PKT_TCP4(.truncate = 24), buf, sizeof(buf));
	ASSERT_EQ(len, 24, "truncated frame length");
	len = pkt_build(&PKT_ICMP4(.payload = PKT_MAX), buf, sizeof(buf));
	ASSERT_TRUE(len < 0, "frame larger than the buffer: %d", len);
	len = pkt_build(&PKT_TCP6(.saddr = "10.0.0.1"), buf, sizeof(buf));
	ASSERT_TRUE(len < 0, "IPv4 address in an IPv6 packet: %d", len);
}

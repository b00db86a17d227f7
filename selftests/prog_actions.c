// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rule actions and the newer verdicts, with BPF_PROG_TEST_RUN on every hook
 * they apply to: mark (the skb's mark as the program leaves it, and a later
 * rule matching it), NEXT (TCX_NEXT on TC, ACCEPT elsewhere), REDIRECT
 * (XDP_REDIRECT, TCX_REDIRECT: the kernel's test runs don't transmit, so
 * the target is e2e's business), and log: the chain's ring buffer is read
 * as the daemon reads it, each entry checked against the packet it came
 * from, byte for byte for the raw headers.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/prog.h"
#include "lib/helper.h"
#include "pkt.h"
#include "prog_run.h"
#include "test.h"

static bool load(struct tprog *t, enum bf_hook hook, const char *policy, const char *body)
{
	int r = tprog_load_body(t, hook, policy, body);

	return ASSERT_TRUE(r == 0, "loading on %s: %s: %s", tprog_hook_name(hook), t->step,
			   t->err);
}

/* Loading must fail at @step with @needle in the reason. */
static void load_fails(enum bf_hook hook, const char *body, const char *step, const char *needle)
{
	struct tprog t;
	int r = tprog_load_body(&t, hook, "ACCEPT", body);

	if (ASSERT_TRUE(r < 0, "'%s' on %s: loaded", body, tprog_hook_name(hook)))
		ASSERT_TRUE(t.step && !strcmp(t.step, step) && strstr(t.err, needle),
			    "'%s' on %s: failed at %s with '%s', expected %s with '%s'", body,
			    tprog_hook_name(hook), t.step ?: "?", t.err, step, needle);
	tprog_close(&t);
}

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

static uint64_t rule_packets(struct tprog *t, size_t rule)
{
	struct bf_counter c[16];
	size_t n = t->chain->nrules + 2;

	if (!ASSERT_TRUE(n <= 16, "too many rules") ||
	    !ASSERT_OK(tprog_counters(t, c, n), "reading counters"))
		return UINT64_MAX;
	return c[rule].packets;
}

#define for_each_hook(hook, mask)                                 \
	for (enum bf_hook hook = 0; hook < _BF_HOOK_MAX; hook++) \
		if ((mask) & TPROG_HOOK(hook))

#define TC_HOOKS (TPROG_HOOK(BF_HOOK_TC_INGRESS) | TPROG_HOOK(BF_HOOK_TC_EGRESS))

/*
 * mark on TC and cgroup_skb: the skb leaves with the rule's mark, whatever
 * it had, even when dropped; a later rule sees the new mark (after a
 * CONTINUE), an unmarked packet keeps its own. XDP and netfilter refuse it.
 */
BF_TEST(prog_mark)
{
	static const char body[] = "rule tcp.dport 80 mark 0x42 CONTINUE\n"
				   "rule meta.mark 0x42 counter ACCEPT\n"
				   "rule udp.dport 53 counter mark 7 DROP\n"
				   "rule udp.dport 54 mark 0xdeadbeef counter CONTINUE\n"
				   "rule meta.mark 3735928559 counter ACCEPT\n";
	const struct pkt_spec tcp80 = PKT_TCP4(), tcp81 = PKT_TCP6(.dport = 81);

	for_each_hook(hook, TPROG_HOOKS_MARK) {
		struct { const struct pkt_spec *spec; uint32_t in, out; enum bf_verdict v; } runs[] = {
			{ &tcp80, 0, 0x42, BF_VERDICT_ACCEPT },
			{ &tcp80, 0xffffffff, 0x42, BF_VERDICT_ACCEPT },
			{ &tcp81, 0x42, 0x42, BF_VERDICT_ACCEPT },
			{ &tcp81, 5, 5, BF_VERDICT_DROP },
			{ &PKT_UDP4(), 1, 7, BF_VERDICT_DROP },
			{ &PKT_UDP6(.dport = 54), 0, 0xdeadbeef, BF_VERDICT_ACCEPT },
		};
		struct tprog t;

		if (!load(&t, hook, "DROP", body)) {
			tprog_close(&t);
			continue;
		}
		for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
			const struct tprog_opts opts = { .mark = runs[i].in };
			char what[64];

			snprintf(what, sizeof(what), "run %zu (mark 0x%x)", i, runs[i].in);
			if (check_verdict(&t, runs[i].spec, &opts, runs[i].v, what))
				ASSERT_TRUE(t.mark_out == runs[i].out,
					    "%s on %s: mark 0x%x, expected 0x%x", what,
					    tprog_hook_name(hook), t.mark_out, runs[i].out);
		}
		ASSERT_EQ(rule_packets(&t, 1), 3, "rule 'meta.mark 0x42' counter");
		ASSERT_EQ(rule_packets(&t, 4), 1, "rule 'meta.mark 0xdeadbeef' counter");
		tprog_close(&t);
	}

	for_each_hook(hook, TPROG_HOOKS_ALL & ~TPROG_HOOKS_MARK)
		load_fails(hook, "rule tcp.dport 80 mark 1 ACCEPT", "validate", "mark");
}

/*
 * NEXT, as a rule's verdict and as the policy: TCX_NEXT on TC, ACCEPT on the
 * other hooks. It is terminal: later rules don't see the packet.
 */
BF_TEST(prog_next)
{
	static const char body[] = "rule tcp.dport 80 counter NEXT\n"
				   "rule tcp.dport 80 counter DROP\n"
				   "rule udp.dport 53 counter ACCEPT\n";

	for_each_hook(hook, TPROG_HOOKS_ALL) {
		enum bf_verdict next = TC_HOOKS & TPROG_HOOK(hook) ? BF_VERDICT_NEXT :
								     BF_VERDICT_ACCEPT;
		struct tprog t;

		if (load(&t, hook, "NEXT", body)) {
			check_verdict(&t, &PKT_TCP4(), NULL, next, "NEXT rule");
			check_verdict(&t, &PKT_UDP6(), NULL, BF_VERDICT_ACCEPT, "ACCEPT rule");
			check_verdict(&t, &PKT_ICMP4(), NULL, next, "NEXT policy");
			ASSERT_EQ(rule_packets(&t, 0), 1, "NEXT rule counter");
			ASSERT_EQ(rule_packets(&t, 1), 0, "rule after NEXT");
			ASSERT_EQ(rule_packets(&t, 3), 1, "policy counter");
		}
		tprog_close(&t);
		if (load(&t, hook, "DROP", body)) {
			check_verdict(&t, &PKT_TCP6(), NULL, next, "NEXT rule, policy DROP");
			check_verdict(&t, &PKT_ICMP6(), NULL, BF_VERDICT_DROP, "policy DROP");
		}
		tprog_close(&t);
	}
}

/*
 * REDIRECT: XDP_REDIRECT out of XDP, TCX_REDIRECT from TC in both
 * directions; the target by name or index. An unknown interface is refused
 * when the chain is resolved; the hooks without redirect refuse it.
 */
BF_TEST(prog_redirect)
{
	for_each_hook(hook, TPROG_HOOK(BF_HOOK_XDP) | TC_HOOKS) {
		bool tc = TC_HOOKS & TPROG_HOOK(hook);
		const char *body = tc ? "rule udp.dport 53 counter REDIRECT lo in\n"
					"rule tcp.dport 80 counter REDIRECT 1 out\n"
					"rule tcp.dport 80 counter DROP\n" :
					"rule udp.dport 53 counter REDIRECT lo out\n"
					"rule tcp.dport 80 counter REDIRECT 1 out\n"
					"rule tcp.dport 80 counter DROP\n";
		struct tprog t;

		if (load(&t, hook, "ACCEPT", body)) {
			check_verdict(&t, &PKT_UDP4(), NULL, BF_VERDICT_REDIRECT, "REDIRECT rule");
			check_verdict(&t, &PKT_TCP6(), NULL, BF_VERDICT_REDIRECT, "REDIRECT by index");
			check_verdict(&t, &PKT_ICMP4(), NULL, BF_VERDICT_ACCEPT, "policy");
			ASSERT_EQ(rule_packets(&t, 0), 1, "REDIRECT rule counter");
			ASSERT_EQ(rule_packets(&t, 2), 0, "rule after REDIRECT");
		}
		tprog_close(&t);
		load_fails(hook, "rule udp.dport 53 REDIRECT bfnosuchif0 out", "resolve",
			   "unknown interface 'bfnosuchif0'");
		load_fails(hook, "rule udp.dport 53 REDIRECT 999999 out", "resolve",
			   "unknown interface index 999999");
	}
	load_fails(BF_HOOK_XDP, "rule udp.dport 53 REDIRECT lo in", "validate", "REDIRECT");
	for_each_hook(hook, TPROG_HOOKS_ALL & ~TC_HOOKS & ~TPROG_HOOK(BF_HOOK_XDP))
		load_fails(hook, "rule udp.dport 53 REDIRECT lo out", "validate", "REDIRECT");
}

/* ---------------------------------------------------------------------
 * log
 */

#define LOG_MAX 256

struct log_rd {
	struct bf_log_entry e[LOG_MAX];
	size_t n;
	size_t bad_size;
};

static int log_cb(void *ctx, void *data, size_t size)
{
	struct log_rd *rd = ctx;

	if (size != sizeof(struct bf_log_entry)) {
		rd->bad_size++;
		return 0;
	}
	if (rd->n < LOG_MAX)
		memcpy(&rd->e[rd->n], data, size);
	rd->n++;
	return 0;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Read what the chain logged since the last read into @rd (emptied). */
static bool log_read(struct ring_buffer *rb, struct log_rd *rd)
{
	int r;

	rd->n = 0;
	rd->bad_size = 0;
	r = ring_buffer__consume(rb);
	return ASSERT_TRUE(r >= 0, "reading the log: %d", r) &&
	       ASSERT_EQ(rd->bad_size, 0, "log entries of the wrong size");
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i])
			return false;
	}
	return true;
}

/* What a logged copy of header bytes must be: @want bytes of the frame at
 * @off, then zeros up to @size; or all zeros when not captured. */
static bool log_bytes(const uint8_t *got, size_t size, const uint8_t *frame, size_t flen,
		      size_t off, size_t want)
{
	if (!want)
		return all_zero(got, size);
	return off + want <= flen && !memcmp(got, frame + off, want) &&
	       all_zero(got + want, size - want);
}

static size_t l4_len(const struct pkt_spec *spec)
{
	return spec->proto == PKT_IPPROTO_TCP ? 20 : 8;
}

static size_t l4_off(const struct pkt_spec *spec)
{
	return pkt_l3_off(spec) + (spec->l3 == PKT_L3_IP4 ? 20u + spec->ip4_optlen : 40u);
}

/*
 * Check entry @e against the packet of @spec it logged: rule, verdict,
 * length, the parsed fields, and each requested header the packet holds
 * whole, byte for byte. The network header is 40 bytes of the packet from
 * its start, or IPv4's 20-byte header when the packet is shorter.
 */
static void log_check(struct tprog *t, const struct bf_log_entry *e, const struct pkt_spec *spec,
		      uint32_t rule, enum bf_verdict verdict, uint8_t hdrs, uint64_t t0,
		      const char *what)
{
	const char *hook = tprog_hook_name(t->hook);
	bool l2 = TPROG_HOOK(t->hook) & TPROG_HOOKS_L2;
	size_t l3 = pkt_l3_off(spec), l3len, l4len = l4_len(spec);
	uint8_t frame[PKT_MAX], have = 0;
	int flen = pkt_build(spec, frame, sizeof(frame));

	if (!ASSERT_TRUE(flen > 0, "building the packet"))
		return;
	l3len = (size_t)flen - l3 >= BF_LOG_L3_LEN ? BF_LOG_L3_LEN : 20;
	if ((hdrs & BF_LOG_LINK) && l2)
		have |= BF_LOG_LINK;
	if (hdrs & BF_LOG_INTERNET)
		have |= BF_LOG_INTERNET;
	if ((hdrs & BF_LOG_TRANSPORT) && l4_off(spec) + l4len <= (size_t)flen)
		have |= BF_LOG_TRANSPORT;

	ASSERT_TRUE(e->ts_ns >= t0 && e->ts_ns <= boot_ns(), "%s on %s: time %llu not in [%llu, now]",
		    what, hook, (unsigned long long)e->ts_ns, (unsigned long long)t0);
	ASSERT_TRUE(e->rule == rule && e->verdict == verdict && e->hdrs == hdrs && e->have == have,
		    "%s on %s: rule %u verdict %u hdrs 0x%x have 0x%x, expected %u %u 0x%x 0x%x",
		    what, hook, e->rule, e->verdict, e->hdrs, e->have, rule, verdict, hdrs, have);
	ASSERT_TRUE(e->pkt_len == tprog_pkt_len(t->hook, (size_t)flen) &&
			    e->pkt.len == e->pkt_len,
		    "%s on %s: length %u (packet %u), expected %llu", what, hook, e->pkt_len,
		    e->pkt.len, (unsigned long long)tprog_pkt_len(t->hook, (size_t)flen));
	ASSERT_TRUE(e->pkt.l4_proto == spec->proto && ntohs(e->pkt.dport) == spec->dport &&
			    ntohs(e->pkt.sport) == spec->sport &&
			    (e->pkt.flags & (BF_PKT_IPV4 | BF_PKT_IPV6)) ==
				    (spec->l3 == PKT_L3_IP4 ? BF_PKT_IPV4 : BF_PKT_IPV6),
		    "%s on %s: parsed packet: proto %u ports %u > %u flags 0x%x", what, hook,
		    e->pkt.l4_proto, ntohs(e->pkt.sport), ntohs(e->pkt.dport), e->pkt.flags);
	ASSERT_TRUE(e->pid == 0 && !e->comm[0], "%s on %s: pid %u comm '%.16s' on a packet", what,
		    hook, e->pid, e->comm);
	ASSERT_TRUE(log_bytes(e->l2, BF_LOG_L2_LEN, frame, (size_t)flen, 0,
			      have & BF_LOG_LINK ? BF_LOG_L2_LEN : 0),
		    "%s on %s: link header bytes", what, hook);
	ASSERT_TRUE(log_bytes(e->l3, BF_LOG_L3_LEN, frame, (size_t)flen, l3,
			      have & BF_LOG_INTERNET ? l3len : 0),
		    "%s on %s: network header bytes", what, hook);
	ASSERT_TRUE(log_bytes(e->l4, BF_LOG_L4_LEN, frame, (size_t)flen, l4_off(spec),
			      have & BF_LOG_TRANSPORT ? l4len : 0),
		    "%s on %s: transport header bytes", what, hook);
}

/*
 * A chain that only reads the network header skips the transport header,
 * unless it logs: an entry shows the packet's ports, whatever the rule
 * matched on.
 */
BF_TEST(prog_log_ports)
{
	const struct pkt_spec tcp4 = PKT_TCP4(.sport = 40123, .dport = 8080);
	static struct log_rd rd;

	for_each_hook(hook, TPROG_HOOKS_ALL) {
		struct ring_buffer *rb = NULL;
		enum bf_verdict v;
		struct tprog t;
		uint64_t t0;

		if (!load(&t, hook, "ACCEPT", "rule meta.l4_proto tcp log internet DROP"))
			goto next;
		rb = ring_buffer__new(t.prog->maps[BF_MAP_LOG], log_cb, &rd, NULL);
		if (!ASSERT_TRUE(rb != NULL, "ring_buffer__new: %s", strerror(errno)))
			goto next;
		t0 = boot_ns();
		if (ASSERT_OK(tprog_run(&t, &tcp4, NULL, &v), "test run") &&
		    ASSERT_EQ(v, BF_VERDICT_DROP, "verdict") && log_read(rb, &rd) &&
		    ASSERT_EQ(rd.n, 1, "entries"))
			log_check(&t, &rd.e[0], &tcp4, 0, BF_VERDICT_DROP, BF_LOG_INTERNET, t0,
				  "log without a port matcher");
next:
		ring_buffer__free(rb);
		tprog_close(&t);
	}
}

static uint32_t map_max_entries(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_map_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

/*
 * log on every hook: bare "log" (every header), a subset, each packet
 * logged by each logging rule it matches (CONTINUE included) with the
 * rule's verdict; "every 1s" lets one entry through for 100 runs of a
 * packet; once an interval is over (60ms: coarse clock, 1ms: exact
 * clock) the next entry goes through. Headers the hook or the packet
 * lacks are left out (no link header on cgroup_skb and netfilter, a TCP
 * header cut short). A chain without "log" gets a one-page ring.
 */
BF_TEST(prog_log)
{
	static const char body[] = "rule tcp.dport 80 log counter CONTINUE\n"
				   "rule tcp.dport 80 log transport every 1s ACCEPT\n"
				   "rule udp.dport 53 log internet,transport DROP\n"
				   "rule meta.l4_proto icmp log link,internet NEXT\n"
				   "rule meta.l4_proto icmpv6 log internet counter CONTINUE\n"
				   "rule udp.dport 5353 log transport every 60ms CONTINUE\n"
				   "rule udp.dport 5353 log transport every 1ms CONTINUE\n";
	const uint8_t all = BF_LOG_LINK | BF_LOG_INTERNET | BF_LOG_TRANSPORT;
	const struct pkt_spec tcp4 = PKT_TCP4(.payload = 100), tcp6 = PKT_TCP6(.ip4_optlen = 0);
	const struct pkt_spec tcp_opts = PKT_TCP4(.ip4_optlen = 12, .tcp_flags = PKT_TCP_SYN);
	const struct pkt_spec udp4 = PKT_UDP4(), udp6 = PKT_UDP6(.payload = 3);
	const struct pkt_spec icmp4 = PKT_ICMP4(), icmp6 = PKT_ICMP6();
	/* Cut inside the TCP header: IP whole, transport not (no run on XDP
	 * is needed for that). */
	const struct pkt_spec cut = PKT_TCP4(.truncate = PKT_ETH_HLEN + 20 + 14);
	const struct pkt_spec mdns = PKT_UDP4(.dport = 5353);
	static struct log_rd rd;

	for_each_hook(hook, TPROG_HOOKS_ALL) {
		const struct tprog_opts hundred = { .repeat = 100 }, five = { .repeat = 5 };
		struct ring_buffer *rb = NULL;
		enum bf_verdict v;
		struct tprog t;
		uint64_t t0;

		if (!load(&t, hook, "ACCEPT", body))
			goto next;
		ASSERT_EQ(map_max_entries(t.prog->maps[BF_MAP_LOG]), BF_LOG_RING_SIZE,
			  "ring size of a chain that logs");
		rb = ring_buffer__new(t.prog->maps[BF_MAP_LOG], log_cb, &rd, NULL);
		if (!ASSERT_TRUE(rb != NULL, "ring_buffer__new: %s", strerror(errno)))
			goto next;

		/* 100 runs: rule 0 logs each, rule 1 once. */
		t0 = boot_ns();
		if (ASSERT_OK(tprog_run(&t, &tcp4, &hundred, &v), "test run") && log_read(rb, &rd) &&
		    ASSERT_EQ(rd.n, 101, "entries for 100 runs")) {
			log_check(&t, &rd.e[0], &tcp4, 0, BF_VERDICT_CONTINUE, all, t0, "bare log");
			log_check(&t, &rd.e[1], &tcp4, 1, BF_VERDICT_ACCEPT, BF_LOG_TRANSPORT, t0,
				  "log every");
			for (size_t i = 2; i < rd.n; i++)
				ASSERT_TRUE(rd.e[i].rule == 0, "entry %zu on %s: rule %u", i,
					    tprog_hook_name(hook), rd.e[i].rule);
			ASSERT_TRUE(rd.e[100].ts_ns >= rd.e[0].ts_ns, "entries in time order");
		}
		/* Within the second: rule 1 stays quiet. */
		if (ASSERT_OK(tprog_run(&t, &tcp4, &five, &v), "test run") && log_read(rb, &rd) &&
		    ASSERT_EQ(rd.n, 5, "entries for 5 more runs"))
			ASSERT_TRUE(rd.e[4].rule == 0, "5 more runs: rule %u logged", rd.e[4].rule);

		t0 = boot_ns();
		tprog_run(&t, &tcp6, NULL, &v);
		tprog_run(&t, &tcp_opts, NULL, &v);
		tprog_run(&t, &udp4, NULL, &v);
		tprog_run(&t, &udp6, NULL, &v);
		tprog_run(&t, &icmp4, NULL, &v);
		tprog_run(&t, &icmp6, NULL, &v);
		tprog_run(&t, &cut, NULL, &v);
		if (log_read(rb, &rd) && ASSERT_EQ(rd.n, 7, "entries for 7 packets")) {
			log_check(&t, &rd.e[0], &tcp6, 0, BF_VERDICT_CONTINUE, all, t0, "IPv6 TCP");
			log_check(&t, &rd.e[1], &tcp_opts, 0, BF_VERDICT_CONTINUE, all, t0,
				  "IPv4 options");
			log_check(&t, &rd.e[2], &udp4, 2, BF_VERDICT_DROP,
				  BF_LOG_INTERNET | BF_LOG_TRANSPORT, t0, "short IPv4 UDP");
			log_check(&t, &rd.e[3], &udp6, 2, BF_VERDICT_DROP,
				  BF_LOG_INTERNET | BF_LOG_TRANSPORT, t0, "IPv6 UDP");
			log_check(&t, &rd.e[4], &icmp4, 3, BF_VERDICT_NEXT,
				  BF_LOG_LINK | BF_LOG_INTERNET, t0, "ICMP");
			log_check(&t, &rd.e[5], &icmp6, 4, BF_VERDICT_CONTINUE, BF_LOG_INTERNET, t0,
				  "ICMPv6");
			log_check(&t, &rd.e[6], &cut, 0, BF_VERDICT_CONTINUE, all, t0,
				  "TCP header cut");
		}

		/* Intervals end: a long one (the coarse clock) and a short one
		 * (the exact clock). */
		if (ASSERT_OK(tprog_run(&t, &mdns, &five, &v), "test run") && log_read(rb, &rd))
			ASSERT_TRUE(rd.n >= 2 && rd.e[0].rule == 5 && rd.e[1].rule == 6,
				    "every 60ms and 1ms on %s: %zu entries", tprog_hook_name(hook),
				    rd.n);
		usleep(150 * 1000);
		if (ASSERT_OK(tprog_run(&t, &mdns, NULL, &v), "test run") && log_read(rb, &rd))
			ASSERT_TRUE(rd.n == 2 && rd.e[0].rule == 5 && rd.e[1].rule == 6,
				    "every 60ms and 1ms, 150ms later, on %s: %zu entries",
				    tprog_hook_name(hook), rd.n);
next:
		ring_buffer__free(rb);
		tprog_close(&t);

		if (load(&t, hook, "ACCEPT", "rule tcp.dport 80 counter ACCEPT"))
			ASSERT_EQ(map_max_entries(t.prog->maps[BF_MAP_LOG]), sysconf(_SC_PAGESIZE),
				  "ring size of a chain that doesn't log");
		tprog_close(&t);
	}
}

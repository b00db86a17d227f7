// SPDX-License-Identifier: GPL-2.0-only
/*
 * Atomic updates under traffic, measured. While a numbered UDP stream flows
 * (atomic_stream.h), the test swaps a chain 80 times between two rulesets
 * A and B with "bfcli chain update", then looks at the fate of every
 * datagram.
 *
 * The stream goes round-robin over six ports, one per class of datagram:
 *
 *   class            A                        B
 *   drop/drop        DROP (port set)          DROP (address+port set)
 *   drop/drop        DROP (addr+port set)     DROP (policy)
 *   accept/accept    ACCEPT (policy)          ACCEPT (port set)
 *   accept/accept    ACCEPT (a rule before    ACCEPT (rule)
 *                    a DROP rule for it)
 *   drop/accept      DROP (port set)          ACCEPT (port set)
 *   accept/drop      ACCEPT (policy)          DROP (rule)
 *
 * A's policy is ACCEPT, B's is DROP, and every verdict of the first four
 * classes comes from a different mechanism in A and in B. So whatever a
 * torn update mixes up, one of them shows it: no program for a moment (a
 * drop/drop datagram passes), the new policy with the old rules or the
 * reverse (the second drop/drop or the first accept/accept class flips),
 * rules running before their sets are filled (set classes flip), rules
 * out of order or partially loaded (the second accept/accept class is
 * dropped by A's later DROP rule). Both rulesets start with the same rules
 * accepting whatever is not the stream (atomic_scope()).
 *
 * A datagram both rulesets drop must never arrive, one both accept must
 * never be missing: 0 mismatches. Before and after the updates, with A
 * alone, every class must behave exactly as A says, which also shows the
 * path loses nothing by itself (the losses the filter can't cause are
 * printed too: veth ring, input backlog, socket buffer).
 *
 * The two mixed classes tell which ruleset judged each of their datagrams,
 * and the test knows which datagrams were sent while each "chain update"
 * ran (its window) and which between two of them (its gap, a dozen
 * datagrams the test waits for). In a gap, only the ruleset the last
 * update put in place may judge: stale otherwise. Inside a window, the
 * judge may change once, from the old ruleset to the new; the old one
 * judging again after the new one did is a swap that is not one instant
 * (flapping, or two programs racing). And every update must be seen in
 * effect in its gap. The sender stays on one CPU so that the datagrams
 * are judged in the order they were sent.
 *
 * Netfilter links can't be updated in place: for a moment both programs run
 * (docs/design.md, "Atomic updates"), so a datagram may be dropped because
 * either ruleset drops it; so does XDP behind libxdp's dispatcher, which
 * adds the new program before removing the old one. Inside a window a
 * dropped mixed datagram tells nothing there, and only the arriving ones
 * follow the judge; in the gaps the old program must be gone, so there it
 * is exact too.
 *
 * atomic_control_gap_is_detected shows the test sees a swap that is not
 * atomic; atomic_nf_auto_priorities checks the netfilter priority pairs
 * updates depend on. The time of each "chain update" (a bfcli run, from
 * fork to exit) is printed, median and 95th percentile; not asserted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#include "atomic_stream.h"
#include "e2e.h"
#include "lib/helper.h"

#define ATOMIC_PORT 40310
#define ATOMIC_NUPDATES 80
/* 20k datagrams per second: a drop/drop datagram every 300 us. */
#define ATOMIC_INTERVAL_US 50
/* With A alone, before and after the updates. */
#define ATOMIC_SETTLE_MS 300
#define ATOMIC_GRACE_MS 300
/* Netfilter priorities of the chain: see atomic_hook_str(). */
#define ATOMIC_NF_PRIO 10001
#define ATOMIC_NF_NPAIRS 20000
/* A source no packet comes from (TEST-NET-1): chains that must drop
 * nothing while they run on the root namespace's netfilter hooks. */
#define ATOMIC_NOBODY "192.0.2.1"
/* After each swap, wait for this many datagrams (all classes twice) before
 * the next: they show, one by one, that the swap took effect. */
#define ATOMIC_GAP_DGRAMS (2 * _ATOMIC_NCLASSES)
#define ATOMIC_GAP_TIMEOUT_MS 2000
/* Flush-then-set cycles of the control test. */
#define ATOMIC_NCONTROL_SWAPS 6

enum atomic_class {
	ATOMIC_DROP_SET,
	ATOMIC_DROP_POLICY,
	ATOMIC_ACCEPT_POLICY,
	ATOMIC_ACCEPT_ORDER,
	ATOMIC_A_DROPS,
	ATOMIC_B_DROPS,
	_ATOMIC_NCLASSES,
};

static const struct {
	const char *name;
	bool a_drops;
	bool b_drops;
} atomic_classes[] = {
	[ATOMIC_DROP_SET] = { "drop/drop (set | pair set)", true, true },
	[ATOMIC_DROP_POLICY] = { "drop/drop (pair set | policy)", true, true },
	[ATOMIC_ACCEPT_POLICY] = { "accept/accept (policy | set)", false, false },
	[ATOMIC_ACCEPT_ORDER] = { "accept/accept (early rule | rule)", false, false },
	[ATOMIC_A_DROPS] = { "drop/accept", true, false },
	[ATOMIC_B_DROPS] = { "accept/drop", false, true },
};

_Static_assert(ARRAY_SIZE(atomic_classes) == _ATOMIC_NCLASSES, "one row per class");

enum atomic_hook {
	ATOMIC_XDP,
	ATOMIC_TC_INGRESS,
	ATOMIC_CGROUP_EGRESS,
	ATOMIC_CGROUP_INGRESS,
	ATOMIC_NF_LOCAL_IN,
};

/* How the chain goes from one ruleset to the other. */
enum atomic_swap {
	ATOMIC_SWAP_UPDATE,    /* "chain update": what is tested */
	ATOMIC_SWAP_FLUSH_SET, /* "chain flush" then "chain set": a gap on purpose */
};

/* Phases of the stream: A alone, the updates, A alone again. */
enum atomic_phase {
	ATOMIC_BEFORE,
	ATOMIC_DURING,
	ATOMIC_AFTER,
	_ATOMIC_NPHASES,
};

struct atomic_case {
	const struct e2e_env *env;
	enum atomic_hook hook;
	enum atomic_swap swap;
	const char *chain;
	char hook_str[640];
	/* Netfilter, XDP behind libxdp's dispatcher: both programs may run
	 * during a swap. */
	bool overlap;
	char a[4096];
	char b[4096];
};

/* Datagrams [start, end) were (or may have been) judged while a swap ran. */
struct atomic_window {
	uint32_t start;
	uint32_t end;
};

struct atomic_result {
	unsigned int nswaps;
	struct atomic_window win[ATOMIC_NUPDATES];
	double swap_ms[ATOMIC_NUPDATES];
	double duration_s;
	struct atomic_stream_stats st;

	uint32_t sent[_ATOMIC_NPHASES][_ATOMIC_NCLASSES];
	uint32_t received[_ATOMIC_NPHASES][_ATOMIC_NCLASSES];
	/* Agreeing classes judged otherwise. */
	uint32_t mismatches;
	/* Mixed datagrams between windows judged by the other ruleset. */
	uint32_t stale;
	/* Mixed datagrams judged by the old ruleset after the new one, in
	 * the same window. */
	uint32_t flapping;
	/* Changes of judge in sending order. */
	uint32_t flips;
	/* Swaps whose gap showed their ruleset judging. */
	uint32_t verified;
	uint32_t refused_received;
};

/* Where the tally stands at one datagram. */
struct atomic_cursor {
	unsigned int w; /* swaps over before this datagram */
	bool in_window; /* sent while swap w ran */
	bool switched;	/* window w already saw its new ruleset */
	bool verified;	/* the gap after swap w - 1 showed its ruleset */
	char last;	/* the last judge seen */
};

static double atomic_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void atomic_msleep(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static uint16_t atomic_port(enum atomic_class c)
{
	return (uint16_t)(ATOMIC_PORT + c);
}

/* The ruleset in place once @n swaps are over: A, B, A, ... */
static char atomic_ruleset_after(unsigned int n)
{
	return n % 2 ? 'B' : 'A';
}

static int atomic_nf_prio(void)
{
	return ATOMIC_NF_PRIO + 2 * (int)(getpid() % ATOMIC_NF_NPAIRS);
}

static void atomic_hook_str(struct atomic_case *ac)
{
	const struct e2e_env *env = ac->env;
	char *s = ac->hook_str;
	size_t len = sizeof(ac->hook_str);

	switch (ac->hook) {
	case ATOMIC_XDP:
		snprintf(s, len, "BF_HOOK_XDP{ifindex=%s}", env->ns.host_if);
		break;
	case ATOMIC_TC_INGRESS:
		snprintf(s, len, "BF_HOOK_TC_INGRESS{ifindex=%u}", env->ns.host_ifindex);
		break;
	case ATOMIC_CGROUP_EGRESS:
		snprintf(s, len, "BF_HOOK_CGROUP_SKB_EGRESS{cgpath=%s}", env->cg.path);
		break;
	case ATOMIC_CGROUP_INGRESS:
		snprintf(s, len, "BF_HOOK_CGROUP_SKB_INGRESS{cgpath=%s}", env->cg.path);
		break;
	case ATOMIC_NF_LOCAL_IN:
		/* A pair of our own, out of the daemon's automatic range
		 * (1-2, 3-4, ...) and apart from a run of this test in another
		 * process: a daemon taking the free half of the pair would
		 * make the next update fail with EBUSY
		 * (atomic_nf_auto_priorities). */
		snprintf(s, len, "BF_HOOK_NF_LOCAL_IN{family=inet4,priorities=%d-%d}",
			 atomic_nf_prio(), atomic_nf_prio() + 1);
		break;
	}
}

/*
 * The first rules of both rulesets accept everything but the stream, so
 * B's policy DROP cuts neither ARP (XDP, TC) nor the root namespace's own
 * traffic (netfilter), and a run of these tests in another process, with
 * its own namespace and source address, is left alone by ours.
 */
static void atomic_scope(const struct atomic_case *ac, char *buf, size_t len)
{
	const struct e2e_env *env = ac->env;
	int n = 0;

	if (ac->hook == ATOMIC_NF_LOCAL_IN)
		n = snprintf(buf, len, "    rule\n        meta.iface not eq %s\n        ACCEPT\n",
			     env->ns.host_if);
	snprintf(buf + n, len - (size_t)n,
		 "    rule\n        meta.l3_proto eq 0x0806\n        ACCEPT\n"
		 "    rule\n        meta.l3_proto eq ipv6\n        ACCEPT\n"
		 "    rule\n        meta.l4_proto not eq udp\n        ACCEPT\n"
		 "    rule\n        ip4.saddr not eq %s\n        ACCEPT\n"
		 "    rule\n        udp.dport not range %u-%u\n        ACCEPT\n",
		 env->ns.ns4, atomic_port(0), atomic_port(_ATOMIC_NCLASSES - 1));
}

/* Ruleset A: policy ACCEPT; drops through sets and a shadowed rule. */
static void atomic_ruleset_a(struct atomic_case *ac)
{
	const char *src = ac->env->ns.ns4;
	char scope[1024];

	atomic_scope(ac, scope, sizeof(scope));
	snprintf(ac->a, sizeof(ac->a),
		 "chain %s %s ACCEPT\n"
		 "    set a_drop (udp.dport) in { %u; %u }\n"
		 "    set a_pair (ip4.saddr, udp.dport) in { %s, %u }\n"
		 "%s"
		 "    rule\n"
		 "        ip4.saddr eq %s\n"
		 "        udp.dport eq %u\n"
		 "        counter\n"
		 "        ACCEPT\n"
		 "    rule\n"
		 "        (udp.dport) in a_drop\n"
		 "        counter\n"
		 "        DROP\n"
		 "    rule\n"
		 "        udp.dport eq %u\n"
		 "        counter\n"
		 "        DROP\n"
		 "    rule\n"
		 "        (ip4.saddr, udp.dport) in a_pair\n"
		 "        counter\n"
		 "        DROP\n",
		 ac->chain, ac->hook_str, atomic_port(ATOMIC_DROP_SET), atomic_port(ATOMIC_A_DROPS),
		 src, atomic_port(ATOMIC_DROP_POLICY), scope, src, atomic_port(ATOMIC_ACCEPT_ORDER),
		 atomic_port(ATOMIC_ACCEPT_ORDER));
}

/* Ruleset B: policy DROP; drops through a set, a rule and the policy. */
static void atomic_ruleset_b(struct atomic_case *ac)
{
	const char *src = ac->env->ns.ns4;
	char scope[1024];

	atomic_scope(ac, scope, sizeof(scope));
	snprintf(ac->b, sizeof(ac->b),
		 "chain %s %s DROP\n"
		 "    set b_accept (udp.dport) in { %u; %u }\n"
		 "    set b_pair (ip4.saddr, udp.dport) in { %s, %u }\n"
		 "%s"
		 "    rule\n"
		 "        (ip4.saddr, udp.dport) in b_pair\n"
		 "        counter\n"
		 "        DROP\n"
		 "    rule\n"
		 "        (udp.dport) in b_accept\n"
		 "        counter\n"
		 "        ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq %u\n"
		 "        counter\n"
		 "        ACCEPT\n"
		 "    rule\n"
		 "        udp.dport eq %u\n"
		 "        counter\n"
		 "        DROP\n",
		 ac->chain, ac->hook_str, atomic_port(ATOMIC_ACCEPT_POLICY),
		 atomic_port(ATOMIC_A_DROPS), src, atomic_port(ATOMIC_DROP_SET), scope,
		 atomic_port(ATOMIC_ACCEPT_ORDER), atomic_port(ATOMIC_B_DROPS));
}

static void atomic_stream_cfg(const struct atomic_case *ac, struct atomic_stream_cfg *cfg)
{
	const struct e2e_env *env = ac->env;

	*cfg = (struct atomic_stream_cfg){
		.tx = { .netns = env->ns.name },
		.daddr = env->ns.host4,
		.port = ATOMIC_PORT,
		.nports = _ATOMIC_NCLASSES,
		.interval_us = ATOMIC_INTERVAL_US,
	};
	if (ac->hook == ATOMIC_CGROUP_EGRESS)
		cfg->tx.cgroup = env->cg.path;
	if (ac->hook == ATOMIC_CGROUP_INGRESS)
		cfg->rx.cgroup = env->cg.path;
}

/* Put ruleset @text in place the way the case says; the time it took. */
static bool atomic_swap_to(const struct atomic_case *ac, const char *text, double *ms)
{
	_cleanup_e2e_out_ struct e2e_out out = {};
	double t0 = atomic_now_s();
	bool ok;

	if (ac->swap == ATOMIC_SWAP_UPDATE) {
		e2e_bfcli(&ac->env->daemon, &out, "chain", "update", "--from-str", text, NULL);
		ok = ASSERT_BFCLI_OK(&out, "chain update under traffic");
	} else {
		e2e_bfcli(&ac->env->daemon, &out, "chain", "flush", "--name", ac->chain, NULL);
		ok = ASSERT_BFCLI_OK(&out, "chain flush under traffic");
		e2e_bfcli(&ac->env->daemon, &out, "chain", "set", "--from-str", text, NULL);
		ok &= ASSERT_BFCLI_OK(&out, "chain set under traffic");
	}
	*ms = (atomic_now_s() - t0) * 1e3;
	return ok;
}

/*
 * A, B, A, ... ending on A; stops at the first failure. Each swap's window
 * runs from the last datagram sent before bfcli starts to the first one
 * sent after it exits; a gap of a few datagrams follows, judged by the new
 * ruleset alone.
 */
static void atomic_swaps(const struct atomic_case *ac, const struct atomic_stream *s,
			 unsigned int n, struct atomic_result *res)
{
	for (unsigned int i = 0; i < n; i++) {
		struct atomic_window *win = &res->win[i];
		const char *text = i % 2 ? ac->a : ac->b;
		bool ok;

		win->start = atomic_stream_sent(s);
		/* The one in flight at the end of the previous window is in it. */
		if (i && win->start < win[-1].end)
			win->start = win[-1].end;
		ok = atomic_swap_to(ac, text, &res->swap_ms[i]);
		win->end = atomic_stream_begun(s);
		if (!ok)
			return;
		res->nswaps++;
		if (!ASSERT_TRUE(atomic_stream_wait_sent(s, win->end + ATOMIC_GAP_DGRAMS,
							 ATOMIC_GAP_TIMEOUT_MS),
				 "the stream stalled after swap %u", i))
			return;
	}
}

/*
 * Which ruleset judged datagram @seq of a mixed class: 'A', 'B', or 0 when
 * it doesn't tell (another class, or a drop while both netfilter programs
 * may run).
 */
static char atomic_judge(const struct atomic_case *ac, const struct atomic_stream *s, uint32_t seq,
			 bool in_window)
{
	enum atomic_class c = seq % _ATOMIC_NCLASSES;
	bool rx = atomic_stream_received(s, seq);

	if (c != ATOMIC_A_DROPS && c != ATOMIC_B_DROPS)
		return 0;
	if (!rx && in_window && ac->overlap)
		return 0;
	/* Arriving: the ruleset that accepts it; dropped: the one dropping. */
	return (c == ATOMIC_A_DROPS) == rx ? 'B' : 'A';
}

static enum atomic_phase atomic_phase_of(const struct atomic_result *res, uint32_t seq)
{
	if (!res->nswaps || seq < res->win[0].start)
		return ATOMIC_BEFORE;
	return seq < res->win[res->nswaps - 1].end ? ATOMIC_DURING : ATOMIC_AFTER;
}

/* Move @cur to datagram @seq: past the windows that ended before it. */
static void atomic_advance(const struct atomic_result *res, struct atomic_cursor *cur, uint32_t seq)
{
	while (cur->w < res->nswaps && seq >= res->win[cur->w].end) {
		cur->w++;
		cur->switched = false;
		cur->verified = false;
	}
	cur->in_window = cur->w < res->nswaps && seq >= res->win[cur->w].start;
}

/* Check the judge of a mixed datagram against the windows. */
static void atomic_follow(struct atomic_result *res, struct atomic_cursor *cur, char judge)
{
	if (judge != cur->last) {
		res->flips++;
		cur->last = judge;
	}
	if (!cur->in_window) {
		bool right = judge == atomic_ruleset_after(cur->w);

		res->stale += !right;
		res->verified += right && cur->w && !cur->verified;
		cur->verified |= right;
	} else if (judge == atomic_ruleset_after(cur->w + 1)) {
		cur->switched = true;
	} else {
		res->flapping += cur->switched;
	}
}

static void atomic_tally(const struct atomic_case *ac, const struct atomic_stream *s,
			 struct atomic_result *res)
{
	struct atomic_cursor cur = { .last = 'A' };

	for (uint32_t seq = 0; seq < res->st.nsent; seq++) {
		enum atomic_phase p = atomic_phase_of(res, seq);
		enum atomic_class c = seq % _ATOMIC_NCLASSES;
		bool rx = atomic_stream_received(s, seq);
		char judge;

		atomic_advance(res, &cur, seq);
		res->sent[p][c]++;
		res->received[p][c] += rx;
		res->refused_received += rx && atomic_stream_refused(s, seq);
		if (atomic_classes[c].a_drops == atomic_classes[c].b_drops)
			res->mismatches += rx == atomic_classes[c].a_drops;
		judge = atomic_judge(ac, s, seq, cur.in_window);
		if (judge)
			atomic_follow(res, &cur, judge);
	}
}

static int atomic_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void atomic_print_timing(const struct atomic_case *ac, const struct atomic_result *res)
{
	double ms[ATOMIC_NUPDATES];
	unsigned int n = res->nswaps;

	if (!n)
		return;
	memcpy(ms, res->swap_ms, n * sizeof(*ms));
	qsort(ms, n, sizeof(*ms), atomic_cmp_double);
	printf("  %s: %u x \"chain %s\": median %.1f ms, p95 %.1f ms (min %.1f, max %.1f)\n",
	       ac->chain, n, ac->swap == ATOMIC_SWAP_UPDATE ? "update" : "flush + chain set",
	       n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2, ms[(95 * n + 99) / 100 - 1],
	       ms[0], ms[n - 1]);
}

static void atomic_print_stream(const struct atomic_case *ac, const struct atomic_result *res)
{
	const struct atomic_stream_stats *st = &res->st;

	printf("  %s: %u datagrams in %.1f s; sender late %u (max %.1f ms), send errors %u "
	       "(first errno %d), refused (cgroup egress) %u\n",
	       ac->chain, st->nsent, res->duration_s, st->tx_late, st->tx_max_lag_us / 1e3,
	       st->tx_errors, st->tx_first_errno, st->tx_refused);
	printf("  %s: losses off the filter: veth tx drops %llu, host backlog drops %llu, "
	       "receiver socket drops %u%s; bogus %u, duplicates %u\n",
	       ac->chain, (unsigned long long)st->tx_dev_drops,
	       (unsigned long long)st->backlog_drops, st->rx_sock_drops,
	       ac->hook == ATOMIC_CGROUP_INGRESS ? " (cgroup ingress drops included)" : "",
	       st->rx_bogus, st->rx_dups);
}

static void atomic_print(const struct atomic_case *ac, const struct atomic_result *res)
{
	atomic_print_timing(ac, res);
	atomic_print_stream(ac, res);
	printf("  %s: %-34s %14s %15s %14s   (received/sent)\n", ac->chain, "class (A | B)",
	       "A alone", "during updates", "A alone after");
	for (int c = 0; c < _ATOMIC_NCLASSES; c++) {
		char cell[_ATOMIC_NPHASES][32];

		for (int p = 0; p < _ATOMIC_NPHASES; p++)
			snprintf(cell[p], sizeof(cell[p]), "%u/%u", res->received[p][c],
				 res->sent[p][c]);
		printf("  %s: %-34s %14s %15s %14s\n", ac->chain, atomic_classes[c].name, cell[0],
		       cell[1], cell[2]);
	}
	printf("  %s: mismatches %u, stale %u, flapping %u; the judging ruleset changed %u times "
	       "for %u swaps, %u swaps seen in effect right after\n",
	       ac->chain, res->mismatches, res->stale, res->flapping, res->flips, res->nswaps,
	       res->verified);
}

/* With one ruleset alone (A, or B if the swaps stopped half-way), every
 * class as it says: nothing lost, nothing let through. */
static void atomic_check_alone(const struct atomic_result *res, enum atomic_phase p,
			       const char *when)
{
	char ruleset = p == ATOMIC_BEFORE ? 'A' : atomic_ruleset_after(res->nswaps);

	for (int c = 0; c < _ATOMIC_NCLASSES; c++) {
		bool drops = ruleset == 'A' ? atomic_classes[c].a_drops : atomic_classes[c].b_drops;
		uint32_t want = drops ? 0 : res->sent[p][c];

		ASSERT_TRUE(res->sent[p][c] > 0, "%s: no '%s' datagram sent", when,
			    atomic_classes[c].name);
		ASSERT_TRUE(res->received[p][c] == want,
			    "%s (%c alone), class '%s': %u of %u received, want %u", when, ruleset,
			    atomic_classes[c].name, res->received[p][c], res->sent[p][c], want);
	}
}

static void atomic_check(const struct atomic_result *res)
{
	const struct atomic_stream_stats *st = &res->st;

	ASSERT_EQ(res->nswaps, ATOMIC_NUPDATES, "chain updates done");
	ASSERT_EQ(res->mismatches, 0, "datagrams both rulesets agree on, judged otherwise");
	ASSERT_EQ(res->stale, 0, "mixed datagrams between updates judged by the other ruleset");
	ASSERT_EQ(res->flapping, 0, "mixed datagrams judged by the old ruleset after the new one");
	atomic_check_alone(res, ATOMIC_BEFORE, "before the updates");
	atomic_check_alone(res, ATOMIC_AFTER, "after the updates");
	for (int c = ATOMIC_A_DROPS; c <= ATOMIC_B_DROPS; c++) {
		uint32_t rx = res->received[ATOMIC_DURING][c];

		ASSERT_TRUE(rx > 0 && rx < res->sent[ATOMIC_DURING][c],
			    "class '%s' during the updates: %u of %u received, want some of each",
			    atomic_classes[c].name, rx, res->sent[ATOMIC_DURING][c]);
	}
	/* Each update took effect when bfcli returned, and changed the judge
	 * exactly once. */
	ASSERT_EQ(res->verified, res->nswaps, "updates seen in effect right after they returned");
	ASSERT_EQ(res->flips, res->nswaps, "changes of the judging ruleset");
	ASSERT_EQ(res->refused_received, 0, "datagrams refused by sendto() yet received");
	ASSERT_EQ(st->rx_bogus + st->rx_dups, 0, "bogus or duplicated datagrams");
	ASSERT_EQ(st->tx_errors, 0, "sendto() errors other than a cgroup's EPERM");
}

/* The final chain (A) ran without an engine error. */
static void atomic_check_counters(const struct atomic_case *ac)
{
	struct e2e_counters c;

	if (ASSERT_OK(e2e_chain_counters(&ac->env->daemon, ac->chain, &c), "chain get"))
		ASSERT_EQ(c.error_pkts, 0, "error counter of the final chain");
}

/* Is the XDP program on @ifindex behind libxdp's dispatcher? */
static bool atomic_xdp_dispatched(unsigned int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex((int)ifindex);
	bool multi;

	if (libxdp_get_error(mp))
		return false;
	multi = !xdp_multiprog__is_legacy(mp);
	xdp_multiprog__close(mp);
	return multi;
}

/* Stream with A alone, swaps, A alone again; the fate of every datagram. */
static bool atomic_run(struct atomic_case *ac, unsigned int nswaps, struct atomic_result *res)
{
	_cleanup_atomic_stream_ struct atomic_stream s = {};
	struct atomic_stream_cfg cfg;
	double t0;

	atomic_stream_cfg(ac, &cfg);
	if (!ASSERT_BFCLI(&ac->env->daemon, "chain set of ruleset A", "chain", "set", "--from-str",
			  ac->a))
		return false;
	if (ac->hook == ATOMIC_XDP && atomic_xdp_dispatched(ac->env->ns.host_ifindex)) {
		printf("  %s: XDP behind libxdp's dispatcher: swaps overlap\n", ac->chain);
		ac->overlap = true;
	}
	if (!ASSERT_OK(atomic_stream_start(&s, &cfg), "starting the numbered stream"))
		return false;
	t0 = atomic_now_s();
	atomic_msleep(ATOMIC_SETTLE_MS);
	atomic_swaps(ac, &s, nswaps, res);
	atomic_msleep(ATOMIC_SETTLE_MS);
	res->duration_s = atomic_now_s() - t0;
	if (!ASSERT_OK(atomic_stream_finish(&s, ATOMIC_GRACE_MS, &res->st),
		       "the stream's processes"))
		return false;
	atomic_tally(ac, &s, res);
	atomic_print(ac, res);
	return true;
}

static void atomic_case_init(struct atomic_case *ac, const struct e2e_env *env,
			     enum atomic_hook hook, const char *chain)
{
	ac->env = env;
	ac->hook = hook;
	ac->chain = chain;
	ac->overlap = hook == ATOMIC_NF_LOCAL_IN;
	atomic_hook_str(ac);
	atomic_ruleset_a(ac);
	atomic_ruleset_b(ac);
}

/*
 * Have the namespace resolve the root side's address before the stream
 * starts. The replies don't matter (the baseline, A alone, is what shows
 * the path loses nothing), so they are not checked.
 */
static void atomic_warm_up(const struct e2e_env *env)
{
	(void)e2e_ping(E2E_IN_NS(&env->ns), env->ns.host4, 1);
}

/*
 * A private bpffs and run directory, for a daemon that pins its programs
 * and links (the default, not --transient): there a link outlives its fd,
 * so an update that forgets to detach the old one leaves it running.
 */
struct atomic_pins {
	char dir[64];
	char bpffs[96];
	char run[96];
	bool mounted;
};

static void atomic_pins_clean(struct atomic_pins *p)
{
	char cmd[128];

	/* Dropping the pins releases what the stopped daemon left attached. */
	if (p->mounted)
		umount2(p->bpffs, MNT_DETACH);
	if (p->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->dir);
		if (system(cmd))
			fprintf(stderr, "  atomic: cannot remove %s\n", p->dir);
	}
	p->mounted = false;
	p->dir[0] = '\0';
}
#define _cleanup_atomic_pins_ __attribute__((cleanup(atomic_pins_clean)))

static bool atomic_pins_setup(struct atomic_pins *p, struct e2e_daemon *d)
{
	snprintf(p->dir, sizeof(p->dir), "/tmp/" E2E_PREFIX "%d_atomic", getpid());
	snprintf(p->bpffs, sizeof(p->bpffs), "%s/bpffs", p->dir);
	snprintf(p->run, sizeof(p->run), "%s/run", p->dir);
	if (!ASSERT_TRUE(!mkdir(p->dir, 0700) && !mkdir(p->bpffs, 0700), "cannot create %s: %s",
			 p->dir, strerror(errno)))
		return false;
	if (!ASSERT_TRUE(!mount("bpf", p->bpffs, "bpf", 0, NULL), "cannot mount a bpffs: %s",
			 strerror(errno)))
		return false;
	p->mounted = true;
	d->args[0] = "--bpffs-path";
	d->args[1] = p->bpffs;
	d->args[2] = "--run-dir";
	d->args[3] = p->run;
	return true;
}

static void atomic_test(enum atomic_hook hook, const char *chain, bool pinned)
{
	unsigned int flags = E2E_DAEMON | E2E_NETNS;
	/* Declared first, cleaned last: after the daemon stopped. */
	_cleanup_atomic_pins_ struct atomic_pins pins = {};
	_cleanup_e2e_env_ struct e2e_env env = {};
	struct atomic_case ac = {};
	struct atomic_result res = {};

	if (hook == ATOMIC_CGROUP_EGRESS || hook == ATOMIC_CGROUP_INGRESS)
		flags |= E2E_CGROUP;
	if (pinned && !atomic_pins_setup(&pins, &env.daemon))
		return;
	if (!e2e_env_setup(&env, flags))
		return;
	atomic_case_init(&ac, &env, hook, chain);
	atomic_warm_up(&env);
	if (!atomic_run(&ac, ATOMIC_NUPDATES, &res))
		return;
	atomic_check(&res);
	atomic_check_counters(&ac);
}

BF_TEST(atomic_xdp)
{
	atomic_test(ATOMIC_XDP, "atomic_xdp", false);
}

BF_TEST(atomic_tc_ingress)
{
	atomic_test(ATOMIC_TC_INGRESS, "atomic_tc", false);
}

BF_TEST(atomic_cgroup_egress)
{
	atomic_test(ATOMIC_CGROUP_EGRESS, "atomic_cg_out", false);
}

BF_TEST(atomic_cgroup_ingress)
{
	atomic_test(ATOMIC_CGROUP_INGRESS, "atomic_cg_in", false);
}

BF_TEST(atomic_nf_local_in)
{
	atomic_test(ATOMIC_NF_LOCAL_IN, "atomic_nf", false);
}

/* Netfilter swaps links rather than updating one: with the links pinned,
 * the old one must still go away at each update. */
BF_TEST(atomic_nf_local_in_pinned)
{
	atomic_test(ATOMIC_NF_LOCAL_IN, "atomic_nf_pin", true);
}

/*
 * The control: swapping by "chain flush" then "chain set" leaves the hook
 * empty for a moment, and the test must see it (drop/drop datagrams
 * arriving). Without this, a receiver that saw nothing would pass the
 * tests above.
 */
BF_TEST(atomic_control_gap_is_detected)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	struct atomic_case ac = { .swap = ATOMIC_SWAP_FLUSH_SET };
	struct atomic_result res = {};
	uint32_t leaked;

	if (!e2e_env_setup(&env, E2E_DAEMON | E2E_NETNS))
		return;
	atomic_case_init(&ac, &env, ATOMIC_XDP, "atomic_gap");
	atomic_warm_up(&env);
	if (!atomic_run(&ac, ATOMIC_NCONTROL_SWAPS, &res))
		return;
	leaked = res.received[ATOMIC_DURING][ATOMIC_DROP_SET] +
		 res.received[ATOMIC_DURING][ATOMIC_DROP_POLICY];
	ASSERT_TRUE(leaked > 0, "no drop/drop datagram got through %u flush + set cycles",
		    res.nswaps);
	ASSERT_EQ(res.nswaps, ATOMIC_NCONTROL_SWAPS, "flush + set cycles done");
	atomic_check_alone(&res, ATOMIC_BEFORE, "before the swaps");
	atomic_check_alone(&res, ATOMIC_AFTER, "after the swaps");
}


static bool atomic_nf_chain(const struct e2e_env *env, const char *verb, const char *name,
			    uint16_t port)
{
	_cleanup_e2e_out_ struct e2e_out out = {};
	char text[256], what[64];

	snprintf(text, sizeof(text),
		 "chain %s BF_HOOK_NF_LOCAL_IN{family=inet4} ACCEPT\n"
		 "    rule\n        ip4.saddr eq " ATOMIC_NOBODY "\n        udp.dport eq %u\n"
		 "        DROP\n",
		 name, port);
	snprintf(what, sizeof(what), "chain %s of %s", verb, name);
	e2e_bfcli(&env->daemon, &out, "chain", verb, "--from-str", text, NULL);
	return ASSERT_BFCLI_OK(&out, what);
}

/*
 * Netfilter chains without priorities= get their priorities from the
 * daemon, and every update needs another free one: nothing reserves a
 * pair's other half, so after an update of the first chain, the second may
 * take the priority the first just left. Updates of both, in any order,
 * must keep working.
 */
BF_TEST(atomic_nf_auto_priorities)
{
	_cleanup_e2e_env_ struct e2e_env env = {};

	if (!e2e_env_setup(&env, E2E_DAEMON))
		return;
	if (!atomic_nf_chain(&env, "set", "atomic_nfx", 0) ||
	    !atomic_nf_chain(&env, "update", "atomic_nfx", 1) ||
	    !atomic_nf_chain(&env, "set", "atomic_nfy", 2))
		return;
	for (int i = 0; i < 3; i++) {
		atomic_nf_chain(&env, "update", "atomic_nfx", 3 + 2 * i);
		atomic_nf_chain(&env, "update", "atomic_nfy", 4 + 2 * i);
	}
}

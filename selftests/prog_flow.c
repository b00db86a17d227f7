// SPDX-License-Identifier: GPL-2.0-only
/*
 * Matchers on flow hashes, with BPF_PROG_TEST_RUN:
 * - meta.flow_probability: the template hashes the 5-tuple (bf_flow_prob()
 *   in bpf/engine.h), so every packet of a flow, on any hook and in either
 *   direction, gets the same decision, and over many flows the share that
 *   matches is the percentage;
 * - meta.flow_hash (TC): the kernel's flow hash, which is keyed with a
 *   secret of the running kernel: the test finds a packet's hash by
 *   narrowing ranges down, then matches it exactly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/helper.h"
#include "pkt.h"
#include "prog_run.h"
#include "test.h"

/* Load "chain t HOOK POLICY BODY" on @hook, failing the test if it can't. */
static bool load(struct tprog *t, enum bf_hook hook, const char *policy, const char *body)
{
	int r = tprog_load_body(t, hook, policy, body);

	return ASSERT_TRUE(r == 0, "loading on %s: %s: %s", tprog_hook_name(hook), t->step,
			   t->err);
}

#define for_each_hook(hook, mask)                                 \
	for (enum bf_hook hook = 0; hook < _BF_HOOK_MAX; hook++) \
		if ((mask) & TPROG_HOOK(hook))

/* Distinct flows: addresses and ports vary, TCP and UDP, IPv4 and IPv6. */
#define NFLOWS 2000

struct flow {
	char saddr[48];
	char daddr[48];
	struct pkt_spec spec;
};

static void flow_make(struct flow *f, unsigned int i, bool reverse)
{
	bool v6 = i % 4 == 3;
	uint16_t sport = 1024 + (uint16_t)(i * 7919 % 60000);
	uint16_t dport = i % 3 ? 443 : 53;

	if (v6) {
		snprintf(f->saddr, sizeof(f->saddr), "2001:db8::%x:%x", i >> 8, i & 0xff);
		snprintf(f->daddr, sizeof(f->daddr), "2001:db8:1::%x", i % 5 + 1);
	} else {
		snprintf(f->saddr, sizeof(f->saddr), "10.%u.%u.1", i >> 8, i & 0xff);
		snprintf(f->daddr, sizeof(f->daddr), "192.0.2.%u", i % 5 + 1);
	}
	memset(&f->spec, 0, sizeof(f->spec));
	f->spec.l3 = v6 ? PKT_L3_IP6 : PKT_L3_IP4;
	f->spec.proto = i % 2 ? PKT_IPPROTO_TCP : PKT_IPPROTO_UDP;
	f->spec.tcp_flags = PKT_TCP_ACK;
	f->spec.saddr = reverse ? f->daddr : f->saddr;
	f->spec.daddr = reverse ? f->saddr : f->daddr;
	f->spec.sport = reverse ? dport : sport;
	f->spec.dport = reverse ? sport : dport;
	/* Packets of a flow differ in size, not in their 5-tuple. */
	f->spec.payload = i % 7;
}

#define FP_RULES 5
static const char fp_body[] = "rule meta.flow_probability 0% counter CONTINUE\n"
			      "rule meta.flow_probability 10% counter CONTINUE\n"
			      "rule meta.flow_probability 30% counter CONTINUE\n"
			      "rule meta.flow_probability not 30% counter CONTINUE\n"
			      "rule meta.flow_probability 100% counter CONTINUE\n";

/* Run @f @repeat times; which rules matched it every time into @hit. False
 * (with a failure) if a rule matched some of the runs only. */
static bool fp_run(struct tprog *t, const struct flow *f, uint32_t repeat, bool *hit,
		   unsigned int i)
{
	struct bf_counter before[FP_RULES + 2], after[FP_RULES + 2];
	const struct tprog_opts opts = { .repeat = repeat };
	enum bf_verdict v;
	bool ok = true;

	if (!ASSERT_OK(tprog_counters(t, before, FP_RULES + 2), "reading counters") ||
	    !ASSERT_OK(tprog_run(t, &f->spec, &opts, &v), "test run") ||
	    !ASSERT_OK(tprog_counters(t, after, FP_RULES + 2), "reading counters"))
		return false;
	for (size_t r = 0; r < FP_RULES; r++) {
		uint64_t d = after[r].packets - before[r].packets;

		hit[r] = d == repeat;
		ok &= ASSERT_TRUE(d == 0 || d == repeat,
				  "flow %u (%s > %s) on %s: rule %zu matched %llu of %u runs", i,
				  f->spec.saddr, f->spec.daddr, tprog_hook_name(t->hook), r,
				  (unsigned long long)d, repeat);
	}
	return ok && ASSERT_TRUE(after[FP_RULES + 1].packets == 0, "error counter");
}

/*
 * Per flow: the same decision for each of its packets, in both directions
 * and on every hook; nested percentages nest (a flow in 10% is in 30%),
 * "not" is the complement. Over 2000 flows, 30% matches 30% of them: the
 * bounds (450-750, expected 600, sd 20.5) are loose enough for any decent
 * hash and tight enough to catch a biased one; 0% never, 100% always.
 */
BF_TEST(prog_flow_probability)
{
	static bool ref[NFLOWS][FP_RULES];
	bool have_ref = false;

	for_each_hook(hook, TPROG_HOOKS_ALL) {
		const char *name = tprog_hook_name(hook);
		unsigned int n10 = 0, n30 = 0;
		struct tprog t;
		bool ok = true;

		if (!load(&t, hook, "ACCEPT", fp_body)) {
			tprog_close(&t);
			continue;
		}
		for (unsigned int i = 0; i < NFLOWS && ok; i++) {
			bool hit[FP_RULES], back[FP_RULES];
			struct flow f, r;

			flow_make(&f, i, false);
			ok = fp_run(&t, &f, i < 100 ? 5 : 1, hit, i);
			if (!ok)
				break;
			n10 += hit[1];
			n30 += hit[2];
			ok &= ASSERT_TRUE(!hit[0] && hit[4], "flow %u on %s: 0%% %d, 100%% %d", i,
					  name, hit[0], hit[4]);
			ok &= ASSERT_TRUE(hit[2] != hit[3], "flow %u on %s: 30%% and not 30%%", i,
					  name);
			ok &= ASSERT_TRUE(!hit[1] || hit[2], "flow %u on %s: in 10%%, not in 30%%",
					  i, name);
			if (have_ref)
				ok &= ASSERT_TRUE(!memcmp(hit, ref[i], sizeof(hit)),
						  "flow %u: other decision on %s than on the first hook",
						  i, name);
			else
				memcpy(ref[i], hit, sizeof(hit));

			/* The other direction of the flow. */
			if (i < 200) {
				flow_make(&r, i, true);
				ok &= fp_run(&t, &r, 1, back, i) &&
				      ASSERT_TRUE(!memcmp(hit, back, sizeof(hit)),
						  "flow %u on %s: other decision for its reply", i,
						  name);
			}
		}
		if (bf_test_verbose())
			printf("  %s: 10%% %u, 30%% %u of %u flows\n", name, n10, n30, NFLOWS);
		if (ok) {
			ASSERT_TRUE(n30 >= 450 && n30 <= 750, "30%% on %s: %u of %u flows", name,
				    n30, NFLOWS);
			ASSERT_TRUE(n10 >= 110 && n10 <= 300, "10%% on %s: %u of %u flows", name,
				    n10, NFLOWS);
		}
		have_ref = true;
		tprog_close(&t);
	}
}

#define FH_STEP_RULES 256

/* Which of @n rules (counter CONTINUE each) counted the one run of @spec:
 * its index, -1 if none or several. */
static int fh_which(struct tprog *t, size_t n, const struct pkt_spec *spec)
{
	_cleanup_free_ struct bf_counter *c = calloc(n + 2, sizeof(*c));
	enum bf_verdict v;
	int found = -1;

	if (!ASSERT_TRUE(c != NULL, "out of memory") ||
	    !ASSERT_OK(tprog_run(t, spec, NULL, &v), "test run") ||
	    !ASSERT_OK(tprog_counters(t, c, n + 2), "reading counters"))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!c[i].packets)
			continue;
		if (found >= 0)
			return -1;
		found = (int)i;
	}
	return found;
}

/* The kernel's flow hash of @spec on @hook: four chains of 256 ranges, each
 * finding one more byte. */
static bool fh_find(enum bf_hook hook, const struct pkt_spec *spec, uint32_t *hash)
{
	uint32_t lo = 0;

	for (int shift = 24; shift >= 0; shift -= 8) {
		_cleanup_free_ char *body = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&body, &len);
		struct tprog t;
		int which;

		if (!ASSERT_TRUE(f != NULL, "out of memory"))
			return false;
		for (uint32_t b = 0; b < FH_STEP_RULES; b++) {
			uint32_t from = lo + (b << shift);

			fprintf(f, "rule meta.flow_hash range %u-%u counter CONTINUE\n", from,
				from + ((1U << shift) - 1));
		}
		fclose(f);
		if (!load(&t, hook, "ACCEPT", body)) {
			tprog_close(&t);
			return false;
		}
		which = fh_which(&t, FH_STEP_RULES, spec);
		tprog_close(&t);
		if (!ASSERT_TRUE(which >= 0, "finding the flow hash on %s: no single range matched",
				 tprog_hook_name(hook)))
			return false;
		lo += (uint32_t)which << shift;
	}
	*hash = lo;
	return true;
}

/*
 * meta.flow_hash on TC: the whole range always matches, its negation
 * never; a packet's own hash matches with eq and as a one-value range,
 * every time; its neighbours don't; another flow's packet doesn't.
 */
BF_TEST(prog_flow_hash)
{
	const struct pkt_spec pkt = PKT_TCP4(.sport = 41234, .dport = 443);
	const struct pkt_spec other = PKT_TCP4(.sport = 41235, .dport = 443);
	const struct pkt_spec pkts[] = { PKT_UDP6(), PKT_ICMP4(), PKT_ARP() };
	const uint32_t tc = TPROG_HOOK(BF_HOOK_TC_INGRESS) | TPROG_HOOK(BF_HOOK_TC_EGRESS);

	for_each_hook(hook, tc) {
		const char *name = tprog_hook_name(hook);
		const struct tprog_opts ten = { .repeat = 10 };
		_cleanup_free_ char *body = NULL;
		struct bf_counter c[10];
		enum bf_verdict v;
		struct tprog t;
		uint32_t h;

		if (!fh_find(hook, &pkt, &h))
			continue;
		if (bf_test_verbose())
			printf("  flow hash on %s: 0x%08x\n", name, h);
		if (asprintf(&body,
			     "rule meta.flow_hash range 0-0xffffffff counter CONTINUE\n"
			     "rule meta.flow_hash not range 0-0xffffffff counter CONTINUE\n"
			     "rule meta.flow_hash %u counter CONTINUE\n"
			     "rule meta.flow_hash eq 0x%x counter CONTINUE\n"
			     "rule meta.flow_hash range %u-%u counter CONTINUE\n"
			     "rule meta.flow_hash not %u counter CONTINUE\n"
			     "rule meta.flow_hash %u counter CONTINUE\n"
			     "rule meta.flow_hash %u counter CONTINUE\n",
			     h, h, h, h, h, h - 1, h + 1) < 0) {
			body = NULL;
			ASSERT_TRUE(false, "out of memory");
			continue;
		}
		if (!load(&t, hook, "ACCEPT", body)) {
			tprog_close(&t);
			continue;
		}
		if (ASSERT_OK(tprog_run(&t, &pkt, &ten, &v), "test run") &&
		    ASSERT_OK(tprog_counters(&t, c, 10), "reading counters")) {
			static const uint64_t want[10] = { 10, 0, 10, 10, 10, 0, 0, 0, 10, 0 };

			for (size_t i = 0; i < 10; i++)
				ASSERT_TRUE(c[i].packets == want[i],
					    "hash 0x%08x on %s: counter %zu is %llu, expected %llu", h,
					    name, i, (unsigned long long)c[i].packets,
					    (unsigned long long)want[i]);
		}
		/* Another flow: its own hash, matched by the full range only. */
		if (ASSERT_OK(tprog_run(&t, &other, NULL, &v), "test run") &&
		    ASSERT_OK(tprog_counters(&t, c, 10), "reading counters"))
			ASSERT_TRUE(c[0].packets == 11 && c[2].packets == 10 && c[5].packets == 1,
				    "another flow on %s: %llu %llu %llu", name,
				    (unsigned long long)c[0].packets,
				    (unsigned long long)c[2].packets,
				    (unsigned long long)c[5].packets);
		/* Every packet has a hash within the full range. */
		for (size_t i = 0; i < ARRAY_SIZE(pkts); i++)
			ASSERT_OK(tprog_run(&t, &pkts[i], NULL, &v), "test run");
		if (ASSERT_OK(tprog_counters(&t, c, 10), "reading counters"))
			ASSERT_TRUE(c[0].packets == 11 + ARRAY_SIZE(pkts) && c[1].packets == 0 &&
					    c[9].packets == 0,
				    "full range on %s: %llu, its negation %llu, errors %llu", name,
				    (unsigned long long)c[0].packets,
				    (unsigned long long)c[1].packets,
				    (unsigned long long)c[9].packets);
		tprog_close(&t);
	}
}

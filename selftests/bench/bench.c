// SPDX-License-Identifier: GPL-2.0-only
/*
 * bf_bench: see bench.h and docs/performance.md. Exits non-zero on a load
 * failure or a wrong verdict, never on timing.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../pkt.h"
#include "acl.h"
#include "lib/helper.h"
#include "lib/names.h"

#define BENCH_PKT_LEN 64
#define BENCH_MISS_ADDR 0xc0000201U /* 192.0.2.1 */
#define BENCH_DST_ADDR 0x0a000002U  /* 10.0.0.2 */
#define BENCH_HOOK_PREFIX "BF_HOOK_"

/* The 5-tuple of a test packet. */
struct bench_tuple {
	uint32_t src, dst;
	uint8_t proto;
	uint16_t sport, dport;
};

/* The rules workload's packets: UDP 40000 -> 53 from @src. */
static struct bench_tuple bench_udp_from(uint32_t src)
{
	return (struct bench_tuple){ .src = src,
				     .dst = BENCH_DST_ADDR,
				     .proto = PKT_IPPROTO_UDP,
				     .sport = 40000,
				     .dport = 53 };
}

/* A 64-byte frame: Ethernet, IPv4, TCP or UDP, zero payload. */
static int bench_frame(const struct bench_tuple *t, uint8_t *frame, size_t size)
{
	char saddr[INET_ADDRSTRLEN], daddr[INET_ADDRSTRLEN];
	struct in_addr s = { .s_addr = htonl(t->src) }, d = { .s_addr = htonl(t->dst) };
	size_t hdrs = PKT_ETH_HLEN + 20 + (t->proto == PKT_IPPROTO_TCP ? 20 : 8);
	struct pkt_spec spec = PKT_IP4(.saddr = inet_ntop(AF_INET, &s, saddr, sizeof(saddr)),
				       .daddr = inet_ntop(AF_INET, &d, daddr, sizeof(daddr)),
				       .proto = t->proto, .sport = t->sport, .dport = t->dport,
				       .tcp_flags = PKT_TCP_ACK, .payload = BENCH_PKT_LEN - hdrs);
	int len = pkt_build(&spec, frame, size);

	if (len != BENCH_PKT_LEN) {
		fprintf(stderr, "bf_bench: packet of %d bytes, expected %d\n", len, BENCH_PKT_LEN);
		return -EINVAL;
	}
	return len;
}

static const char *bench_hook_name(enum bf_hook hook)
{
	const char *s = bf_hook_to_str(hook) ?: "?";

	return strncmp(s, BENCH_HOOK_PREFIX, strlen(BENCH_HOOK_PREFIX))
		       ? s
		       : s + strlen(BENCH_HOOK_PREFIX);
}

/* The floor of @hook's program type, loaded on first use; the XDP floor
 * when the kernel refuses that type (rows say so); NULL if none loads. */
static struct bench_prog *bench_floor(struct bench *b, enum bf_hook hook)
{
	struct bench_prog *f = &b->floors[hook];

	if (f->fd == -1 && bench_load_floor(f, hook))
		f->fd = -2;
	if (f->fd >= 0)
		return f;
	return hook == BF_HOOK_XDP ? NULL : bench_floor(b, BF_HOOK_XDP);
}

static struct bench_row *bench_add_row(struct bench *b, const struct bench_row *tmpl,
				       const struct bench_prog *p)
{
	struct bench_row *row;

	if (b->nrows == b->rows_cap) {
		size_t cap = b->rows_cap ? b->rows_cap * 2 : 64;
		struct bench_row *rows = realloc(b->rows, cap * sizeof(*rows));

		if (!rows)
			return NULL;
		b->rows = rows;
		b->rows_cap = cap;
	}
	row = &b->rows[b->nrows++];
	*row = *tmpl;
	row->hook = row->floor_hook = bench_hook_name(p->hook);
	row->parse_ms = p->parse_ms;
	row->load_ms = p->load_ms;
	row->map_bytes = p->map_bytes;
	row->res.ns = row->res.floor_ns = NAN;
	return row;
}

static void bench_progress(const struct bench_row *row)
{
	char ns[32], floor[32];

	if (row->res.status == BENCH_SKIPPED) {
		fprintf(stderr, "  %-10s %-25s n=%-7u %-5s %s\n", row->workload, row->hook, row->n,
			row->pkt_case, row->res.why);
		return;
	}
	fprintf(stderr, "  %-10s %-25s n=%-7u %-5s %10s (floor %s)%s%s\n", row->workload, row->hook,
		row->n, row->pkt_case, bench_fmt_ns(row->res.ns, ns, sizeof(ns)),
		bench_fmt_ns(row->res.floor_ns, floor, sizeof(floor)),
		row->res.status == BENCH_REDUCED ? ", " : "",
		row->res.status == BENCH_REDUCED ? row->res.why : "");
}

static int bench_load_work(struct bench_prog *p, enum bench_work w, uint32_t n);

/*
 * The 1-rule reference for a case of @tmpl's workload on @hook: XDP rules
 * and ACL cases, whose targets are ratios to one rule, get it measured in
 * the same trials, so that a host whose speed drifts between cases (a
 * shared VM) doesn't skew those ratios. Loaded on first use; NULL for the
 * other cases, or if it can't be loaded (the ratio then falls back to the
 * 1-rule row).
 */
static const struct bench_ref *bench_reference(struct bench *b, enum bf_hook hook,
					       const struct bench_row *tmpl, struct bench_ref *ref)
{
	if (hook != BF_HOOK_XDP || (strcmp(tmpl->workload, "rules") && strcmp(tmpl->workload, "acl")))
		return NULL;
	if (b->ref.fd == -1) {
		struct bench_tuple t = bench_udp_from(bench_rule_addr(0));
		int len = bench_frame(&t, b->ref_frame, sizeof(b->ref_frame));

		if (len < 0 || bench_load_work(&b->ref, BENCH_RULES, 1)) {
			b->ref.fd = -2;
			return NULL;
		}
		b->ref_len = (size_t)len;
	}
	if (b->ref.fd < 0)
		return NULL;
	*ref = (struct bench_ref){ .prog = &b->ref,
				   .frame = b->ref_frame,
				   .len = b->ref_len,
				   .expect = BF_VERDICT_DROP };
	return ref;
}

/* --packets DIR: the frame of each case, as DIR/WORKLOAD-N-CASE.bin, to
 * replay it (bpftool prog run ... data_in FILE). */
static int bench_save_packet(const struct bench *b, const struct bench_row *tmpl,
			     const uint8_t *frame, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	int r = 0;

	if (!b->packets)
		return 0;
	snprintf(path, sizeof(path), "%s/%s-%u-%s.bin", b->packets, tmpl->workload, tmpl->n,
		 tmpl->pkt_case);
	f = fopen(path, "we");
	if (!f || fwrite(frame, 1, len, f) != len)
		r = -errno ?: -EIO;
	if (f && fclose(f) && !r)
		r = -errno;
	if (r)
		fprintf(stderr, "bf_bench: %s: %s\n", path, strerror(-r));
	return r;
}

/* Measure @p on a packet of @t and record a row. */
static int bench_case(struct bench *b, struct bench_prog *p, const struct bench_row *tmpl,
		      const struct bench_tuple *t)
{
	struct bench_prog *floor = bench_floor(b, p->hook);
	uint8_t frame[PKT_MAX];
	struct bench_row *row;
	struct bench_ref ref;
	int len, r;

	if (!floor)
		return -ENOENT;
	len = bench_frame(t, frame, sizeof(frame));
	if (len < 0)
		return len;
	r = bench_save_packet(b, tmpl, frame, (size_t)len);
	if (r)
		return r;
	row = bench_add_row(b, tmpl, p);
	if (!row)
		return -ENOMEM;
	row->floor_hook = bench_hook_name(floor->hook);
	r = bench_measure(&b->cfg, p, floor, bench_reference(b, p->hook, tmpl, &ref), frame,
			  (size_t)len, row->expect, &row->res);
	if (r) {
		fprintf(stderr, "bf_bench: %s n=%u %s on %s failed\n", row->workload, row->n,
			row->pkt_case, row->hook);
		/* The table printed after a failure says which case it was. */
		row->res.status = BENCH_SKIPPED;
		snprintf(row->res.why, sizeof(row->res.why), "FAILED: %s",
			 r == -EBADMSG ? "wrong verdict" : strerror(-r));
		return r;
	}
	bench_progress(row);
	return 0;
}

/* The kernel can't test-run socket-address programs: load the chain for
 * its load time and memory, and say why there is no ns/packet. */
static int bench_empty_sock_addr(struct bench *b)
{
	struct bench_row tmpl = { .workload = "empty", .pkt_case = "-", .match = -2 };
	struct bench_prog p;
	struct bench_row *row;
	int r;

	r = bench_load_chain(&p, "chain bench BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4 ACCEPT\n");
	if (r)
		return r;
	row = bench_add_row(b, &tmpl, &p);
	bench_close(&p);
	if (!row)
		return -ENOMEM;
	row->res.status = BENCH_SKIPPED;
	snprintf(row->res.why, sizeof(row->res.why),
		 "skipped: the kernel cannot test-run CGROUP_SOCK_ADDR programs");
	bench_progress(row);
	return 0;
}

static int bench_empty(struct bench *b)
{
	static const enum bf_hook hooks[] = { BF_HOOK_XDP, BF_HOOK_TC_INGRESS,
					      BF_HOOK_CGROUP_SKB_INGRESS, BF_HOOK_NF_LOCAL_IN };
	struct bench_row tmpl = {
		.workload = "empty", .pkt_case = "-", .match = -2, .expect = BF_VERDICT_ACCEPT
	};
	struct bench_tuple t = bench_udp_from(BENCH_MISS_ADDR);
	char text[128];
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(hooks) && !r; i++) {
		struct bench_prog p;

		snprintf(text, sizeof(text), "chain bench %s ACCEPT\n", bf_hook_to_str(hooks[i]));
		r = bench_load_chain(&p, text);
		if (r)
			return r;
		r = bench_case(b, &p, &tmpl, &t);
		bench_close(&p);
	}
	return r ?: bench_empty_sock_addr(b);
}

/* Load workload @w of size @n on XDP; the text is freed before the
 * measurements (a million rules is tens of MB). */
static int bench_load_work(struct bench_prog *p, enum bench_work w, uint32_t n)
{
	_cleanup_free_ char *text = bench_chain_text(w, "BF_HOOK_XDP", n, 0);

	if (!text)
		return -ENOMEM;
	fprintf(stderr, "  loading %s n=%u\n", bench_work_name(w), n);
	return bench_load_chain(p, text);
}

static int bench_rules(struct bench *b, uint32_t n)
{
	struct bench_row tmpl = { .workload = "rules", .n = n };
	struct bench_tuple t;
	struct bench_prog p;
	int r;

	r = bench_load_work(&p, BENCH_RULES, n);
	if (r)
		return r;
	tmpl.expect = BF_VERDICT_DROP;
	tmpl.pkt_case = "last";
	tmpl.match = n - 1;
	t = bench_udp_from(bench_rule_addr(n - 1));
	r = bench_case(b, &p, &tmpl, &t);
	tmpl.pkt_case = "first";
	tmpl.match = 0;
	t = bench_udp_from(bench_rule_addr(0));
	r = r ?: bench_case(b, &p, &tmpl, &t);
	tmpl.expect = BF_VERDICT_ACCEPT;
	tmpl.pkt_case = "none";
	tmpl.match = -1;
	t = bench_udp_from(BENCH_MISS_ADDR);
	r = r ?: bench_case(b, &p, &tmpl, &t);
	bench_close(&p);
	return r;
}

static struct bench_tuple bench_acl_tuple(const struct bench_acl_pkt *pkt)
{
	return (struct bench_tuple){ .src = pkt->src,
				     .dst = pkt->dst,
				     .proto = pkt->proto,
				     .sport = pkt->sport,
				     .dport = pkt->dport };
}

/* ACL packets: hits whose first matching rule is near 10 %, 50 % and 90 %
 * of the list, and a miss, which gets the policy. */
static int bench_acl(struct bench *b, uint32_t n)
{
	static const struct {
		const char *name;
		uint32_t pct;
	} hits[] = { { "hit10", 10 }, { "hit50", 50 }, { "hit90", 90 } };
	struct bench_row tmpl = { .workload = "acl", .n = n };
	struct bench_acl acl = {};
	struct bench_acl_pkt pkt;
	struct bench_tuple t;
	struct bench_prog p;
	int r;

	r = bench_acl_gen(&acl, n, bench_acl_seed(n, 0));
	r = r ?: bench_load_work(&p, BENCH_ACL, n);
	if (r) {
		bench_acl_free(&acl);
		return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(hits) && !r; i++) {
		r = bench_acl_hit(&acl, n * hits[i].pct / 100, bench_acl_seed(n, 100 + i), &pkt);
		if (r) {
			fprintf(stderr, "bf_bench: acl n=%u: no packet hits near rule %u\n", n,
				n * hits[i].pct / 100);
			break;
		}
		tmpl.pkt_case = hits[i].name;
		tmpl.match = pkt.rule;
		tmpl.expect = pkt.verdict;
		t = bench_acl_tuple(&pkt);
		r = bench_case(b, &p, &tmpl, &t);
	}
	r = r ?: bench_acl_miss(&acl, bench_acl_seed(n, 200), &pkt);
	if (!r) {
		tmpl.pkt_case = "miss";
		tmpl.match = -1;
		tmpl.expect = pkt.verdict;
		t = bench_acl_tuple(&pkt);
		r = bench_case(b, &p, &tmpl, &t);
	}
	bench_close(&p);
	bench_acl_free(&acl);
	return r;
}

/* A set of @n elements: a packet from the last one (hit), one from
 * nowhere (miss). */
static int bench_set(struct bench *b, uint32_t n, bool prefix)
{
	enum bench_work w = prefix ? BENCH_PREFIX_SET : BENCH_SET;
	struct bench_row tmpl = { .workload = bench_work_name(w), .n = n, .match = -2 };
	struct bench_tuple t;
	struct bench_prog p;
	int r;

	r = bench_load_work(&p, w, n);
	if (r)
		return r;
	/* Host .7 of the last /24, or the last address. */
	t = bench_udp_from(prefix ? bench_set_net(n - 1) + 7 : bench_rule_addr(n - 1));
	tmpl.expect = BF_VERDICT_DROP;
	tmpl.pkt_case = "hit";
	r = bench_case(b, &p, &tmpl, &t);
	t = bench_udp_from(BENCH_MISS_ADDR);
	tmpl.expect = BF_VERDICT_ACCEPT;
	tmpl.pkt_case = "miss";
	r = r ?: bench_case(b, &p, &tmpl, &t);
	bench_close(&p);
	return r;
}

static int bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "bf_bench: pin to CPU %d: %s\n", cpu, strerror(errno));
		return -errno;
	}
	return 0;
}

static void bench_usage(void)
{
	fprintf(stderr,
		"usage: bf_bench [--quick] [--cpu N] [--budget SECONDS] [--max-n N] [--no-daemon]\n"
		"                [--json PATH] [--png PATH] [--label TEXT] [--packets DIR]\n"
		"       bf_bench --dump WORKLOAD:N   (rules, acl, set, prefix-set: the chain's "
		"text)\n");
}

/* Defaults: next to the binary, BUILD/bin/../bench/. */
static void bench_default_paths(struct bench *b)
{
	static char self[PATH_MAX], json[PATH_MAX + 32], png[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = '\0';
	b->bin_dir = dirname(self);
	snprintf(json, sizeof(json), "%s/../bench/results.json", b->bin_dir);
	snprintf(png, sizeof(png), "%s/../bench/results.png", b->bin_dir);
	b->json = json;
	b->png = png;
}

static int bench_args(struct bench *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "budget", required_argument, NULL, 'b' },
		{ "max-n", required_argument, NULL, 'n' },
		{ "no-daemon", no_argument, NULL, 'D' },
		{ "json", required_argument, NULL, 'j' },
		{ "png", required_argument, NULL, 'p' },
		{ "label", required_argument, NULL, 'l' },
		{ "dump", required_argument, NULL, 'd' },
		{ "packets", required_argument, NULL, 'P' },
		{ 0 },
	};
	double budget = 0;
	int c;

	bench_default_paths(b);
	b->label = "";
	b->max_n = UINT32_MAX;
	/* The last CPU: the first tends to take more of the interrupts. */
	b->cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	while ((c = getopt_long(argc, argv, "qc:b:n:Dj:p:l:d:P:", opts, NULL)) != -1) {
		if (c == 'q')
			b->quick = true;
		else if (c == 'c')
			b->cpu = atoi(optarg);
		else if (c == 'b')
			budget = atof(optarg);
		else if (c == 'n')
			b->max_n = (uint32_t)strtoul(optarg, NULL, 0);
		else if (c == 'D')
			b->no_daemon = true;
		else if (c == 'j')
			b->json = optarg;
		else if (c == 'p')
			b->png = optarg;
		else if (c == 'l')
			b->label = optarg;
		else if (c == 'd')
			b->dump = optarg;
		else if (c == 'P')
			b->packets = optarg;
		else
			return -EINVAL;
	}
	if (optind != argc)
		return -EINVAL;
	/*
	 * Full: the 5 x 100 000, up to 2 minutes a case: with the
	 * linear engine, 10k rules (~140 us/packet) get all their repeats, 100k
	 * (~1.5 ms) fewer, and 1M (~13 ms) is skipped, which keeps the run
	 * around 12 minutes. Quick: what CI affords, well under a minute.
	 */
	if (b->quick)
		b->cfg = (struct bench_cfg){
			.trials = 3, .repeat = 20000, .budget_s = 1, .min_repeat = 200
		};
	else
		b->cfg = (struct bench_cfg){
			.trials = 5, .repeat = 100000, .budget_s = 120, .min_repeat = 5000
		};
	if (budget > 0)
		b->cfg.budget_s = budget;
	return 0;
}

/* The first load of a process pays for things later ones share (vmlinux
 * BTF, ...): pay it outside the table. */
static int bench_warm_up(void)
{
	struct bench_prog p;
	int r = bench_load_chain(&p, "chain bench BF_HOOK_XDP ACCEPT\n");

	if (!r)
		bench_close(&p);
	return r;
}

static int bench_packets(struct bench *b)
{
	static const uint32_t rules_full[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };
	static const uint32_t rules_quick[] = { 1, 10, 100, 1000, 10000 };
	static const uint32_t acl_n[] = { 100, 1000, 10000 };
	static const uint32_t sets_full[] = { 10000, 1000000 };
	static const uint32_t sets_quick[] = { 10000 };
	const uint32_t *rules = b->quick ? rules_quick : rules_full;
	const uint32_t *sets = b->quick ? sets_quick : sets_full;
	size_t nrules = b->quick ? ARRAY_SIZE(rules_quick) : ARRAY_SIZE(rules_full);
	size_t nsets = b->quick ? ARRAY_SIZE(sets_quick) : ARRAY_SIZE(sets_full);
	int r;

	r = bench_warm_up();
	r = r ?: bench_empty(b);
	for (size_t i = 0; i < nrules && rules[i] <= b->max_n && !r; i++)
		r = bench_rules(b, rules[i]);
	for (size_t i = 0; i < ARRAY_SIZE(acl_n) && acl_n[i] <= b->max_n && !r; i++)
		r = bench_acl(b, acl_n[i]);
	for (size_t i = 0; i < nsets && sets[i] <= b->max_n && !r; i++) {
		r = bench_set(b, sets[i], false);
		r = r ?: bench_set(b, sets[i], true);
	}
	return r;
}

/* --dump WORKLOAD:N: the chain a workload loads, on stdout, for other
 * tools and tests to use (hook XDP, no interface). */
static int bench_dump(const char *spec)
{
	static const enum bench_work works[] = { BENCH_RULES, BENCH_ACL, BENCH_SET,
						 BENCH_PREFIX_SET };
	const char *colon = strchr(spec, ':');
	char *end;
	unsigned long n;

	if (!colon)
		return -EINVAL;
	n = strtoul(colon + 1, &end, 0);
	if (*end || !n || n > UINT32_MAX)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(works); i++) {
		const char *name = bench_work_name(works[i]);

		if (strlen(name) == (size_t)(colon - spec) && !strncmp(spec, name, strlen(name)))
			return bench_write_chain(stdout, works[i], "BF_HOOK_XDP", (uint32_t)n, 0)
				       ?: (fflush(stdout) ? -errno : 0);
	}
	return -EINVAL;
}

int main(int argc, char **argv)
{
	static struct bench b;
	double start = bench_now_ms();
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(b.floors); i++)
		b.floors[i].fd = -1;
	b.ref.fd = -1;
	if (bench_args(&b, argc, argv)) {
		bench_usage();
		return 2;
	}
	if (b.dump) {
		r = bench_dump(b.dump);
		if (r == -EINVAL)
			bench_usage();
		return r ? 2 : 0;
	}
	if (sched_getaffinity(0, sizeof(b.cpus), &b.cpus)) {
		fprintf(stderr, "bf_bench: sched_getaffinity: %s\n", strerror(errno));
		return 1;
	}
	bench_remove_stale();
	fprintf(stderr, "bf_bench: measuring%s%s\n", *b.label ? " " : "", b.label);
	r = bench_pin(b.cpu) ?: bench_packets(&b);
	for (size_t i = 0; i < ARRAY_SIZE(b.floors); i++)
		if (b.floors[i].fd >= 0)
			bench_close(&b.floors[i]);
	if (b.ref.fd >= 0)
		bench_close(&b.ref);
	if (!r && !b.no_daemon)
		r = bench_daemon_all(&b);
	b.elapsed_s = (bench_now_ms() - start) / 1e3;
	/* What was measured before a failure is still worth seeing. */
	bench_print(&b);
	if (!bench_write_json(&b))
		printf("\nJSON: %s\n", b.json);
	else
		r = r ?: -EIO;
	if (!bench_plot(&b))
		printf("PNG: %s\n", b.png);
	free(b.rows);
	if (r) {
		fprintf(stderr, "bf_bench: FAILED\n");
		return 1;
	}
	return 0;
}

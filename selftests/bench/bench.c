// SPDX-License-Identifier: GPL-2.0-only
/*
 * bf_bench: see bench.h and docs/performance.md. Exits non-zero on a load
 * failure or a wrong verdict, never on timing.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../pkt.h"
#include "lib/helper.h"
#include "lib/names.h"

#define BENCH_PKT_LEN 64
/* Ethernet 14 + IPv4 20 + UDP 8 + 22 bytes of payload: 64 bytes. */
#define BENCH_PAYLOAD 22
#define BENCH_SET_SIZE 10000
#define BENCH_MISS_ADDR "192.0.2.1"
#define BENCH_MAX_ROWS 64

struct bench_row {
	const char *workload; /* "empty", "rules", "set", "prefix-set" */
	const char *hook;
	const char *floor_hook;
	uint32_t n;	      /* rules, or set elements */
	const char *pkt_case; /* last, first, none, hit, miss, - */
	enum bf_verdict expect;
	double ns, floor_ns, load_ms;
	uint64_t map_bytes;
};

struct bench {
	struct bench_cfg cfg;
	bool quick;
	int cpu;
	const char *json;
	struct bench_prog floors[_BF_HOOK_MAX];
	struct bench_row rows[BENCH_MAX_ROWS];
	size_t nrows;
};

/* Distinct source addresses: 172.16.0.1 + i. */
static void bench_addr(uint32_t i, char *buf, size_t size)
{
	struct in_addr a = { .s_addr = htonl(0xac100001U + i) };

	inet_ntop(AF_INET, &a, buf, size);
}

static int bench_frame(const char *saddr, uint8_t *frame, size_t size)
{
	struct pkt_spec spec = PKT_UDP4(.saddr = saddr, .payload = BENCH_PAYLOAD);
	int len = pkt_build(&spec, frame, size);

	if (len != BENCH_PKT_LEN) {
		fprintf(stderr, "bf_bench: packet of %d bytes, expected %d\n", len, BENCH_PKT_LEN);
		return -EINVAL;
	}
	return len;
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

/* Measure @p on a packet from @saddr and record a row. */
static int bench_case(struct bench *b, struct bench_prog *p, const struct bench_row *tmpl,
		      const char *saddr)
{
	struct bench_prog *floor = bench_floor(b, p->hook);
	uint8_t frame[PKT_MAX];
	struct bench_row *row;
	int len, r;

	if (!floor)
		return -ENOENT;
	if (b->nrows == BENCH_MAX_ROWS)
		return -E2BIG;
	row = &b->rows[b->nrows];
	*row = *tmpl;
	row->hook = bf_hook_to_str(p->hook);
	row->floor_hook = bf_hook_to_str(floor->hook);
	row->load_ms = p->load_ms;
	row->map_bytes = p->map_bytes;
	len = bench_frame(saddr, frame, sizeof(frame));
	if (len < 0)
		return len;
	r = bench_measure(&b->cfg, p, floor, frame, (size_t)len, row->expect, &row->ns,
			  &row->floor_ns);
	if (r) {
		fprintf(stderr, "bf_bench: %s n=%u %s on %s failed\n", row->workload, row->n,
			row->pkt_case, row->hook);
		return r;
	}
	b->nrows++;
	fprintf(stderr, "  %-10s %-24s n=%-6u %-5s %9.1f ns (floor %.1f)\n", row->workload,
		row->hook, row->n, row->pkt_case, row->ns, row->floor_ns);
	return 0;
}

static int bench_empty(struct bench *b)
{
	static const enum bf_hook hooks[] = { BF_HOOK_XDP, BF_HOOK_TC_INGRESS,
					      BF_HOOK_CGROUP_SKB_INGRESS, BF_HOOK_NF_LOCAL_IN };
	struct bench_row tmpl = { .workload = "empty",
				  .pkt_case = "-",
				  .expect = BF_VERDICT_ACCEPT };
	char text[128];
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(hooks) && !r; i++) {
		struct bench_prog p;

		snprintf(text, sizeof(text), "chain bench %s ACCEPT\n", bf_hook_to_str(hooks[i]));
		r = bench_load_chain(&p, text);
		if (r)
			return r;
		r = bench_case(b, &p, &tmpl, BENCH_MISS_ADDR);
		bench_close(&p);
	}
	return r;
}

/* "chain bench BF_HOOK_XDP ACCEPT" and @n rules "ip4.saddr eq A DROP". */
static char *bench_rules_text(uint32_t n)
{
	char *text = NULL, addr[INET_ADDRSTRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fprintf(f, "chain bench BF_HOOK_XDP ACCEPT\n");
	for (uint32_t i = 0; i < n; i++) {
		bench_addr(i, addr, sizeof(addr));
		fprintf(f, "rule ip4.saddr eq %s DROP\n", addr);
	}
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

static int bench_rules(struct bench *b, uint32_t n)
{
	_cleanup_free_ char *text = bench_rules_text(n);
	struct bench_row tmpl = { .workload = "rules", .n = n };
	char last[INET_ADDRSTRLEN], first[INET_ADDRSTRLEN];
	struct bench_prog p;
	int r;

	if (!text)
		return -ENOMEM;
	r = bench_load_chain(&p, text);
	if (r)
		return r;
	bench_addr(n - 1, last, sizeof(last));
	bench_addr(0, first, sizeof(first));
	tmpl.expect = BF_VERDICT_DROP;
	tmpl.pkt_case = "last";
	r = bench_case(b, &p, &tmpl, last);
	tmpl.pkt_case = "first";
	r = r ?: bench_case(b, &p, &tmpl, first);
	tmpl.expect = BF_VERDICT_ACCEPT;
	tmpl.pkt_case = "none";
	r = r ?: bench_case(b, &p, &tmpl, BENCH_MISS_ADDR);
	bench_close(&p);
	return r;
}

/* One XDP chain with a set of @n elements and one rule "in set DROP":
 * exact source addresses, or distinct /24 prefixes 10.x.y.0/24. */
static char *bench_set_text(uint32_t n, bool prefix)
{
	char *text = NULL, addr[INET_ADDRSTRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fprintf(f, "chain bench BF_HOOK_XDP ACCEPT\nset s (%s) in {\n",
		prefix ? "ip4.snet" : "ip4.saddr");
	for (uint32_t i = 0; i < n; i++) {
		bench_addr(i, addr, sizeof(addr));
		if (prefix)
			fprintf(f, "10.%u.%u.0/24\n", i >> 8, i & 0xff);
		else
			fprintf(f, "%s\n", addr);
	}
	fprintf(f, "}\nrule (%s) in s DROP\n", prefix ? "ip4.snet" : "ip4.saddr");
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

static int bench_set(struct bench *b, uint32_t n, bool prefix)
{
	_cleanup_free_ char *text = bench_set_text(n, prefix);
	struct bench_row tmpl = { .workload = prefix ? "prefix-set" : "set", .n = n };
	char hit[INET_ADDRSTRLEN];
	struct bench_prog p;
	int r;

	if (!text)
		return -ENOMEM;
	r = bench_load_chain(&p, text);
	if (r)
		return r;
	/* The last element. */
	if (prefix)
		snprintf(hit, sizeof(hit), "10.%u.%u.7", (n - 1) >> 8, (n - 1) & 0xff);
	else
		bench_addr(n - 1, hit, sizeof(hit));
	tmpl.expect = BF_VERDICT_DROP;
	tmpl.pkt_case = "hit";
	r = bench_case(b, &p, &tmpl, hit);
	tmpl.expect = BF_VERDICT_ACCEPT;
	tmpl.pkt_case = "miss";
	r = r ?: bench_case(b, &p, &tmpl, BENCH_MISS_ADDR);
	bench_close(&p);
	return r;
}

static double bench_per_item(const struct bench_row *row)
{
	return row->n ? (double)row->map_bytes / row->n : 0;
}

static void bench_print(const struct bench *b)
{
	printf("\nbf_bench: CPU %d, %u trials x %u repeats (median), %d-byte IPv4/UDP packet%s\n\n",
	       b->cpu, b->cfg.trials, b->cfg.repeat, BENCH_PKT_LEN, b->quick ? ", quick" : "");
	printf("%-10s %-26s %6s %-5s %10s %8s %7s %9s %11s %10s\n", "workload", "hook", "n", "case",
	       "ns/pkt", "floor", "ratio", "load ms", "map bytes", "bytes/n");
	for (size_t i = 0; i < b->nrows; i++) {
		const struct bench_row *r = &b->rows[i];

		printf("%-10s %-26s %6u %-5s %10.1f %8.1f %7.2f %9.2f %11llu %10.1f%s\n",
		       r->workload, r->hook, r->n, r->pkt_case, r->ns, r->floor_ns,
		       r->ns / r->floor_ns, r->load_ms, (unsigned long long)r->map_bytes,
		       bench_per_item(r), strcmp(r->hook, r->floor_hook) ? " (XDP floor)" : "");
	}
}

static void bench_json_row(FILE *f, const struct bench_row *r, bool last)
{
	fprintf(f,
		"    {\"workload\": \"%s\", \"hook\": \"%s\", \"floor_hook\": \"%s\", "
		"\"n\": %u, \"case\": \"%s\", \"verdict\": \"%s\", \"ns_per_pkt\": %.2f, "
		"\"floor_ns_per_pkt\": %.2f, \"ratio\": %.3f, \"load_ms\": %.3f, "
		"\"map_bytes\": %llu, \"map_bytes_per_n\": %.1f}%s\n",
		r->workload, r->hook, r->floor_hook, r->n, r->pkt_case,
		bf_verdict_to_str(r->expect), r->ns, r->floor_ns, r->ns / r->floor_ns, r->load_ms,
		(unsigned long long)r->map_bytes, bench_per_item(r), last ? "" : ",");
}

static int bench_write_json(const struct bench *b)
{
	_cleanup_free_ char *dir = strdup(b->json);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	FILE *f;

	/* The directory of the default path, build/bench: one level. */
	if (slash) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	f = fopen(b->json, "w");

	if (!f) {
		fprintf(stderr, "bf_bench: %s: %s\n", b->json, strerror(errno));
		return -errno;
	}
	fprintf(f, "{\n  \"engine\": \"linear\",\n  \"quick\": %s,\n  \"cpu\": %d,\n",
		b->quick ? "true" : "false", b->cpu);
	fprintf(f, "  \"trials\": %u,\n  \"repeat\": %u,\n  \"packet_bytes\": %d,\n", b->cfg.trials,
		b->cfg.repeat, BENCH_PKT_LEN);
	fprintf(f, "  \"results\": [\n");
	for (size_t i = 0; i < b->nrows; i++)
		bench_json_row(f, &b->rows[i], i + 1 == b->nrows);
	fprintf(f, "  ]\n}\n");
	return fclose(f) ? -errno : 0;
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

static int bench_args(struct bench *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "json", required_argument, NULL, 'j' },
		{ 0 },
	};
	int c;

	b->cfg = (struct bench_cfg){ .trials = 5, .repeat = 100000 };
	b->json = "build/bench/results.json";
	/* The last CPU: the first tends to take more of the interrupts. */
	b->cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	while ((c = getopt_long(argc, argv, "qc:j:", opts, NULL)) != -1) {
		if (c == 'q')
			b->quick = true;
		else if (c == 'c')
			b->cpu = atoi(optarg);
		else if (c == 'j')
			b->json = optarg;
		else
			return -EINVAL;
	}
	if (b->quick)
		b->cfg = (struct bench_cfg){ .trials = 3, .repeat = 20000 };
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

static int bench_all(struct bench *b)
{
	uint32_t max_n = b->quick ? 1000 : 10000;
	int r;

	fprintf(stderr, "bf_bench: measuring (engine: linear)\n");
	r = bench_warm_up();
	r = r ?: bench_empty(b);
	for (uint32_t n = 1; n <= max_n && !r; n *= 10)
		r = bench_rules(b, n);
	r = r ?: bench_set(b, BENCH_SET_SIZE, false);
	r = r ?: bench_set(b, BENCH_SET_SIZE, true);
	return r;
}

int main(int argc, char **argv)
{
	static struct bench b;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(b.floors); i++)
		b.floors[i].fd = -1;
	if (bench_args(&b, argc, argv)) {
		fprintf(stderr, "usage: bf_bench [--quick] [--cpu N] [--json PATH]\n");
		return 2;
	}
	r = bench_pin(b.cpu) ?: bench_all(&b);
	for (size_t i = 0; i < ARRAY_SIZE(b.floors); i++)
		if (b.floors[i].fd >= 0)
			bench_close(&b.floors[i]);
	if (r) {
		fprintf(stderr, "bf_bench: FAILED\n");
		return 1;
	}
	bench_print(&b);
	r = bench_write_json(&b);
	if (!r)
		printf("\nJSON: %s\n", b.json);
	return r ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0-only
#include "bench.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/cgen.h"
#include "daemon/prog.h"
#include "lib/chain.h"
#include "lib/helper.h"
#include "lib/names.h"
#include "lib/parse.h"
#include "lib/validate.h"

#define BENCH_ETH_HLEN 14
#define BENCH_NFPROTO_IPV4 2
#define BENCH_MAX_MAPS 64
/* Packets of the probe run that plans a case: enough to see its cost,
 * few enough that a 1M-rule walk (~15 ms each) stays short. */
#define BENCH_PROBE_REPEAT 10

/* The netfilter test run's context: struct nf_hook_state's head. */
struct bench_nf_state {
	uint8_t hook;
	uint8_t pf;
	void *in;
	void *out;
	void *sk;
	void *net;
	void *okfn;
};

double bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static bool bench_is_nf(enum bf_hook hook)
{
	return hook >= BF_HOOK_NF_PRE_ROUTING && hook <= BF_HOOK_NF_POST_ROUTING;
}

static uint64_t bench_fd_memlock(int fd)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* memlock of every map the program uses (its chain's maps and .rodata). */
uint64_t bench_prog_map_bytes(int prog_fd)
{
	uint32_t ids[BENCH_MAX_MAPS];
	struct bpf_prog_info info = { .nr_map_ids = BENCH_MAX_MAPS, .map_ids = (uintptr_t)ids };
	uint32_t len = sizeof(info);
	uint64_t total = 0;

	if (bpf_prog_get_info_by_fd(prog_fd, &info, &len))
		return 0;
	for (uint32_t i = 0; i < info.nr_map_ids && i < BENCH_MAX_MAPS; i++) {
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		total += bench_fd_memlock(fd);
		close(fd);
	}
	return total;
}

static struct bf_chain *bench_parse(const char *text, char *err, size_t errlen)
{
	_cleanup_bf_ruleset_ struct bf_ruleset *rs = NULL;
	struct bf_chain *chain;

	if (bf_parse_ruleset(text, &rs, err, errlen))
		return NULL;
	if (rs->nchains != 1) {
		snprintf(err, errlen, "%zu chains, expected 1", rs->nchains);
		return NULL;
	}
	chain = TAKE_PTR(rs->chains[0]);
	if (bf_chain_validate(chain, err, errlen) || bf_chain_resolve(chain, err, errlen))
		bf_chain_free(&chain);
	return chain;
}

int bench_load_chain(struct bench_prog *p, const char *text)
{
	struct bf_chain *chain;
	char err[512] = "";
	double start;
	int r;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	start = bench_now_ms();
	chain = bench_parse(text, err, sizeof(err));
	p->parse_ms = bench_now_ms() - start;
	if (!chain) {
		fprintf(stderr, "bf_bench: chain refused: %s\n", err);
		return -EINVAL;
	}
	p->hook = chain->hook;
	start = bench_now_ms();
	r = bf_prog_load(chain, &p->prog, err, sizeof(err));
	p->load_ms = bench_now_ms() - start;
	bf_chain_free(&chain);
	if (r) {
		fprintf(stderr, "bf_bench: bf_prog_load: %s\n", err);
		return r;
	}
	p->fd = p->prog->fd;
	p->map_bytes = bench_prog_map_bytes(p->fd);
	return 0;
}

static void bench_floor_type(enum bf_hook hook, enum bpf_prog_type *type,
			     enum bpf_attach_type *attach, int *pass)
{
	switch (hook) {
	case BF_HOOK_XDP:
		*type = BPF_PROG_TYPE_XDP;
		*attach = BPF_XDP;
		*pass = XDP_PASS;
		break;
	case BF_HOOK_TC_INGRESS:
	case BF_HOOK_TC_EGRESS:
		*type = BPF_PROG_TYPE_SCHED_CLS;
		*attach = hook == BF_HOOK_TC_INGRESS ? BPF_TCX_INGRESS : BPF_TCX_EGRESS;
		*pass = TCX_PASS;
		break;
	case BF_HOOK_CGROUP_SKB_INGRESS:
	case BF_HOOK_CGROUP_SKB_EGRESS:
		*type = BPF_PROG_TYPE_CGROUP_SKB;
		*attach = hook == BF_HOOK_CGROUP_SKB_INGRESS ? BPF_CGROUP_INET_INGRESS
							     : BPF_CGROUP_INET_EGRESS;
		*pass = 1;
		break;
	default:
		*type = BPF_PROG_TYPE_NETFILTER;
		*attach = BPF_NETFILTER;
		*pass = 1; /* NF_ACCEPT */
		break;
	}
}

int bench_load_floor(struct bench_prog *p, enum bf_hook hook)
{
	enum bpf_attach_type attach;
	enum bpf_prog_type type;
	int pass;

	memset(p, 0, sizeof(*p));
	p->hook = hook;
	bench_floor_type(hook, &type, &attach, &pass);

	/* r0 = pass; exit */
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = pass },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach);

	p->fd = bpf_prog_load(type, "bf_bench_floor", "GPL", insns, 2, &opts);
	if (p->fd < 0) {
		fprintf(stderr, "bf_bench: floor for %s: %s\n", bf_hook_to_str(hook) ?: "?",
			strerror(errno));
		return -errno;
	}
	return 0;
}

void bench_close(struct bench_prog *p)
{
	if (p->prog)
		bf_prog_free(&p->prog);
	else if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

static int bench_verdict(enum bf_hook hook, int retval, enum bf_verdict *verdict)
{
	int drop = 0, pass = 1;

	if (hook == BF_HOOK_XDP) {
		drop = XDP_DROP;
		pass = XDP_PASS;
	} else if (hook == BF_HOOK_TC_INGRESS || hook == BF_HOOK_TC_EGRESS) {
		drop = TCX_DROP;
		pass = TCX_PASS;
	}
	if (retval == drop)
		*verdict = BF_VERDICT_DROP;
	else if (retval == pass)
		*verdict = BF_VERDICT_ACCEPT;
	else
		return -ERANGE;
	return 0;
}

/* One test run of @repeat packets: average ns/packet and the verdict. */
static int bench_run(struct bench_prog *p, const uint8_t *frame, size_t len, uint32_t repeat,
		     double *ns, enum bf_verdict *verdict)
{
	struct xdp_md xdp = { .data_end = len, .ingress_ifindex = 1 };
	struct __sk_buff skb = { .ifindex = 1 };
	struct bench_nf_state nf = { .hook = p->hook - BF_HOOK_NF_PRE_ROUTING,
				     .pf = BENCH_NFPROTO_IPV4 };
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = frame, .data_size_in = len,
		    .repeat = repeat);

	if (p->hook == BF_HOOK_XDP) {
		topts.ctx_in = &xdp;
		topts.ctx_size_in = sizeof(xdp);
	} else if (bench_is_nf(p->hook)) {
		topts.ctx_in = &nf;
		topts.ctx_size_in = sizeof(nf);
	} else {
		topts.ctx_in = &skb;
		topts.ctx_size_in = sizeof(skb);
	}
	if (bpf_prog_test_run_opts(p->fd, &topts))
		return -errno;
	/* The kernel's own average, in whole ns: it leaves out the run's
	 * setup and the time the CPU was given away. */
	*ns = topts.duration;
	return bench_verdict(p->hook, (int)topts.retval, verdict);
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int bench_check(const char *what, int r, enum bf_verdict got, enum bf_verdict expect)
{
	if (r) {
		fprintf(stderr, "bf_bench: %s: test run failed: %s\n", what, strerror(-r));
		return r;
	}
	if (got != expect) {
		fprintf(stderr, "bf_bench: %s: wrong verdict %s, expected %s\n", what,
			bf_verdict_to_str(got) ?: "?", bf_verdict_to_str(expect) ?: "?");
		return -EBADMSG;
	}
	return 0;
}

const char *bench_fmt_ns(double ns, char *buf, size_t size)
{
	if (ns >= 1e6)
		snprintf(buf, size, "%.3g ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, size, "%.3g us", ns / 1e3);
	else
		snprintf(buf, size, "%.0f ns", ns);
	return buf;
}

/*
 * Fit the case in the budget from the probe's cost: all of cfg's repeats,
 * or fewer (a multiple of 100, at least min_repeat), or none.
 */
static void bench_plan(const struct bench_cfg *cfg, double probe_ns, struct bench_result *res)
{
	double per_trial_s = cfg->trials * probe_ns * 1e-9;
	double full_s = per_trial_s * cfg->repeat;
	double fit = per_trial_s > 0 ? cfg->budget_s / per_trial_s : INFINITY;
	char cost[32];

	res->trials = cfg->trials;
	res->repeat = cfg->repeat;
	res->status = BENCH_FULL;
	if (full_s <= cfg->budget_s)
		return;
	bench_fmt_ns(probe_ns, cost, sizeof(cost));
	if (fit >= cfg->min_repeat) {
		res->status = BENCH_REDUCED;
		res->repeat = (uint32_t)(fit / 100) * 100;
		if (res->repeat < cfg->min_repeat)
			res->repeat = cfg->min_repeat;
		snprintf(res->why, sizeof(res->why),
			 "reduced: ~%s/pkt, %u x %u repeats would take %.0f s (budget %.0f s)",
			 cost, cfg->trials, cfg->repeat, full_s, cfg->budget_s);
		return;
	}
	res->status = BENCH_SKIPPED;
	snprintf(res->why, sizeof(res->why),
		 "skipped: ~%s/pkt, even %u x %u repeats would take %.0f s (budget %.0f s)", cost,
		 cfg->trials, cfg->min_repeat, per_trial_s * cfg->min_repeat, cfg->budget_s);
}

int bench_measure(const struct bench_cfg *cfg, struct bench_prog *p, struct bench_prog *floor,
		  const struct bench_ref *ref, const uint8_t *frame, size_t len,
		  enum bf_verdict expect, struct bench_result *res)
{
	_cleanup_free_ double *v = calloc(cfg->trials, sizeof(*v));
	_cleanup_free_ double *f = calloc(cfg->trials, sizeof(*f));
	_cleanup_free_ double *rv = calloc(cfg->trials, sizeof(*rv));
	enum bf_verdict got = _BF_VERDICT_MAX;
	int r;

	if (!v || !f || !rv)
		return -ENOMEM;
	memset(res, 0, sizeof(*res));
	res->ns = res->floor_ns = res->ref_ns = NAN;
	/* The probe checks the verdict too: a skipped case is still checked. */
	r = bench_run(p, frame, len, BENCH_PROBE_REPEAT, &res->probe_ns, &got);
	r = bench_check("chain", r, got, expect);
	if (r)
		return r;
	bench_plan(cfg, res->probe_ns, res);
	if (res->status == BENCH_SKIPPED)
		return 0;

	for (uint32_t i = 0; i < res->trials; i++) {
		r = bench_run(floor, frame, len, cfg->repeat, &f[i], &got);
		r = bench_check("floor", r, got, BF_VERDICT_ACCEPT);
		if (r)
			return r;
		if (ref) {
			r = bench_run(ref->prog, ref->frame, ref->len, cfg->repeat, &rv[i], &got);
			r = bench_check("reference", r, got, ref->expect);
			if (r)
				return r;
		}
		r = bench_run(p, frame, len, res->repeat, &v[i], &got);
		r = bench_check("chain", r, got, expect);
		if (r)
			return r;
	}
	res->ns = bench_median(v, res->trials);
	res->floor_ns = bench_median(f, res->trials);
	if (ref)
		res->ref_ns = bench_median(rv, res->trials);
	return 0;
}
